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
  MIN_INK_CONTRAST,
  neighbourCorrelation,
  unexplainedBySmoothPaper,
  normaliseContrast,
  populationSeparation,
  splitPopulations,
  type Background,
  type ContrastLevels,
  type Polarity,
  type Populations,
} from './background.js';
import { fitToBox, inkBox, placeByCentreOfMass, stretchInk, toMnistBytes, MNIST_BOX } from './layout.js';
import { areaResize, bilinearResize, cropPlane, downsampleBox, type Plane, type Rect } from './plane.js';
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
 * A picture whose gray levels all lie within this range is uniform: blank, whatever its level
 * (one 8-bit step of JPEG or dithering noise either way).
 */
export const UNIFORM_RANGE = 2.5 / 255;
/**
 * Two brightness populations at least this many pooled deviations apart are ink and paper
 * (populationSeparation): a digit drawn or photographed measures 5 and more. A split of one
 * population measures less: Gaussian noise 2.8, a lighting ramp or uniform noise 3.5 (a flat
 * histogram), an 8x8 picture of uniform noise up to 4.3 (few pixels).
 */
export const MIN_SEPARATION = 4.5;
/**
 * Blurry or tiny digits that fill their picture leave many in-between grays (an MNIST digit
 * stretched to a square: 3.9-4.5; an 8x8 scan: 3.5-4.5). From MIN_SEPARATION_SHAPED up, two
 * populations count as ink and paper if the picture is also spatially coherent
 * (neighbourCorrelation at least COHERENT, or COHERENT_SMALL for a picture of at most
 * SMALL_IMAGE_PIXELS, counted before enlarging: noise measures about 0, an 8x8 digit 0.15-0.8,
 * but 8x8 noise up to 0.15, so a tiny noise picture may get an answer) and not smooth shading
 * (unexplainedBySmoothPaper at least SHAPED: a noise-free lighting ramp or vignette measures under
 * 0.001, a digit 0.17 and more; noise raises a shaded picture's value, hence the coherence test).
 */
export const MIN_SEPARATION_SHAPED = 3.3;
export const COHERENT = 0.6;
export const COHERENT_SMALL = 0.1;
export const SMALL_IMAGE_PIXELS = 32 * 32;
export const SHAPED = 0.05;
/**
 * With the paper as one population, its spread includes the strokes' anti-aliased rims; the
 * noise floor is capped at this fraction of the ink's contrast so a small scan's strokes survive.
 */
const MAX_NOISE_OF_CONTRAST = 0.08;
/**
 * When the ink population holds at least this share of the pixels, the paper cannot be fitted as
 * the robust majority (a marker digit cropped to its strokes), so the two populations decide the
 * paper instead. Not lower: a photo whose dark desk fills a third of it still has paper enough
 * for the smooth fit, which also follows the light (35% desk: 97 of 100 digits read through the
 * populations at 0.3, 100 through the smooth paper). A tiny scan (INK_MAJORITY_SMALL) has no desk.
 */
export const INK_MAJORITY = 0.45;
export const INK_MAJORITY_SMALL = 0.3;
/**
 * The lighter population is the paper if it holds at least this share of the image's outermost
 * pixels: a digit cropped to its strokes still leaves paper at most of its border, and when the
 * border is split, dark ink on light paper is the likelier reading.
 */
export const LIGHT_PAPER_BORDER = 0.4;
/** Fewer mask pixels than this in the working copy is a speck, not a digit (and has no measurable stroke). */
export const MIN_DIGIT_AREA = 3;
/** Pixels of working copy kept around the digit's box: room for the rim kept around its strokes. */
const DIGIT_MARGIN = 4;
/** The anti-aliased rim kept around the chosen strokes is at most this wide (working-copy pixels). */
const MAX_RIM = 3;

const BLANK = 'no ink found: the image is blank (one uniform gray level, no mark)';
const NO_STROKE = 'no digit found: nothing stands out from the picture\'s noise or shading as a pen stroke';

/**
 * A picture smaller than this (longer side) is enlarged, bilinearly, to at least TINY_TARGET
 * before anything else: an 8x8 or 16x16 scan's strokes are one or two pixels wide, too few to
 * threshold, measure or thin; enlarged they are smooth strokes like any other picture's.
 */
export const TINY_BELOW = 28;
export const TINY_TARGET = 56;
/**
 * Strokes are measured and changed only when the digit spans at least this many pixels of the
 * source picture: in an 8x8 scan a stroke is one or two pixels, its width is quantisation, and
 * thinning what is measured there cost 5-11 points of accuracy (thickening or thinning 16x16
 * scans still gains).
 */
export const MIN_STROKE_MEASURE_SIDE = 12;

/**
 * Step 1: a copy at most `side` pixels per side (box-averaged), or a tiny picture enlarged; k is
 * the size of one working pixel in source pixels (below 1 for an enlarged picture).
 */
export function workingCopy(gray: Plane, side = WORK_SIDE): { work: Plane; k: number } {
  const longer = Math.max(gray.width, gray.height);
  if (longer < TINY_BELOW) {
    const u = Math.ceil(TINY_TARGET / longer);
    return { work: enlarge(gray, u), k: 1 / u };
  }
  const k = Math.max(1, Math.ceil(longer / side));
  return { work: downsampleBox(gray, k), k };
}

/**
 * Bilinear enlargement by a whole factor u, pixel centres aligned, edges clamped (the picture's
 * edge pixels continue outwards rather than fading to paper, which a tight crop does not have).
 */
function enlarge(src: Plane, u: number): Plane {
  const { width: w, height: h, data } = src;
  const ow = w * u;
  const oh = h * u;
  const out = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const fy = Math.min(h - 1, Math.max(0, (oy + 0.5) / u - 0.5));
    const y0 = Math.min(h - 2, Math.floor(fy));
    const y1 = Math.max(0, y0) + (h > 1 ? 1 : 0);
    const ty = h > 1 ? fy - y0 : 0;
    for (let ox = 0; ox < ow; ox++) {
      const fx = Math.min(w - 1, Math.max(0, (ox + 0.5) / u - 0.5));
      const x0 = Math.min(w - 2, Math.floor(fx));
      const x1 = Math.max(0, x0) + (w > 1 ? 1 : 0);
      const tx = w > 1 ? fx - x0 : 0;
      const r0 = Math.max(0, y0) * w;
      const r1 = y1 * w;
      const c0 = Math.max(0, x0);
      const top = data[r0 + c0] * (1 - tx) + data[r0 + x1] * tx;
      const bottom = data[r1 + c0] * (1 - tx) + data[r1 + x1] * tx;
      out[oy * ow + ox] = top * (1 - ty) + bottom * ty;
    }
  }
  return { width: ow, height: oh, data: out };
}

/** What step 2 finds: which side is ink, the paper model, and the normalised ink map. */
export interface InkFound {
  polarity: Polarity;
  bg: Background;
  levels: ContrastLevels;
  /** Ink relative to the paper, 0 paper .. 1 a stroke's core (working copy). */
  ink: Plane;
  /** Which paper model was used: the smooth fit, or the two brightness populations. */
  paperModel: 'smooth' | 'populations';
}

/**
 * Step 2-3: paper, polarity and contrast. Usually the paper is fitted as a smooth surface, robust
 * to the ink as a minority (fitBackground), and the polarity decided from the residuals' two
 * tails (decidePolarity). When the ink is not a minority (the digit fills its picture) or the fit
 * finds nothing, the two brightness populations (splitPopulations) decide instead, provided they
 * are clearly two (counted on `source`, the picture before a tiny one was enlarged). The reason
 * given when nothing is found says "blank" only for a uniform picture.
 */
export function findInk(work: Plane, source: Plane = work): InkFound | DigitNotFound {
  // Populations are counted on the source: enlarging a tiny picture adds in-between grays.
  const populations = splitPopulations(source);
  const small = source.width * source.height <= SMALL_IMAGE_PIXELS;
  if (!populations || populations.light.mean - populations.dark.mean < UNIFORM_RANGE) return notFound(BLANK);
  const separation = populationSeparation(populations);
  const contrast = populations.light.median - populations.dark.median >= MIN_INK_CONTRAST;
  const clearlyTwo = contrast && separation >= MIN_SEPARATION;
  // The weaker evidence is costlier (two passes) and only needed where the smooth paper fails.
  const shapedTwo = () =>
    contrast &&
    separation >= MIN_SEPARATION_SHAPED &&
    neighbourCorrelation(source) >= (small ? COHERENT_SMALL : COHERENT) &&
    unexplainedBySmoothPaper(work) >= SHAPED;
  const lightIsPaper = populations.light.borderShare >= LIGHT_PAPER_BORDER;
  const inkShare = lightIsPaper ? populations.dark.share : populations.light.share;
  // A faint digit under uneven light also splits into two coherent, shaped populations (along
  // the light), so for an ordinary picture only clearly two populations overrule the smooth paper.
  if (inkShare >= (small ? INK_MAJORITY_SMALL : INK_MAJORITY) && (clearlyTwo || (small && shapedTwo()))) {
    return inkFromPopulations(work, populations, lightIsPaper);
  }
  const smooth = inkFromSmoothPaper(work);
  if (smooth) return smooth;
  return clearlyTwo || shapedTwo() ? inkFromPopulations(work, populations, lightIsPaper) : notFound(NO_STROKE);
}

/** The usual paper model: a smooth surface, the ink a minority of outliers. Null when no ink stands out. */
function inkFromSmoothPaper(work: Plane): InkFound | null {
  const grid = backgroundGrid(work);
  const evidence = decidePolarity(grid, fitBackground(grid));
  if (evidence.darkMass === 0 && evidence.lightMass === 0) return null;
  const polarity = evidence.polarity;
  const bg = fitBackground(grid, polarity);
  const { ink: raw, noise, histogram } = inkMap(work, bg, polarity);
  const levels = contrastLevels(histogram, noise);
  if (!levels) return null;
  return { polarity, bg, levels, ink: normaliseContrast(raw, levels), paperModel: 'smooth' };
}

/** The paper as one level: the median of the population that is paper, its spread the noise. */
function inkFromPopulations(work: Plane, populations: Populations, lightIsPaper: boolean): InkFound | DigitNotFound {
  const paper = lightIsPaper ? populations.light : populations.dark;
  const inkPopulation = lightIsPaper ? populations.dark : populations.light;
  const polarity: Polarity = lightIsPaper ? 'dark-on-light' : 'light-on-dark';
  const bg: Background = { coeffs: Float64Array.of(paper.median, 0, 0, 0, 0, 0), gridNoise: paper.mad };
  const { ink: raw, histogram } = inkMap(work, bg, polarity);
  // In ink units (a fraction of the paper's brightness, or of the room above a dark ground).
  const room = Math.max(lightIsPaper ? paper.median : 1 - paper.median, 0.02);
  const contrast = Math.abs(paper.median - inkPopulation.median) / room;
  const noise = Math.min(paper.mad / room, MAX_NOISE_OF_CONTRAST * contrast);
  const levels = contrastLevels(histogram, noise);
  if (!levels) return notFound(NO_STROKE);
  return { polarity, bg, levels, ink: normaliseContrast(raw, levels), paperModel: 'populations' };
}

/** What step 4 finds: the digit's components and its box in the working copy. */
interface DigitComponents {
  /** Components' labels over the working copy, and which labels are the digit. */
  labels: Int32Array;
  chosen: Uint8Array;
  box: Rect;
  /** Ruled lines erased from the working copy, or null. */
  erase: Uint8Array | null;
}

/**
 * Step 4: mask the ink, erase ruled lines, label components and pick the digit (selectDigit).
 * Zeroes erased line pixels in `ink` (in place).
 */
function findDigitComponents(ink: Plane, levels: ContrastLevels): DigitComponents | DigitNotFound {
  const { width: w, height: h } = ink;
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
  if (!selection || selection.area < MIN_DIGIT_AREA) {
    return notFound('no digit found: the image holds no mark large enough to be a digit');
  }
  const chosen = new Uint8Array(components.length + 1);
  for (const l of selection.labels) chosen[l] = 1;
  return { labels, chosen, box: selection.box, erase };
}

/**
 * Step 5: the digit's ink, cropped to its box plus a margin, keeping only the chosen strokes and
 * their anti-aliased rim; re-read from the full-resolution image when the digit is small in the
 * working copy. Returns the crop, the digit's size in it (longer side) and the stroke width.
 */
function digitInk(
  gray: Plane,
  k: number,
  found: InkFound,
  digit: DigitComponents,
): { source: Plane; sourceBoxMax: number; stroke20: number } {
  const { ink, bg, polarity, levels } = found;
  const { width: w, height: h } = ink;
  const { box, labels, chosen, erase } = digit;
  const boxMax = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  const workRect: Rect = {
    x0: Math.max(0, box.x0 - DIGIT_MARGIN),
    y0: Math.max(0, box.y0 - DIGIT_MARGIN),
    x1: Math.min(w, box.x1 + DIGIT_MARGIN),
    y1: Math.min(h, box.y1 + DIGIT_MARGIN),
  };
  const rw = workRect.x1 - workRect.x0;
  const rh = workRect.y1 - workRect.y0;
  const digitMask = new Uint8Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const from = (workRect.y0 + y) * w + workRect.x0;
    for (let x = 0; x < rw; x++) digitMask[y * rw + x] = chosen[labels[from + x]];
  }
  const workStroke = strokeWidth(digitMask, rw, rh);
  const stroke20 = (workStroke * MNIST_BOX) / boxMax;
  // Keep the anti-aliased rim of the chosen strokes, not other marks that come near them.
  const rim = Math.min(MAX_RIM, Math.max(1, Math.round(workStroke / 3)));
  const keep = dilateMask(digitMask, rw, rh, rim);

  if (!(k > 1 && boxMax < FULL_RES_BELOW)) {
    const source = cropPlane(ink, workRect);
    applyKeep(source.data, keep);
    return { source, sourceBoxMax: boxMax, stroke20 };
  }
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
  return { source: cropInk, sourceBoxMax: boxMax * k, stroke20 };
}

/**
 * Step 6: thickens hairlines / thins marker strokes into MNIST's range, at INTER_SIDE (area
 * averaging down; bilinear up only when a stroke is changed, so a 16x16 scan's strokes are not
 * eroded pixel by pixel, while a digit already in range is not blurred). Returns the plane with
 * its cores stretched to 1, and the disk radius applied.
 */
function normaliseStroke(
  source: Plane,
  sourceBoxMax: number,
  stroke20: number,
  settings: { strokeMin: number; strokeMax: number; strokeTarget: number; normaliseStrokes: boolean },
): { inter: Plane; strokeChange: number } {
  const thicken = settings.normaliseStrokes && stroke20 < settings.strokeMin;
  const thin = settings.normaliseStrokes && stroke20 > settings.strokeMax;
  const f = thicken || thin ? INTER_SIDE / sourceBoxMax : Math.min(1, INTER_SIDE / sourceBoxMax);
  const whole = { x0: 0, y0: 0, x1: source.width, y1: source.height };
  let inter =
    f < 1
      ? areaResize(source, whole, f, Math.ceil(source.width * f), Math.ceil(source.height * f))
      : f > 1
        ? bilinearResize(source, whole, f, Math.round(source.width * f), Math.round(source.height * f))
        : source;
  const perBoxPixel = (sourceBoxMax * f) / MNIST_BOX;
  let strokeChange = 0;
  if (thicken) {
    // A hairline is sub-pixel here and faint after averaging: bring its core to full ink first,
    // so the disk grows a solid stroke from about one pixel wide.
    const current = Math.max(stroke20 * perBoxPixel, 1);
    strokeChange = Math.max(0, Math.round((settings.strokeTarget * perBoxPixel - current) / 2));
    if (strokeChange > 0) inter = dilate(pad(stretchInk(inter), strokeChange + 1), strokeChange);
  } else if (thin) {
    strokeChange = -Math.round(((stroke20 - settings.strokeTarget) * perBoxPixel) / 2);
    if (strokeChange < 0) inter = erode(inter, -strokeChange);
  }
  return { inter: stretchInk(inter), strokeChange };
}

/**
 * Turns a grayscale image (0 black .. 1 white, alpha already flattened) into MNIST's 784 bytes,
 * in steps that are each a function here or in background.ts, segment.ts, stroke.ts, layout.ts:
 *  1. workingCopy: at most WORK_SIDE per side.
 *  2-3. findInk: the paper, the polarity, and the ink relative to the paper, its contrast floored
 *     at the noise and stretched to the stroke cores.
 *  4. findDigitComponents: mask, erase ruled lines, label components, pick the digit.
 *  5. digitInk: crop the digit's ink (from full resolution when the digit is small).
 *  6. normaliseStroke: bring it to INTER_SIDE, thicken hairlines / thin marker strokes.
 *  7. MNIST layout: the ink's box into 20x20 by area averaging, placed by centre of mass in
 *     28x28, cores stretched to 255, bytes.
 */
export function preprocessDigit(gray: Plane, options: PreprocessOptions = {}): DigitResult {
  const settings = {
    strokeMin: options.strokeMin ?? STROKE_MIN,
    strokeMax: options.strokeMax ?? STROKE_MAX,
    strokeTarget: options.strokeTarget ?? STROKE_TARGET,
    normaliseStrokes: options.normaliseStrokes ?? true,
  };
  const boxThreshold = options.boxThreshold ?? BOX_THRESHOLD;

  const { work, k } = workingCopy(gray, options.workSide);
  const found = findInk(work, k < 1 ? gray : work);
  if (!('ink' in found)) return found;
  const digit = findDigitComponents(found.ink, found.levels);
  if (!('box' in digit)) return digit;
  const { source, sourceBoxMax, stroke20 } = digitInk(gray, k, found, digit);
  const digitSide = Math.max(digit.box.x1 - digit.box.x0, digit.box.y1 - digit.box.y0) * k;
  const measurable = digitSide >= MIN_STROKE_MEASURE_SIDE;
  const { inter, strokeChange } = normaliseStroke(source, sourceBoxMax, stroke20, {
    ...settings,
    normaliseStrokes: settings.normaliseStrokes && measurable,
  });

  // 7. MNIST layout.
  const inkRect = inkBox(inter, boxThreshold);
  if (!inkRect) return notFound('no digit found: the marks vanish when the strokes are normalised');
  const field = stretchInk(placeByCentreOfMass(fitToBox(inter, inkRect, MNIST_BOX)));
  const box = digit.box;
  return {
    found: true,
    pixels: toMnistBytes(field),
    polarity: found.polarity,
    box: {
      x0: Math.floor(box.x0 * k),
      y0: Math.floor(box.y0 * k),
      x1: Math.min(gray.width, Math.ceil(box.x1 * k)),
      y1: Math.min(gray.height, Math.ceil(box.y1 * k)),
    },
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
