/**
 * Dense matrix products on f32x4, register-tiled: the "axpy" form (one output row segment at a
 * time, += a scalar times a contiguous row of B) and the "dot" form (both operands contiguous
 * along the reduction). All pointers are byte addresses in the shared memory, strides are in
 * floats. No FMA: wasm SIMD has none without relaxed-simd, and mul+add keeps results deterministic.
 */

import { actv, acts, dactv, dacts } from './math';

export const EPI_NONE = 0; // store the sum
export const EPI_ACT = 1; //  store f(sum)                  (forward: a = f(z))
export const EPI_DACT = 2; // store sum * f'(a), a from aux (backward through the activation)

@inline function fin(c: v128, dst: usize, aux: usize, epi: i32, act: i32): void {
  if (epi == EPI_ACT) c = actv(c, act);
  else if (epi == EPI_DACT) c = dactv(c, v128.load(aux), act);
  v128.store(dst, c);
}
@inline function fins(c: f32, dst: usize, aux: usize, epi: i32, act: i32): void {
  if (epi == EPI_ACT) c = acts(c, act);
  else if (epi == EPI_DACT) c = dacts(c, load<f32>(aux), act);
  store<f32>(dst, c);
}

/**
 * C[m, j] = bias[j] (or 0 when bias is 0) + sum_{p < P} A[m, p] * B[p, j], then the epilogue,
 * for m < M, j < N. A[m, p] is at A + 4 (m sam + p sap), so one kernel serves A (sam = row
 * length, sap = 1) and A transposed (sam = 1, sap = row length); B's rows are contiguous
 * (B[p, j] at B + 4 (p sb + j)); C and aux rows are sc and sx floats apart.
 * Tile: 4 rows of C by 8 columns (two f32x4) = 8 accumulators + 2 B vectors + 1 broadcast, which
 * fits x64's 16 xmm registers without spills. Columns outermost so the P x 8 panel of B stays in
 * L1 while every row block uses it. Each C element is summed in order p = 0, 1, ..., P-1.
 */
export function gemmAxpy(
  C: usize, sc: i32, A: usize, sam: i32, sap: i32, B: usize, sb: i32,
  M: i32, N: i32, P: i32, bias: usize, epi: i32, act: i32, aux: usize, sx: i32,
): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    let m = 0;
    for (; m + 4 <= M; m += 4) tile4x8(C, sc, A, sam, sap, B, sb, P, bias, epi, act, aux, sx, m, j);
    for (; m < M; m++) tile1x8(C, sc, A, sam, sap, B, sb, P, bias, epi, act, aux, sx, m, j);
  }
  if (j + 4 <= N) {
    for (let m = 0; m < M; m++) tile1x4(C, sc, A, sam, sap, B, sb, P, bias, epi, act, aux, sx, m, j);
    j += 4;
  }
  for (; j < N; j++) {
    for (let m = 0; m < M; m++) {
      let pa = A + (<usize>(m * sam) << 2);
      let pb = B + (<usize>j << 2);
      let c: f32 = bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0;
      for (let p = 0; p < P; p++) {
        c += load<f32>(pa) * load<f32>(pb);
        pa += <usize>sap << 2;
        pb += <usize>sb << 2;
      }
      fins(c, C + (<usize>(m * sc + j) << 2), aux + (<usize>(m * sx + j) << 2), epi, act);
    }
  }
}

@inline function tile4x8(
  C: usize, sc: i32, A: usize, sam: i32, sap: i32, B: usize, sb: i32, P: i32,
  bias: usize, epi: i32, act: i32, aux: usize, sx: i32, m: i32, j: i32,
): void {
  let c00 = f32x4.splat(0), c01 = c00;
  if (bias != 0) {
    c00 = v128.load(bias + (<usize>j << 2));
    c01 = v128.load(bias + (<usize>j << 2), 16);
  }
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  const ra = <usize>sam << 2;
  const da = <usize>sap << 2;
  const db = <usize>sb << 2;
  let pa = A + (<usize>(m * sam) << 2);
  let pb = B + (<usize>j << 2);
  for (let p = 0; p < P; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa + ra);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa + 2 * ra);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa + 3 * ra);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += da;
    pb += db;
  }
  const rc = <usize>sc << 2;
  const rx = <usize>sx << 2;
  let pc = C + (<usize>(m * sc + j) << 2);
  let px = aux + (<usize>(m * sx + j) << 2);
  fin(c00, pc, px, epi, act); fin(c01, pc + 16, px + 16, epi, act);
  pc += rc; px += rx;
  fin(c10, pc, px, epi, act); fin(c11, pc + 16, px + 16, epi, act);
  pc += rc; px += rx;
  fin(c20, pc, px, epi, act); fin(c21, pc + 16, px + 16, epi, act);
  pc += rc; px += rx;
  fin(c30, pc, px, epi, act); fin(c31, pc + 16, px + 16, epi, act);
}

@inline function tile1x8(
  C: usize, sc: i32, A: usize, sam: i32, sap: i32, B: usize, sb: i32, P: i32,
  bias: usize, epi: i32, act: i32, aux: usize, sx: i32, m: i32, j: i32,
): void {
  let c0 = f32x4.splat(0), c1 = c0;
  if (bias != 0) {
    c0 = v128.load(bias + (<usize>j << 2));
    c1 = v128.load(bias + (<usize>j << 2), 16);
  }
  const da = <usize>sap << 2;
  const db = <usize>sb << 2;
  let pa = A + (<usize>(m * sam) << 2);
  let pb = B + (<usize>j << 2);
  for (let p = 0; p < P; p++) {
    const a = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(a, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(a, v128.load(pb, 16)));
    pa += da;
    pb += db;
  }
  const pc = C + (<usize>(m * sc + j) << 2);
  const px = aux + (<usize>(m * sx + j) << 2);
  fin(c0, pc, px, epi, act);
  fin(c1, pc + 16, px + 16, epi, act);
}

@inline function tile1x4(
  C: usize, sc: i32, A: usize, sam: i32, sap: i32, B: usize, sb: i32, P: i32,
  bias: usize, epi: i32, act: i32, aux: usize, sx: i32, m: i32, j: i32,
): void {
  let c0 = bias != 0 ? v128.load(bias + (<usize>j << 2)) : f32x4.splat(0);
  const da = <usize>sap << 2;
  const db = <usize>sb << 2;
  let pa = A + (<usize>(m * sam) << 2);
  let pb = B + (<usize>j << 2);
  for (let p = 0; p < P; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += da;
    pb += db;
  }
  fin(c0, C + (<usize>(m * sc + j) << 2), aux + (<usize>(m * sx + j) << 2), epi, act);
}

@inline function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const t = f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
  return f32x4.extract_lane(t, 0);
}

/**
 * C[m, o] = bias[o] + sum_k A[m, k] * W[o, k] for m < M, o < O, k < K: A is (M, K) with rows sa
 * floats apart, W is (O, K) row-major (a layer's canonical weight), C rows sc floats apart.
 * Both operands are contiguous along k, so each output is a dot product; a 4 x 2 tile keeps
 * 8 accumulators (4 k-lanes each) and loads 6 vectors per 8 multiply-adds. The lanes are summed
 * pairwise at the end and the k % 4 tail is added after them, then the bias.
 */
export function gemmDot(C: usize, sc: i32, A: usize, sa: i32, W: usize, K: i32, M: i32, O: i32, bias: usize): void {
  const K4 = K & ~3;
  let o = 0;
  for (; o + 2 <= O; o += 2) {
    const w0 = W + (<usize>(o * K) << 2);
    const w1 = w0 + (<usize>K << 2);
    const b0 = load<f32>(bias + (<usize>o << 2));
    const b1 = load<f32>(bias + (<usize>o << 2), 4);
    let m = 0;
    for (; m + 4 <= M; m += 4) {
      const x0 = A + (<usize>(m * sa) << 2);
      const x1 = x0 + (<usize>sa << 2);
      const x2 = x1 + (<usize>sa << 2);
      const x3 = x2 + (<usize>sa << 2);
      let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      for (let k = 0; k < K4; k += 4) {
        const off = <usize>k << 2;
        const v0 = v128.load(w0 + off);
        const v1 = v128.load(w1 + off);
        let a = v128.load(x0 + off);
        c00 = f32x4.add(c00, f32x4.mul(a, v0));
        c01 = f32x4.add(c01, f32x4.mul(a, v1));
        a = v128.load(x1 + off);
        c10 = f32x4.add(c10, f32x4.mul(a, v0));
        c11 = f32x4.add(c11, f32x4.mul(a, v1));
        a = v128.load(x2 + off);
        c20 = f32x4.add(c20, f32x4.mul(a, v0));
        c21 = f32x4.add(c21, f32x4.mul(a, v1));
        a = v128.load(x3 + off);
        c30 = f32x4.add(c30, f32x4.mul(a, v0));
        c31 = f32x4.add(c31, f32x4.mul(a, v1));
      }
      const pc = C + (<usize>(m * sc + o) << 2);
      const rc = <usize>sc << 2;
      store<f32>(pc, b0 + (hsum(c00) + dotTail(x0, w0, K4, K)));
      store<f32>(pc, b1 + (hsum(c01) + dotTail(x0, w1, K4, K)), 4);
      store<f32>(pc + rc, b0 + (hsum(c10) + dotTail(x1, w0, K4, K)));
      store<f32>(pc + rc, b1 + (hsum(c11) + dotTail(x1, w1, K4, K)), 4);
      store<f32>(pc + 2 * rc, b0 + (hsum(c20) + dotTail(x2, w0, K4, K)));
      store<f32>(pc + 2 * rc, b1 + (hsum(c21) + dotTail(x2, w1, K4, K)), 4);
      store<f32>(pc + 3 * rc, b0 + (hsum(c30) + dotTail(x3, w0, K4, K)));
      store<f32>(pc + 3 * rc, b1 + (hsum(c31) + dotTail(x3, w1, K4, K)), 4);
    }
    for (; m < M; m++) {
      const x0 = A + (<usize>(m * sa) << 2);
      const pc = C + (<usize>(m * sc + o) << 2);
      store<f32>(pc, b0 + dot1(x0, w0, K4, K));
      store<f32>(pc, b1 + dot1(x0, w1, K4, K), 4);
    }
  }
  for (; o < O; o++) {
    const w0 = W + (<usize>(o * K) << 2);
    const b0 = load<f32>(bias + (<usize>o << 2));
    for (let m = 0; m < M; m++) {
      store<f32>(C + (<usize>(m * sc + o) << 2), b0 + dot1(A + (<usize>(m * sa) << 2), w0, K4, K));
    }
  }
}

/** sum_{K4 <= k < K} x[k] w[k]: the tail of a dot product whose first K4 terms went through lanes. */
@inline function dotTail(x: usize, w: usize, K4: i32, K: i32): f32 {
  let s: f32 = 0;
  for (let k = K4; k < K; k++) s += load<f32>(x + (<usize>k << 2)) * load<f32>(w + (<usize>k << 2));
  return s;
}

/** One dot product with the same lane order as a gemmDot tile, so a row gives the same value in either. */
function dot1(x: usize, w: usize, K4: i32, K: i32): f32 {
  let c = f32x4.splat(0);
  for (let k = 0; k < K4; k += 4) {
    const off = <usize>k << 2;
    c = f32x4.add(c, f32x4.mul(v128.load(x + off), v128.load(w + off)));
  }
  return hsum(c) + dotTail(x, w, K4, K);
}
