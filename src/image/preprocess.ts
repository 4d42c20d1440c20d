/**
 * The whole MNIST-style preprocessing of one grayscale image, as a sequence of the small steps
 * in background.ts, segment.ts, stroke.ts and layout.ts: paper model, polarity, contrast, the
 * digit's components, stroke thickness, 20x20 box, centre of mass, bytes. Pure: a plane in, 784
 * bytes (or the reason there is no digit) out; no files, no printing, no PNG knowledge.
 */
import {
  backgroundGrid,
  contrastLevels,
  decidePolarity,
  fitBackground,
  inkMap,
  normaliseContrast,
  type Polarity,
} from './background.js';
import { fitToBox, inkBox, placeByCentreOfMass, stretchInk, toMnistBytes, MNIST_BOX } from './layout.js';
import { areaResize, cropPlane, downsampleBox, type Plane, type Rect } from './plane.js';
import { findRuledLines, inkMask, labelComponents, selectDigit } from './segment.js';
import { dilate, dilateMask, erode, strokeWidth } from './stroke.js';

/** Shape decisions run on a copy at most this many pixels per side (speed; a digit needs far fewer). */
export const WORK_SIDE = 224;
/** The digit is brought to this size (longer side) before its strokes are thickened or thinned. */
export const INTER_SIDE = 80;
/** A digit smaller than this (longer side) in the working copy is re-read from full resolution. */
export const FULL_RES_BELOW = 40;

/**
 * Stroke width, in pixels of the 20x20 box, as strokeWidth() measures it on MNIST test digits
 * rendered 4-10x larger: 5th percentile 1.6, median 2.15, 95th percentile 3.3. Strokes outside
 * [STROKE_MIN, STROKE_MAX] (a ballpoint on a big photo measures 0.5, a marker 4) are brought to
 * the median; strokes inside are left alone (MNIST's writers vary too). Bringing outliers to the
 * median rather than to the range's edge won 2-3 points on hairline and marker renderings.
 */
export const STROKE_TARGET = 2.2;
export const STROKE_MIN = 1.3;
export const STROKE_MAX = 3.0;
/** Above this contrast floor (3 noise deviations, in units of the paper) the mask is made from a smoothed copy. */
export const NOISY_FLOOR = 0.03;
/** The digit's box is the extent of ink at least this strong (after stretching cores to 1). */
export const BOX_THRESHOLD = 0.25;

export interface DigitFound {
  found: true;
  /** 784 bytes, row-major 28x28, 0 background .. 255 ink: MNIST's IDX byte form. */
  pixels: Uint8Array;
  polarity: Polarity;
  /** The digit's box in the source image's pixels. */
  box: Rect;
  /** Stroke width in pixels of the 20x20 box, before any thickening or thinning. */
  strokeWidth: number;
  /** Disk radius applied, in pixels of the INTER_SIDE-sized copy: > 0 thickened, < 0 thinned. */
  strokeChange: number;
}

export interface DigitNotFound {
  found: false;
  /** Why, as a phrase that fits after "file.png: " (e.g. "no ink found: the image is blank"). */
  reason: string;
}

export type DigitResult = DigitFound | DigitNotFound;

/** Tunables, for experiments and tests; the defaults are the calibrated values above. */
export interface PreprocessOptions {
  strokeMin?: number;
  strokeMax?: number;
  boxThreshold?: number;
  strokeTarget?: number;
  normaliseStrokes?: boolean;
  workSide?: number;
}

function notFound(reason: string): DigitNotFound {
  return { found: false, reason };
}

/** Multiplies ink by a 0/1 keep mask (in place). */
function applyKeep(ink: Float32Array, keep: Uint8Array): void {
  for (let i = 0; i < ink.length; i++) if (!keep[i]) ink[i] = 0;
}

/**
 * Turns a grayscale image (0 black .. 1 white, alpha already flattened) into MNIST's 784 bytes.
 * Steps, each exported and tested on its own:
 *  1. Work on a copy at most WORK_SIDE per side (box-averaged).
 *  2. Fit the paper as a smooth surface (fitBackground), decide the polarity from the two tails of
 *     the residuals (decidePolarity), refit knowing which side is ink.
 *  3. Ink relative to the paper (inkMap); floor at the noise and stretch to the stroke cores
 *     (contrastLevels, normaliseContrast). Nothing clearly above the paper: no ink.
 *  4. Mask, erase ruled lines, label components, pick the digit (selectDigit).
 *  5. Crop the digit's ink (re-read from the full-resolution image when the digit is under
 *     FULL_RES_BELOW pixels in the working copy), keeping only ink near the chosen components.
 *  6. Bring it to INTER_SIDE and thicken hairlines / thin marker strokes into MNIST's range.
 *  7. Fit the ink's box into 20x20 by area averaging, place by centre of mass in 28x28, stretch
 *     the cores to 255, and emit bytes.
 */
export function preprocessDigit(gray: Plane, options: PreprocessOptions = {}): DigitResult {
  const strokeMin = options.strokeMin ?? STROKE_MIN;
  const strokeMax = options.strokeMax ?? STROKE_MAX;
  const boxThreshold = options.boxThreshold ?? BOX_THRESHOLD;
  const normaliseStrokes = options.normaliseStrokes ?? true;
  const strokeTarget = options.strokeTarget ?? STROKE_TARGET;

  // 1. Working copy.
  const k = Math.max(1, Math.ceil(Math.max(gray.width, gray.height) / (options.workSide ?? WORK_SIDE)));
  const work = downsampleBox(gray, k);
  const { width: w, height: h } = work;

  // 2. Paper and polarity, on the grid of cell means.
  const grid = backgroundGrid(work);
  const evidence = decidePolarity(grid, fitBackground(grid));
  if (evidence.darkMass === 0 && evidence.lightMass === 0) {
    return notFound('no ink found: the image is blank (nothing differs from the background)');
  }
  const polarity = evidence.polarity;
  const bg = fitBackground(grid, polarity);

  // 3. Ink and contrast.
  const { ink: raw, noise, histogram } = inkMap(work, bg, polarity);
  const levels = contrastLevels(histogram, noise);
  if (!levels) {
    return notFound('no ink found: the image is blank (nothing stands out from the paper)');
  }
  const ink = normaliseContrast(raw, levels);

  // 4. The digit's components.
  // Sensor noise makes a thresholded edge ragged (more perimeter, more speckle): threshold a
  // lightly smoothed copy when the noise is visible.
  const mask = inkMask(levels.floor > NOISY_FLOOR ? boxBlur3(ink) : ink);
  const erase = findRuledLines(mask, w, h);
  if (erase) {
    for (let i = 0; i < mask.length; i++) {
      if (erase[i]) {
        mask[i] = 0;
        ink.data[i] = 0;
      }
    }
  }
  const { labels, components } = labelComponents(mask, w, h, ink);
  const selection = selectDigit(components, w, h);
  if (!selection || selection.area < 3) {
    return notFound('no ink found: the image holds no mark large enough to be a digit');
  }
  const box = selection.box;
  const boxMax = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  // From here on only the digit's neighbourhood matters: work inside its box plus a margin wide
  // enough for the rim kept around the strokes.
  const margin = 4;
  const workRect: Rect = {
    x0: Math.max(0, box.x0 - margin),
    y0: Math.max(0, box.y0 - margin),
    x1: Math.min(w, box.x1 + margin),
    y1: Math.min(h, box.y1 + margin),
  };
  const rw = workRect.x1 - workRect.x0;
  const rh = workRect.y1 - workRect.y0;
  const chosen = new Uint8Array(components.length + 1);
  for (const l of selection.labels) chosen[l] = 1;
  const digitMask = new Uint8Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const from = (workRect.y0 + y) * w + workRect.x0;
    for (let x = 0; x < rw; x++) digitMask[y * rw + x] = chosen[labels[from + x]];
  }
  const workStroke = strokeWidth(digitMask, rw, rh);
  const stroke20 = (workStroke * MNIST_BOX) / boxMax;
  // Keep the anti-aliased rim of the chosen strokes, not other marks that come near them.
  const rim = Math.min(3, Math.max(1, Math.round(workStroke / 3)));
  const keep = dilateMask(digitMask, rw, rh, rim);

  // 5. The digit's ink, from full resolution when the working copy is coarse.
  let source: Plane;
  let sourceBoxMax: number;
  if (k > 1 && boxMax < FULL_RES_BELOW) {
    const full: Rect = {
      x0: workRect.x0 * k,
      y0: workRect.y0 * k,
      x1: Math.min(gray.width, workRect.x1 * k),
      y1: Math.min(gray.height, workRect.y1 * k),
    };
    const frame = { width: gray.width, height: gray.height, x0: full.x0, y0: full.y0 };
    const cropInk = normaliseContrast(inkMap(cropPlane(gray, full), bg, polarity, frame).ink, levels);
    // Each full-resolution pixel inherits keep/erase from the working pixel that covers it.
    const fw = full.x1 - full.x0;
    const fh = full.y1 - full.y0;
    const workCol = new Int32Array(fw);
    for (let x = 0; x < fw; x++) workCol[x] = Math.min(rw - 1, (((full.x0 + x) / k) | 0) - workRect.x0);
    for (let y = 0; y < fh; y++) {
      const wy = Math.min(rh - 1, (((full.y0 + y) / k) | 0) - workRect.y0);
      for (let x = 0; x < fw; x++) {
        const wi = wy * rw + workCol[x];
        if (!keep[wi] || (erase && erase[(workRect.y0 + wy) * w + workRect.x0 + workCol[x]])) cropInk.data[y * fw + x] = 0;
      }
    }
    source = cropInk;
    sourceBoxMax = boxMax * k;
  } else {
    source = cropPlane(ink, workRect);
    applyKeep(source.data, keep);
    sourceBoxMax = boxMax;
  }

  // 6. Intermediate size, then stroke thickness.
  const f = Math.min(1, INTER_SIDE / sourceBoxMax);
  let inter =
    f < 1
      ? areaResize(source, { x0: 0, y0: 0, x1: source.width, y1: source.height }, f, Math.ceil(source.width * f), Math.ceil(source.height * f))
      : source;
  const perBoxPixel = (sourceBoxMax * f) / MNIST_BOX;
  let strokeChange = 0;
  if (normaliseStrokes && stroke20 < strokeMin) {
    // A hairline is sub-pixel here and faint after averaging: bring its core to full ink first,
    // so the disk grows a solid stroke from about one pixel wide.
    const current = Math.max(stroke20 * perBoxPixel, 1);
    strokeChange = Math.max(0, Math.round((strokeTarget * perBoxPixel - current) / 2));
    if (strokeChange > 0) inter = dilate(pad(stretchInk(inter), strokeChange + 1), strokeChange);
  } else if (normaliseStrokes && stroke20 > strokeMax) {
    strokeChange = -Math.round(((stroke20 - strokeTarget) * perBoxPixel) / 2);
    if (strokeChange < 0) inter = erode(inter, -strokeChange);
  }
  inter = stretchInk(inter);

  // 7. MNIST layout.
  const inkRect = inkBox(inter, boxThreshold);
  if (!inkRect) return notFound('no ink found: the marks vanish when the strokes are normalised');
  const field = stretchInk(placeByCentreOfMass(fitToBox(inter, inkRect, MNIST_BOX)));
  return {
    found: true,
    pixels: toMnistBytes(field),
    polarity,
    box: { x0: box.x0 * k, y0: box.y0 * k, x1: Math.min(gray.width, box.x1 * k), y1: Math.min(gray.height, box.y1 * k) },
    strokeWidth: stroke20,
    strokeChange,
  };
}

/** 3x3 mean filter; at the image edge the border pixel stands in for the missing neighbour. */
export function boxBlur3(src: Plane): Plane {
  const { width: w, height: h, data } = src;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? data[row + x - 1] : data[row + x];
      const r = x + 1 < w ? data[row + x + 1] : data[row + x];
      tmp[row + x] = (l + data[row + x] + r) / 3;
    }
  }
  for (let y = 0; y < h; y++) {
    const up = y > 0 ? (y - 1) * w : y * w;
    const down = y + 1 < h ? (y + 1) * w : y * w;
    const row = y * w;
    for (let x = 0; x < w; x++) out[row + x] = (tmp[up + x] + tmp[row + x] + tmp[down + x]) / 3;
  }
  return { width: w, height: h, data: out };
}

/** Adds a border of p paper pixels, so dilation has room to grow. */
function pad(src: Plane, p: number): Plane {
  const ow = src.width + 2 * p;
  const oh = src.height + 2 * p;
  const out = new Float32Array(ow * oh);
  for (let y = 0; y < src.height; y++) out.set(src.data.subarray(y * src.width, (y + 1) * src.width), (y + p) * ow + p);
  return { width: ow, height: oh, data: out };
}
