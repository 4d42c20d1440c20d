/**
 * One training step of the multilayer perceptron, cut into chunks that threads claim one at a time:
 * forward and the row part of backward go by row chunks (rows are independent), the parameter
 * gradients by blocks of outputs, each element summed over rows 0..batch-1 in order. A chunk's
 * result does not depend on which thread computes it, so any thread count gives the same numbers.
 * Layer 0 keeps W0 transposed (sparse.ts); every other layer keeps W canonical, (out, in).
 */

import {
  L_A, L_B, L_DB, L_DW, L_DZ, L_IN, L_OUT, L_W, L_X, LOSS_MSE, ROW_CHUNK,
  P_ACT, P_CHUNK_NNZ, P_COL_SCRATCH, P_COL_SCRATCH_BYTES, P_COMPACT_LUT, P_CSR_NNZ, P_CSR_PAIRS, P_CSR_STRIDE, P_GRADS, P_LABELS,
  P_INPUT, P_LAYERS, P_LOGITS, P_LOSS, P_MASK_STRIDE, P_MAX_BATCH, P_PARAM_COUNT, P_PARAMS, P_ROW_BYTES, P_ROW_MAX, P_ROW_SUM,
  P_SCALE, layerI32, layerPtr, planF64, planI32, P_SMOOTHING, threadIndex, W0_PIXELS,
} from './plan';
import { EPI_ACT, EPI_DACT, EPI_NONE, gemmAxpy, gemmDot } from './gemm';
import { gatherColumns, scanRows, sparseForward, sparseWeightGrad, sparseWeightGradSgd } from './sparse';
import { acts, actv } from './math';
import { biasGrad, bytesToFloats, outputGradRows, sgdRange, softmaxRows } from './tail';
import { dropping, dropRows, layerInput, maskGradRows } from './dropout';

/** Outputs of a canonical layer's dW per parameter chunk. */
const W_ROWS = 16;
/** Parameters per SGD chunk (32 KiB of params and of grads: one L1's worth). */
const SGD_CHUNK = 8192;

/**
 * Layer 0 takes the sparse path unless more than half of its inputs are nonzero; then the tiled
 * dense kernel is faster. Both sum the same terms in the same order, so the choice changes nothing
 * but the time (and the sign of an exact zero).
 */
@inline function denseEnough(nnz: i32, rows: i32, in0: i32): bool {
  return <i64>nnz * 2 > <i64>rows * in0;
}

export function rowChunks(batch: i32): i32 {
  return (batch + ROW_CHUNK - 1) / ROW_CHUNK;
}

/** loadBatch's conversion for row chunk `chunk`: input row n = row n's pixel bytes (P_ROW_BYTES) * scale. */
export function loadChunk(plan: usize, chunk: i32, batch: i32, scale: f64): void {
  const in0 = layerI32(plan, 0, L_IN);
  const input = <usize>planI32(plan, P_INPUT);
  const rowBytes = <usize>planI32(plan, P_ROW_BYTES);
  const r1 = min(chunk * ROW_CHUNK + ROW_CHUNK, batch);
  for (let n = chunk * ROW_CHUNK; n < r1; n++) {
    bytesToFloats(input + (<usize>(n * in0) << 2), <usize>load<i32>(rowBytes + (<usize>n << 2)), in0, scale);
  }
}

/**
 * Forward of row chunk `chunk` through every layer, ending with softmax probabilities.
 * `fromStage`: the chunk's inputs are its rows' pixel bytes (P_ROW_BYTES) times `scale`, not yet converted: the scan
 * lists the nonzero inputs straight from the bytes, and the input rows x are written only when the
 * chunk is dense enough for the dense kernel. Each chunk records in P_CHUNK_NNZ's second half
 * whether its rows of x hold this batch (the dense weight gradient reads x).
 */
export function forwardChunk(plan: usize, chunk: i32, batch: i32, fromStage: bool = false, scale: f64 = 0): void {
  const r0 = chunk * ROW_CHUNK;
  const r1 = min(r0 + ROW_CHUNK, batch);
  const rows = r1 - r0;
  const L = planI32(plan, P_LAYERS);
  const act = planI32(plan, P_ACT);
  const logits = <usize>planI32(plan, P_LOGITS);

  // Layer 0: x (maxBatch, in0), W0T (in0, out0) -> a0 (or the logits when it is the only layer).
  const in0 = layerI32(plan, 0, L_IN);
  const out0 = layerI32(plan, 0, L_OUT);
  const x = layerPtr(plan, 0, L_X);
  const csrPairs = <usize>planI32(plan, P_CSR_PAIRS);
  const csrNnz = <usize>planI32(plan, P_CSR_NNZ);
  const csrStride = planI32(plan, P_CSR_STRIDE);
  const nnz = scanRows(
    x, r0, r1, in0, out0, csrPairs, csrNnz, csrStride, <usize>planI32(plan, P_COMPACT_LUT),
    fromStage ? <usize>planI32(plan, P_ROW_BYTES) : 0, scale, fromStage,
  );
  const chunkNnz = <usize>planI32(plan, P_CHUNK_NNZ);
  store<i32>(chunkNnz + (<usize>chunk << 2), nnz);
  const out = L > 1 ? layerPtr(plan, 0, L_A) : logits;
  const act0 = L > 1 ? act : -1;
  const dense = denseEnough(nnz, rows, in0);
  if (fromStage && dense) loadChunk(plan, chunk, batch, scale);
  store<i32>(chunkNnz + (<usize>(rowChunks(planI32(plan, P_MAX_BATCH)) + chunk) << 2), !fromStage || dense ? 1 : 0);
  if (dense) {
    // out rows = x rows (M = rows, P = in0: A[m, p] = x[r0 + m, p]) times W0T (P = in0 rows of out0).
    gemmAxpy(
      out + (<usize>(r0 * out0) << 2), out0, x + (<usize>(r0 * in0) << 2), in0, 1,
      layerPtr(plan, 0, L_W), out0, rows, out0, in0, layerPtr(plan, 0, L_B),
      act0 >= 0 ? EPI_ACT : EPI_NONE, act, 0, 0,
    );
  } else {
    sparseForward(out, layerPtr(plan, 0, L_W), layerPtr(plan, 0, L_B), r0, r1, out0, csrPairs, csrNnz, csrStride, act0);
  }
  if (L > 1 && dropping(plan)) dropRows(plan, 0, r0, r1);

  // Layers 1..L-1: z = x W^T + b with W (out, in), dot form; hidden layers then apply f in place.
  for (let l = 1; l < L; l++) {
    const inD = layerI32(plan, l, L_IN);
    const outD = layerI32(plan, l, L_OUT);
    const dst = (l < L - 1 ? layerPtr(plan, l, L_A) : logits) + (<usize>(r0 * outD) << 2);
    gemmDot(dst, outD, layerInput(plan, l) + (<usize>(r0 * inD) << 2), inD, layerPtr(plan, l, L_W), inD, rows, outD, layerPtr(plan, l, L_B));
    if (l < L - 1) {
      activateInPlace(dst, rows * outD, act);
      if (dropping(plan)) dropRows(plan, l, r0, r1);
    }
  }

  const classes = layerI32(plan, L - 1, L_OUT);
  softmaxRows(layerPtr(plan, L - 1, L_A), logits, <usize>planI32(plan, P_ROW_MAX), <usize>planI32(plan, P_ROW_SUM), r0, r1, classes);
}

/** a = f(a) over n contiguous values (acts performs the same operations as one lane of actv). */
function activateInPlace(p: usize, n: i32, act: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const q = p + (<usize>k << 2);
    v128.store(q, actv(v128.load(q), act));
  }
  for (; k < n; k++) {
    const q = p + (<usize>k << 2);
    store<f32>(q, acts(load<f32>(q), act));
  }
}

/** The row part of backward for row chunk `chunk`. */
export function backwardRowChunk(plan: usize, chunk: i32, batch: i32): void {
  const r0 = chunk * ROW_CHUNK;
  backwardRows(plan, r0, min(r0 + ROW_CHUNK, batch), batch);
}

/**
 * Backward of rows [r0, r1): the output gradient, then down through the layers
 * dZ_{l-1} = (dZ_l W_l) * f'(a_{l-1}) (undoes z_l = a_{l-1} W_l^T + b_l, then a = f(z)).
 * Layer 0 needs no input gradient.
 */
export function backwardRows(plan: usize, r0: i32, r1: i32, batch: i32): void {
  const L = planI32(plan, P_LAYERS);
  const act = planI32(plan, P_ACT);
  const classes = layerI32(plan, L - 1, L_OUT);
  outputGradRows(
    layerPtr(plan, L - 1, L_DZ), layerPtr(plan, L - 1, L_A), <usize>planI32(plan, P_LABELS),
    r0, r1, batch, classes, planI32(plan, P_LOSS) == LOSS_MSE, planF64(plan, P_SMOOTHING),
  );
  const rows = r1 - r0;
  for (let l = L - 1; l >= 1; l--) {
    const inD = layerI32(plan, l, L_IN);
    const outD = layerI32(plan, l, L_OUT);
    // dZ_{l-1} rows (M = rows, N = inD) = dZ_l rows (A[m, p] = dZ_l[r0 + m, p], P = outD) times W_l (outD, inD).
    gemmAxpy(
      layerPtr(plan, l - 1, L_DZ) + (<usize>(r0 * inD) << 2), inD,
      layerPtr(plan, l, L_DZ) + (<usize>(r0 * outD) << 2), outD, 1,
      layerPtr(plan, l, L_W), inD, rows, inD, outD, 0,
      EPI_DACT, act, layerPtr(plan, l - 1, L_A) + (<usize>(r0 * inD) << 2), inD,
    );
    // With dropout the product above is d loss / d h_{l-1} times f'(a); h = a * mask is undone here.
    if (dropping(plan)) maskGradRows(plan, l - 1, r0, r1);
  }
}

/** Row ranges layer 0's dW0T is cut into (W0_PIXELS inputs each at most). */
@inline function pixelParts(in0: i32): i32 {
  return (in0 + W0_PIXELS - 1) / W0_PIXELS;
}

/**
 * Parameter-gradient chunks: layer 0's dW0T in pixelParts row ranges (every column), then every
 * other layer in blocks of W_ROWS outputs.
 */
export function paramChunks(plan: usize): i32 {
  const L = planI32(plan, P_LAYERS);
  let count = pixelParts(layerI32(plan, 0, L_IN));
  for (let l = 1; l < L; l++) count += (layerI32(plan, l, L_OUT) + W_ROWS - 1) / W_ROWS;
  return count;
}

/**
 * Parameter-gradient chunk c: dW_l = dZ_l^T x_l and dB_l = column sums of dZ_l for a block of
 * layer l's outputs, every element summed over rows 0..batch-1 in order. With `sgd`, the block's
 * parameters then take plain SGD's step with lr (sgdChunk's arithmetic, so the same bits) while its
 * gradients are in cache: one pass and one barrier fewer per step. That is safe because no chunk of
 * this phase reads a parameter: they read dZ, the layer inputs (x, its nonzero lists, a or h) and
 * write their own block of grads and params only. Without `keep` (only with `sgd`), layer 0's
 * sparse weight gradient is not stored at all: the step was its only reader.
 */
export function backwardParamChunk(plan: usize, c: i32, batch: i32, lr: f64, sgd: bool, keep: bool): void {
  const in0 = layerI32(plan, 0, L_IN);
  const parts = pixelParts(in0);
  if (c < parts) {
    layer0WeightGrad(plan, c * in0 / parts, (c + 1) * in0 / parts, c == 0, batch, lr, sgd, keep);
    return;
  }
  c -= parts;
  const L = planI32(plan, P_LAYERS);
  for (let l = 1; l < L; l++) {
    const outD = layerI32(plan, l, L_OUT);
    const blocks = (outD + W_ROWS - 1) / W_ROWS;
    if (c >= blocks) {
      c -= blocks;
      continue;
    }
    const inD = layerI32(plan, l, L_IN);
    const o0 = c * W_ROWS;
    const o1 = min(outD, o0 + W_ROWS);
    const dZ = layerPtr(plan, l, L_DZ);
    // dW rows o0..o1 (M = o1 - o0, N = inD) = sum over P = batch rows: A[m, p] = dZ[p, o0 + m] times x[p, :].
    gemmAxpy(
      layerPtr(plan, l, L_DW) + (<usize>(o0 * inD) << 2), inD, dZ + (<usize>o0 << 2), 1, outD,
      layerInput(plan, l), inD, o1 - o0, inD, batch, 0, EPI_NONE, 0, 0, 0,
    );
    biasGrad(layerPtr(plan, l, L_DB), dZ, o0, o1, outD, batch);
    if (sgd) {
      // W rows o0..o1 are contiguous in (out, in).
      sgdRange(layerPtr(plan, l, L_W), layerPtr(plan, l, L_DW), o0 * inD, o1 * inD, lr);
      sgdRange(layerPtr(plan, l, L_B), layerPtr(plan, l, L_DB), o0, o1, lr);
    }
    return;
  }
}

/**
 * Rows i0..i1 of dW0T (in0, out0), and with `bias` dB0; with `sgd`, also the plain SGD step of
 * those elements of W0T (and b0).
 */
function layer0WeightGrad(plan: usize, i0: i32, i1: i32, bias: bool, batch: i32, lr: f64, sgd: bool, keep: bool): void {
  const in0 = layerI32(plan, 0, L_IN);
  const out0 = layerI32(plan, 0, L_OUT);
  const c0 = 0, c1 = out0;
  const dZ0 = layerPtr(plan, 0, L_DZ);
  const dW0T = layerPtr(plan, 0, L_DW);
  const W0T = layerPtr(plan, 0, L_W);
  let nnz = 0;
  let haveX = true;
  const chunkNnz = <usize>planI32(plan, P_CHUNK_NNZ);
  const chunks = rowChunks(batch);
  const xValid = chunkNnz + (<usize>rowChunks(planI32(plan, P_MAX_BATCH)) << 2);
  for (let k = 0; k < chunks; k++) {
    nnz += load<i32>(chunkNnz + (<usize>k << 2));
    haveX = haveX && load<i32>(xValid + (<usize>k << 2)) != 0;
  }
  // The dense kernel reads x, which a sparse chunk loaded from the stage never wrote.
  if (haveX && denseEnough(nnz, batch, in0)) {
    // dW0T[i0..i1, c0..c1] (M = i1 - i0, N = c1 - c0) = sum over P = batch rows: A[m, p] = x[p, i0 + m] times dZ0[p, c0..c1].
    gemmAxpy(
      dW0T + (<usize>(i0 * out0 + c0) << 2), out0, layerPtr(plan, 0, L_X) + (<usize>i0 << 2), 1, in0,
      dZ0 + (<usize>c0 << 2), out0, i1 - i0, c1 - c0, batch, 0, EPI_NONE, 0, 0, 0,
    );
    if (sgd) for (let i = i0; i < i1; i++) sgdRange(W0T, dW0T, i * out0 + c0, i * out0 + c1, lr);
  } else {
    // This thread's scratch: the masks, then the values, of pixels i0..i1; the kernels index them
    // by pixel, so they get addresses shifted back by i0 pixels.
    const maxBatch = planI32(plan, P_MAX_BATCH);
    const maskStride = planI32(plan, P_MASK_STRIDE);
    const masks = <usize>planI32(plan, P_COL_SCRATCH) + <usize>(threadIndex * planI32(plan, P_COL_SCRATCH_BYTES));
    const vals = masks + <usize>(W0_PIXELS * maskStride);
    gatherColumns(
      masks, vals, i0, i1, batch, maxBatch, maskStride, layerPtr(plan, 0, L_X), in0,
      <usize>planI32(plan, P_ROW_BYTES), xValid, planF64(plan, P_SCALE),
    );
    const colMask = masks - <usize>(i0 * maskStride);
    const colVal = vals - (<usize>(i0 * maxBatch) << 2);
    if (sgd) {
      sparseWeightGradSgd(dW0T, W0T, dZ0, c0, c1, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch, lr, keep);
    } else {
      sparseWeightGrad(dW0T, dZ0, c0, c1, i0, i1, out0, maxBatch, colMask, maskStride, colVal, batch);
    }
  }
  if (!bias) return;
  biasGrad(layerPtr(plan, 0, L_DB), dZ0, c0, c1, out0, batch);
  if (sgd) sgdRange(layerPtr(plan, 0, L_B), layerPtr(plan, 0, L_DB), c0, c1, lr);
}

export function sgdChunks(plan: usize): i32 {
  return (planI32(plan, P_PARAM_COUNT) + SGD_CHUNK - 1) / SGD_CHUNK;
}

/** Plain SGD on parameters [c SGD_CHUNK, (c + 1) SGD_CHUNK). */
export function sgdChunk(plan: usize, c: i32, lr: f64): void {
  const i0 = c * SGD_CHUNK;
  sgdRange(<usize>planI32(plan, P_PARAMS), <usize>planI32(plan, P_GRADS), i0, min(i0 + SGD_CHUNK, planI32(plan, P_PARAM_COUNT)), lr);
}
