/**
 * The augmentation's warp (src/data/augment.ts warpImage) inside the engine: each row of a chunk
 * takes its source image from the source stage (P_WARP_SRC) and its plan record (P_WARP_PLAN, drawn
 * by data/augment.ts planAugment on the main thread) and writes the warped bytes to P_STAGE, which
 * loadChunk then converts. The same float64 operations in the same order as warpImage, so the bytes
 * are identical; not the random draws, which stay in JavaScript with the generator.
 */

import {
  L_IN, P_STAGE, P_WARP_PLAN, P_WARP_SRC, W_IA, W_IB, W_IC, W_ID, W_PLAN, W_TX, W_TY, W_X0, W_X1, W_Y0, W_Y1, layerI32, planI32,
} from './plan';

/** Rows r0..r1-1: stage row n = source stage row n warped as plan record n says. */
export function warpRows(plan: usize, r0: i32, r1: i32): void {
  const pixels = layerI32(plan, 0, L_IN);
  const side = <i32>Math.sqrt(<f64>pixels); // a square image (checked by the JS side)
  const src = <usize>planI32(plan, P_WARP_SRC);
  const records = <usize>planI32(plan, P_WARP_PLAN);
  const stage = <usize>planI32(plan, P_STAGE);
  for (let n = r0; n < r1; n++) {
    warpImage(stage + <usize>(n * pixels), src + <usize>(n * pixels), side, records + (<usize>(n * W_PLAN) << 3));
  }
}

/**
 * One image: background outside the record's box, bilinear samples of the source inside it.
 * A pixel's source coordinates (sx, sy) are one f64x2, so a step right is one add and both are
 * floored by one saturating conversion (i32x4.trunc_sat: no trap, whatever a degenerate record holds).
 */
function warpImage(out: usize, src: usize, side: i32, rec: usize): void {
  memory.fill(out, 0, <usize>(side * side));
  const ia = load<f64>(rec, W_IA << 3), ib = load<f64>(rec, W_IB << 3);
  const ic = load<f64>(rec, W_IC << 3), id = load<f64>(rec, W_ID << 3);
  const tx = load<f64>(rec, W_TX << 3), ty = load<f64>(rec, W_TY << 3);
  // The box's bounds are small whole numbers (or x1 < x0 for none), exact in both types.
  const x0Out = i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(v128.load(rec, W_X0 << 3)), 0);
  const x1Out = i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(v128.load(rec, W_X0 << 3)), 1);
  const y0Out = i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(v128.load(rec, W_Y0 << 3)), 0);
  const y1Out = i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(v128.load(rec, W_Y0 << 3)), 1);
  const centre: f64 = <f64>(side - 1) / 2;
  const last = side - 1;
  const step = f64x2(ia, ic);
  const two = f64x2.splat(2);
  const dx0: f64 = <f64>x0Out - centre - tx;
  for (let y = y0Out; y <= y1Out; y++) {
    const dy: f64 = <f64>y - centre - ty;
    // Source coordinates of output pixel (x0Out, y); each step right adds the first column of A^-1.
    let s = f64x2(ia * dx0 + ib * dy + centre, ic * dx0 + id * dy + centre);
    const row = out + <usize>(y * side);
    for (let x = x0Out; x <= x1Out; x++, s = f64x2.add(s, step)) {
      // floor() for every coordinate that can reach the image (>= -2), as warpImage's (s + 2) | 0.
      const floor2 = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(s, two));
      const x0 = i32x4.extract_lane(floor2, 0) - 2, y0 = i32x4.extract_lane(floor2, 1) - 2;
      const sx = f64x2.extract_lane(s, 0), sy = f64x2.extract_lane(s, 1);
      let value: f64;
      if (x0 >= 0 && y0 >= 0 && x0 < last && y0 < last) {
        const fx = sx - <f64>x0, fy = sy - <f64>y0;
        const i = src + <usize>(y0 * side + x0);
        const p00 = <f64>load<u8>(i), p01 = <f64>load<u8>(i, 1);
        const p10 = <f64>load<u8>(i + <usize>side), p11 = <f64>load<u8>(i + <usize>side, 1);
        const top = p00 + (p01 - p00) * fx;
        const bottom = p10 + (p11 - p10) * fx;
        value = top + (bottom - top) * fy;
      } else if (x0 < -1 || y0 < -1 || x0 > last || y0 > last) {
        continue; // wholly outside: background, already 0
      } else {
        value = sampleEdge(src, side, sx, sy, x0, y0);
      }
      store<u8>(row + <usize>x, <u8>i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(f64x2.splat(value + 0.5)), 0));
    }
  }
}

/** Bilinear sampling where some of the four neighbours fall outside the image (they count as 0). */
function sampleEdge(src: usize, side: i32, x: f64, y: f64, x0: i32, y0: i32): f64 {
  const fx = x - <f64>x0, fy = y - <f64>y0;
  const top = pixelAt(src, side, x0, y0) * (1 - fx) + pixelAt(src, side, x0 + 1, y0) * fx;
  const bottom = pixelAt(src, side, x0, y0 + 1) * (1 - fx) + pixelAt(src, side, x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

@inline function pixelAt(src: usize, side: i32, x: i32, y: i32): f64 {
  return x < 0 || y < 0 || x >= side || y >= side ? 0 : <f64>load<u8>(src + <usize>(y * side + x));
}
