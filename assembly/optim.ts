/**
 * The optimizer step of the wasm engine: SGD with L2 weight decay, momentum, Nesterov momentum,
 * Adam and AdamW over the flat parameter, gradient and state buffers, cut into blocks of
 * parameters that threads claim (threads.ts, CMD_OPTIM). Every line performs the same operations
 * (float64 for SGD and momentum, float32 for Adam), rounded to float32 at the same points, as
 * src/engines/reference/kernels.ts's sgdL2Update / momentumUpdate / adamUpdate, so both engines
 * agree bit for bit; the definitions
 * (PyTorch's) are documented in src/model/optimizers.ts. Plain SGD without decay stays sgdRange (tail.ts).
 * The scalars of a step (computed once in JS) sit in the f64 block at P_OPT_ARGS.
 */

import { P_GRADS, P_OPT_ARGS, P_OPT_STATE, P_PARAM_COUNT, P_PARAMS, planI32 } from './plan';

/** Rule codes (src/engines/wasm/plan.ts OPT_*). */
export const OPT_SGD_L2 = 0;
export const OPT_MOMENTUM = 1;
export const OPT_NESTEROV = 2;
export const OPT_ADAM = 3;

// f64 slots of the P_OPT_ARGS block, as src/engines/wasm/mlp.ts writes them.
const A_RULE = 0;
const A_LR = 1; //        lr (sgd, momentum) or lr / (1 - b1^t) (adam)
const A_DECAY = 2; //     AdamW's 1 - lr wd, else 1
const A_L2 = 3; //        weight decay added to the gradient (0 for AdamW)
const A_MU = 4;
const A_B1 = 5;
const A_B2 = 6;
const A_EPS = 7;
const A_BC2_SQRT = 8; //  sqrt(1 - b2^t)

/** Parameters per block (32 KiB of params, of grads and of each state buffer). */
const OPT_CHUNK = 8192;

export function optimChunks(plan: usize): i32 {
  return (planI32(plan, P_PARAM_COUNT) + OPT_CHUNK - 1) / OPT_CHUNK;
}

@inline function arg(args: usize, slot: i32): f64 {
  return load<f64>(args + (<usize>slot << 3));
}

/** One optimizer step on parameters [c OPT_CHUNK, (c + 1) OPT_CHUNK). */
export function optimChunk(plan: usize, c: i32): void {
  const n = planI32(plan, P_PARAM_COUNT);
  const i0 = c * OPT_CHUNK;
  const i1 = min(i0 + OPT_CHUNK, n);
  const args = <usize>planI32(plan, P_OPT_ARGS);
  const params = <usize>planI32(plan, P_PARAMS);
  const grads = <usize>planI32(plan, P_GRADS);
  const state0 = <usize>planI32(plan, P_OPT_STATE);
  const state1 = state0 + (<usize>n << 2);
  const rule = <i32>arg(args, A_RULE);
  if (rule == OPT_SGD_L2) {
    sgdL2Range(params, grads, i0, i1, arg(args, A_LR), arg(args, A_L2));
  } else if (rule == OPT_MOMENTUM || rule == OPT_NESTEROV) {
    momentumRange(params, state0, grads, i0, i1, arg(args, A_LR), arg(args, A_MU), arg(args, A_L2), rule == OPT_NESTEROV);
  } else if (rule == OPT_ADAM) {
    adamRange(
      params, state0, state1, grads, i0, i1, arg(args, A_DECAY), arg(args, A_L2),
      arg(args, A_B1), arg(args, A_B2), arg(args, A_EPS), arg(args, A_LR), arg(args, A_BC2_SQRT),
    );
  }
}

/** Two float32 at p as two float64 lanes. */
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}
/** Two float64 lanes rounded to float32 and stored at p; returns the rounded values as float64 (what a later line reads back). */
@inline function store2(p: usize, v: v128): v128 {
  const r = f32x4.demote_f64x2_zero(v);
  v128.store64_lane(p, r, 0);
  return f64x2.promote_low_f32x4(r);
}
@inline function load1(p: usize): f64 {
  return <f64>load<f32>(p);
}
@inline function store1(p: usize, v: f64): f64 {
  const r = <f32>v;
  store<f32>(p, r);
  return <f64>r;
}

/** params -= lr (grads + l2 params) on [i0, i1) (kernels.ts sgdL2Update). */
export function sgdL2Range(params: usize, grads: usize, i0: i32, i1: i32, lr: f64, l2: f64): void {
  const lrv = f64x2.splat(lr);
  const l2v = f64x2.splat(l2);
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const pp = params + (<usize>i << 2);
    const p = load2(pp);
    const g = f64x2.add(load2(grads + (<usize>i << 2)), f64x2.mul(l2v, p));
    store2(pp, f64x2.sub(p, f64x2.mul(lrv, g)));
  }
  for (; i < i1; i++) {
    const pp = params + (<usize>i << 2);
    const p = load1(pp);
    store1(pp, p - lr * (load1(grads + (<usize>i << 2)) + l2 * p));
  }
}

/**
 * g = grads + l2 params; v = mu v + g; params -= lr v, or lr (g + mu v) for Nesterov, on [i0, i1)
 * (kernels.ts momentumUpdate).
 */
export function momentumRange(
  params: usize, velocity: usize, grads: usize, i0: i32, i1: i32, lr: f64, mu: f64, l2: f64, nesterov: bool,
): void {
  const lrv = f64x2.splat(lr);
  const muv = f64x2.splat(mu);
  const l2v = f64x2.splat(l2);
  let i = i0;
  for (; i + 2 <= i1; i += 2) {
    const off = <usize>i << 2;
    const p = load2(params + off);
    const g = f64x2.add(load2(grads + off), f64x2.mul(l2v, p));
    const v = store2(velocity + off, f64x2.add(f64x2.mul(muv, load2(velocity + off)), g));
    const d = nesterov ? f64x2.add(g, f64x2.mul(muv, v)) : v;
    store2(params + off, f64x2.sub(p, f64x2.mul(lrv, d)));
  }
  for (; i < i1; i++) {
    const off = <usize>i << 2;
    const p = load1(params + off);
    const g = load1(grads + off) + l2 * p;
    const v = store1(velocity + off, mu * load1(velocity + off) + g);
    store1(params + off, p - lr * (nesterov ? g + mu * v : v));
  }
}

/**
 * Adam / AdamW on [i0, i1) (kernels.ts adamUpdate), in float32 four lanes at a time, in the order
 * of PyTorch's in-place calls: params *= decay; g = grads + l2 params; m = b1 m + (1 - b1) g;
 * s = b2 s + (1 - b2) g g; params -= stepSize (m / (sqrt(s) / bc2Sqrt + eps)).
 */
export function adamRange(
  params: usize, m: usize, s: usize, grads: usize, i0: i32, i1: i32,
  decay: f64, l2: f64, b1: f64, b2: f64, eps: f64, stepSize: f64, bc2Sqrt: f64,
): void {
  const D = <f32>decay;
  const L2 = <f32>l2;
  const B1 = <f32>b1;
  const C1 = <f32>(1 - b1);
  const B2 = <f32>b2;
  const C2 = <f32>(1 - b2);
  const EPS = <f32>eps;
  const STEP = <f32>stepSize;
  const BC = <f32>bc2Sqrt;
  const decays = D != 1;
  const dv = f32x4.splat(D);
  const l2v = f32x4.splat(L2);
  const b1v = f32x4.splat(B1);
  const c1v = f32x4.splat(C1);
  const b2v = f32x4.splat(B2);
  const c2v = f32x4.splat(C2);
  const epsv = f32x4.splat(EPS);
  const stepv = f32x4.splat(STEP);
  const bcv = f32x4.splat(BC);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const off = <usize>i << 2;
    let p = v128.load(params + off);
    if (decays) p = f32x4.mul(p, dv);
    const g = f32x4.add(v128.load(grads + off), f32x4.mul(l2v, p));
    const mm = f32x4.add(f32x4.mul(b1v, v128.load(m + off)), f32x4.mul(c1v, g));
    const ss = f32x4.add(f32x4.mul(b2v, v128.load(s + off)), f32x4.mul(f32x4.mul(c2v, g), g));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(ss), bcv), epsv);
    v128.store(m + off, mm);
    v128.store(s + off, ss);
    v128.store(params + off, f32x4.sub(p, f32x4.mul(stepv, f32x4.div(mm, denom))));
  }
  for (; i < i1; i++) {
    const off = <usize>i << 2;
    let p = load<f32>(params + off);
    if (decays) p = p * D;
    const g = load<f32>(grads + off) + L2 * p;
    const mm = B1 * load<f32>(m + off) + C1 * g;
    const ss = B2 * load<f32>(s + off) + C2 * g * g;
    const denom = Mathf.sqrt(ss) / BC + EPS;
    store<f32>(m + off, mm);
    store<f32>(s + off, ss);
    store<f32>(params + off, p - STEP * (mm / denom));
  }
}
