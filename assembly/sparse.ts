/**
 * The first layer on sparse input: 81% of MNIST pixels are exactly 0, so the products skip them.
 * W0 is stored transposed, W0T is (in0, out0), so each nonzero input x[n, i] contributes one
 * contiguous row W0T[i, :] (an axpy) instead of a strided column. Skipping a zero term changes
 * no sum (x + 0 * w == x), so the results equal the dense products up to the sign of zeros.
 */

import { actv, acts } from './math';
import { ROW_CHUNK } from './plan';
import { scaled4, sgd1, sgd4, touchLines } from './tail';

/**
 * Lists the nonzero inputs of rows [r0, r1) of x (maxBatch, in0): per row (CSR, rows csrStride
 * entries apart), (byte offset i * out0 * 4 of W0T row i, x[n, i]) pairs, so the forward walks one
 * pointer. Branch-free stream compaction: each f32x4 of x gives a 4-bit nonzero mask that picks,
 * from the 16-entry table `lut`, the byte shuffle moving the nonzero lanes to the front; all 4
 * lanes are stored and the write position advances by the mask's popcount (so a row's list may be
 * written up to 3 entries past its end: csrStride leaves room). Returns the number of nonzeros found.
 * The weight gradient does not read these lists: each parameter chunk gathers its own pixels'
 * columns (gatherColumns), so that nothing a forward chunk writes is shared with the other threads.
 * `rowBytes`, when not 0, holds each row's address of the pixel bytes that x was (or is to be)
 * converted from: blocks of 16 zero bytes are skipped without reading x. Pass 0 when x may not match them.
 * `fromBytes`: x has not been written; each input is computed from its byte as bytesToFloats does
 * (byte * scale in float64, rounded once to float32), so the lists are the same as from x.
 */
export function scanRows(
  x: usize, r0: i32, r1: i32, in0: i32, out0: i32, csrPairs: usize, csrNnz: usize, csrStride: i32,
  lut: usize, rowBytes: usize, scale: f64, fromBytes: bool,
): i32 {
  const wRow = out0 << 2;
  const in4 = in0 & ~3;
  const s = f64x2.splat(scale);
  let total = 0;
  if (rowBytes != 0) touchRows(rowBytes, r0, r1, in0, csrNnz);
  for (let n = r0; n < r1; n++) {
    const xr = x + (<usize>(n * in0) << 2);
    const lr = csrPairs + (<usize>(n * csrStride) << 3);
    const br = rowBytes != 0 ? <usize>load<i32>(rowBytes + (<usize>n << 2)) : 0;
    let nnz = 0;
    let i = 0;
    if (fromBytes) {
      // 16 bytes at a time; only groups of 4 with a nonzero byte are converted and compacted.
      for (; i + 16 <= in0; i += 16) {
        const m16 = i8x16.bitmask(i8x16.ne(v128.load(br + <usize>i), i8x16.splat(0)));
        if (m16 == 0) continue;
        for (let g = 0; g < 16; g += 4) {
          if (((m16 >> g) & 15) == 0) continue;
          const p = i + g;
          nnz = compact4(scaled4(br + <usize>p, s), p, nnz, lr, lut, wRow);
        }
      }
    }
    for (; i < in4; i += 4) {
      // 16 zero bytes are 16 zero inputs (0 * scale is a zero): skip them without reading x.
      if (rowBytes != 0 && (i & 15) == 0 && i + 16 <= in0 && !v128.any_true(v128.load(br + <usize>i))) {
        i += 12;
        continue;
      }
      nnz = compact4(fromBytes ? scaled4(br + <usize>i, s) : v128.load(xr + (<usize>i << 2)), i, nnz, lr, lut, wRow);
    }
    for (; i < in0; i++) {
      const v = fromBytes ? <f32>(<f64>load<u8>(br + <usize>i) * scale) : load<f32>(xr + (<usize>i << 2));
      if (v != 0) {
        store<i32>(lr + (<usize>nnz << 3), i * wRow);
        store<f32>(lr + (<usize>nnz << 3), v, 4);
        nnz++;
      }
    }
    store<i32>(csrNnz + (<usize>n << 2), nnz);
    total += nnz;
  }
  return total;
}

/**
 * The columns of pixels [i0, i1) over rows 0..batch-1, for the weight gradient: masks (i1 - i0
 * pixels, maskStride bytes each) get bit n of pixel i set when x[n, i] != 0, and vals[(i - i0) *
 * maxBatch + n] holds x[n, i] where it is set. Row n's inputs are x's row when its row chunk wrote
 * x (xValid[n / ROW_CHUNK] != 0), else its pixel bytes (rowBytes) times `scale`, converted as
 * scanRows converts them: the same values, so the same sums. A parameter chunk gathers its own
 * pixels' columns into its thread's scratch (mlp.ts), where the forward's row chunks used to write
 * them for every pixel: those lines were written by one core and read by the other in every step,
 * and cost the forward a third of its time on 2 threads.
 */
export function gatherColumns(
  masks: usize, vals: usize, i0: i32, i1: i32, batch: i32, maxBatch: i32, maskStride: i32,
  x: usize, in0: i32, rowBytes: usize, xValid: usize, scale: f64,
): void {
  const width = i1 - i0;
  for (let k = 0; k < width * maskStride; k += 8) store<u64>(masks + <usize>k, 0);
  const valStride = <usize>maxBatch << 2;
  // The rows' bytes in range, and in the next two ranges (the chunks a thread claims next are
  // usually those), come in from memory together: the rows' bytes have not been read since the
  // forward, or only by another core. The sum lands in row 0's value at pixel i0, which is read
  // only when the loop sets that bit, after writing the value.
  let sum = 0;
  const ahead = min(3 * width, in0 - i0) - 1;
  for (let n = 0; n < batch; n++) {
    if (load<i32>(xValid + (<usize>(n / ROW_CHUNK) << 2)) != 0) continue;
    const br = <usize>load<i32>(rowBytes + (<usize>n << 2)) + <usize>i0;
    for (let k = 0; k < ahead; k += 64) sum += load<u8>(br + <usize>k);
    sum += load<u8>(br + <usize>ahead);
  }
  store<f32>(vals, <f32>sum);
  for (let n = 0; n < batch; n++) {
    const word = masks + (<usize>(n >> 6) << 3);
    const bit: u64 = <u64>1 << <u64>(n & 63);
    const vn = vals + (<usize>n << 2);
    if (load<i32>(xValid + (<usize>(n / ROW_CHUNK) << 2)) != 0) {
      const xr = x + (<usize>(n * in0 + i0) << 2);
      for (let j = 0; j < width; j++) {
        const v = load<f32>(xr + (<usize>j << 2));
        if (v == 0) continue;
        store<f32>(vn + <usize>j * valStride, v);
        const m = word + <usize>(j * maskStride);
        store<u64>(m, load<u64>(m) | bit);
      }
      continue;
    }
    const br = <usize>load<i32>(rowBytes + (<usize>n << 2)) + <usize>i0;
    // Up to 64 pixels at a time: one mask of the nonzero bytes, then one loop over its bits.
    for (let j0 = 0; j0 < width; j0 += 64) {
      const end = min(width, j0 + 64);
      let bits: u64 = 0;
      let j = j0;
      for (; j + 16 <= end; j += 16) {
        bits |= <u64>i8x16.bitmask(i8x16.ne(v128.load(br + <usize>j), i8x16.splat(0))) << <u64>(j - j0);
      }
      for (; j < end; j++) bits |= <u64>(load<u8>(br + <usize>j) != 0) << <u64>(j - j0);
      while (bits != 0) {
        const p = j0 + <i32>ctz(bits);
        bits &= bits - 1;
        columnEntry(word, bit, vn, valStride, maskStride, p, <f32>(<f64>load<u8>(br + <usize>p) * scale));
      }
    }
  }
}

/** Pixel p's column entry for one row: its value, and its mask bit when the value is not 0 (as the forward lists it). */
@inline function columnEntry(word: usize, bit: u64, vn: usize, valStride: usize, maskStride: i32, p: i32, v: f32): void {
  store<f32>(vn + <usize>p * valStride, v);
  const m = word + <usize>(p * maskStride);
  store<u64>(m, load<u64>(m) | (v != 0 ? bit : 0));
}

/**
 * Brings rows [r0, r1)'s pixel bytes into the cache together (tail.ts touchLines) before the scan
 * reads them one row at a time. Each sum goes to the row's csrNnz slot, which the scan overwrites.
 */
function touchRows(rowBytes: usize, r0: i32, r1: i32, in0: i32, csrNnz: usize): void {
  for (let n = r0; n < r1; n++) store<i32>(csrNnz + (<usize>n << 2), touchLines(<usize>load<i32>(rowBytes + (<usize>n << 2)), in0));
}

/**
 * Appends the nonzero lanes of v, inputs p..p+3 of a row, to the row's (W0T row byte offset, value)
 * pairs at entry nnz. All 4 lanes are stored, the nonzero ones first (the byte shuffle from the
 * 16-entry table lut); returns the new count.
 */
@inline function compact4(v: v128, p: i32, nnz: i32, lr: usize, lut: usize, wRow: i32): i32 {
  const m = i32x4.bitmask(f32x4.ne(v, f32x4.splat(0)));
  const ctl = v128.load(lut + (<usize>m << 4));
  const values = i8x16.swizzle(v, ctl);
  const offsets = i8x16.swizzle(i32x4.add(i32x4.splat(p * wRow), i32x4(0, wRow, 2 * wRow, 3 * wRow)), ctl);
  const at = lr + (<usize>nnz << 3);
  v128.store(at, v128.shuffle<i32>(offsets, values, 0, 4, 1, 5));
  v128.store(at, v128.shuffle<i32>(offsets, values, 2, 6, 3, 7), 16);
  return nnz + <i32>popcnt(m);
}

/**
 * Forward of layer 0 for rows [r0, r1): out[n, :] = f(b + sum over nonzero x[n, i] of x[n, i] W0T[i, :])
 * (f only when act >= 0; the output layer stores raw logits). out is (maxBatch, out0).
 * Column tiles held in registers while a row's (offset, value) list is walked: 24 columns
 * (6 accumulators), then 16, 8, 4 and single columns. Why 6: V8 loads all of an iteration's W
 * vectors before the multiplies, so 6 of them + 6 accumulators + the broadcast fit x64's 16 xmm
 * registers, where 8 + 8 + 1 spilled (measured ~20% faster). Tiles outermost, rows inside: the
 * rows reuse the tile's slice of W0T (in0 x 24 floats, 75 KB) from L2 even when a wide W0T is not
 * (measured 17% faster at 1008 columns, equal at 120).
 */
export function sparseForward(
  out: usize, W0T: usize, b: usize, r0: i32, r1: i32, out0: i32,
  csrPairs: usize, csrNnz: usize, csrStride: i32, act: i32,
): void {
  let c = 0;
  for (; c + 24 <= out0; c += 24) fwdTiles(out, W0T, b, c, r0, r1, out0, csrPairs, csrNnz, csrStride, act, 6);
  if (c + 16 <= out0) { fwdTiles(out, W0T, b, c, r0, r1, out0, csrPairs, csrNnz, csrStride, act, 4); c += 16; }
  if (c + 8 <= out0) { fwdTiles(out, W0T, b, c, r0, r1, out0, csrPairs, csrNnz, csrStride, act, 2); c += 8; }
  if (c + 4 <= out0) { fwdTiles(out, W0T, b, c, r0, r1, out0, csrPairs, csrNnz, csrStride, act, 1); c += 4; }
  for (; c < out0; c++) {
    const wc = W0T + (<usize>c << 2);
    for (let n = r0; n < r1; n++) {
      const list = csrPairs + (<usize>(n * csrStride) << 3);
      const end = list + (<usize>load<i32>(csrNnz + (<usize>n << 2)) << 3);
      let s = load<f32>(b + (<usize>c << 2));
      for (let p = list; p < end; p += 8) s += load<f32>(p, 4) * load<f32>(wc + <usize>load<i32>(p));
      store<f32>(out + (<usize>(n * out0 + c) << 2), act >= 0 ? acts(s, act) : s);
    }
  }
}

/** One column tile (k accumulators) for every row of [r0, r1). */
@inline function fwdTiles(
  out: usize, W0T: usize, b: usize, c: i32, r0: i32, r1: i32, out0: i32,
  csrPairs: usize, csrNnz: usize, csrStride: i32, act: i32, k: i32,
): void {
  for (let n = r0; n < r1; n++) {
    const list = csrPairs + (<usize>(n * csrStride) << 3);
    const end = list + (<usize>load<i32>(csrNnz + (<usize>n << 2)) << 3);
    fwdTile(out + (<usize>(n * out0) << 2), W0T, b, c, list, end, act, k);
  }
}

@inline function put(p: usize, v: v128, act: i32): void {
  v128.store(p, act >= 0 ? actv(v, act) : v);
}

/** Columns c .. c + 4k of one row: k accumulators (k = 6, 4, 2 or 1; a constant after inlining). */
@inline function fwdTile(o: usize, W0T: usize, b: usize, c: i32, list: usize, end: usize, act: i32, k: i32): void {
  const bc = b + (<usize>c << 2);
  let a0 = v128.load(bc), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  if (k >= 2) a1 = v128.load(bc, 16);
  if (k >= 4) { a2 = v128.load(bc, 32); a3 = v128.load(bc, 48); }
  if (k >= 6) { a4 = v128.load(bc, 64); a5 = v128.load(bc, 80); }
  const wc = W0T + (<usize>c << 2);
  for (let p = list; p < end; p += 8) {
    const v = v128.load32_splat(p, 4);
    const w = wc + <usize>load<i32>(p);
    a0 = f32x4.add(a0, f32x4.mul(v, v128.load(w)));
    if (k >= 2) a1 = f32x4.add(a1, f32x4.mul(v, v128.load(w, 16)));
    if (k >= 4) {
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(w, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(w, 48)));
    }
    if (k >= 6) {
      a4 = f32x4.add(a4, f32x4.mul(v, v128.load(w, 64)));
      a5 = f32x4.add(a5, f32x4.mul(v, v128.load(w, 80)));
    }
  }
  const oc = o + (<usize>c << 2);
  put(oc, a0, act);
  if (k >= 2) put(oc + 16, a1, act);
  if (k >= 4) { put(oc + 32, a2, act); put(oc + 48, a3, act); }
  if (k >= 6) { put(oc + 64, a4, act); put(oc + 80, a5, act); }
}

/**
 * Weight gradient of layer 0 for columns [c0, c1) of rows [i0, i1): dW0T[i, c] = sum_n x[n, i] dZ0[n, c], over the
 * rows n < batch whose bit is set in pixel i's mask, in row order. Each (pixel, column chunk) sum
 * stays in registers and is stored once: no zeroing pass and no read-modify-write of dW0T.
 * Columns go in chunks of 32 (8 accumulators), then 16, 4 and single columns.
 */
export function sparseWeightGrad(
  dW0T: usize, dZ0: usize, c0: i32, c1: i32, i0: i32, i1: i32, out0: i32, maxBatch: i32,
  colMask: usize, maskStride: i32, colVal: usize, batch: i32,
): void {
  let c = c0;
  for (; c + 32 <= c1; c += 32) wgrad(dW0T, dZ0, c, 32, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, 0, 0, false, true);
  for (; c + 16 <= c1; c += 16) wgrad(dW0T, dZ0, c, 16, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, 0, 0, false, true);
  for (; c + 4 <= c1; c += 4) wgrad(dW0T, dZ0, c, 4, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, 0, 0, false, true);
  for (; c < c1; c++) wgrad(dW0T, dZ0, c, 1, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, 0, 0, false, true);
}

/**
 * sparseWeightGrad, then plain SGD on the same columns of W0T while each tile of dW0T is still in
 * registers: W0T[i, c] = f32(f64(W0T[i, c]) - lr f64(dW0T[i, c])), tail.ts's sgd4/sgd1, so W0T
 * ends bit for bit as sparseWeightGrad followed by sgdRange. A pixel no row of the batch has lit
 * has a gradient of exactly +0, and p - lr * +0 is p itself (-0 included) for 0 <= lr < infinity:
 * its row of W0T is left unread. Without `keep`, dW0T is not written at all (400 KB per step for
 * 784-128-10): for a caller that never reads it after the step.
 */
export function sparseWeightGradSgd(
  dW0T: usize, W0T: usize, dZ0: usize, c0: i32, c1: i32, i0: i32, i1: i32, out0: i32, maxBatch: i32,
  colMask: usize, maskStride: i32, colVal: usize, batch: i32, lr: f64, keep: bool,
): void {
  let c = c0;
  for (; c + 32 <= c1; c += 32) wgrad(dW0T, dZ0, c, 32, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, W0T, lr, true, keep);
  for (; c + 16 <= c1; c += 16) wgrad(dW0T, dZ0, c, 16, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, W0T, lr, true, keep);
  for (; c + 4 <= c1; c += 4) wgrad(dW0T, dZ0, c, 4, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, W0T, lr, true, keep);
  for (; c < c1; c++) wgrad(dW0T, dZ0, c, 1, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, W0T, lr, true, keep);
}

@inline function wgrad(
  dW0T: usize, dZ0: usize, c: i32, width: i32, i0: i32, i1: i32, out0: i32, maxBatch: i32,
  colMask: usize, maskStride: i32, colVal: usize, batch: i32, W0T: usize, lr: f64, fused: bool, keep: bool,
): void {
  const zc = dZ0 + (<usize>c << 2);
  const zRow = <usize>out0 << 2;
  const words = (batch + 63) >> 6;
  // The last word keeps only rows < batch (chunks past the batch hold an older batch's bits).
  const lastMask: u64 = (batch & 63) == 0 ? <u64>-1 : ((<u64>1 << <u64>(batch & 63)) - 1);
  const l = f64x2.splat(lr);
  // Whether an unlit pixel (gradient +0) may skip its update: lr * +0 must be +0.
  const skippable = lr >= 0 && lr <= f64.MAX_VALUE;
  for (let i = i0; i < i1; i++) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let s: f32 = 0;
    let lit: u64 = 0;
    const vals = colVal + (<usize>(i * maxBatch) << 2);
    for (let w = 0; w < words; w++) {
      let bits = load<u64>(colMask + <usize>(i * maskStride + (w << 3)));
      if (w == words - 1) bits &= lastMask;
      if (fused) lit |= bits;
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
    const at = <usize>(i * out0 + c) << 2;
    const o = dW0T + at;
    if (!keep) {
      // not stored: only the step below reads this gradient
    } else if (width == 1) {
      store<f32>(o, s);
    } else {
      v128.store(o, a0);
      if (width >= 16) { v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48); }
      if (width == 32) { v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112); }
    }
    if (fused && (lit != 0 || !skippable)) {
      const p = W0T + at;
      if (width == 1) {
        store<f32>(p, sgd1(load<f32>(p), s, lr));
      } else {
        v128.store(p, sgd4(v128.load(p), a0, l));
        if (width >= 16) {
          v128.store(p, sgd4(v128.load(p, 16), a1, l), 16);
          v128.store(p, sgd4(v128.load(p, 32), a2, l), 32);
          v128.store(p, sgd4(v128.load(p, 48), a3, l), 48);
        }
        if (width == 32) {
          v128.store(p, sgd4(v128.load(p, 64), a4, l), 64);
          v128.store(p, sgd4(v128.load(p, 80), a5, l), 80);
          v128.store(p, sgd4(v128.load(p, 96), a6, l), 96);
          v128.store(p, sgd4(v128.load(p, 112), a7, l), 112);
        }
      }
    }
  }
}
