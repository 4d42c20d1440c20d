/**
 * The augmentation's warp (src/data/augment.ts warpImage) inside the engine: each row of a chunk
 * takes its source image from where P_WARP_ROWS points (a row of a resident dataset, or of the
 * source stage P_WARP_SRC) and its plan record (P_WARP_PLAN, drawn
 * by data/augment.ts planAugment on the main thread) and writes the warped bytes to P_STAGE, which
 * loadChunk then converts. The same float64 operations in the same order as warpImage, so the bytes
 * are identical; not the random draws, which stay in JavaScript with the generator. Also the ink
 * boxes that the records are drawn from (inkBoxes, for the main thread).
 */

import {
  L_IN, P_INPUT, P_STAGE, P_WARP_PLAN, P_WARP_ROWS, W_IA, W_IB, W_IC, W_ID, W_INK_X0, W_INK_X1, W_INK_Y0, W_INK_Y1, W_PLAN,
  W_TX, W_TY, W_X0, W_X1, W_Y0, W_Y1, layerI32, planI32,
} from './plan';

/** Rows r0..r1-1: stage row n = row n's source image (P_WARP_ROWS) warped as plan record n says. */
export function warpRows(plan: usize, r0: i32, r1: i32): void {
  const pixels = layerI32(plan, 0, L_IN);
  const side = <i32>Math.sqrt(<f64>pixels); // a square image (checked by the JS side)
  const sources = <usize>planI32(plan, P_WARP_ROWS);
  const records = <usize>planI32(plan, P_WARP_PLAN);
  const stage = <usize>planI32(plan, P_STAGE);
  const input = <usize>planI32(plan, P_INPUT);
  for (let n = r0; n < r1; n++) {
    // The row's input floats are free until loadChunk fills them from the stage: they hold the
    // source pixels as f32 meanwhile (exact), so a pixel's two neighbours in a row are one 8-byte load.
    const table = input + (<usize>(n * pixels) << 2);
    bytesToF32(table, <usize>load<i32>(sources + (<usize>n << 2)), pixels);
    warpImage(stage + <usize>(n * pixels), table, side, records + (<usize>(n * W_PLAN) << 3));
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

/** out[k] = bytes[k] as f32 (exact), k < count: 16 at a time (the signed convert: x64 has no unsigned one), then one at a time. */
function bytesToF32(out: usize, bytes: usize, count: i32): void {
  let k = 0;
  for (; k + 16 <= count; k += 16) {
    const b = v128.load(bytes + <usize>k);
    const lo = i16x8.extend_low_i8x16_u(b), hi = i16x8.extend_high_i8x16_u(b);
    const at = out + (<usize>k << 2);
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)));
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), 16);
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), 32);
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), 48);
  }
  for (; k < count; k++) store<f32>(out + (<usize>k << 2), <f32>load<u8>(bytes + <usize>k));
}

/** 1.5 * 2^52: the sum x + MAGIC of an integer-valued x, |x| < 2^51, holds x in its low 32 bits. */
const MAGIC: f64 = 6755399441055744.0;

/** An integer-valued f64 to i32 by its bits: one add, no conversion that could trap or need guarding. */
@inline function wholeToI32(x: f64): i32 {
  return <i32>reinterpret<i64>(x + MAGIC);
}

/**
 * One image: background outside the record's box, bilinear samples of the source (its pixels as
 * f32 in `src`) inside it.
 * warpImage's `((s + 2) | 0) - 2` is trunc(s + 2) - 2 here, kept in f64 for the range tests, so
 * coordinates that are not a number, infinite or huge (a degenerate record) are background, never
 * a trap or a read outside the image; only the sampled pixels' coordinates become integers.
 * Two rows at a time, one per f64x2 lane: each lane does exactly warpImage's operations on its own
 * row (the steps right are the same adds in the same order), and the two rows' chains of adds
 * overlap. Where either lane is not wholly inside the image, each lane takes the scalar path.
 */
function warpImage(out: usize, src: usize, side: i32, rec: usize): void {
  const rowF = <usize>side << 2;
  memory.fill(out, 0, <usize>(side * side));
  const ia = load<f64>(rec, W_IA << 3), ib = load<f64>(rec, W_IB << 3);
  const ic = load<f64>(rec, W_IC << 3), id = load<f64>(rec, W_ID << 3);
  const tx = load<f64>(rec, W_TX << 3), ty = load<f64>(rec, W_TY << 3);
  // The box's bounds are small whole numbers (or x1 < x0 for none), exact in both types.
  const x0Out = <i32>load<f64>(rec, W_X0 << 3), x1Out = <i32>load<f64>(rec, W_X1 << 3);
  const y0Out = <i32>load<f64>(rec, W_Y0 << 3), y1Out = <i32>load<f64>(rec, W_Y1 << 3);
  const centre: f64 = <f64>(side - 1) / 2;
  const last: f64 = <f64>(side - 1);
  const dx0: f64 = <f64>x0Out - centre - tx;
  const stepX = f64x2.splat(ia), stepY = f64x2.splat(ic);
  const two = f64x2.splat(2), zero = f64x2.splat(0), half = f64x2.splat(0.5);
  const lastV = f64x2.splat(last), sideV = f64x2.splat(<f64>side), magic = f64x2.splat(MAGIC);
  const rowBytes = <usize>side;
  // A pixel whose source (sx, sy) is not within a pixel of the ink's box, sx < inkX0 - 1 or
  // sx > inkX1 + 1 (likewise sy), has four 0s (or background) around it: its byte is 0 and is
  // skipped. Each row's coordinates run along a line, so the rest is one run of pixels, found below.
  const count = x1Out - x0Out + 1;
  const sx0 = max(abs(ia * dx0 + ib * (<f64>y0Out - centre - ty) + centre), abs(ia * dx0 + ib * (<f64>y1Out + 1 - centre - ty) + centre));
  const sy0 = max(abs(ic * dx0 + id * (<f64>y0Out - centre - ty) + centre), abs(ic * dx0 + id * (<f64>y1Out + 1 - centre - ty) + centre));
  const mx = runMargin(ia, count, sx0), my = runMargin(ic, count, sy0);
  const xBounded = runBounded(ia, mx), yBounded = runBounded(ic, my);
  const xa = load<f64>(rec, W_INK_X0 << 3) - 1, xb = load<f64>(rec, W_INK_X1 << 3) + 1;
  const ya = load<f64>(rec, W_INK_Y0 << 3) - 1, yb = load<f64>(rec, W_INK_Y1 << 3) + 1;
  const xInv = f64x2.splat(1 / ia), yInv = f64x2.splat(1 / ic);
  const xFrom = f64x2.splat(ia > 0 ? xa - mx : xb + mx), xTo = f64x2.splat(ia > 0 ? xb + mx : xa - mx);
  const yFrom = f64x2.splat(ic > 0 ? ya - my : yb + my), yTo = f64x2.splat(ic > 0 ? yb + my : ya - my);
  const never = f64x2.splat(-Infinity), always = f64x2.splat(Infinity);
  for (let y = y0Out; y <= y1Out; y += 2) {
    const both = y < y1Out; // the second lane's row y + 1 is in the box (else it is computed, not stored)
    const dyA: f64 = <f64>y - centre - ty, dyB: f64 = <f64>(y + 1) - centre - ty;
    // Source coordinates of output pixels (x0Out, y) and (x0Out, y + 1).
    const sxA = ia * dx0 + ib * dyA + centre, sxB = ia * dx0 + ib * dyB + centre;
    const syA = ic * dx0 + id * dyA + centre, syB = ic * dx0 + id * dyB + centre;
    // The pixels k = 0..count-1 of either row that may see ink: both coordinates near the ink's box.
    const sxAB = f64x2(sxA, sxB), syAB = f64x2(syA, syB);
    const fromV = f64x2.max(
      xBounded ? f64x2.mul(f64x2.sub(xFrom, sxAB), xInv) : never,
      yBounded ? f64x2.mul(f64x2.sub(yFrom, syAB), yInv) : never,
    );
    const toV = f64x2.min(
      xBounded ? f64x2.mul(f64x2.sub(xTo, sxAB), xInv) : always,
      yBounded ? f64x2.mul(f64x2.sub(yTo, syAB), yInv) : always,
    );
    const fromA = f64x2.extract_lane(fromV, 0), toA = f64x2.extract_lane(toV, 0);
    const fromB = f64x2.extract_lane(fromV, 1), toB = f64x2.extract_lane(toV, 1);
    // An empty run (or one that is not a number: coordinates that are background) adds nothing.
    let first: f64 = Infinity, end: f64 = -Infinity;
    if (fromA <= toA) {
      first = fromA;
      end = toA;
    }
    if (both && fromB <= toB) {
      first = min(first, fromB);
      end = max(end, toB);
    }
    first = max(ceil(first), 0);
    end = min(floor(end), <f64>(count - 1));
    if (!(first <= end)) continue; // neither row sees ink
    let sx = sxAB, sy = syAB;
    // The same chain of adds as warpImage up to the first pixel that may see ink.
    const skip = <i32>first;
    for (let k = 0; k < skip; k++) {
      sx = f64x2.add(sx, stepX);
      sy = f64x2.add(sy, stepY);
    }
    const row = out + <usize>(y * side);
    for (let x = x0Out + skip, x1 = x0Out + <i32>end; x <= x1; x++, sx = f64x2.add(sx, stepX), sy = f64x2.add(sy, stepY)) {
      const x0 = f64x2.sub(f64x2.trunc(f64x2.add(sx, two)), two);
      const y0 = f64x2.sub(f64x2.trunc(f64x2.add(sy, two)), two);
      const inside = v128.and(
        v128.and(f64x2.ge(x0, zero), f64x2.ge(y0, zero)),
        v128.and(f64x2.lt(x0, lastV), f64x2.lt(y0, lastV)),
      );
      if (i64x2.all_true(inside)) {
        const at = f64x2.add(f64x2.add(f64x2.mul(y0, sideV), x0), magic);
        const iA = src + (<usize><i32>i64x2.extract_lane(at, 0) << 2), iB = src + (<usize><i32>i64x2.extract_lane(at, 1) << 2);
        // Each lane's four neighbours: (A00, A01, B00, B01) and (A10, A11, B10, B11). No test for
        // all four being 0 (most of an image): the samples are cheaper than its mispredictions.
        const up = v128.load64_lane(iB, v128.load64_zero(iA), 1);
        const down = v128.load64_lane(iB + rowF, v128.load64_zero(iA + rowF), 1);
        const fx = f64x2.sub(sx, x0), fy = f64x2.sub(sy, y0);
        const p00 = f64x2.promote_low_f32x4(v128.shuffle<f32>(up, up, 0, 2, 0, 2));
        const p01 = f64x2.promote_low_f32x4(v128.shuffle<f32>(up, up, 1, 3, 1, 3));
        const p10 = f64x2.promote_low_f32x4(v128.shuffle<f32>(down, down, 0, 2, 0, 2));
        const p11 = f64x2.promote_low_f32x4(v128.shuffle<f32>(down, down, 1, 3, 1, 3));
        const top = f64x2.add(p00, f64x2.mul(f64x2.sub(p01, p00), fx));
        const bottom = f64x2.add(p10, f64x2.mul(f64x2.sub(p11, p10), fx));
        const value = f64x2.add(top, f64x2.mul(f64x2.sub(bottom, top), fy));
        // (value + 0.5) | 0, stored as its low byte, as a Uint8Array stores it.
        const byte = f64x2.add(f64x2.trunc(f64x2.add(value, half)), magic);
        store<u8>(row + <usize>x, <u8>i64x2.extract_lane(byte, 0));
        if (both) store<u8>(row + rowBytes + <usize>x, <u8>i64x2.extract_lane(byte, 1));
      } else {
        samplePixel(row + <usize>x, src, side, f64x2.extract_lane(sx, 0), f64x2.extract_lane(sy, 0));
        if (both) samplePixel(row + rowBytes + <usize>x, src, side, f64x2.extract_lane(sx, 1), f64x2.extract_lane(sy, 1));
      }
    }
  }
}

/**
 * Where one coordinate of a row, s0 + k * step for pixels k = 0..count-1 (warpImage's chain of
 * adds), lies in [a, b]: k from (a - s0) / step to (b - s0) / step (the other way round for a
 * negative step), widened by a margin m that covers the rounding of the chained adds (at most count
 * roundings of numbers no larger than |s0| + count |step|) many times over.
 */
@inline function runMargin(step: f64, count: i32, maxAbsS0: f64): f64 {
  return 1e-6 * (1 + maxAbsS0 + <f64>count * abs(step));
}

/** Whether the run's bounds are worth computing: a step that is 0, tiny, huge or not a number gives none (every k). */
@inline function runBounded(step: f64, m: f64): bool {
  return abs(step) > 1e-200 && abs(step) < 1e200 && m < 1e-3;
}

/** warpImage's loop body for one pixel whose source is (sx, sy): writes its byte unless it is background. */
function samplePixel(out: usize, src: usize, side: i32, sx: f64, sy: f64): void {
  const last: f64 = <f64>(side - 1);
  const x0 = trunc<f64>(sx + 2) - 2, y0 = trunc<f64>(sy + 2) - 2;
  let value: f64;
  if (x0 >= 0 && y0 >= 0 && x0 < last && y0 < last) {
    const fx = sx - x0, fy = sy - y0;
    const i = src + (<usize>wholeToI32(y0 * <f64>side + x0) << 2);
    const p00 = <f64>load<f32>(i), p01 = <f64>load<f32>(i, 4);
    const p10 = <f64>load<f32>(i + (<usize>side << 2)), p11 = <f64>load<f32>(i + (<usize>side << 2), 4);
    const top = p00 + (p01 - p00) * fx;
    const bottom = p10 + (p11 - p10) * fx;
    value = top + (bottom - top) * fy;
  } else if (x0 >= -1 && y0 >= -1 && x0 <= last && y0 <= last) {
    value = sampleEdge(src, side, sx, sy, wholeToI32(x0), wholeToI32(y0));
  } else {
    return; // wholly outside (or not a number): background, already 0
  }
  store<u8>(out, <u8>wholeToI32(trunc<f64>(value + 0.5)));
}

/** Bilinear sampling where some of the four neighbours fall outside the image (they count as 0). */
function sampleEdge(src: usize, side: i32, x: f64, y: f64, x0: i32, y0: i32): f64 {
  const fx = x - <f64>x0, fy = y - <f64>y0;
  const top = pixelAt(src, side, x0, y0) * (1 - fx) + pixelAt(src, side, x0 + 1, y0) * fx;
  const bottom = pixelAt(src, side, x0, y0 + 1) * (1 - fx) + pixelAt(src, side, x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

@inline function pixelAt(src: usize, side: i32, x: i32, y: i32): f64 {
  return x < 0 || y < 0 || x >= side || y >= side ? 0 : <f64>load<f32>(src + (<usize>(y * side + x) << 2));
}
