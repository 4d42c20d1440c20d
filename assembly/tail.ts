/**
 * The small kernels around the products: softmax, the output gradient of both losses, the bias
 * gradients, the plain-SGD update, and pixel bytes -> floats. Where the reference engine computes
 * in float64 (the output gradient, the SGD step) these do too, so they match it bit for bit. The
 * loss value itself is computed in JS from the row max and sum kept here (src/engines/wasm/mlp.ts).
 */

import { exps, expv } from './math';

/**
 * Rows [r0, r1) of logits (maxBatch, classes) -> probs: p = e^(z - max) / sum. The max is per row
 * (it cancels in the ratio and keeps e^z finite). Also keeps each row's max and sum for the loss.
 */
export function softmaxRows(probs: usize, logits: usize, rowMax: usize, rowSum: usize, r0: i32, r1: i32, classes: i32): void {
  for (let n = r0; n < r1; n++) {
    const z = logits + (<usize>(n * classes) << 2);
    const p = probs + (<usize>(n * classes) << 2);
    let mx = load<f32>(z);
    for (let k = 1; k < classes; k++) mx = max(mx, load<f32>(z + (<usize>k << 2)));
    let k = 0;
    const mv = f32x4.splat(mx);
    for (; k + 4 <= classes; k += 4) v128.store(p + (<usize>k << 2), expv(f32x4.sub(v128.load(z + (<usize>k << 2)), mv)));
    for (; k < classes; k++) store<f32>(p + (<usize>k << 2), exps(load<f32>(z + (<usize>k << 2)) - mx));
    let sum: f32 = 0;
    for (k = 0; k < classes; k++) sum += load<f32>(p + (<usize>k << 2));
    for (k = 0; k < classes; k++) store<f32>(p + (<usize>k << 2), load<f32>(p + (<usize>k << 2)) / sum);
    store<f32>(rowMax + (<usize>n << 2), mx);
    store<f32>(rowSum + (<usize>n << 2), sum);
  }
}

/**
 * Rows [r0, r1) of dZ = d(mean loss)/d logits, with target q = onehot, or with label smoothing e
 * (cross-entropy only) q = (1 - e) onehot + e / classes. Cross-entropy: (p - q) / batch (softmax's
 * Jacobian and the log's 1/p cancel). MSE: dP = 2 (p - onehot) / batch, then the softmax Jacobian
 * dZ[j] = p[j] (dP[j] - sum_k p[k] dP[k]). In float64 with the reference's roundings.
 */
export function outputGradRows(
  dZ: usize, probs: usize, labels: usize, r0: i32, r1: i32, batch: i32, classes: i32, mse: bool, smoothing: f64,
): void {
  const scale: f64 = (mse ? 2.0 : 1.0) / batch;
  // kernels.ts smoothedTarget: 1 and 0 when smoothing is 0.
  const onTarget: f64 = 1 - smoothing + smoothing / classes;
  const offTarget: f64 = smoothing / classes;
  for (let n = r0; n < r1; n++) {
    const label = <i32>load<u8>(labels + <usize>n);
    const p = probs + (<usize>(n * classes) << 2);
    const d = dZ + (<usize>(n * classes) << 2);
    for (let k = 0; k < classes; k++) {
      const g = <f32>((<f64>load<f32>(p + (<usize>k << 2)) - (k == label ? onTarget : offTarget)) * scale);
      store<f32>(d + (<usize>k << 2), g);
    }
    if (mse) {
      // d now holds dP; apply the softmax Jacobian row by row.
      let dot: f64 = 0;
      for (let k = 0; k < classes; k++) dot += <f64>load<f32>(p + (<usize>k << 2)) * <f64>load<f32>(d + (<usize>k << 2));
      for (let k = 0; k < classes; k++) {
        const pk = <f64>load<f32>(p + (<usize>k << 2));
        store<f32>(d + (<usize>k << 2), <f32>(pk * (<f64>load<f32>(d + (<usize>k << 2)) - dot)));
      }
    }
  }
}

/** dB[c] = sum_n dZ[n, c] for columns [c0, c1), rows in order. dZ is (batch, width). */
export function biasGrad(dB: usize, dZ: usize, c0: i32, c1: i32, width: i32, batch: i32): void {
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    let s = f32x4.splat(0);
    let p = dZ + (<usize>c << 2);
    for (let n = 0; n < batch; n++) {
      s = f32x4.add(s, v128.load(p));
      p += <usize>width << 2;
    }
    v128.store(dB + (<usize>c << 2), s);
  }
  for (; c < c1; c++) {
    let s: f32 = 0;
    for (let n = 0; n < batch; n++) s += load<f32>(dZ + (<usize>(n * width + c) << 2));
    store<f32>(dB + (<usize>c << 2), s);
  }
}

/**
 * Plain SGD on [i0, i1): params -= lr * grads, computed as the reference's JavaScript does it
 * (float64 product and difference, one rounding to float32 at the store), two lanes of f64 at a time.
 */
export function sgdRange(params: usize, grads: usize, i0: i32, i1: i32, lr: f64): void {
  const l = f64x2.splat(lr);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const pp = params + (<usize>i << 2);
    v128.store(pp, sgd4(v128.load(pp), v128.load(grads + (<usize>i << 2)), l));
  }
  for (; i < i1; i++) {
    const pp = params + (<usize>i << 2);
    store<f32>(pp, sgd1(load<f32>(pp), load<f32>(grads + (<usize>i << 2)), lr));
  }
}

/**
 * Four lanes of sgdRange: f32(f64(p) - l * f64(g)) with l = f64x2.splat(lr). Every fused update
 * (mlp.ts, sparse.ts) goes through this or sgd1, so its weights equal the separate pass's bit for bit.
 */
@inline export function sgd4(p: v128, g: v128, l: v128): v128 {
  const lo = f64x2.sub(f64x2.promote_low_f32x4(p), f64x2.mul(l, f64x2.promote_low_f32x4(g)));
  const hi = f64x2.sub(
    f64x2.promote_low_f32x4(v128.shuffle<f32>(p, p, 2, 3, 2, 3)),
    f64x2.mul(l, f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 2, 3))),
  );
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** One lane of sgd4. */
@inline export function sgd1(p: f32, g: f32, lr: f64): f32 {
  return <f32>(<f64>p - lr * <f64>g);
}

/**
 * out[k] = bytes[k] * scale for k < count, as JavaScript computes `bytes[k] * scale` into a
 * Float32Array (a float64 product, one rounding to float32), so the inputs equal the reference
 * batcher's bit for bit. Four bytes per step through two f64x2 lanes.
 */
export function bytesToFloats(out: usize, bytes: usize, count: i32, scale: f64): void {
  const s = f64x2.splat(scale);
  let k = 0;
  for (; k + 4 <= count; k += 4) v128.store(out + (<usize>k << 2), scaled4(bytes + <usize>k, s));
  for (; k < count; k++) store<f32>(out + (<usize>k << 2), <f32>(<f64>load<u8>(bytes + <usize>k) * scale));
}

/** The 4 bytes at p as f32(f64(byte) * scale) (s: scale in both f64 lanes), as bytesToFloats converts them. */
@inline export function scaled4(p: usize, s: v128): v128 {
  const w = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
  const lo = f64x2.mul(f64x2.convert_low_i32x4_u(w), s);
  const hi = f64x2.mul(f64x2.convert_low_i32x4_u(v128.shuffle<i32>(w, w, 2, 3, 2, 3)), s);
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * The sum of one byte of each 64-byte cache line of [p, p + bytes): independent loads, so that the
 * lines of a few images come in from memory together rather than one at a time as a kernel
 * reaches them (wasm has no prefetch instruction). A shuffled epoch's images are cache misses: on
 * the 2-core AMD EPYC, touching a row chunk's 8 images first took the scan from 66 to 54 ms an
 * epoch. Callers store the sum where it is overwritten later, so the loads are not dead code.
 */
export function touchLines(p: usize, bytes: i32): i32 {
  let sum = 0;
  for (let k = 0; k < bytes; k += 64) sum += load<u8>(p + <usize>k);
  return sum;
}
