/**
 * Paper and ink: a smooth model of the paper's brightness (so a phone photo's uneven light and
 * grey paper stop mattering), the decision whether the ink is darker or lighter than the paper,
 * the raw ink map measured against that paper, with its contrast normalised, and the paper level
 * that transparent pixels are shown on (choosePaperLevel). Not here: which ink is the digit (segment.ts) or how it is scaled (layout.ts).
 */
import { downsampleBox, type Plane, type Rect } from './plane.js';

export type Polarity = 'dark-on-light' | 'light-on-dark';

/**
 * Paper brightness as a quadratic surface over the image, b = c0 + c1 u + c2 v + c3 u^2 + c4 uv + c5 v^2,
 * with u, v the pixel-centre position scaled to -1..1 across the image. A quadratic follows
 * vignetting and light falling off across a page but cannot bend around strokes, so it needs no
 * guess of the stroke width; defined on relative positions, it applies to the image at any scale.
 */
export interface Background {
  coeffs: Float64Array;
  /** Robust standard deviation of the fit's residuals on the grid it was fitted to. */
  gridNoise: number;
}

/** Fits are made on a grid of at most this many cells per side (cell means of the plane). */
const GRID_SIDE = 16;

export function backgroundAt(bg: Background, u: number, v: number): number {
  const c = bg.coeffs;
  return c[0] + c[1] * u + c[2] * v + c[3] * u * u + c[4] * u * v + c[5] * v * v;
}

/**
 * Evaluates the background at every pixel of a plane covering the whole image (width x height),
 * or only over `rect` of it (the result is then rect-sized): the surface is defined on relative
 * positions, so the same fit serves the downsampled working image and the full-resolution crop.
 */
export function renderBackground(bg: Background, width: number, height: number, rect?: Rect): Plane {
  const r = rect ?? { x0: 0, y0: 0, x1: width, y1: height };
  const ow = r.x1 - r.x0;
  const oh = r.y1 - r.y0;
  const out = new Float32Array(ow * oh);
  const c = bg.coeffs;
  for (let y = 0; y < oh; y++) {
    const v = (2 * (r.y0 + y + 0.5)) / height - 1;
    // b is quadratic in u for a fixed row: collect the row's constant, linear and square terms.
    const k0 = c[0] + c[2] * v + c[5] * v * v;
    const k1 = c[1] + c[4] * v;
    const row = y * ow;
    for (let x = 0; x < ow; x++) {
      const u = (2 * (r.x0 + x + 0.5)) / width - 1;
      out[row + x] = k0 + (k1 + c[3] * u) * u;
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Median of a copy of the values (they are few: grid cells or a sample). */
function median(values: Float64Array | Float32Array): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Solves the weighted least-squares quadratic (or a constant when there are too few points). */
function solveQuadratic(u: Float64Array, v: Float64Array, z: Float64Array, use: Uint8Array, quadratic: boolean): Float64Array {
  const n = quadratic ? 6 : 1;
  const A = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  const f = new Float64Array(6);
  let count = 0;
  for (let i = 0; i < z.length; i++) {
    if (!use[i]) continue;
    count++;
    f[0] = 1;
    f[1] = u[i];
    f[2] = v[i];
    f[3] = u[i] * u[i];
    f[4] = u[i] * v[i];
    f[5] = v[i] * v[i];
    for (let r = 0; r < n; r++) {
      rhs[r] += f[r] * z[i];
      for (let c = r; c < n; c++) A[r * n + c] += f[r] * f[c];
    }
  }
  for (let r = 1; r < n; r++) for (let c = 0; c < r; c++) A[r * n + c] = A[c * n + r];
  const coeffs = new Float64Array(6);
  if (count === 0) return coeffs;
  // A tiny ridge keeps the system solvable when the inliers sit on a line (e.g. one row).
  for (let r = 1; r < n; r++) A[r * n + r] += 1e-6 * count;
  // Gaussian elimination with partial pivoting on the small normal equations.
  const M = A;
  const b = rhs;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r * n + col]) > Math.abs(M[piv * n + col])) piv = r;
    if (Math.abs(M[piv * n + col]) < 1e-12) continue;
    if (piv !== col) {
      for (let c = 0; c < n; c++) {
        const t = M[col * n + c];
        M[col * n + c] = M[piv * n + c];
        M[piv * n + c] = t;
      }
      const t = b[col];
      b[col] = b[piv];
      b[piv] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const factor = M[r * n + col] / M[col * n + col];
      if (factor === 0) continue;
      for (let c = col; c < n; c++) M[r * n + c] -= factor * M[col * n + c];
      b[r] -= factor * b[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= M[r * n + c] * coeffs[c];
    coeffs[r] = Math.abs(M[r * n + r]) < 1e-12 ? 0 : s / M[r * n + r];
  }
  return coeffs;
}

/** Cell means of a plane, with each cell's centre as a relative position (-1..1) in the image. */
export interface Grid extends Plane {
  /** Centre of each column of cells, and of each row, in the coordinates of the Background. */
  u: Float64Array;
  v: Float64Array;
}

/**
 * The plane averaged into cells, at most GRID_SIDE per side: what fitBackground fits, and enough
 * to decide the polarity (averaging keeps each cell's total ink, and evens out the noise). The
 * last row and column of cells may be partial; their true centres are recorded.
 */
export function backgroundGrid(plane: Plane): Grid {
  const k = Math.max(1, Math.ceil(Math.max(plane.width, plane.height) / GRID_SIDE));
  const cells = downsampleBox(plane, k);
  const centres = (n: number, size: number) =>
    Float64Array.from({ length: n }, (_, i) => (i * k + Math.min(size, (i + 1) * k)) / size - 1);
  return { ...cells, u: centres(cells.width, plane.width), v: centres(cells.height, plane.height) };
}

/**
 * Robust fit of the paper brightness on the plane's backgroundGrid (pass a Grid to reuse one).
 * Strokes, shadows and specks are outliers: start from the median and its MAD, then alternate
 * least squares on the inliers with re-selecting inliers. Before the polarity is known the
 * rejection is symmetric; once it is known, cells on the ink side are rejected sooner (1.5 sigma)
 * than cells on the paper side (3 sigma), because partly inked cells otherwise drag the paper
 * towards the ink.
 */
export function fitBackground(source: Plane | Grid, polarity?: Polarity): Background {
  const grid = 'u' in source ? source : backgroundGrid(source);
  const n = grid.width * grid.height;
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  const z = new Float64Array(n);
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      const i = y * grid.width + x;
      u[i] = grid.u[x];
      v[i] = grid.v[y];
      z[i] = grid.data[i];
    }
  }
  // A quadratic needs cells spread over the image; tiny images get a constant.
  const quadratic = grid.width >= 6 && grid.height >= 6;
  const use = new Uint8Array(n);
  const res = new Float64Array(n);
  const minSigma = 0.5 / 255;
  const med = median(z);
  for (let i = 0; i < n; i++) res[i] = z[i] - med;
  let sigma = Math.max(minSigma, 1.4826 * median(res.map(Math.abs)));
  let coeffs: Float64Array = new Float64Array(6);
  coeffs[0] = med;
  const inkSign = polarity === undefined ? 0 : polarity === 'dark-on-light' ? -1 : 1;
  for (let iter = 0; iter < 3; iter++) {
    let used = 0;
    for (let i = 0; i < n; i++) {
      const r = res[i] * (inkSign || 1);
      const ok = inkSign === 0 ? Math.abs(res[i]) <= 2.5 * sigma : r <= 1.5 * sigma && r >= -3 * sigma;
      use[i] = ok ? 1 : 0;
      used += use[i];
    }
    if (used < 6) break;
    coeffs = solveQuadratic(u, v, z, use, quadratic);
    const bg: Background = { coeffs, gridNoise: sigma };
    const absInliers: number[] = [];
    for (let i = 0; i < n; i++) {
      res[i] = z[i] - backgroundAt(bg, u[i], v[i]);
      if (use[i]) absInliers.push(Math.abs(res[i]));
    }
    sigma = Math.max(minSigma, 1.4826 * median(Float64Array.from(absInliers)));
  }
  return { coeffs, gridNoise: sigma };
}

/**
 * Pixel noise (paper texture, sensor noise) around the background, as a standard deviation in
 * gray units: 1.4826 times the median absolute residual, from a 4096-bin histogram so it costs
 * one pass. Robust to the ink, which is a minority of the pixels.
 */
export function pixelNoise(plane: Plane, bgPlane: Plane): number {
  const bins = 4096;
  const hist = new Uint32Array(bins);
  const p = plane.data;
  const b = bgPlane.data;
  for (let i = 0; i < p.length; i++) {
    const r = p[i] - b[i];
    const a = r < 0 ? -r : r;
    hist[a >= 1 ? bins - 1 : (a * bins) | 0]++;
  }
  let acc = 0;
  for (let bin = 0; bin < bins; bin++) {
    acc += hist[bin];
    if (acc >= 0.5 * p.length) return (1.4826 * (bin + 0.5)) / bins;
  }
  return 0;
}

/** The evidence for the polarity: how much deviation each side of the paper holds. */
export interface PolarityEvidence {
  polarity: Polarity;
  /** Sum over cells of how far each lies darker than the paper beyond the noise. */
  darkMass: number;
  lightMass: number;
}

/**
 * Decides whether the ink is darker or lighter than the paper by comparing the two tails of the
 * residuals around the paper model, not by a fixed threshold: a dim photo has grey paper and
 * pencil can be light grey, but the ink is always the side with the large excursion. Run on the
 * background grid: averaging into cells keeps each cell's ink and shrinks the noise.
 */
export function decidePolarity(grid: Grid, bg: Background): PolarityEvidence {
  const bgPlane = { width: grid.width, height: grid.height, data: new Float32Array(grid.width * grid.height) };
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) bgPlane.data[y * grid.width + x] = backgroundAt(bg, grid.u[x], grid.v[y]);
  }
  const t = 3 * pixelNoise(grid, bgPlane) + 0.5 / 255;
  let dark = 0;
  let light = 0;
  const p = grid.data;
  const b = bgPlane.data;
  for (let i = 0; i < p.length; i++) {
    const r = p[i] - b[i];
    if (r < -t) dark += -r - t;
    else if (r > t) light += r - t;
  }
  return { polarity: dark >= light ? 'dark-on-light' : 'light-on-dark', darkMass: dark, lightMass: light };
}

/** Where a plane sits in the whole image, so the background (defined on relative positions) applies. */
export interface Frame {
  /** Size of the whole image, in the plane's pixels. */
  width: number;
  height: number;
  /** The plane's top-left corner in the whole image. */
  x0: number;
  y0: number;
}

/** The ink map and the pixel noise measured while making it. */
export interface InkMeasure {
  /** Ink relative to the paper, 0 = paper, about 1 = black ink on white (or white on black). */
  ink: Plane;
  /**
   * Pixel noise (paper texture, sensor noise) in ink units: 1.4826 times the median absolute
   * deviation from the paper, over all pixels (the ink is a minority, so the median is paper).
   */
  noise: number;
  /** inkHistogram(ink), made in the same pass. */
  histogram: Uint32Array;
}

/** Bins of the ink histograms (resolution 1/4096 of full contrast). */
export const INK_BINS = 4096;

/**
 * Ink relative to the paper. Dark ink is measured as the fraction of the paper's brightness it
 * removes, (b - p) / b: light falling off across a photo scales paper and ink alike, so the ratio
 * stays constant where a difference would not. Light ink on a dark ground (a screen, chalk) is
 * measured towards white, (p - b) / (1 - b). The background is evaluated row by row in the same
 * pass (it is quadratic in x for a fixed row), and the noise comes from a histogram of the same
 * deviations, so this is one pass over the pixels.
 */
export function inkMap(plane: Plane, bg: Background, polarity: Polarity, frame?: Frame): InkMeasure {
  const { width: w, height: h, data: p } = plane;
  const fw = frame?.width ?? w;
  const fh = frame?.height ?? h;
  const fx0 = frame?.x0 ?? 0;
  const fy0 = frame?.y0 ?? 0;
  const out = new Float32Array(w * h);
  const c = bg.coeffs;
  const dark = polarity === 'dark-on-light';
  const bins = INK_BINS;
  const hist = new Uint32Array(bins);
  const inkHist = new Uint32Array(bins);
  const uCol = new Float64Array(w);
  for (let x = 0; x < w; x++) uCol[x] = (2 * (fx0 + x + 0.5)) / fw - 1;
  // One straight loop with every path taken from the first pixels on: a branch first met after
  // the optimiser has run sends the whole loop back to the interpreter.
  for (let y = 0; y < h; y++) {
    const v = (2 * (fy0 + y + 0.5)) / fh - 1;
    const k0 = c[0] + c[2] * v + c[5] * v * v;
    const k1 = c[1] + c[4] * v;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const u = uCol[x];
      const b = k0 + (k1 + c[3] * u) * u;
      const pv = p[row + x];
      const r = dark ? (b - pv) / Math.max(b, 0.02) : (pv - b) / Math.max(1 - b, 0.02);
      const bin = Math.min(bins - 1, (Math.abs(r) * bins) | 0);
      const ink = Math.max(r, 0);
      hist[bin]++;
      inkHist[ink > 0 ? bin : 0]++;
      out[row + x] = ink;
    }
  }
  let acc = 0;
  let noise = 0;
  for (let bin = 0; bin < bins; bin++) {
    acc += hist[bin];
    if (acc >= 0.5 * w * h) {
      noise = (1.4826 * (bin + 0.5)) / bins;
      break;
    }
  }
  return { ink: { width: w, height: h, data: out }, noise, histogram: inkHist };
}

/** How the raw ink map is mapped to 0..1: at or below floor it becomes 0, at or above peak 1. */
export interface ContrastLevels {
  floor: number;
  peak: number;
}

/** The faintest ink we accept: 6% of the paper's brightness (or of the room above a dark ground). */
export const MIN_INK_CONTRAST = 0.06;

/**
 * Picks the contrast levels: floor a few noise deviations above paper, so paper texture and
 * sensor noise become exactly 0 as MNIST's background is; peak at the 90th percentile of the
 * clearly-inked pixels, so a stroke's core reaches full ink whatever the pen or the light.
 * Works on the ink map's histogram (inkHistogram, or the one inkMap makes on the way).
 * Returns null when nothing stands out from the paper (a blank image).
 */
export function contrastLevels(histogram: Uint32Array, noise: number): ContrastLevels | null {
  const bins = histogram.length;
  const floor = Math.max(3 * noise, 0.5 / 255);
  const candidate = Math.max(2 * floor, MIN_INK_CONTRAST / 2);
  const firstBin = Math.min(bins - 1, Math.floor(candidate * bins) + 1);
  let count = 0;
  for (let bin = firstBin; bin < bins; bin++) count += histogram[bin];
  if (count < 3) return null;
  let acc = 0;
  let peak = 1;
  for (let bin = firstBin; bin < bins; bin++) {
    acc += histogram[bin];
    if (acc >= 0.9 * count) {
      peak = (bin + 0.5) / bins;
      break;
    }
  }
  if (peak < MIN_INK_CONTRAST || peak < 6 * noise) return null;
  return { floor: Math.min(floor, 0.5 * peak), peak };
}

/** Histogram of ink values over 0..1 in INK_BINS bins (the last bin also holds values >= 1). */
export function inkHistogram(ink: Plane): Uint32Array {
  const hist = new Uint32Array(INK_BINS);
  const d = ink.data;
  for (let i = 0; i < d.length; i++) hist[d[i] >= 1 ? INK_BINS - 1 : (d[i] * INK_BINS) | 0]++;
  return hist;
}

/**
 * Applies contrast levels: ink / peak, clamped to 0..1, with a soft floor: values up to the floor
 * become 0 and the next floor's worth ramps up to the plain ratio. The floor only removes noise;
 * it does not shift where a stroke's edge is, so a noisy photo's strokes measure as wide as a
 * clean scan's.
 */
export function normaliseContrast(rawInk: Plane, levels: ContrastLevels): Plane {
  const out = new Float32Array(rawInk.data.length);
  const d = rawInk.data;
  const f = levels.floor;
  const scale = 1 / Math.max(1e-6, levels.peak);
  const ramp = 1 / Math.max(1e-6, f);
  for (let i = 0; i < d.length; i++) {
    const r = d[i];
    if (r <= f) continue;
    let v = r * scale;
    if (r < 2 * f) v *= (r - f) * ramp;
    out[i] = v >= 1 ? 1 : v;
  }
  return { width: rawInk.width, height: rawInk.height, data: out };
}

/**
 * Chooses the gray level that transparent pixels are shown on. Two kinds of image carry alpha:
 * - a picture with transparent margins: the opaque pixels are the majority and hold paper and
 *   ink, so their paper (the median gray) is extended into the margins;
 * - strokes painted on a transparent canvas: the opaque pixels are a minority and are the ink,
 *   so the paper must contrast with the pen's colour (white under dark strokes, black under
 *   light ones). The pen's colour is read from the strokes' cores (the deepest quarter of the
 *   opaque pixels, by distance from transparency), because programs that bake anti-aliasing
 *   into the colour (palette images) give the strokes wide rims blended towards their background.
 */
export function choosePaperLevel(gray: Plane, alpha: Plane): number {
  const { width: w, height: h } = gray;
  const g = gray.data;
  const a = alpha.data;
  const n = g.length;
  // City-block distance of each opaque pixel to the nearest transparent one (two passes).
  const depth = new Uint32Array(n);
  const far = w + h;
  let opaque = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (a[i] < 0.5) continue;
      opaque++;
      const left = x > 0 ? depth[i - 1] : far;
      const up = y > 0 ? depth[i - w] : far;
      depth[i] = Math.min(left, up) + 1;
    }
  }
  if (opaque === 0) return 1;
  const all = new Uint32Array(256);
  for (let i = 0; i < n; i++) if (a[i] >= 0.5) all[Math.min(255, Math.max(0, Math.round(g[i] * 255)))]++;
  if (opaque > 0.5 * n) return medianOfHistogram(all, opaque);
  let maxDepth = 0;
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!depth[i]) continue;
      const right = x < w - 1 ? depth[i + 1] : far;
      const down = y < h - 1 ? depth[i + w] : far;
      depth[i] = Math.min(depth[i], Math.min(right, down) + 1);
      if (depth[i] > maxDepth) maxDepth = depth[i];
    }
  }
  const depthCount = new Uint32Array(maxDepth + 1);
  for (let i = 0; i < n; i++) if (depth[i]) depthCount[depth[i]]++;
  let minCore = maxDepth;
  for (let acc = 0; minCore > 1 && acc + depthCount[minCore] < 0.25 * opaque; minCore--) acc += depthCount[minCore];
  const core = new Uint32Array(256);
  let cores = 0;
  for (let i = 0; i < n; i++) {
    if (depth[i] >= minCore) {
      core[Math.min(255, Math.max(0, Math.round(g[i] * 255)))]++;
      cores++;
    }
  }
  const pen = medianOfHistogram(core, cores);
  return pen < 0.5 ? 1 : 0;
}

function medianOfHistogram(hist: Uint32Array, total: number): number {
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    acc += hist[v];
    if (acc >= 0.5 * total) return v / (hist.length - 1);
  }
  return 1;
}

/** One of the two brightness populations of an image. */
export interface Population {
  /** Fraction of the pixels. */
  share: number;
  mean: number;
  /** Median gray of the population (robust against anti-aliased rims). */
  median: number;
  /** Standard deviation of gray within the population. */
  sd: number;
  /** 1.4826 times the median absolute deviation from the median: the spread without the rims. */
  mad: number;
  /** Fraction of the image's outermost pixels that belong to this population. */
  borderShare: number;
}

/** The image split into its darker and its lighter population at Otsu's threshold. */
export interface Populations {
  threshold: number;
  dark: Population;
  light: Population;
}

/** Gray levels of the population histogram: finer than 8 bits so a dim photo keeps its levels. */
const POPULATION_BINS = 1024;

/**
 * Splits the pixels into a darker and a lighter population at the threshold that maximises the
 * between-class variance (Otsu 1979, "A threshold selection method from gray-level histograms").
 * This is the paper model of last resort, for images whose border does not show the paper (a
 * digit cropped to its strokes, a 16x16 scan the digit fills): it needs no paper majority, only
 * two populations. Returns null for a plane of one gray level.
 */
export function splitPopulations(plane: Plane): Populations | null {
  const { width: w, height: h, data } = plane;
  const bins = POPULATION_BINS;
  const hist = new Float64Array(bins);
  const borderHist = new Float64Array(bins);
  const bin = (v: number) => (v <= 0 ? 0 : v >= 1 ? bins - 1 : (v * bins) | 0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const b = bin(data[y * w + x]);
      hist[b]++;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) borderHist[b]++;
    }
  }
  const n = w * h;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += hist[b] * (b + 0.5);
  let best = -1;
  let bestVar = 0;
  let count0 = 0;
  let sum0 = 0;
  for (let b = 0; b < bins - 1; b++) {
    count0 += hist[b];
    sum0 += hist[b] * (b + 0.5);
    const count1 = n - count0;
    if (count0 === 0 || count1 === 0) continue;
    const diff = sum0 / count0 - (sumAll - sum0) / count1;
    const between = count0 * count1 * diff * diff;
    if (between > bestVar) {
      bestVar = between;
      best = b;
    }
  }
  if (best < 0) return null;
  const borderTotal = borderHist.reduce((a, v) => a + v, 0) || 1;
  const describe = (from: number, to: number): Population => {
    let count = 0;
    let sum = 0;
    let sq = 0;
    let border = 0;
    for (let b = from; b < to; b++) {
      const v = (b + 0.5) / bins;
      count += hist[b];
      sum += hist[b] * v;
      sq += hist[b] * v * v;
      border += borderHist[b];
    }
    const mean = sum / count;
    let acc = 0;
    let median = mean;
    for (let b = from; b < to; b++) {
      acc += hist[b];
      if (acc >= count / 2) {
        median = (b + 0.5) / bins;
        break;
      }
    }
    // Median absolute deviation: walk outwards from the median bin, nearer bins first.
    const mid = Math.min(to - 1, Math.max(from, Math.floor(median * bins)));
    let lo = mid;
    let hi = mid + 1;
    let within = 0;
    let mad = 0;
    while (within < count / 2 && (lo >= from || hi < to)) {
      const dLo = lo >= from ? mid - lo : Infinity;
      const dHi = hi < to ? hi - mid : Infinity;
      if (dLo <= dHi) within += hist[lo--];
      else within += hist[hi++];
      mad = Math.min(dLo, dHi) / bins;
    }
    return {
      share: count / n,
      mean,
      median,
      sd: Math.sqrt(Math.max(0, sq / count - mean * mean)),
      mad: 1.4826 * mad,
      borderShare: border / borderTotal,
    };
  };
  return { threshold: (best + 1) / bins, dark: describe(0, best + 1), light: describe(best + 1, bins) };
}

/**
 * How far apart the two populations are, in pooled standard deviations. A digit on paper (even
 * anti-aliased, scanned at 16x16, or a faint pencil) is far above 4; a split of pure noise is
 * about 2.7 (Gaussian) to 3.5 (uniform), since Otsu then only halves one population.
 */
export function populationSeparation(p: Populations): number {
  const pooled = Math.sqrt(p.dark.share * p.dark.sd * p.dark.sd + p.light.share * p.light.sd * p.light.sd);
  return (p.light.mean - p.dark.mean) / Math.max(pooled, 0.5 / 255);
}


/**
 * Correlation of each pixel with its right and lower neighbours (-1..1): strokes, paper and
 * shading are spatially coherent (a blurry digit about 0.9), sensor noise and speckle are not
 * (about 0).
 */
export function neighbourCorrelation(plane: Plane): number {
  const { width: w, height: h, data } = plane;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length || 1;
  let cov = 0;
  let pairs = 0;
  let variance = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = data[y * w + x] - mean;
      variance += d * d;
      if (x + 1 < w) {
        cov += d * (data[y * w + x + 1] - mean);
        pairs++;
      }
      if (y + 1 < h) {
        cov += d * (data[(y + 1) * w + x] - mean);
        pairs++;
      }
    }
  }
  if (variance === 0 || pairs === 0) return 0;
  return cov / pairs / (variance / data.length);
}

/**
 * How much of the picture's variation a smooth paper surface leaves unexplained: the RMS of the
 * residuals over every cell of the background grid (strokes included), as a fraction of the
 * grid's range. A noise-free lighting ramp or vignette is explained almost fully (under 0.001;
 * sensor noise adds to that, most on small pictures); a digit's strokes are not (0.17-0.58 on 200
 * MNIST test digits and the scan, stretched, crop and marker kinds of test/image/realistic.ts).
 */
export function unexplainedBySmoothPaper(plane: Plane): number {
  const grid = backgroundGrid(plane);
  const bg = fitBackground(grid);
  let lo = Infinity;
  let hi = -Infinity;
  let sq = 0;
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      const v = grid.data[y * grid.width + x];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      const r = v - backgroundAt(bg, grid.u[x], grid.v[y]);
      sq += r * r;
    }
  }
  const n = grid.width * grid.height;
  return hi > lo ? Math.sqrt(sq / n) / (hi - lo) : 0;
}
