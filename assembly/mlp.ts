/**
 * One training step of the multilayer perceptron, cut into the pieces that threads share:
 * forwardRows and backwardRows touch only rows [r0, r1) of every activation (rows are independent),
 * backwardParams computes thread t's share of every weight and bias gradient, summing over all rows
 * in row order. So the split changes no sum, and any thread count gives the same numbers.
 * Layer 0 keeps W0 transposed (sparse.ts); every other layer keeps W canonical, (out, in).
 */

import {
  L_A, L_B, L_DB, L_DW, L_DZ, L_IN, L_OUT, L_W, L_X, LOSS_MSE,
  P_ACT, P_BKT_CNT, P_BKT_ROW, P_BKT_VAL, P_CSR_IDX, P_CSR_NNZ, P_CSR_VAL, P_LABELS, P_LAYERS,
  P_LOGITS, P_LOSS, P_MAX_BATCH, P_PART_NNZ, P_ROW_MAX, P_ROW_SUM,
  layerI32, layerPtr, partStart, planI32,
} from './layout';
import { EPI_ACT, EPI_DACT, EPI_NONE, gemmAxpy, gemmDot } from './gemm';
import { scanRows, sparseForward, sparseWeightGrad } from './sparse';
import { acts, actv } from './math';
import { biasGrad, outputGradRows, softmaxRows } from './tail';

/**
 * Layer 0 takes the sparse path unless more than half of its inputs are nonzero; then the tiled
 * dense kernel is faster. Both sum the same terms in the same order, so the choice changes nothing
 * but the time (and the sign of an exact zero).
 */
@inline function denseEnough(nnz: i32, rows: i32, in0: i32): bool {
  return <i64>nnz * 2 > <i64>rows * in0;
}

/** Forward of rows [r0, r1) (thread `part`) through every layer, ending with softmax probabilities. */
export function forwardRows(plan: usize, r0: i32, r1: i32, part: i32): void {
  const L = planI32(plan, P_LAYERS);
  const maxBatch = planI32(plan, P_MAX_BATCH);
  const act = planI32(plan, P_ACT);
  const logits = <usize>planI32(plan, P_LOGITS);
  const rows = r1 - r0;

  // Layer 0: x (maxBatch, in0), W0T (in0, out0) -> a0 (or the logits when it is the only layer).
  const in0 = layerI32(plan, 0, L_IN);
  const out0 = layerI32(plan, 0, L_OUT);
  const x = layerPtr(plan, 0, L_X);
  const nnz = scanRows(
    x, r0, r1, in0, out0, maxBatch,
    <usize>planI32(plan, P_CSR_IDX), <usize>planI32(plan, P_CSR_VAL), <usize>planI32(plan, P_CSR_NNZ),
    <usize>planI32(plan, P_BKT_CNT) + (<usize>(part * in0) << 2),
    <usize>planI32(plan, P_BKT_ROW), <usize>planI32(plan, P_BKT_VAL),
  );
  store<i32>(<usize>planI32(plan, P_PART_NNZ) + (<usize>part << 2), nnz);
  const out = L > 1 ? layerPtr(plan, 0, L_A) : logits;
  const act0 = L > 1 ? act : -1;
  if (denseEnough(nnz, rows, in0)) {
    // out rows = x rows (M = rows, P = in0: A[m, p] = x[r0 + m, p]) times W0T (P = in0 rows of out0).
    gemmAxpy(
      out + (<usize>(r0 * out0) << 2), out0, x + (<usize>(r0 * in0) << 2), in0, 1,
      layerPtr(plan, 0, L_W), out0, rows, out0, in0, layerPtr(plan, 0, L_B),
      act0 >= 0 ? EPI_ACT : EPI_NONE, act, 0, 0,
    );
  } else {
    sparseForward(
      out, layerPtr(plan, 0, L_W), layerPtr(plan, 0, L_B), r0, r1, in0, out0,
      <usize>planI32(plan, P_CSR_IDX), <usize>planI32(plan, P_CSR_VAL), <usize>planI32(plan, P_CSR_NNZ), act0,
    );
  }

  // Layers 1..L-1: z = x W^T + b with W (out, in), dot form; hidden layers then apply f in place.
  for (let l = 1; l < L; l++) {
    const inD = layerI32(plan, l, L_IN);
    const outD = layerI32(plan, l, L_OUT);
    const dst = l < L - 1 ? layerPtr(plan, l, L_A) : logits;
    const rowsAt = dst + (<usize>(r0 * outD) << 2);
    gemmDot(
      rowsAt, outD, layerPtr(plan, l, L_X) + (<usize>(r0 * inD) << 2), inD,
      layerPtr(plan, l, L_W), inD, rows, outD, layerPtr(plan, l, L_B),
    );
    if (l < L - 1) activateInPlace(rowsAt, rows * outD, act);
  }

  const classes = layerI32(plan, L - 1, L_OUT);
  softmaxRows(
    layerPtr(plan, L - 1, L_A), logits, <usize>planI32(plan, P_ROW_MAX), <usize>planI32(plan, P_ROW_SUM),
    r0, r1, classes,
  );
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
    r0, r1, batch, classes, planI32(plan, P_LOSS) == LOSS_MSE,
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
  }
}

/**
 * Thread t's share of the parameter gradients (the thread's outputs of every layer):
 * dW_l = dZ_l^T x_l, dB_l = sum over rows of dZ_l, each element summed over rows 0..batch-1 in order.
 */
export function backwardParams(plan: usize, t: i32, T: i32, batch: i32): void {
  const L = planI32(plan, P_LAYERS);
  for (let l = 1; l < L; l++) {
    const inD = layerI32(plan, l, L_IN);
    const outD = layerI32(plan, l, L_OUT);
    const o0 = partStart(outD, t, T);
    const o1 = partStart(outD, t + 1, T);
    if (o0 >= o1) continue;
    const dZ = layerPtr(plan, l, L_DZ);
    // dW rows o0..o1 (M = o1 - o0, N = inD) = sum over P = batch rows: A[m, p] = dZ[p, o0 + m] times x[p, :].
    gemmAxpy(
      layerPtr(plan, l, L_DW) + (<usize>(o0 * inD) << 2), inD,
      dZ + (<usize>o0 << 2), 1, outD,
      layerPtr(plan, l, L_X), inD, o1 - o0, inD, batch, 0, EPI_NONE, 0, 0, 0,
    );
    biasGrad(layerPtr(plan, l, L_DB), dZ, o0, o1, outD, batch);
  }

  // Layer 0: columns c0..c1 of dW0T (in0, out0).
  const in0 = layerI32(plan, 0, L_IN);
  const out0 = layerI32(plan, 0, L_OUT);
  const c0 = partStart(out0, t, T);
  const c1 = partStart(out0, t + 1, T);
  if (c0 >= c1) return;
  const dZ0 = layerPtr(plan, 0, L_DZ);
  const dW0T = layerPtr(plan, 0, L_DW);
  let nnz = 0;
  const partNnz = <usize>planI32(plan, P_PART_NNZ);
  for (let p = 0; p < T; p++) nnz += load<i32>(partNnz + (<usize>p << 2));
  if (denseEnough(nnz, batch, in0)) {
    // dW0T[i, c0..c1] (M = in0, N = c1 - c0) = sum over P = batch rows: A[m, p] = x[p, m] times dZ0[p, c0..c1].
    gemmAxpy(
      dW0T + (<usize>c0 << 2), out0, layerPtr(plan, 0, L_X), 1, in0,
      dZ0 + (<usize>c0 << 2), out0, in0, c1 - c0, batch, 0, EPI_NONE, 0, 0, 0,
    );
  } else {
    sparseWeightGrad(
      dW0T, dZ0, c0, c1, in0, out0, planI32(plan, P_MAX_BATCH),
      <usize>planI32(plan, P_BKT_CNT), <usize>planI32(plan, P_BKT_ROW), <usize>planI32(plan, P_BKT_VAL), batch, T,
    );
  }
  biasGrad(layerPtr(plan, 0, L_DB), dZ0, c0, c1, out0, batch);
}
