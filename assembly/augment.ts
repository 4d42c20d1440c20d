/**
 * data/augment.ts planAugment in WebAssembly, for the built-in augmentation: each thread draws the
 * warp records of the rows it warps, from each row's own random stream (model/transform.ts
 * imageSeed, rng.ts Rng), without calling into JavaScript for every chunk. The same operations in
 * the same order on the same float64s, and cos, sin and pow imported from JavaScript's Math, so
 * the records are the same bits as planAugment's.
 */

import {
  P_WARP_ARGS, P_WARP_BOX, P_WARP_PLAN, W_ARG_SEED, W_ARG_START, W_FAINT, W_IA, W_IB, W_IC, W_ID, W_INK_X0, W_INK_X1, W_INK_Y0,
  W_INK_Y1, W_PLAN, W_SET_FAINT_BELOW, W_SET_FILL_CHANCE, W_SET_MAX_ROTATE, W_SET_MAX_SCALE, W_SET_MAX_SHEAR, W_SET_MAX_SHIFT,
  W_TX, W_TY, W_X0, W_X1, W_Y0, W_Y1, planI32,
} from './plan';

@external("env", "cos")
declare function jsCos(x: f64): f64;
@external("env", "sin")
declare function jsSin(x: f64): f64;
@external("env", "pow")
declare function jsPow(x: f64, y: f64): f64;

const GOLDEN: u32 = 0x9e3779b9;

// The generator's state (rng.ts Rng: a, b, c, d), one per thread (wasm globals are per instance).
let ra: u32 = 0, rb: u32 = 0, rc: u32 = 0, rd: u32 = 0;

/** rng.ts mix32. */
@inline function mix32(z: u32): u32 {
  z = (z ^ (z >> 16)) * 0x85ebca6b;
  z = (z ^ (z >> 13)) * 0xc2b2ae35;
  return z ^ (z >> 16);
}

/** rng.ts Rng.reset. */
function reset(seed: u32): void {
  ra = mix32(seed + GOLDEN);
  rb = mix32(seed + 2 * GOLDEN);
  rc = mix32(seed + 3 * GOLDEN);
  rd = mix32(seed + 4 * GOLDEN);
  for (let i = 0; i < 12; i++) next();
}

/** rng.ts Rng.nextUint32. */
@inline function next(): u32 {
  const t = ra + rb + rd;
  rd = rd + 1;
  ra = rb ^ (rb >> 9);
  rb = rc + (rc << 3);
  rc = (rc << 21) | (rc >> 11);
  rc = rc + t;
  return t;
}

/** rng.ts Rng.uniform. */
@inline function uniform(): f64 {
  return <f64>next() / 4294967296;
}

/**
 * Records r0..r1-1 of a warped load (P_WARP_PLAN), each drawn as planAugment draws it, from the
 * stream imageSeed(seed, start + n) and the row's ink box (P_WARP_BOX), with the load's arguments
 * and the settings at P_WARP_ARGS.
 */
export function drawAugment(plan: usize, r0: i32, r1: i32, side: i32): void {
  const args = <usize>planI32(plan, P_WARP_ARGS);
  const records = <usize>planI32(plan, P_WARP_PLAN);
  const boxes = <usize>planI32(plan, P_WARP_BOX);
  const seed = load<u32>(args + (<usize>W_ARG_SEED << 2));
  const start = load<i32>(args + (<usize>W_ARG_START << 2));
  const maxRotate = load<f64>(args, W_SET_MAX_ROTATE << 3), maxShear = load<f64>(args, W_SET_MAX_SHEAR << 3);
  const maxScale = load<f64>(args, W_SET_MAX_SCALE << 3), maxShift = load<f64>(args, W_SET_MAX_SHIFT << 3);
  const fillChance = load<f64>(args, W_SET_FILL_CHANCE << 3), faint = load<f64>(args, W_SET_FAINT_BELOW << 3);
  const seedMix = mix32(seed);
  for (let n = r0; n < r1; n++) {
    reset(mix32(seedMix + <u32>(start + n + 1) * GOLDEN));
    const rec = records + (<usize>(n * W_PLAN) << 3);
    drawOne(rec, load<i32>(boxes + (<usize>n << 2)), side, maxRotate, maxShear, maxScale, maxShift, fillChance, faint);
  }
}

function drawOne(
  rec: usize, box: i32, side: i32, maxRotate: f64, maxShear: f64, maxScale: f64, maxShift: f64, fillChance: f64, faint: f64,
): void {
  const angle = ((2 * uniform() - 1) * maxRotate * Math.PI) / 180;
  const shear = (2 * uniform() - 1) * maxShear;
  const scale = 1 + (2 * uniform() - 1) * maxScale;
  const tx = (2 * uniform() - 1) * maxShift;
  const ty = (2 * uniform() - 1) * maxShift;
  // `s.fillChance ? ...`: 0 and NaN draw nothing.
  const fill = fillChance != 0 && fillChance == fillChance ? uniform() < fillChance : false;
  const fillPart = fill ? uniform() : 0;
  store<f64>(rec, faint, W_FAINT << 3);
  if (box < 0) {
    for (let k = 0; k < W_FAINT; k++) store<f64>(rec + (<usize>k << 3), 0);
    store<f64>(rec, -1, W_X1 << 3);
    store<f64>(rec, -1, W_Y1 << 3);
    return;
  }
  const minX = box % side, maxX = (box / side) % side;
  const minY = (box / (side * side)) % side, maxY = box / (side * side * side);
  let sx: f64 = 1, sy: f64 = 1;
  if (fill) {
    const bw = maxX - minX + 1, bh = maxY - minY + 1;
    if (bw < bh) sx = jsPow(<f64>bh / <f64>bw, fillPart);
    else sy = jsPow(<f64>bw / <f64>bh, fillPart);
  }
  const cos = jsCos(angle), sin = jsSin(angle);
  const a = cos * scale * sx, b = (cos * shear - sin) * scale * sy;
  const c = sin * scale * sx, d = (sin * shear + cos) * scale * sy;
  const det = a * d - b * c;
  const centre: f64 = <f64>(side - 1) / 2;
  const last: f64 = <f64>(side - 1);
  const u0 = <f64>(minX - 1) - centre, u1 = <f64>(maxX + 1) - centre, v0 = <f64>(minY - 1) - centre, v1 = <f64>(maxY + 1) - centre;
  const px00 = a * u0 + b * v0, px01 = a * u0 + b * v1, px10 = a * u1 + b * v0, px11 = a * u1 + b * v1;
  const py00 = c * u0 + d * v0, py01 = c * u0 + d * v1, py10 = c * u1 + d * v0, py11 = c * u1 + d * v1;
  const x0Out = max(0, floor(min(min(min(px00, px01), px10), px11) + centre + tx));
  const x1Out = min(last, ceil(max(max(max(px00, px01), px10), px11) + centre + tx));
  const y0Out = max(0, floor(min(min(min(py00, py01), py10), py11) + centre + ty));
  const y1Out = min(last, ceil(max(max(max(py00, py01), py10), py11) + centre + ty));
  const none = !(x0Out <= x1Out && y0Out <= y1Out);
  store<f64>(rec, d / det, W_IA << 3);
  store<f64>(rec, -b / det, W_IB << 3);
  store<f64>(rec, -c / det, W_IC << 3);
  store<f64>(rec, a / det, W_ID << 3);
  store<f64>(rec, tx, W_TX << 3);
  store<f64>(rec, ty, W_TY << 3);
  store<f64>(rec, none ? 0 : x0Out, W_X0 << 3);
  store<f64>(rec, none ? -1 : x1Out, W_X1 << 3);
  store<f64>(rec, none ? 0 : y0Out, W_Y0 << 3);
  store<f64>(rec, none ? -1 : y1Out, W_Y1 << 3);
  store<f64>(rec, <f64>minX, W_INK_X0 << 3);
  store<f64>(rec, <f64>maxX, W_INK_X1 << 3);
  store<f64>(rec, <f64>minY, W_INK_Y0 << 3);
  store<f64>(rec, <f64>maxY, W_INK_Y1 << 3);
}
