/**
 * Where the wasm engine finds its network: JS (src/engines/wasm/plan.ts, which mirrors these slot
 * numbers) lays every buffer out in the shared memory and writes their byte addresses into a "plan"
 * of i32 slots; the kernels read the plan and never allocate. Also the control block that the
 * main thread and the workers synchronise on. Keep the two files in step.
 */

// Plan header slots (i32 index from the plan's address).
export const P_LAYERS = 0; //      number of dense layers L
export const P_MAX_BATCH = 1;
export const P_ACT = 2; //         0 relu, 1 sigmoid, 2 tanh (math.ts)
export const P_LOSS = 3; //        0 cross-entropy, 1 mse
export const P_THREADS = 4;
export const P_LABELS = 5; //      u8[maxBatch]
export const P_CSR_PAIRS = 6; //   (i32, f32)[maxBatch * csrStride]: per row, (byte offset of W0T row i, x[n, i]) for nonzero x
export const P_ROW_BYTES = 7; //  i32[maxBatch]: address of each batch row's pixel bytes (a P_STAGE row, or a row of a dataset kept in the memory)
export const P_CSR_NNZ = 8; //     i32[maxBatch]: nonzeros per row
export const P_COL_SCRATCH = 9; // per thread, P_COL_SCRATCH_BYTES: a layer-0 parameter chunk's gathered columns (mlp.ts
//                                  layer0WeightGrad): W0_PIXELS masks of P_MASK_STRIDE bytes (a bit per row whose input
//                                  is nonzero), then W0_PIXELS x maxBatch f32 values
export const P_MASK_STRIDE = 10; // bytes per pixel mask: maxBatch bits rounded up to whole u64 words
export const P_COL_SCRATCH_BYTES = 11; // bytes of each thread's P_COL_SCRATCH
export const P_ROW_MAX = 12; //    f32[maxBatch]: softmax row max of the logits (for the loss)
export const P_ROW_SUM = 13; //    f32[maxBatch]: softmax row sum of e^(z - max)
export const P_STAGE = 14; //      u8[maxBatch * in0]: pixel bytes of rows loadBatch copied or transformed
export const P_CTRL = 15; //       control block (below)
export const P_PARAMS = 16;
export const P_GRADS = 17;
export const P_PARAM_COUNT = 18;
export const P_LOGITS = 19; //     f32[maxBatch * classes]
export const P_CHUNK_NNZ = 20; //  i32[2 * chunks], chunks = maxBatch / ROW_CHUNK rounded up: nonzero inputs in each row chunk of the
//                                  last forward, then 1 per chunk whose rows of P_INPUT hold that batch (0: scanned from the stage)
export const P_INPUT = 21; //      f32[maxBatch * in0]
export const P_WARP_ARGS = 22; //  a transformed or warped load's arguments (W_ARG_*: i32 slots, then the built-in augmentation's settings as f64)
export const P_CSR_STRIDE = 23; // entries per row in the CSR arrays: in0 + 4 (scanRows writes whole f32x4)
export const P_COMPACT_LUT = 24; // 16 x 16 bytes: the i8x16.swizzle that packs the nonzero lanes of an f32x4
export const P_DROP_ON = 25; //    1 while a training forward/backward drops units (dropout.ts), else 0
export const P_WARP_SRC = 26; //   u8[maxBatch * in0]: source images of a warped load copied batch by batch (when not resident)
export const P_WARP_PLAN = 27; //  f64[maxBatch * W_PLAN]: the warp record of each row of a warped load
export const P_SMOOTHING = 28; //  f64 in slots 28-29: label smoothing e of the cross-entropy (0: one-hot targets)
export const P_OPT_STATE = 30; //  f32[buffers * paramCount]: the optimizer's state buffers (optim.ts), one after another
export const P_OPT_ARGS = 31; //   f64[OPT_ARGS]: the scalars of the current optimizer step (optim.ts)
export const P_ACTIVE = 32; //    threads that take part in phases, 1..P_THREADS: workers 1..P_ACTIVE-1 and the main thread (threads.ts)
export const P_WARP_ROWS = 33; //  i32[maxBatch]: address of each warped row's source image (a P_WARP_SRC row, or a row of a resident dataset)
export const P_WARP_DRAW = 34; //  how a warped load's records are drawn: 0 before the phase; by the thread that warps each row chunk, 1 in
//                                  JavaScript (env.planRows), 2 in wasm (augment.ts drawAugment, for data/augment.ts planAugment's records)
export const P_WARP_BOX = 35; //   i32[maxBatch]: the ink box of each warped row's source image (data/augment.ts inkBox)
export const P_SCALE = 36; //      f64 in slots 36-37: the input scale of the last load (pixel byte * scale), for gatherColumns
export const P_HEADER = 38; //     first layer record
export const P_LAYER_SLOTS = 16; // slots per layer record

// Layer record slots.
export const L_IN = 0;
export const L_OUT = 1;
export const L_W = 2; //   layer 0: (in, out), transposed; other layers: (out, in), canonical
export const L_B = 3;
export const L_DW = 4; //  same layout as L_W
export const L_DB = 5;
export const L_X = 6; //   (maxBatch, in): the input rows (network input or previous layer's a)
export const L_A = 7; //   (maxBatch, out): activations; the last layer's are the softmax probabilities
export const L_DZ = 8; //  (maxBatch, out): d loss / d pre-activation
export const L_MASK = 9; // (maxBatch, out) hidden layers with dropout: 0 or 1/(1-p) per unit; else 0
export const L_H = 10; //   (maxBatch, out) hidden layers with dropout: a * mask, the next layer's input while dropping

// Control block: byte offsets from P_CTRL; each counter on its own 64-byte cache line (threads.ts).
export const C_PHASE = 0; //     i32 phase number, incremented by the main thread to publish a phase
export const C_ARGS = 64; //     the phase: command (i32 +0), phase of the command (+4), batch (+8), chunks (+12), lr (f64 +16)
export const C_CLAIM = 128; //   i64: phase number << 32 | next unclaimed chunk
export const C_COMPLETE = 192; // i64: phase number << 32 | chunks completed
export const C_ERROR = 256; //   nonzero once a worker failed
export const CTRL_BYTES = 320;

export const CMD_FORWARD = 1;
export const CMD_BACKWARD = 2;
export const CMD_SGD = 3;
export const CMD_EXIT = 4;
export const CMD_LOAD = 5; //    each row's pixel bytes (P_ROW_BYTES) -> input floats (scale in the lr slot)
export const CMD_OPTIM = 6; //   one optimizer step (optim.ts) with the scalars in P_OPT_ARGS
export const CMD_LOAD_TRANSFORM = 7; // CMD_LOAD, each row chunk first filled by the host's transformRows
export const CMD_LOAD_FORWARD = 8; // CMD_LOAD then CMD_FORWARD, each row chunk loaded and run by one thread
export const CMD_LOAD_TRANSFORM_FORWARD = 9; // CMD_LOAD_TRANSFORM then CMD_FORWARD, likewise
export const CMD_BACKWARD_ROWS = 10; // CMD_BACKWARD's first phase alone (dZ of every row)
export const CMD_PARAM_GRADS = 11; //   CMD_BACKWARD's second phase alone (dW, dB)
export const CMD_PARAM_GRADS_SGD = 12; // CMD_PARAM_GRADS with each block's plain SGD step (lr) fused in
export const CMD_LOAD_WARP = 13; // CMD_LOAD, each row chunk first warped from P_WARP_SRC by its P_WARP_PLAN records (warp.ts)
export const CMD_LOAD_WARP_FORWARD = 14; // CMD_LOAD_WARP then CMD_FORWARD, each row chunk warped, loaded and run by one thread
export const CMD_PARAM_SGD = 15; //   CMD_PARAM_GRADS_SGD where the step uses the gradients up: layer 0's sparse dW is not stored

// A warp record's f64 slots (src/data/augment.ts PLAN_*, which writes them): the inverse matrix
// [[ia, ib], [ic, id]], the shift, the output box x0..x1 by y0..y1 to sample, and the ink's box.
export const W_IA = 0;
export const W_IB = 1;
export const W_IC = 2;
export const W_ID = 3;
export const W_TX = 4;
export const W_TY = 5;
export const W_X0 = 6; // W_X0, W_X1 and W_Y0, W_Y1 are pairs, read as one f64x2 each
export const W_X1 = 7;
export const W_Y0 = 8;
export const W_Y1 = 9;
export const W_INK_X0 = 10; // the ink's bounding box in the source, x0..x1 by y0..y1: output pixels whose source
export const W_INK_X1 = 11; // is more than a pixel outside it are 0, and the warp skips them
export const W_INK_Y0 = 12;
export const W_INK_Y1 = 13;
export const W_FAINT = 14; // samples below this become 0
export const W_PLAN = 15;

// P_WARP_ARGS: i32 slots (the load's seed and its first row's position in the epoch, for
// model/transform.ts imageSeed), then, at these float64 indices, the settings of the built-in
// augmentation (data/augment.ts AugmentSettings) whose records the threads draw (P_WARP_DRAW 2).
export const W_ARG_SEED = 1;
export const W_ARG_START = 2;
export const W_SET_MAX_ROTATE = 2;
export const W_SET_MAX_SHEAR = 3;
export const W_SET_MAX_SCALE = 4;
export const W_SET_MAX_SHIFT = 5;
export const W_SET_FILL_CHANCE = 6;
export const W_SET_FAINT_BELOW = 7;
export const W_ARGS_BYTES = 64;

export const LOSS_CE = 0;
export const LOSS_MSE = 1;

@inline export function planI32(plan: usize, slot: i32): i32 {
  return load<i32>(plan + (<usize>slot << 2));
}
@inline export function planF64(plan: usize, slot: i32): f64 {
  return load<f64>(plan + (<usize>slot << 2));
}
@inline export function layerI32(plan: usize, l: i32, slot: i32): i32 {
  return load<i32>(plan + (<usize>(P_HEADER + l * P_LAYER_SLOTS + slot) << 2));
}
@inline export function layerPtr(plan: usize, l: i32, slot: i32): usize {
  return <usize>layerI32(plan, l, slot);
}

/**
 * Rows are processed in chunks of ROW_CHUNK (a multiple of the 4-row tiles). Chunks, not threads,
 * fix every sum's order, so results do not depend on how many threads share the work.
 */
export const ROW_CHUNK = 8;

/**
 * Inputs (rows of dW0T) per parameter chunk, at most, each chunk taking every column: 49, a
 * sixteenth of an MNIST image, so a 784-128-10 step has 16 layer-0 chunks and 16 threads can share
 * the phase. A chunk first gathers its pixels' columns (sparse.ts gatherColumns) into its thread's
 * scratch (W0_PIXELS masks and values, 13 KB at batch 64), then runs every column block over them.
 * Every dW0T element is still one sum over the batch's rows in order, so any split gives the same bits.
 */
export const W0_PIXELS = 49;

/** This thread's index: 0 on the calling thread, a worker's own (workerLoop sets it) on each worker. */
export let threadIndex = 0;
export function setThreadIndex(index: i32): void {
  threadIndex = index;
}
