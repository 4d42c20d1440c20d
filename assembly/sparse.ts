/**
 * The first layer on sparse input: 81% of MNIST pixels are exactly 0, so the products skip them.
 * W0 is stored transposed, W0T is (in0, out0), so each nonzero input x[n, i] contributes one
 * contiguous row W0T[i, :] (an axpy) instead of a strided column. Skipping a zero term changes
 * no sum (x + 0 * w == x), so the results equal the dense products up to the sign of zeros.
 */

import { actv, acts } from './math';

/**
 * Lists the nonzero inputs of rows [r0, r1) of x (maxBatch, in0), which are row chunk `chunk`
 * (rows 8 chunk .. 8 chunk + 7), two ways:
 *  - per row (CSR, rows csrStride entries apart): byte offsets i * out0 * 4 of the W0T rows, the
 *    pixel indices i, and the values, for the forward;
 *  - per pixel (columns): bit n of pixel i's mask is set when x[n, i] != 0, and colVal[i, n] holds
 *    x[n, i], for the weight gradient. This chunk owns byte `chunk` of every pixel's mask, so
 *    chunks never write the same byte and need no atomics.
 * Branch-free stream compaction: each f32x4 of x gives a 4-bit nonzero mask that picks, from the
 * 16-entry table `lut`, the byte shuffle moving the nonzero lanes to the front; all 4 lanes are
 * stored and the write position advances by the mask's popcount (so a row's list may be written
 * up to 3 entries past its end: csrStride leaves room). Returns the number of nonzeros found.
 */
export function scanRows(
  x: usize, r0: i32, r1: i32, chunk: i32, in0: i32, out0: i32, maxBatch: i32,
  csrIdx: usize, csrPix: usize, csrVal: usize, csrNnz: usize, csrStride: i32,
  colMask: usize, maskStride: i32, colVal: usize, lut: usize,
): i32 {
  const maskByte = colMask + <usize>chunk;
  for (let i = 0; i < in0; i++) store<u8>(maskByte + <usize>(i * maskStride), 0);
  const wRow = out0 << 2;
  const zero = f32x4.splat(0);
  const laneOffsets = i32x4(0, wRow, 2 * wRow, 3 * wRow);
  const lanePixels = i32x4(0, 1, 2, 3);
  const in4 = in0 & ~3;
  let total = 0;
  for (let n = r0; n < r1; n++) {
    const xr = x + (<usize>(n * in0) << 2);
    const ir = csrIdx + (<usize>(n * csrStride) << 2);
    const pr = csrPix + (<usize>(n * csrStride) << 2);
    const vr = csrVal + (<usize>(n * csrStride) << 2);
    let nnz = 0;
    let i = 0;
    for (; i < in4; i += 4) {
      const v = v128.load(xr + (<usize>i << 2));
      const m = i32x4.bitmask(f32x4.ne(v, zero));
      const ctl = v128.load(lut + (<usize>m << 4));
      const at = <usize>nnz << 2;
      v128.store(vr + at, i8x16.swizzle(v, ctl));
      v128.store(ir + at, i8x16.swizzle(i32x4.add(i32x4.splat(i * wRow), laneOffsets), ctl));
      v128.store(pr + at, i8x16.swizzle(i32x4.add(i32x4.splat(i), lanePixels), ctl));
      nnz += <i32>popcnt(m);
    }
    for (; i < in0; i++) {
      const v = load<f32>(xr + (<usize>i << 2));
      if (v != 0) {
        store<i32>(ir + (<usize>nnz << 2), i * wRow);
        store<i32>(pr + (<usize>nnz << 2), i);
        store<f32>(vr + (<usize>nnz << 2), v);
        nnz++;
      }
    }
    store<i32>(csrNnz + (<usize>n << 2), nnz);
    total += nnz;
    // The row's column entries, from its list.
    const bit = <u8>(<i32>1 << (n - r0));
    const cv = colVal + (<usize>n << 2);
    for (let j = 0; j < nnz; j++) {
      const k = load<i32>(pr + (<usize>j << 2));
      const mp = maskByte + <usize>(k * maskStride);
      store<u8>(mp, load<u8>(mp) | bit);
      store<f32>(cv + (<usize>(k * maxBatch) << 2), load<f32>(vr + (<usize>j << 2)));
    }
  }
  return total;
}

/**
 * Forward of layer 0 for rows [r0, r1): out[n, :] = f(b + sum over nonzero x[n, i] of x[n, i] W0T[i, :])
 * (f only when act >= 0; the output layer stores raw logits). out is (maxBatch, out0).
 * The row's output is done in column chunks held in registers while the row's nonzero list is
 * walked once per chunk: 32 columns (8 accumulators), then 16, then 4, then single columns.
 */
export function sparseForward(
  out: usize, W0T: usize, b: usize, r0: i32, r1: i32, out0: i32,
  csrIdx: usize, csrVal: usize, csrNnz: usize, csrStride: i32, act: i32,
): void {
  for (let n = r0; n < r1; n++) {
    const nnz = load<i32>(csrNnz + (<usize>n << 2));
    const ir = csrIdx + (<usize>(n * csrStride) << 2);
    const vr = csrVal + (<usize>(n * csrStride) << 2);
    const o = out + (<usize>(n * out0) << 2);
    let c = 0;
    for (; c + 32 <= out0; c += 32) fwd32(o, W0T, b, c, nnz, ir, vr, act);
    for (; c + 16 <= out0; c += 16) fwd16(o, W0T, b, c, nnz, ir, vr, act);
    for (; c + 4 <= out0; c += 4) fwd4(o, W0T, b, c, nnz, ir, vr, act);
    for (; c < out0; c++) {
      const wc = W0T + (<usize>c << 2);
      let s = load<f32>(b + (<usize>c << 2));
      for (let j = 0; j < nnz; j++) {
        s += load<f32>(vr + (<usize>j << 2)) * load<f32>(wc + <usize>load<i32>(ir + (<usize>j << 2)));
      }
      store<f32>(o + (<usize>c << 2), act >= 0 ? acts(s, act) : s);
    }
  }
}

@inline function put(p: usize, v: v128, act: i32): void {
  v128.store(p, act >= 0 ? actv(v, act) : v);
}

@inline function fwd32(o: usize, W0T: usize, b: usize, c: i32, nnz: i32, ir: usize, vr: usize, act: i32): void {
  const bc = b + (<usize>c << 2);
  let a0 = v128.load(bc), a1 = v128.load(bc, 16), a2 = v128.load(bc, 32), a3 = v128.load(bc, 48);
  let a4 = v128.load(bc, 64), a5 = v128.load(bc, 80), a6 = v128.load(bc, 96), a7 = v128.load(bc, 112);
  const wc = W0T + (<usize>c << 2);
  for (let j = 0; j < nnz; j++) {
    const v = v128.load32_splat(vr + (<usize>j << 2));
    const w = wc + <usize>load<i32>(ir + (<usize>j << 2));
    a0 = f32x4.add(a0, f32x4.mul(v, v128.load(w)));
    a1 = f32x4.add(a1, f32x4.mul(v, v128.load(w, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v, v128.load(w, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v, v128.load(w, 48)));
    a4 = f32x4.add(a4, f32x4.mul(v, v128.load(w, 64)));
    a5 = f32x4.add(a5, f32x4.mul(v, v128.load(w, 80)));
    a6 = f32x4.add(a6, f32x4.mul(v, v128.load(w, 96)));
    a7 = f32x4.add(a7, f32x4.mul(v, v128.load(w, 112)));
  }
  const oc = o + (<usize>c << 2);
  put(oc, a0, act); put(oc + 16, a1, act); put(oc + 32, a2, act); put(oc + 48, a3, act);
  put(oc + 64, a4, act); put(oc + 80, a5, act); put(oc + 96, a6, act); put(oc + 112, a7, act);
}

@inline function fwd16(o: usize, W0T: usize, b: usize, c: i32, nnz: i32, ir: usize, vr: usize, act: i32): void {
  const bc = b + (<usize>c << 2);
  let a0 = v128.load(bc), a1 = v128.load(bc, 16), a2 = v128.load(bc, 32), a3 = v128.load(bc, 48);
  const wc = W0T + (<usize>c << 2);
  for (let j = 0; j < nnz; j++) {
    const v = v128.load32_splat(vr + (<usize>j << 2));
    const w = wc + <usize>load<i32>(ir + (<usize>j << 2));
    a0 = f32x4.add(a0, f32x4.mul(v, v128.load(w)));
    a1 = f32x4.add(a1, f32x4.mul(v, v128.load(w, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v, v128.load(w, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v, v128.load(w, 48)));
  }
  const oc = o + (<usize>c << 2);
  put(oc, a0, act); put(oc + 16, a1, act); put(oc + 32, a2, act); put(oc + 48, a3, act);
}

@inline function fwd4(o: usize, W0T: usize, b: usize, c: i32, nnz: i32, ir: usize, vr: usize, act: i32): void {
  let a0 = v128.load(b + (<usize>c << 2));
  const wc = W0T + (<usize>c << 2);
  for (let j = 0; j < nnz; j++) {
    const w = wc + <usize>load<i32>(ir + (<usize>j << 2));
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(vr + (<usize>j << 2)), v128.load(w)));
  }
  put(o + (<usize>c << 2), a0, act);
}

/**
 * Weight gradient of layer 0 for columns [c0, c1): dW0T[i, c] = sum_n x[n, i] dZ0[n, c], over the
 * rows n < batch whose bit is set in pixel i's mask, in row order. Each (pixel, column chunk) sum
 * stays in registers and is stored once: no zeroing pass and no read-modify-write of dW0T.
 * Columns go in chunks of 32 (8 accumulators), then 16, 4 and single columns.
 */
export function sparseWeightGrad(
  dW0T: usize, dZ0: usize, c0: i32, c1: i32, in0: i32, out0: i32, maxBatch: i32,
  colMask: usize, maskStride: i32, colVal: usize, batch: i32,
): void {
  let c = c0;
  for (; c + 32 <= c1; c += 32) wgrad(dW0T, dZ0, c, 32, in0, out0, maxBatch, colMask, maskStride, colVal, batch);
  for (; c + 16 <= c1; c += 16) wgrad(dW0T, dZ0, c, 16, in0, out0, maxBatch, colMask, maskStride, colVal, batch);
  for (; c + 4 <= c1; c += 4) wgrad(dW0T, dZ0, c, 4, in0, out0, maxBatch, colMask, maskStride, colVal, batch);
  for (; c < c1; c++) wgrad(dW0T, dZ0, c, 1, in0, out0, maxBatch, colMask, maskStride, colVal, batch);
}

@inline function wgrad(
  dW0T: usize, dZ0: usize, c: i32, width: i32, in0: i32, out0: i32, maxBatch: i32,
  colMask: usize, maskStride: i32, colVal: usize, batch: i32,
): void {
  const zc = dZ0 + (<usize>c << 2);
  const zRow = <usize>out0 << 2;
  const words = (batch + 63) >> 6;
  // The last word keeps only rows < batch (chunks past the batch hold an older batch's bits).
  const lastMask: u64 = (batch & 63) == 0 ? <u64>-1 : ((<u64>1 << <u64>(batch & 63)) - 1);
  for (let i = 0; i < in0; i++) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let s: f32 = 0;
    const vals = colVal + (<usize>(i * maxBatch) << 2);
    for (let w = 0; w < words; w++) {
      let bits = load<u64>(colMask + <usize>(i * maskStride + (w << 3)));
      if (w == words - 1) bits &= lastMask;
      while (bits != 0) {
        const n = (w << 6) + <i32>ctz(bits);
        bits &= bits - 1;
        const z = zc + <usize>n * zRow;
        if (width == 32) {
          const v = v128.load32_splat(vals + (<usize>n << 2));
          a0 = f32x4.add(a0, f32x4.mul(v, v128.load(z)));
          a1 = f32x4.add(a1, f32x4.mul(v, v128.load(z, 16)));
          a2 = f32x4.add(a2, f32x4.mul(v, v128.load(z, 32)));
          a3 = f32x4.add(a3, f32x4.mul(v, v128.load(z, 48)));
          a4 = f32x4.add(a4, f32x4.mul(v, v128.load(z, 64)));
          a5 = f32x4.add(a5, f32x4.mul(v, v128.load(z, 80)));
          a6 = f32x4.add(a6, f32x4.mul(v, v128.load(z, 96)));
          a7 = f32x4.add(a7, f32x4.mul(v, v128.load(z, 112)));
        } else if (width == 16) {
          const v = v128.load32_splat(vals + (<usize>n << 2));
          a0 = f32x4.add(a0, f32x4.mul(v, v128.load(z)));
          a1 = f32x4.add(a1, f32x4.mul(v, v128.load(z, 16)));
          a2 = f32x4.add(a2, f32x4.mul(v, v128.load(z, 32)));
          a3 = f32x4.add(a3, f32x4.mul(v, v128.load(z, 48)));
        } else if (width == 4) {
          a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(vals + (<usize>n << 2)), v128.load(z)));
        } else {
          s += load<f32>(vals + (<usize>n << 2)) * load<f32>(z);
        }
      }
    }
    const o = dW0T + (<usize>(i * out0 + c) << 2);
    if (width == 1) {
      store<f32>(o, s);
    } else {
      v128.store(o, a0);
      if (width >= 16) { v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48); }
      if (width == 32) { v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112); }
    }
  }
}
