/**
 * Which ink is the digit: a binary ink mask, removal of ruled lines and box borders that run
 * past the digit, 8-connected components, and the choice of the digit's components (the
 * heaviest, most central mass plus the strokes near it; speckle and things touching the image
 * edge that are not the digit are dropped). Pure functions on a mask; no scaling here.
 */
import type { Plane, Rect } from './plane.js';

/** Pixels whose normalised ink reaches this are "ink" for shape decisions (not for rendering). */
export const MASK_THRESHOLD = 0.35;

export function inkMask(ink: Plane, threshold = MASK_THRESHOLD): Uint8Array {
  const m = new Uint8Array(ink.data.length);
  const d = ink.data;
  for (let i = 0; i < d.length; i++) m[i] = d[i] >= threshold ? 1 : 0;
  return m;
}

/** Edges of the image a component touches, as bit flags. */
export const LEFT = 1;
export const TOP = 2;
export const RIGHT = 4;
export const BOTTOM = 8;

export interface Component {
  label: number;
  /** Mask pixels. */
  area: number;
  /** Sum of normalised ink over the pixels. */
  mass: number;
  box: Rect;
  /** Ink-weighted centroid. */
  cx: number;
  cy: number;
  touches: number;
  /** Pixels on the image's outermost rows and columns. */
  edgePixels: number;
}

/**
 * Two-pass 8-connected labelling with union-find: labels[i] is 0 for background, else the
 * component's label (1-based, index + 1 into components).
 */
export function labelComponents(mask: Uint8Array, width: number, height: number, ink?: Plane): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(width * height);
  // Union-find forest over provisional labels. A new label needs an empty west neighbour, so a
  // row starts at most ceil(width / 2) of them.
  const parent = new Int32Array(Math.ceil(width / 2) * height + 2);
  let next = 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      // Already-visited neighbours: W, NW, N, NE. Take the first label, merge the others into it.
      let l = x > 0 ? labels[i - 1] : 0;
      for (let k = 0; k < 3; k++) {
        if (y === 0) break;
        const xx = x - 1 + k;
        if (xx < 0 || xx >= width) continue;
        let m = labels[i - width - 1 + k];
        if (!m) continue;
        if (!l) {
          l = m;
          continue;
        }
        // Find both roots (with path halving) and link the larger under the smaller.
        let a = l;
        while (parent[a] !== a) a = parent[a] = parent[parent[a]];
        while (parent[m] !== m) m = parent[m] = parent[parent[m]];
        if (a < m) parent[m] = a;
        else if (m < a) parent[a] = m;
        l = a < m ? a : m;
      }
      if (!l) {
        l = next++;
        parent[l] = l;
      }
      labels[i] = l;
    }
  }
  // Compact the roots to 1..n and gather statistics in one pass.
  const compact = new Int32Array(next);
  const components: Component[] = [];
  for (let l = 1; l < next; l++) {
    let r = l;
    while (parent[r] !== r) r = parent[r];
    if (!compact[r]) {
      components.push({ label: components.length + 1, area: 0, mass: 0, box: { x0: width, y0: height, x1: 0, y1: 0 }, cx: 0, cy: 0, touches: 0, edgePixels: 0 });
      compact[r] = components.length;
    }
    compact[l] = compact[r];
  }
  const inkData = ink?.data;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!labels[i]) continue;
      const lab = compact[labels[i]];
      labels[i] = lab;
      const c = components[lab - 1];
      const w = inkData ? inkData[i] : 1;
      c.area++;
      c.mass += w;
      c.cx += w * x;
      c.cy += w * y;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) c.edgePixels++;
      if (x < c.box.x0) c.box.x0 = x;
      if (x + 1 > c.box.x1) c.box.x1 = x + 1;
      if (y < c.box.y0) c.box.y0 = y;
      if (y + 1 > c.box.y1) c.box.y1 = y + 1;
    }
  }
  for (const c of components) {
    c.cx /= c.mass || 1;
    c.cy /= c.mass || 1;
    c.touches = (c.box.x0 === 0 ? LEFT : 0) | (c.box.y0 === 0 ? TOP : 0) | (c.box.x1 === width ? RIGHT : 0) | (c.box.y1 === height ? BOTTOM : 0);
  }
  return { labels, components };
}

/**
 * Finds long straight horizontal and vertical lines (ruled paper, a form's box) and returns
 * the pixels to erase. A band of rows whose ink covers at least 80% of the width (a rule crosses
 * the page) counts as a line only if it is thin (at most 6% of the height), at least 1.3 times as long as the rest of the ink is wide, runs past
 * that rest by 10% of the width on both sides, and the rest has at least 30% of the band's ink
 * (a lone stroke is more likely a 1 than a rule; a shadow filling most of a column is not counted
 * as the rest):
 * a 7's top bar or a 2's base ends where the digit ends, a ruled line does not. Where a stroke
 * crosses the line (ink right above and below), that column of the band is kept. Returns null
 * when there are no lines (the usual case).
 */
export function findRuledLines(mask: Uint8Array, width: number, height: number): Uint8Array | null {
  // Ink per row and per column in one pass; most images have no row or column near 80% and stop here.
  const rowInk = new Int32Array(height);
  const colInk = new Int32Array(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let n = 0;
    for (let x = 0; x < width; x++) {
      const m = mask[row + x];
      n += m;
      colInk[x] += m;
    }
    rowInk[y] = n;
  }
  let erase: Uint8Array | null = null;
  if (rowInk.some((n) => n >= 0.8 * width)) {
    erase = new Uint8Array(width * height);
    markLines(mask, erase, rowInk, width, height, 1, width);
  }
  if (colInk.some((n) => n >= 0.8 * height)) {
    erase ??= new Uint8Array(width * height);
    markLines(mask, erase, colInk, height, width, width, 1);
  }
  return erase && erase.includes(1) ? erase : null;
}

/**
 * One direction of findRuledLines. "Along" runs along the candidate line, "across" steps from
 * line to line: pixel (a, c) is at c * acrossStride + a * alongStride.
 */
function markLines(
  mask: Uint8Array,
  erase: Uint8Array,
  coverage: Int32Array,
  along: number,
  across: number,
  alongStride: number,
  acrossStride: number,
): void {
  const maxThickness = Math.max(1, Math.floor(0.06 * across));
  const minCoverage = 0.8 * along;
  const overhang = Math.max(3, Math.round(0.1 * along));
  for (let c = 0; c < across; ) {
    if (coverage[c] < minCoverage) {
      c++;
      continue;
    }
    let c1 = c;
    while (c1 + 1 < across && coverage[c1 + 1] >= minCoverage) c1++;
    const bandStart = c;
    const bandEnd = c1;
    c = c1 + 1;
    if (bandEnd - bandStart + 1 > maxThickness) continue;
    // Extent of the band and of the ink outside it, along the line.
    let bandLo = along;
    let bandHi = -1;
    let restLo = along;
    let restHi = -1;
    let bandPixels = 0;
    let restPixels = 0;
    for (let a = 0; a < along; a++) {
      let inBand = false;
      let restHere = 0;
      for (let cc = 0; cc < across; cc++) {
        if (!mask[cc * acrossStride + a * alongStride]) continue;
        if (cc >= bandStart && cc <= bandEnd) {
          inBand = true;
          bandPixels++;
        } else if (cc < bandStart - 1 || cc > bandEnd + 1) {
          restHere++;
        }
      }
      if (inBand) {
        if (a < bandLo) bandLo = a;
        bandHi = a;
      }
      // A position where ink fills most of the way across is a shadow or the page's edge, which
      // the line runs into; it says nothing about where the digit ends.
      if (restHere > 0 && restHere < 0.6 * across) {
        restPixels += restHere;
        if (a < restLo) restLo = a;
        restHi = a;
      }
    }
    // With little else on the page the band may be the digit itself (a 1 lying in a tight crop).
    const longer = bandHi - bandLo + 1 >= 1.3 * (restHi - restLo + 1);
    const isLine = restPixels >= 0.3 * bandPixels && longer && restLo - bandLo >= overhang && bandHi - restHi >= overhang;
    if (!isLine) continue;
    const from = Math.max(0, bandStart - 1);
    const to = Math.min(across - 1, bandEnd + 1);
    for (let a = 0; a < along; a++) {
      const before = bandStart >= 2 && mask[(bandStart - 2) * acrossStride + a * alongStride];
      const after = bandEnd + 2 < across && mask[(bandEnd + 2) * acrossStride + a * alongStride];
      if (before && after) continue;
      for (let cc = from; cc <= to; cc++) erase[cc * acrossStride + a * alongStride] = 1;
    }
  }
}

function gap(a: Rect, b: Rect): number {
  const dx = Math.max(0, a.x0 - b.x1, b.x0 - a.x1);
  const dy = Math.max(0, a.y0 - b.y1, b.y0 - a.y1);
  return Math.max(dx, dy);
}

function union(a: Rect, b: Rect): Rect {
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

function inside(inner: Rect, outer: Rect): boolean {
  return inner.x0 >= outer.x0 && inner.y0 >= outer.y0 && inner.x1 <= outer.x1 && inner.y1 <= outer.y1;
}

/**
 * Score weight of a component that runs along a fifth of the image's outline: a desk, a shadow or
 * the page's edge. Small enough that a dark desk filling a third of a photo (whose mass is 50 times
 * a thin 1's) does not outscore the digit; a digit filling a tight crop still wins when alone.
 */
export const ALONG_EDGE_WEIGHT = 0.002;

export interface DigitSelection {
  /** Labels of the chosen components. */
  labels: number[];
  box: Rect;
  mass: number;
  area: number;
}

/**
 * Chooses the digit among the components. The seed is the component with the best score:
 * its ink mass, discounted by distance from the image centre and for touching the image edge
 * (a neighbouring digit cut by the crop), heavily so for running along a fifth of the image's
 * outline (a table, a shadow, the page's edge) — but a digit that fills a tight crop still wins
 * when nothing else is there. Then nearby components join (a 5's
 * bar, a 4 drawn in two strokes, a pen skip): ones within a quarter of the digit's size, with at
 * least 8% of its mass if they would extend its box (2% if inside it), and not touching an image
 * edge the digit does not already touch. Speckle (under 1% of the seed's mass) never joins.
 */
export function selectDigit(components: Component[], width: number, height: number): DigitSelection | null {
  if (components.length === 0) return null;
  const cx = width / 2;
  const cy = height / 2;
  const diag = Math.hypot(width, height);
  let best: Component | null = null;
  let bestScore = -1;
  for (const c of components) {
    const d = Math.hypot(c.cx + 0.5 - cx, c.cy + 0.5 - cy) / (0.35 * diag);
    let score = c.mass / (1 + d * d);
    if (c.touches) {
      const bw = c.box.x1 - c.box.x0;
      const bh = c.box.y1 - c.box.y0;
      // A digit cut by a tight crop meets the edge where its strokes end, a small part of the
      // image's outline; a table, a shadow or the page's edge runs along it.
      const alongEdge = c.edgePixels > 0.2 * (2 * width + 2 * height - 4);
      // Spanning the whole image in one direction while thin in the other is a line.
      const spans = (bw >= 0.9 * width || bh >= 0.9 * height) && c.area < 0.5 * bw * bh;
      score *= alongEdge ? ALONG_EDGE_WEIGHT : spans ? 0.1 : 0.3;
    }
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  if (!best) return null;
  const chosen = new Set<number>([best.label]);
  let box = { ...best.box };
  let mass = best.mass;
  let area = best.area;
  let touches = best.touches;
  const seedMass = best.mass;
  const rest = components.filter((c) => c !== best && c.mass >= 0.01 * seedMass).sort((a, b) => b.mass - a.mass);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of rest) {
      if (chosen.has(c.label)) continue;
      const size = Math.max(box.x1 - box.x0, box.y1 - box.y0);
      if (gap(c.box, box) > 0.25 * size) continue;
      if (c.touches & ~touches) continue;
      const need = inside(c.box, box) ? 0.02 : 0.08;
      if (c.mass < need * mass) continue;
      chosen.add(c.label);
      box = union(box, c.box);
      mass += c.mass;
      area += c.area;
      touches |= c.touches;
      grew = true;
    }
  }
  return { labels: [...chosen], box, mass, area };
}
