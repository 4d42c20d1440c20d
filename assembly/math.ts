/**
 * Activation functions for the wasm engine, in a vector (f32x4) and a scalar form that perform the
 * same float32 operations in the same order, so a value does not depend on whether it fell in a
 * vector lane or in a tail. Not bit-equal to the reference engine's Math.exp (float64): within a
 * few float32 ulps, which is what the tests check.
 */

// exp(x) as in Cephes expf: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial, then
// 2^n built directly in the exponent bits. Inputs are clamped to the float32 range of exp so that
// 2^n stays a normal number (e^-87.3 ~ 1.2e-38; e^88.7 ~ 3.4e38).
const EXP_HI: f32 = 88.3762626647949;
const EXP_LO: f32 = -87.3365447504;
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // ln 2 split in two so that n * LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

// tanh for |x| < 0.625 by Cephes tanhf's odd polynomial (1 - 2/(e^2x + 1) loses precision near 0).
const TANH_SMALL: f32 = 0.625;
const T0: f32 = -5.70498872745e-3;
const T1: f32 = 2.06390887954e-2;
const T2: f32 = -5.37397155531e-2;
const T3: f32 = 1.33314422036e-1;
const T4: f32 = -3.33332819422e-1;

export const ACT_RELU = 0;
export const ACT_SIGMOID = 1;
export const ACT_TANH = 2;

@inline export function expv(x0: v128): v128 {
  const x = f32x4.max(f32x4.min(x0, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(0.5)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const z = f32x4.mul(r, r);
  let y = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P4));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(P5));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, scale);
}

@inline export function exps(x0: f32): f32 {
  const x = max(min(x0, EXP_HI), EXP_LO);
  const n = floor(x * LOG2E + <f32>0.5);
  const r = (x - n * LN2_HI) - n * LN2_LO;
  const z = r * r;
  let y = P0 * r + P1;
  y = y * r + P2;
  y = y * r + P3;
  y = y * r + P4;
  y = y * r + P5;
  y = (y * z + r) + <f32>1;
  return y * reinterpret<f32>((<i32>n + 127) << 23);
}

/** sigmoid(x) = 1 / (1 + e^-x). */
@inline function sigmoidv(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}
@inline function sigmoids(x: f32): f32 {
  return <f32>1 / (<f32>1 + exps(-x));
}

/** tanh(x): odd polynomial near 0, else sign(x) (1 - 2 / (e^2|x| + 1)). */
@inline function tanhv(x: v128): v128 {
  const one = f32x4.splat(1);
  const ax = f32x4.abs(x);
  const e = expv(f32x4.add(ax, ax));
  const big = f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(e, one)));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  const z = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(f32x4.splat(T0), z), f32x4.splat(T1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T4));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(TANH_SMALL)));
}
@inline function tanhs(x: f32): f32 {
  const ax = abs(x);
  if (ax < TANH_SMALL) {
    const z = x * x;
    let p = T0 * z + T1;
    p = p * z + T2;
    p = p * z + T3;
    p = p * z + T4;
    return (p * z) * x + x;
  }
  const e = exps(ax + ax);
  return copysign<f32>(<f32>1 - <f32>2 / (e + <f32>1), x);
}

/** a = f(z) for the hidden activation `act`. relu is max(z, 0) (wasm's max orders -0 below +0). */
@inline export function actv(z: v128, act: i32): v128 {
  if (act == ACT_RELU) return f32x4.max(z, f32x4.splat(0));
  if (act == ACT_SIGMOID) return sigmoidv(z);
  return tanhv(z);
}
@inline export function acts(z: f32, act: i32): f32 {
  if (act == ACT_RELU) return z > 0 ? z : 0;
  if (act == ACT_SIGMOID) return sigmoids(z);
  return tanhs(z);
}

/**
 * Undoes a = f(z) given the upstream gradient g = dL/da and the forward output a: returns dL/dz.
 * relu: g where a > 0, else 0.  sigmoid: g * a * (1 - a).  tanh: g * (1 - a^2).
 */
@inline export function dactv(g: v128, a: v128, act: i32): v128 {
  if (act == ACT_RELU) return v128.and(g, f32x4.gt(a, f32x4.splat(0)));
  const one = f32x4.splat(1);
  if (act == ACT_SIGMOID) return f32x4.mul(f32x4.mul(g, a), f32x4.sub(one, a));
  return f32x4.mul(g, f32x4.sub(one, f32x4.mul(a, a)));
}
@inline export function dacts(g: f32, a: f32, act: i32): f32 {
  if (act == ACT_RELU) return a > 0 ? g : 0;
  if (act == ACT_SIGMOID) return (g * a) * (<f32>1 - a);
  return g * (<f32>1 - a * a);
}
