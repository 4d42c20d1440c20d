/**
 * Training-time augmentation: each image of a batch is redrawn through a small random affine
 * transform (rotation, shear, scale, shift) about the image centre, with bilinear sampling. Real
 * handwriting is slanted, sized and placed less consistently than MNIST's normalised digits, so a
 * network that has seen such variations reads people's own digits better (Simard et al. 2003,
 * "Best Practices for Convolutional Neural Networks Applied to Visual Document Analysis", sec. 2).
 * Works on the compact bytes; writes into a reused batch buffer; never allocates per image.
 */

import type { Rng } from '../rng.js';

export interface AugmentSettings {
  /** Largest rotation either way, in degrees. */
  maxRotateDeg: number;
  /** Largest horizontal shear either way (x += shear * y). */
  maxShear: number;
  /** Scale factor range, drawn uniformly in [1 - maxScale, 1 + maxScale]. */
  maxScale: number;
  /** Largest shift either way, in pixels. */
  maxShift: number;
  /**
   * Chance that the digit's box is also stretched towards a square along its shorter side, by a
   * random part (uniform 0..1, on a log scale) of the way: what a 16x16 scanner, a form reader or
   * a user's crop-and-resize does, which turns a 1 into a wide bar. 0 or absent: never.
   */
  fillChance?: number;
  /**
   * Warped pixels fainter than this (of 255) become background. Bilinear resampling spreads a
   * faint halo around every stroke: a warped MNIST digit has about 30 nonzero pixels below 16,
   * where the digit itself has about 8, and 201 nonzero pixels in all against 150. The sparse
   * kernels cost the same for a faint pixel as for ink, and the halo taught the network nothing
   * measurable: dropping it below 16 took 7% off an augmented epoch at the same accuracy (MNIST
   * test and the realistic images, three seeds each; README, Speed, "the warp drops its faint halo").
   * 0 or absent: none dropped.
   */
  faintBelow?: number;
}

/**
 * Variations of the size seen between writers, small enough that a 6 never turns into a 9, and
 * (12% of the time, about one image in eight) digits stretched towards a square box, as scans and
 * crops come; the resampling's faintest halo (below 16 of 255) dropped.
 */
export const DEFAULT_AUGMENT: AugmentSettings = { maxRotateDeg: 12, maxShear: 0.25, maxScale: 0.12, maxShift: 2, fillChance: 0.12, faintBelow: 16 };

/**
 * One image's warp, drawn by planAugment and carried out by warpImage: a record of AUGMENT_PLAN
 * float64s. Its layout is mirrored by assembly/plan.ts (W_*), whose warp (assembly/warp.ts) reads
 * the same record; keep the three in step (test/engines/wasm/transform.test.ts checks it).
 */
export const PLAN_IA = 0; //  A^-1 = [[ia, ib], [ic, id]]: source step per output pixel right (ia, ic) and down (ib, id)
export const PLAN_IB = 1;
export const PLAN_IC = 2;
export const PLAN_ID = 3;
export const PLAN_TX = 4; //  the shift t
export const PLAN_TY = 5;
export const PLAN_X0 = 6; //  the output box to sample, x0..x1 by y0..y1 inclusive (x1 < x0: none)
export const PLAN_X1 = 7;
export const PLAN_Y0 = 8;
export const PLAN_Y1 = 9;
export const PLAN_INK_X0 = 10; // the ink's bounding box in the source, x0..x1 by y0..y1 (0s for a blank image): the
export const PLAN_INK_X1 = 11; // wasm warp skips the output pixels that cannot see it; warpImage needs none of it
export const PLAN_INK_Y0 = 12;
export const PLAN_INK_Y1 = 13;
export const PLAN_FAINT = 14; // samples below this become 0 (AugmentSettings.faintBelow)
export const AUGMENT_PLAN = 15;

/** planAugment's record when augmentImage calls it (one image at a time, so one record serves). */
const scratchPlan = new Float64Array(AUGMENT_PLAN);

/**
 * Writes a randomly transformed copy of the side x side image at src[srcOffset..] into
 * out[outOffset..]. Each output pixel p takes the source value at A^-1 (p - c - t) + c, where A is
 * rotation * shear * scale * stretch, c the centre and t the shift: inverse mapping leaves no holes.
 * Two steps: planAugment draws the transform (knowing the image's inkBox), warpImage samples the
 * image through it.
 */
export function augmentImage(
  out: Uint8Array, outOffset: number, src: Uint8Array, srcOffset: number,
  side: number, rng: Rng, s: AugmentSettings,
): void {
  planAugment(scratchPlan, 0, inkBox(src, srcOffset, side), side, rng, s);
  warpImage(out, outOffset, src, srcOffset, side, scratchPlan, 0);
}

/**
 * The ink's bounding box of the side x side image at src[srcOffset..] as one number: -1 for a
 * blank image, else minX + side * (maxX + side * (minY + side * maxY)) (model/transform.ts
 * AffineWarp; the wasm engine computes the same number in assembly/warp.ts inkBoxes).
 */
export function inkBox(src: Uint8Array, srcOffset: number, side: number): number {
  let minX = side, maxX = -1, minY = side, maxY = -1;
  for (let y = 0, i = srcOffset; y < side; y++) {
    for (let x = 0; x < side; x++, i++) {
      if (src[i] !== 0) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return maxX < 0 ? -1 : minX + side * (maxX + side * (minY + side * maxY));
}

/**
 * The random part of augmentImage: draws the distortion from `rng` and, from the image's ink box
 * (inkBox), writes the inverse transform and the output box to sample into
 * plan[planOffset..planOffset + AUGMENT_PLAN - 1] (PLAN_*). Needs nothing else of the image. The
 * wasm engine draws the same records in assembly/augment.ts: keep the two in step
 * (test/engines/wasm/transform.test.ts compares their bits).
 */
export function planAugment(plan: Float64Array, planOffset: number, box: number, side: number, rng: Rng, s: AugmentSettings): void {
  const angle = ((2 * rng.uniform() - 1) * s.maxRotateDeg * Math.PI) / 180;
  const shear = (2 * rng.uniform() - 1) * s.maxShear;
  const scale = 1 + (2 * rng.uniform() - 1) * s.maxScale;
  const tx = (2 * rng.uniform() - 1) * s.maxShift;
  const ty = (2 * rng.uniform() - 1) * s.maxShift;
  const fill = s.fillChance ? rng.uniform() < s.fillChance : false;
  const fillPart = fill ? rng.uniform() : 0;
  plan.fill(0, planOffset, planOffset + AUGMENT_PLAN);
  plan[planOffset + PLAN_FAINT] = s.faintBelow ?? 0;
  if (box < 0) {
    // A blank image stays blank: an empty output box.
    plan[planOffset + PLAN_X1] = plan[planOffset + PLAN_Y1] = -1;
    return;
  }
  // Only output pixels that can see ink need sampling: map the ink's bounding box (grown by the
  // one-pixel reach of bilinear sampling) forward through A and sample inside its image only.
  // About half of an MNIST image is background this way.
  const minX = box % side, maxX = Math.floor(box / side) % side;
  const minY = Math.floor(box / (side * side)) % side, maxY = Math.floor(box / (side * side * side));
  // The stretch towards a square: (longer / shorter)^part along the shorter side, so the box
  // never outgrows its longer side (MNIST's 20 pixels).
  let sx = 1, sy = 1;
  if (fill) {
    const bw = maxX - minX + 1, bh = maxY - minY + 1;
    if (bw < bh) sx = Math.pow(bh / bw, fillPart);
    else sy = Math.pow(bw / bh, fillPart);
  }
  // A = R(angle) * [[1, shear], [0, 1]] * scale * diag(sx, sy)
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const a = cos * scale * sx, b = (cos * shear - sin) * scale * sy;
  const c = sin * scale * sx, d = (sin * shear + cos) * scale * sy;
  const det = a * d - b * c;
  const centre = (side - 1) / 2;
  const last = side - 1;
  // The corners of the grown box, relative to the centre, mapped forward (p = A s + c + t).
  const u0 = minX - 1 - centre, u1 = maxX + 1 - centre, v0 = minY - 1 - centre, v1 = maxY + 1 - centre;
  const px00 = a * u0 + b * v0, px01 = a * u0 + b * v1, px10 = a * u1 + b * v0, px11 = a * u1 + b * v1;
  const py00 = c * u0 + d * v0, py01 = c * u0 + d * v1, py10 = c * u1 + d * v0, py11 = c * u1 + d * v1;
  const x0Out = Math.max(0, Math.floor(Math.min(px00, px01, px10, px11) + centre + tx));
  const x1Out = Math.min(last, Math.ceil(Math.max(px00, px01, px10, px11) + centre + tx));
  const y0Out = Math.max(0, Math.floor(Math.min(py00, py01, py10, py11) + centre + ty));
  const y1Out = Math.min(last, Math.ceil(Math.max(py00, py01, py10, py11) + centre + ty));
  // A box that is empty or not a number (a degenerate A) samples nothing, as the loops' tests did.
  const none = !(x0Out <= x1Out && y0Out <= y1Out);
  // A^-1 = [[d, -b], [-c, a]] / det
  plan[planOffset + PLAN_IA] = d / det;
  plan[planOffset + PLAN_IB] = -b / det;
  plan[planOffset + PLAN_IC] = -c / det;
  plan[planOffset + PLAN_ID] = a / det;
  plan[planOffset + PLAN_TX] = tx;
  plan[planOffset + PLAN_TY] = ty;
  plan[planOffset + PLAN_X0] = none ? 0 : x0Out;
  plan[planOffset + PLAN_X1] = none ? -1 : x1Out;
  plan[planOffset + PLAN_Y0] = none ? 0 : y0Out;
  plan[planOffset + PLAN_Y1] = none ? -1 : y1Out;
  plan[planOffset + PLAN_INK_X0] = minX;
  plan[planOffset + PLAN_INK_X1] = maxX;
  plan[planOffset + PLAN_INK_Y0] = minY;
  plan[planOffset + PLAN_INK_Y1] = maxY;
}

/**
 * warpImage's fixed point: source coordinates in 1/65536 pixel (each row's start and the steps
 * right rounded to it, then exact whole-number steps), of which the bilinear weights keep the top
 * WARP_WEIGHT_BITS; a row whose coordinates reach beyond +-2^30 (16,384 pixels) is background.
 * assembly/warp.ts does the same integer arithmetic four pixels at a time.
 */
const WARP_ONE = 65536;
const WARP_WEIGHT_BITS = 10;
const WARP_LIMIT = 2 ** 30;

/**
 * The pixel part of augmentImage: writes the side x side image at src[srcOffset..], warped as
 * planAugment's record at plan[planOffset..] says, into out[outOffset..]: background outside the
 * record's box, bilinear samples of the source inside it (neighbours outside the image count as
 * 0), rounded to the nearest byte. In whole numbers (WARP_*), so the engine's bytes equal these.
 */
export function warpImage(
  out: Uint8Array, outOffset: number, src: Uint8Array, srcOffset: number,
  side: number, plan: Float64Array, planOffset: number,
): void {
  out.fill(0, outOffset, outOffset + side * side);
  const ia = plan[planOffset + PLAN_IA], ib = plan[planOffset + PLAN_IB];
  const ic = plan[planOffset + PLAN_IC], id = plan[planOffset + PLAN_ID];
  const tx = plan[planOffset + PLAN_TX], ty = plan[planOffset + PLAN_TY];
  // Whole numbers (planAugment), kept as small integers so the loops below stay on V8's fast path.
  const x0Out = plan[planOffset + PLAN_X0] | 0, x1Out = plan[planOffset + PLAN_X1] | 0;
  const y0Out = plan[planOffset + PLAN_Y0] | 0, y1Out = plan[planOffset + PLAN_Y1] | 0;
  // Each step right adds the first column of A^-1.
  const stepX = Math.floor(ia * WARP_ONE + 0.5), stepY = Math.floor(ic * WARP_ONE + 0.5);
  if (!(Math.abs(stepX) <= WARP_LIMIT && Math.abs(stepY) <= WARP_LIMIT)) return;
  const centre = (side - 1) / 2;
  const last = side - 1;
  const dx0 = x0Out - centre - tx;
  const lastK = x1Out - x0Out;
  const bits = WARP_WEIGHT_BITS, mask = (1 << bits) - 1, shift = 16 - bits, round = 1 << (2 * bits - 1);
  const faint = plan[planOffset + PLAN_FAINT];
  for (let y = y0Out; y <= y1Out; y++) {
    const dy = y - centre - ty;
    // Source coordinates of output pixel (x0Out, y).
    const sx0 = Math.floor((ia * dx0 + ib * dy + centre) * WARP_ONE + 0.5);
    const sy0 = Math.floor((ic * dx0 + id * dy + centre) * WARP_ONE + 0.5);
    if (!(Math.abs(sx0) <= WARP_LIMIT && Math.abs(sy0) <= WARP_LIMIT &&
      Math.abs(sx0 + lastK * stepX) <= WARP_LIMIT && Math.abs(sy0 + lastK * stepY) <= WARP_LIMIT)) continue;
    const row = outOffset + y * side;
    for (let x = x0Out, sx = sx0, sy = sy0; x <= x1Out; x++, sx += stepX, sy += stepY) {
      const x0 = sx >> 16, y0 = sy >> 16; // floor: the coordinates are int32 (checked above)
      if (x0 < -1 || y0 < -1 || x0 > last || y0 > last) continue; // wholly outside: background
      const wx = (sx >> shift) & mask, wy = (sy >> shift) & mask;
      let p00: number, p01: number, p10: number, p11: number;
      if (x0 >= 0 && y0 >= 0 && x0 < last && y0 < last) {
        const i = srcOffset + y0 * side + x0;
        p00 = src[i];
        p01 = src[i + 1];
        p10 = src[i + side];
        p11 = src[i + side + 1];
      } else {
        p00 = pixelAt(src, srcOffset, side, x0, y0);
        p01 = pixelAt(src, srcOffset, side, x0 + 1, y0);
        p10 = pixelAt(src, srcOffset, side, x0, y0 + 1);
        p11 = pixelAt(src, srcOffset, side, x0 + 1, y0 + 1);
      }
      // Bilinear interpolation between the four source pixels around (sx, sy).
      const top = (p00 << bits) + (p01 - p00) * wx;
      const bottom = (p10 << bits) + (p11 - p10) * wx;
      const value = ((top << bits) + (bottom - top) * wy + round) >> (2 * bits);
      out[row + x] = value < faint ? 0 : value;
    }
  }
}

function pixelAt(src: Uint8Array, offset: number, side: number, x: number, y: number): number {
  return x < 0 || y < 0 || x >= side || y >= side ? 0 : src[offset + y * side + x];
}
