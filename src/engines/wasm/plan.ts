/**
 * The wasm engine's memory plan: the byte address of every buffer, for one network spec and batch
 * size, and the "plan" of i32 slots the kernels read them from. The slot numbers mirror
 * assembly/plan.ts; keep the two in step (test/engines/wasm/plan.test.ts checks it). Parameter
 * offsets are model/network.ts's paramLayout, the one layout both engines share. Pure arithmetic:
 * no wasm, no node:*.
 */

import { paramLayout, type LayerLayout } from '../../model/network.js';

// Plan header slots (see assembly/plan.ts for what each holds).
export const P_LAYERS = 0;
export const P_MAX_BATCH = 1;
export const P_ACT = 2;
export const P_LOSS = 3;
export const P_THREADS = 4;
export const P_LABELS = 5;
export const P_CSR_PAIRS = 6;
export const P_ROW_BYTES = 7;
export const P_CSR_NNZ = 8;
export const P_COL_SCRATCH = 9;
export const P_MASK_STRIDE = 10;
export const P_COL_SCRATCH_BYTES = 11;
export const P_ROW_MAX = 12;
export const P_ROW_SUM = 13;
export const P_STAGE = 14;
export const P_CTRL = 15;
export const P_PARAMS = 16;
export const P_GRADS = 17;
export const P_PARAM_COUNT = 18;
export const P_LOGITS = 19;
export const P_CHUNK_NNZ = 20;
export const P_INPUT = 21;
export const P_WARP_ARGS = 22;
export const P_CSR_STRIDE = 23;
export const P_COMPACT_LUT = 24;
export const P_DROP_ON = 25;
export const P_WARP_SRC = 26;
export const P_WARP_PLAN = 27;
export const P_SMOOTHING = 28;
export const P_OPT_STATE = 30;
export const P_OPT_ARGS = 31;
export const P_ACTIVE = 32;
export const P_WARP_ROWS = 33;
export const P_WARP_DRAW = 34;
export const P_WARP_BOX = 35;
export const P_SCALE = 36;
export const P_HEADER = 38;
export const P_LAYER_SLOTS = 16;

export const L_IN = 0;
export const L_OUT = 1;
export const L_W = 2;
export const L_B = 3;
export const L_DW = 4;
export const L_DB = 5;
export const L_X = 6;
export const L_A = 7;
export const L_DZ = 8;
export const L_MASK = 9;
export const L_H = 10;

export const CMD_FORWARD = 1;
export const CMD_BACKWARD = 2;
export const CMD_SGD = 3;
export const CMD_EXIT = 4;
export const CMD_LOAD = 5;
export const CMD_OPTIM = 6;
export const CMD_LOAD_TRANSFORM = 7;
export const CMD_LOAD_FORWARD = 8;
export const CMD_LOAD_TRANSFORM_FORWARD = 9;
export const CMD_BACKWARD_ROWS = 10;
export const CMD_PARAM_GRADS = 11;
export const CMD_PARAM_GRADS_SGD = 12;
export const CMD_LOAD_WARP = 13;
export const CMD_LOAD_WARP_FORWARD = 14;
export const CMD_PARAM_SGD = 15;

/** assembly/plan.ts: a warp record's f64 slots (the affine warp of data/augment.ts, its PLAN_*). */
export const W_IA = 0;
export const W_IB = 1;
export const W_IC = 2;
export const W_ID = 3;
export const W_TX = 4;
export const W_TY = 5;
export const W_X0 = 6;
export const W_X1 = 7;
export const W_Y0 = 8;
export const W_Y1 = 9;
export const W_INK_X0 = 10;
export const W_INK_X1 = 11;
export const W_INK_Y0 = 12;
export const W_INK_Y1 = 13;
export const W_FAINT = 14;
export const W_PLAN = 15;
/** assembly/plan.ts: P_WARP_ARGS's i32 slots, then the built-in augmentation's settings at float64 indices. */
export const W_ARG_SEED = 1;
export const W_ARG_START = 2;
export const W_SET_MAX_ROTATE = 2;
export const W_SET_MAX_SHEAR = 3;
export const W_SET_MAX_SCALE = 4;
export const W_SET_MAX_SHIFT = 5;
export const W_SET_FILL_CHANCE = 6;
export const W_SET_FAINT_BELOW = 7;
export const W_ARGS_BYTES = 64;

/** assembly/optim.ts: the rule codes and the f64 slots of the optimizer step's scalars. */
export const OPT_SGD_L2 = 0;
export const OPT_MOMENTUM = 1;
export const OPT_NESTEROV = 2;
export const OPT_ADAM = 3;
export const OPT_ARGS = 10;

export const ACT_CODES = { relu: 0, sigmoid: 1, tanh: 2 } as const;
export const LOSS_CODES = { 'cross-entropy': 0, mse: 1 } as const;

/** Rows per row chunk (assembly/plan.ts ROW_CHUNK). */
export const ROW_CHUNK = 8;

/** The compaction table, the control block and the plan sit in the first page; buffers start at 64 KiB. */
const LUT_ADDR = 2048;
const CTRL_ADDR = 4096;
const CTRL_BYTES = 320;
const PLAN_ADDR = 8192;
const BUFFERS_ADDR = 65536;
export const MAX_THREADS = 64;
/** Inputs per layer-0 parameter chunk (assembly/plan.ts W0_PIXELS): the size of each thread's column scratch. */
export const W0_PIXELS = 49;

/**
 * One layer: paramLayout's offsets in floats within params/grads (layer 0's weight block holds the
 * same values transposed), plus the byte addresses of its buffers.
 */
export interface LayerAddrs extends LayerLayout {
  /** Byte addresses of this layer's activations (maxBatch, outDim) and their gradients. */
  a: number;
  dZ: number;
  /** Hidden layers with dropout: the mask and h = a * mask, (maxBatch, outDim) floats each; else 0. */
  mask: number;
  h: number;
}

export interface MemoryPlan {
  pages: number;
  plan: number;
  ctrl: number;
  params: number;
  grads: number;
  paramCount: number;
  input: number;
  stage: number;
  /** i32[maxBatch]: the address of each row's pixel bytes (P_ROW_BYTES). */
  rowBytes: number;
  labels: number;
  logits: number;
  rowMax: number;
  rowSum: number;
  /** Per row, csrStride (W0T byte offset, value) pairs of 8 bytes. */
  csrPairs: number;
  csrNnz: number;
  /** Entries per row of the CSR arrays: in0 + 4, as the compaction stores whole f32x4. */
  csrStride: number;
  /** Each thread's column scratch (assembly/plan.ts P_COL_SCRATCH): colScratchBytes apart. */
  colScratch: number;
  colScratchBytes: number;
  maskStride: number;
  chunkNnz: number;
  /** f64[OPT_ARGS] for the optimizer step's scalars, and the optimizer's state buffers (f32[optBuffers * paramCount]). */
  optArgs: number;
  optState: number;
  optBuffers: number;
  /** i32 slots only JavaScript reads: the transformed load's arguments (TransformHost in mlp.ts). */
  transformArgs: number;
  /** i32[maxBatch]: the image index of each row of a transformed load. */
  rowSource: number;
  /**
   * A warped load's rows: u8[maxBatch * in0] source images, i32[maxBatch] ink boxes (assembly/warp.ts
   * inkBoxes), f64[maxBatch * W_PLAN] warp records.
   */
  warpSrc: number;
  /** i32[maxBatch]: the address of each warped row's source image (P_WARP_ROWS). */
  warpRows: number;
  warpBox: number;
  warpPlan: number;
  layers: LayerAddrs[];
}

/**
 * Lays out every buffer for `sizes` (input, hidden..., classes) and maxBatch rows, each 64-byte aligned (a cache line, so threads writing neighbouring buffers do not
 * share lines). The sparse-input lists are sized for the worst case (every pixel nonzero); pages
 * that are never touched cost address space, not memory.
 */
export function planMemory(sizes: readonly number[], maxBatch: number, optBuffers = 0, dropout = false, threads = 1): MemoryPlan {
  let next = BUFFERS_ADDR;
  const take = (bytes: number): number => {
    const at = next;
    next += Math.ceil(bytes / 64) * 64;
    return at;
  };
  const in0 = sizes[0];
  const classes = sizes[sizes.length - 1];
  const { layers: paramLayers, count: paramCount } = paramLayout(sizes);
  const layers: LayerAddrs[] = paramLayers.map((layer) => ({ ...layer, a: 0, dZ: 0, mask: 0, h: 0 }));
  const params = take(4 * paramCount);
  const grads = take(4 * paramCount);
  const input = take(4 * maxBatch * in0);
  for (const layer of layers) {
    layer.a = take(4 * maxBatch * layer.outDim);
    layer.dZ = take(4 * maxBatch * layer.outDim);
  }
  if (dropout) {
    for (const layer of layers.slice(0, -1)) {
      layer.mask = take(4 * maxBatch * layer.outDim);
      layer.h = take(4 * maxBatch * layer.outDim);
    }
  }
  const maskStride = 8 * Math.ceil(maxBatch / 64);
  const csrStride = in0 + 4;
  const colScratchBytes = Math.ceil((W0_PIXELS * (maskStride + 4 * maxBatch)) / 64) * 64;
  const layout: MemoryPlan = {
    pages: 0,
    plan: PLAN_ADDR,
    ctrl: CTRL_ADDR,
    params,
    grads,
    paramCount,
    input,
    stage: take(maxBatch * in0),
    rowBytes: take(4 * maxBatch),
    labels: take(maxBatch),
    logits: take(4 * maxBatch * classes),
    rowMax: take(4 * maxBatch),
    rowSum: take(4 * maxBatch),
    csrPairs: take(8 * maxBatch * csrStride),
    csrNnz: take(4 * maxBatch),
    csrStride,
    colScratch: take(threads * colScratchBytes),
    colScratchBytes,
    maskStride,
    chunkNnz: take(2 * 4 * Math.ceil(maxBatch / ROW_CHUNK)),
    optArgs: take(8 * OPT_ARGS),
    optState: take(4 * optBuffers * paramCount),
    optBuffers,
    transformArgs: take(W_ARGS_BYTES),
    rowSource: take(4 * maxBatch),
    warpSrc: take(maxBatch * in0),
    warpRows: take(4 * maxBatch),
    warpBox: take(4 * maxBatch),
    warpPlan: take(8 * W_PLAN * maxBatch),
    layers,
  };
  layout.pages = Math.ceil(next / 65536);
  if (CTRL_ADDR + CTRL_BYTES > PLAN_ADDR || PLAN_ADDR + 4 * (P_HEADER + P_LAYER_SLOTS * layers.length) > BUFFERS_ADDR) {
    throw new RangeError(`too many layers (${layers.length}) for the wasm engine's plan`);
  }
  return layout;
}

/** Sets the label smoothing the kernels' output gradient uses (an f64 in the plan; 0 after writePlan). */
export function writeLabelSmoothing(memory: ArrayBufferLike, layout: MemoryPlan, smoothing: number): void {
  new Float64Array(memory, layout.plan + 4 * P_SMOOTHING, 1)[0] = smoothing;
}

/** Writes the plan (the kernels' view of the layout) into memory. */
export function writePlan(
  memory: ArrayBufferLike, layout: MemoryPlan, maxBatch: number, threads: number, act: number, loss: number,
): void {
  const plan = new Int32Array(memory, layout.plan, P_HEADER + P_LAYER_SLOTS * layout.layers.length);
  plan.fill(0);
  plan[P_LAYERS] = layout.layers.length;
  plan[P_MAX_BATCH] = maxBatch;
  plan[P_ACT] = act;
  plan[P_LOSS] = loss;
  plan[P_THREADS] = threads;
  plan[P_ACTIVE] = threads;
  plan[P_LABELS] = layout.labels;
  plan[P_CSR_PAIRS] = layout.csrPairs;
  plan[P_ROW_BYTES] = layout.rowBytes;
  plan[P_CSR_NNZ] = layout.csrNnz;
  plan[P_COL_SCRATCH] = layout.colScratch;
  plan[P_MASK_STRIDE] = layout.maskStride;
  plan[P_COL_SCRATCH_BYTES] = layout.colScratchBytes;
  plan[P_ROW_MAX] = layout.rowMax;
  plan[P_ROW_SUM] = layout.rowSum;
  plan[P_STAGE] = layout.stage;
  plan[P_CTRL] = layout.ctrl;
  plan[P_PARAMS] = layout.params;
  plan[P_GRADS] = layout.grads;
  plan[P_PARAM_COUNT] = layout.paramCount;
  plan[P_LOGITS] = layout.logits;
  plan[P_CHUNK_NNZ] = layout.chunkNnz;
  plan[P_INPUT] = layout.input;
  plan[P_CSR_STRIDE] = layout.csrStride;
  plan[P_COMPACT_LUT] = LUT_ADDR;
  plan[P_OPT_STATE] = layout.optState;
  plan[P_OPT_ARGS] = layout.optArgs;
  plan[P_WARP_SRC] = layout.warpSrc;
  plan[P_WARP_ROWS] = layout.warpRows;
  plan[P_WARP_PLAN] = layout.warpPlan;
  plan[P_WARP_ARGS] = layout.transformArgs;
  plan[P_WARP_BOX] = layout.warpBox;
  // Entry m: the byte shuffle that moves the lanes whose bit is set in m to the front (0x80 = zero).
  const lut = new Uint8Array(memory, LUT_ADDR, 256);
  for (let m = 0; m < 16; m++) {
    let at = 0;
    lut.fill(0x80, m * 16, m * 16 + 16);
    for (let lane = 0; lane < 4; lane++) {
      if (m & (1 << lane)) for (let b = 0; b < 4; b++) lut[m * 16 + at++] = lane * 4 + b;
    }
  }
  layout.layers.forEach((layer, l) => {
    const s = P_HEADER + l * P_LAYER_SLOTS;
    plan[s + L_IN] = layer.inDim;
    plan[s + L_OUT] = layer.outDim;
    plan[s + L_W] = layout.params + 4 * layer.weightOffset;
    plan[s + L_B] = layout.params + 4 * layer.biasOffset;
    plan[s + L_DW] = layout.grads + 4 * layer.weightOffset;
    plan[s + L_DB] = layout.grads + 4 * layer.biasOffset;
    plan[s + L_X] = l === 0 ? layout.input : layout.layers[l - 1].a;
    plan[s + L_A] = layer.a;
    plan[s + L_DZ] = layer.dZ;
    plan[s + L_MASK] = layer.mask;
    plan[s + L_H] = layer.h;
  });
}
