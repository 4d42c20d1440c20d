/**
 * The augmentation's warp (src/data/augment.ts warpImage) inside the engine: each row of a chunk
 * takes its source image from where P_WARP_ROWS points (a row of a resident dataset, or of the
 * source stage P_WARP_SRC) and its plan record (P_WARP_PLAN: drawn before the phase, or by this
 * thread first, in JavaScript through env.planRows or, for the built-in augmentation, in
 * augment.ts) and writes the warped bytes to P_STAGE, which loadChunk then converts. The same
 * fixed-point arithmetic as warpImage (and the same float64 operations for each row's start), so
 * the bytes are identical. Also the ink boxes that the records are drawn from (inkBoxes, for the
 * main thread).
 */

import {
  L_IN, P_INPUT, P_STAGE, P_WARP_DRAW, P_WARP_PLAN, P_WARP_ROWS, W_FAINT, W_IA, W_IB, W_IC, W_ID, W_INK_X0, W_INK_X1, W_INK_Y0, W_INK_Y1, W_PLAN,
  W_TX, W_TY, W_X0, W_X1, W_Y0, W_Y1, layerI32, planI32,
} from './plan';
import { drawAugment } from './augment';
import { touchLines } from './tail';

/**
 * The host's drawing of warp records (src/engines/wasm/mlp.ts, TransformHost.planRows): fills
 * records r0..r1-1 (P_WARP_PLAN) in JavaScript on the calling thread, from the rows' ink boxes.
 */
@external("env", "planRows")
declare function planRows(r0: i32, r1: i32): void;

/**
 * Rows r0..r1-1: stage row n = row n's source image (P_WARP_ROWS) warped as plan record n says,
 * the records first drawn here when P_WARP_DRAW says so.
 */
export function warpRows(plan: usize, r0: i32, r1: i32): void {
  const pixels = layerI32(plan, 0, L_IN);
  const sources = <usize>planI32(plan, P_WARP_ROWS);
  const input = <usize>planI32(plan, P_INPUT);
  // The source images' lines start coming in from memory (into each row's free input floats, see
  // below) while the records are drawn.
  for (let n = r0; n < r1; n++) store<i32>(input + (<usize>(n * pixels) << 2), touchLines(<usize>load<i32>(sources + (<usize>n << 2)), pixels));
  const side = <i32>Math.sqrt(<f64>pixels); // a square image (checked by the JS side)
  const draw = planI32(plan, P_WARP_DRAW);
  if (draw == 1) planRows(r0, r1);
  else if (draw == 2) drawAugment(plan, r0, r1, side);
  const records = <usize>planI32(plan, P_WARP_PLAN);
  const stage = <usize>planI32(plan, P_STAGE);
  for (let n = r0; n < r1; n++) {
    // The row's input floats are free until loadChunk fills them from the stage: room for a copy of
    // the source framed by background, for an image whose ink touches its border.
    const scratch = input + (<usize>(n * pixels) << 2);
    warpImage(stage + <usize>(n * pixels), <usize>load<i32>(sources + (<usize>n << 2)), side, records + (<usize>(n * W_PLAN) << 3), scratch, pixels << 2);
  }
}

/**
 * The ink's bounding box of each of `count` side x side images from `src`, as data/augment.ts
 * inkBox packs it (an i32 each, so side <= 215): -1 for a blank image, else
 * minX + side * (maxX + side * (minY + side * maxY)). Called by the main thread for a batch before
 * it draws the batch's plan records. Images 16 to 32 pixels wide take a row as two 16-byte loads.
 */
export function inkBoxes(boxes: usize, src: usize, count: i32, side: i32): void {
  for (let n = 0; n < count; n++) {
    const image = src + <usize>(n * side * side);
    store<i32>(boxes + (<usize>n << 2), side >= 16 && side <= 32 ? inkBoxSimd(image, side) : inkBoxScalar(image, side));
  }
}

function inkBoxSimd(image: usize, side: i32): i32 {
  // Bytes 0..15 and side-16..side-1 of each row (overlapping when side < 32); the OR of the rows
  // with ink gives the columns with ink.
  let colsA = i64x2.splat(0), colsB = i64x2.splat(0);
  let minY = -1, maxY = -1;
  for (let y = 0; y < side; y++) {
    const row = image + <usize>(y * side);
    const a = v128.load(row), b = v128.load(row + <usize>(side - 16));
    if (v128.any_true(v128.or(a, b))) {
      if (minY < 0) minY = y;
      maxY = y;
      colsA = v128.or(colsA, a);
      colsB = v128.or(colsB, b);
    }
  }
  if (maxY < 0) return -1;
  const zero = i64x2.splat(0);
  const cols = i8x16.bitmask(i8x16.ne(colsA, zero)) | (i8x16.bitmask(i8x16.ne(colsB, zero)) << (side - 16));
  const minX = ctz(cols), maxX = 31 - clz(cols);
  return minX + side * (maxX + side * (minY + side * maxY));
}

function inkBoxScalar(image: usize, side: i32): i32 {
  let minX = side, maxX = -1, minY = side, maxY = -1;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (load<u8>(image + <usize>(y * side + x)) != 0) {
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
 * Fixed point of warpImage (data/augment.ts WARP_*): source coordinates in 1/65536 pixel, of
 * which the bilinear weights keep the top 10 bits; a row whose coordinates reach beyond +-2^30
 * (16,384 pixels) is background.
 */
const FRAC_BITS = 16;
const ONE: f64 = 65536;
const WEIGHT_SHIFT = 6;
const WEIGHT_MASK = 1023;
const WEIGHT_BITS = 10;
const ROUND: i32 = 1 << (2 * WEIGHT_BITS - 1);
const LIMIT: f64 = 1073741824; // 2^30

/**
 * One image: background outside the record's box, bilinear samples of the source bytes at
 * `image` inside it (those below the record's faint level become 0), as warpImage computes them.
 * Only the pixels whose four neighbours reach the ink's box are sampled (each row's run of them found exactly, in whole numbers), four at a time;
 * the rest are background. Those neighbours are inside the image, or one pixel outside it where
 * the ink touches a border: such an image is first copied, framed by a row and column of 0s, to
 * `scratch` (`room` bytes; an image too small to frame there is sampled pixel by pixel).
 */
function warpImage(out: usize, image: usize, side: i32, rec: usize, scratch: usize, room: i32): void {
  memory.fill(out, 0, <usize>(side * side));
  const x0Out = <i32>load<f64>(rec, W_X0 << 3), x1Out = <i32>load<f64>(rec, W_X1 << 3);
  const y0Out = <i32>load<f64>(rec, W_Y0 << 3), y1Out = <i32>load<f64>(rec, W_Y1 << 3);
  if (x1Out < x0Out || y1Out < y0Out) return;
  const ia = load<f64>(rec, W_IA << 3), ib = load<f64>(rec, W_IB << 3);
  const ic = load<f64>(rec, W_IC << 3), id = load<f64>(rec, W_ID << 3);
  const tx = load<f64>(rec, W_TX << 3), ty = load<f64>(rec, W_TY << 3);
  const stepXf = floor(ia * ONE + 0.5), stepYf = floor(ic * ONE + 0.5);
  if (!(abs(stepXf) <= LIMIT && abs(stepYf) <= LIMIT)) return;
  const inkX0 = <i32>load<f64>(rec, W_INK_X0 << 3), inkX1 = <i32>load<f64>(rec, W_INK_X1 << 3);
  const inkY0 = <i32>load<f64>(rec, W_INK_Y0 << 3), inkY1 = <i32>load<f64>(rec, W_INK_Y1 << 3);
  let base = image, stride = side;
  if (inkX0 <= 0 || inkY0 <= 0 || inkX1 >= side - 1 || inkY1 >= side - 1) {
    stride = side + 2;
    if (stride * stride > room) {
      warpScalar(out, image, side, rec);
      return;
    }
    frame(scratch, image, side);
    base = scratch + <usize>stride + 1;
  }
  const stepX = <i32>stepXf, stepY = <i32>stepYf;
  const faint = i32x4.splat(faintOf(rec));
  const centre: f64 = <f64>(side - 1) / 2;
  const dx0: f64 = <f64>x0Out - centre - tx;
  const count = x1Out - x0Out + 1;
  const lastK: f64 = <f64>(count - 1);
  // The sampled pixels' neighbours are columns inkX0 - 1 .. inkX1 + 1 (rows likewise): x0 from
  // inkX0 - 1 to inkX1, in fixed point [A, B].
  const ax: f64 = <f64>(inkX0 - 1) * ONE, bx: f64 = <f64>(inkX1 + 1) * ONE - 1;
  const ay: f64 = <f64>(inkY0 - 1) * ONE, by: f64 = <f64>(inkY1 + 1) * ONE - 1;
  const lanes = i32x4(0, 1, 2, 3);
  const offX = i32x4.mul(lanes, i32x4.splat(stepX)), offY = i32x4.mul(lanes, i32x4.splat(stepY));
  const step4X = i32x4.splat(stepX << 2), step4Y = i32x4.splat(stepY << 2);
  const strideV = i32x4.splat(stride), baseV = i32x4.splat(<i32>base);
  for (let y = y0Out; y <= y1Out; y++) {
    const dy: f64 = <f64>y - centre - ty;
    const sx0 = floor((ia * dx0 + ib * dy + centre) * ONE + 0.5);
    const sy0 = floor((ic * dx0 + id * dy + centre) * ONE + 0.5);
    if (!(abs(sx0) <= LIMIT && abs(sy0) <= LIMIT && abs(sx0 + lastK * stepXf) <= LIMIT && abs(sy0 + lastK * stepYf) <= LIMIT)) continue;
    // The run k = first..last of the row's pixels x0Out + k whose coordinates are in [A, B] both ways.
    const first = max(max(0, runStart(sx0, stepXf, ax, bx)), runStart(sy0, stepYf, ay, by));
    const last = min(min(lastK, runEnd(sx0, stepXf, ax, bx)), runEnd(sy0, stepYf, ay, by));
    if (!(first <= last)) continue;
    const k0 = <i32>first, k1 = <i32>last;
    let sx = i32x4.add(i32x4.splat(<i32>sx0 + k0 * stepX), offX);
    let sy = i32x4.add(i32x4.splat(<i32>sy0 + k0 * stepY), offY);
    const row = out + <usize>(y * side + x0Out);
    let k = k0;
    for (; k + 3 <= k1; k += 4) {
      v128.store32_lane(row + <usize>k, samples(sx, sy, baseV, strideV, faint), 0);
      sx = i32x4.add(sx, step4X);
      sy = i32x4.add(sy, step4Y);
    }
    const left = k1 - k + 1;
    if (left > 0) {
      // The lanes past the run repeat its pixel k (their own coordinates may be anywhere).
      const keep = i32x4.lt_s(lanes, i32x4.splat(left));
      sx = v128.bitselect(sx, i32x4.splat(i32x4.extract_lane(sx, 0)), keep);
      sy = v128.bitselect(sy, i32x4.splat(i32x4.extract_lane(sy, 0)), keep);
      const bytes = i32x4.extract_lane(samples(sx, sy, baseV, strideV, faint), 0);
      const at = row + <usize>k;
      store<u8>(at, bytes);
      if (left > 1) store<u8>(at, bytes >> 8, 1);
      if (left > 2) store<u8>(at, bytes >> 16, 2);
    }
  }
}

/**
 * The first pixel k of a row whose fixed-point coordinate s0 + k step lies in [a, b] (runEnd: the
 * last; first > last: none): all of them for a zero step and s0 in [a, b], none for s0 outside.
 * Exact: the bounds are whole numbers below 2^31 in magnitude, so each quotient rounds to a whole
 * number only when it is one.
 */
@inline function runStart(s0: f64, step: f64, a: f64, b: f64): f64 {
  if (step > 0) return ceil((a - s0) / step);
  if (step < 0) return ceil((b - s0) / step);
  return a <= s0 && s0 <= b ? -Infinity : Infinity;
}

@inline function runEnd(s0: f64, step: f64, a: f64, b: f64): f64 {
  if (step > 0) return floor((b - s0) / step);
  if (step < 0) return floor((a - s0) / step);
  return a <= s0 && s0 <= b ? Infinity : -Infinity;
}

/**
 * The record's faint level as a whole number 0..256: samples below it are 0, as warpImage's
 * `value < faint` decides for any level (a fraction rounds up, NaN and negatives drop nothing).
 */
@inline function faintOf(rec: usize): i32 {
  const f = ceil(load<f64>(rec, W_FAINT << 3));
  return f > 0 ? <i32>min(f, 256) : 0;
}

/**
 * The bytes of four pixels whose fixed-point source coordinates are (sx, sy), as the low four
 * bytes of the result: each bilinear in its four neighbours (two 2-byte loads; `base` holds
 * pixel (0, 0), `stride` bytes per row), 0 below `faint`.
 */
@inline function samples(sx: v128, sy: v128, baseV: v128, strideV: v128, faint: v128): v128 {
  const x0 = i32x4.shr_s(sx, FRAC_BITS), y0 = i32x4.shr_s(sy, FRAC_BITS);
  const mask = i32x4.splat(WEIGHT_MASK);
  const wx = v128.and(i32x4.shr_s(sx, WEIGHT_SHIFT), mask), wy = v128.and(i32x4.shr_s(sy, WEIGHT_SHIFT), mask);
  const at = i32x4.add(i32x4.add(i32x4.mul(y0, strideV), x0), baseV);
  const stride = <usize>i32x4.extract_lane(strideV, 0);
  const a0 = <usize>i32x4.extract_lane(at, 0), a1 = <usize>i32x4.extract_lane(at, 1);
  const a2 = <usize>i32x4.extract_lane(at, 2), a3 = <usize>i32x4.extract_lane(at, 3);
  const zero = i32x4.splat(0);
  const up = v128.load16_lane(a3, v128.load16_lane(a2, v128.load16_lane(a1, v128.load16_lane(a0, zero, 0), 1), 2), 3);
  const down = v128.load16_lane(a3 + stride, v128.load16_lane(a2 + stride, v128.load16_lane(a1 + stride, v128.load16_lane(a0 + stride, zero, 0), 1), 2), 3);
  const up32 = i32x4.extend_low_i16x8_u(up), down32 = i32x4.extend_low_i16x8_u(down);
  const byte = i32x4.splat(255);
  const p00 = v128.and(up32, byte), p01 = i32x4.shr_u(up32, 8);
  const p10 = v128.and(down32, byte), p11 = i32x4.shr_u(down32, 8);
  const top = i32x4.add(i32x4.shl(p00, WEIGHT_BITS), i32x4.mul(i32x4.sub(p01, p00), wx));
  const bottom = i32x4.add(i32x4.shl(p10, WEIGHT_BITS), i32x4.mul(i32x4.sub(p11, p10), wx));
  const sample = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.shl(top, WEIGHT_BITS), i32x4.mul(i32x4.sub(bottom, top), wy)), i32x4.splat(ROUND)), 2 * WEIGHT_BITS);
  const value = v128.and(sample, i32x4.ge_s(sample, faint));
  const words = i16x8.narrow_i32x4_u(value, value);
  return i8x16.narrow_i16x8_u(words, words);
}

/** The side x side image at `image` into (side + 2)^2 bytes at `to`, framed by 0s. */
function frame(to: usize, image: usize, side: i32): void {
  const stride = side + 2;
  memory.fill(to, 0, <usize>(stride * stride));
  for (let y = 0; y < side; y++) memory.copy(to + <usize>((y + 1) * stride + 1), image + <usize>(y * side), <usize>side);
}

/** warpImage pixel by pixel, for an image too small to frame in its scratch room. */
function warpScalar(out: usize, image: usize, side: i32, rec: usize): void {
  const ia = load<f64>(rec, W_IA << 3), ib = load<f64>(rec, W_IB << 3);
  const ic = load<f64>(rec, W_IC << 3), id = load<f64>(rec, W_ID << 3);
  const tx = load<f64>(rec, W_TX << 3), ty = load<f64>(rec, W_TY << 3);
  const x0Out = <i32>load<f64>(rec, W_X0 << 3), x1Out = <i32>load<f64>(rec, W_X1 << 3);
  const y0Out = <i32>load<f64>(rec, W_Y0 << 3), y1Out = <i32>load<f64>(rec, W_Y1 << 3);
  const stepX = <i32>floor(ia * ONE + 0.5), stepY = <i32>floor(ic * ONE + 0.5); // checked by the caller
  const faint = faintOf(rec);
  const centre: f64 = <f64>(side - 1) / 2;
  const dx0: f64 = <f64>x0Out - centre - tx;
  const lastK: f64 = <f64>(x1Out - x0Out);
  for (let y = y0Out; y <= y1Out; y++) {
    const dy: f64 = <f64>y - centre - ty;
    const sx0 = floor((ia * dx0 + ib * dy + centre) * ONE + 0.5);
    const sy0 = floor((ic * dx0 + id * dy + centre) * ONE + 0.5);
    if (!(abs(sx0) <= LIMIT && abs(sy0) <= LIMIT && abs(sx0 + lastK * <f64>stepX) <= LIMIT && abs(sy0 + lastK * <f64>stepY) <= LIMIT)) continue;
    let sx = <i32>sx0, sy = <i32>sy0;
    for (let x = x0Out; x <= x1Out; x++, sx += stepX, sy += stepY) {
      const x0 = sx >> FRAC_BITS, y0 = sy >> FRAC_BITS;
      if (x0 < -1 || y0 < -1 || x0 > side - 1 || y0 > side - 1) continue;
      const wx = (sx >> WEIGHT_SHIFT) & WEIGHT_MASK, wy = (sy >> WEIGHT_SHIFT) & WEIGHT_MASK;
      const p00 = pixelAt(image, side, x0, y0), p01 = pixelAt(image, side, x0 + 1, y0);
      const p10 = pixelAt(image, side, x0, y0 + 1), p11 = pixelAt(image, side, x0 + 1, y0 + 1);
      const top = (p00 << WEIGHT_BITS) + (p01 - p00) * wx;
      const bottom = (p10 << WEIGHT_BITS) + (p11 - p10) * wx;
      const value = ((top << WEIGHT_BITS) + (bottom - top) * wy + ROUND) >> (2 * WEIGHT_BITS);
      store<u8>(out + <usize>(y * side + x), value < faint ? 0 : value);
    }
  }
}

@inline function pixelAt(image: usize, side: i32, x: i32, y: i32): i32 {
  return x < 0 || y < 0 || x >= side || y >= side ? 0 : <i32>load<u8>(image + <usize>(y * side + x));
}
