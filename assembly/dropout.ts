/**
 * Inverted dropout in the wasm engine. The masks (0 or 1/(1-p) per hidden unit) are drawn by the
 * main thread (src/model/dropout.ts, the same function the reference engine uses) into one f32
 * buffer per hidden layer; here they are only applied, row chunk by row chunk, so the result does
 * not depend on the thread count. With P_DROP_ON = 0 (evaluation) nothing here runs and each layer
 * reads the previous layer's activations directly.
 */

import { L_A, L_DZ, L_H, L_MASK, L_OUT, L_X, P_DROP_ON, layerI32, layerPtr, planI32 } from './plan';

/** Whether the current forward/backward drops units (set by the main thread before a training forward). */
@inline export function dropping(plan: usize): bool {
  return planI32(plan, P_DROP_ON) != 0;
}

/** Layer l's input rows: the previous layer's dropped output h while dropping, else its plan input. */
@inline export function layerInput(plan: usize, l: i32): usize {
  return l > 0 && dropping(plan) ? layerPtr(plan, l - 1, L_H) : layerPtr(plan, l, L_X);
}

/** Rows [r0, r1) of hidden layer l: h = a * mask (forward). */
export function dropRows(plan: usize, l: i32, r0: i32, r1: i32): void {
  const width = layerI32(plan, l, L_OUT);
  const at = <usize>(r0 * width) << 2;
  mulInto(layerPtr(plan, l, L_H) + at, layerPtr(plan, l, L_A) + at, layerPtr(plan, l, L_MASK) + at, (r1 - r0) * width);
}

/**
 * Rows [r0, r1) of hidden layer l: dZ = dZ * mask. dZ already holds dH * f'(a), so this undoes
 * h = a * mask in the same order of products as the reference engine.
 */
export function maskGradRows(plan: usize, l: i32, r0: i32, r1: i32): void {
  const width = layerI32(plan, l, L_OUT);
  const at = <usize>(r0 * width) << 2;
  const dZ = layerPtr(plan, l, L_DZ) + at;
  mulInto(dZ, dZ, layerPtr(plan, l, L_MASK) + at, (r1 - r0) * width);
}

/** out[k] = x[k] * m[k] for n floats (out may be x). */
function mulInto(out: usize, x: usize, m: usize, n: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(out + o, f32x4.mul(v128.load(x + o), v128.load(m + o)));
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    store<f32>(out + o, load<f32>(x + o) * load<f32>(m + o));
  }
}
