/**
 * Reference kernels: plain loops over flat typed arrays, written to be read and to serve as the
 * oracle for any faster backend (llm.c keeps matmul_forward_naive for the same reason).
 * Free functions, outputs first, then inputs, then parameters, then sizes; gradients carry a `d`
 * prefix and backward kernels accumulate (+=) into them. Imports nothing: no node:*, no project code.
 * Every kernel works on Float32Array (training) and Float64Array (gradient checks in tests).
 */

export type Floats = Float32Array | Float64Array;

// ---------------------------------------------------------------------------------------------
// Dense (fully connected) layer: out = x W^T + b

/** x is (batch, inDim), W is (outDim, inDim), b is (outDim), out is (batch, outDim). */
export function denseForward(
  out: Floats, x: Floats, W: Floats, b: Floats,
  batch: number, inDim: number, outDim: number,
): void {
  for (let n = 0; n < batch; n++) {
    const xRow = n * inDim;
    for (let o = 0; o < outDim; o++) {
      const wRow = o * inDim;
      let sum = b[o];
      for (let i = 0; i < inDim; i++) sum += x[xRow + i] * W[wRow + i];
      out[n * outDim + o] = sum;
    }
  }
}

/**
 * Undoes denseForward. dOut is (batch, outDim); accumulates dW (outDim, inDim), dB (outDim) and,
 * unless dIn is null (the first layer needs no input gradient), dIn (batch, inDim).
 */
export function denseBackward(
  dIn: Floats | null, dW: Floats, dB: Floats, dOut: Floats, x: Floats, W: Floats,
  batch: number, inDim: number, outDim: number,
): void {
  for (let n = 0; n < batch; n++) {
    const xRow = n * inDim;
    for (let o = 0; o < outDim; o++) {
      const g = dOut[n * outDim + o];
      if (g === 0) continue; // ReLU zeroes many rows of dOut; skipping them changes nothing
      const wRow = o * inDim;
      dB[o] += g; //                                       out = ... + b[o]
      for (let i = 0; i < inDim; i++) dW[wRow + i] += g * x[xRow + i]; // out += x[i] * W[o,i]
      if (dIn !== null) {
        for (let i = 0; i < inDim; i++) dIn[xRow + i] += g * W[wRow + i]; // same line, w.r.t. x
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Activations. Each backward uses the forward's output `out`, which is all that the derivative needs.

/** out = max(0, x), elementwise over n values. */
export function reluForward(out: Floats, x: Floats, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
}
/** d relu(x)/dx = 1 where x > 0 (equivalently out > 0), else 0. */
export function reluBackward(dIn: Floats, dOut: Floats, out: Floats, n: number): void {
  for (let i = 0; i < n; i++) if (out[i] > 0) dIn[i] += dOut[i];
}

/** out = 1 / (1 + e^-x). */
export function sigmoidForward(out: Floats, x: Floats, n: number): void {
  for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
}
/** d sigmoid(x)/dx = out * (1 - out). */
export function sigmoidBackward(dIn: Floats, dOut: Floats, out: Floats, n: number): void {
  for (let i = 0; i < n; i++) dIn[i] += dOut[i] * out[i] * (1 - out[i]);
}

/** out = tanh(x). */
export function tanhForward(out: Floats, x: Floats, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
}
/** d tanh(x)/dx = 1 - out^2. */
export function tanhBackward(dIn: Floats, dOut: Floats, out: Floats, n: number): void {
  for (let i = 0; i < n; i++) dIn[i] += dOut[i] * (1 - out[i] * out[i]);
}

// ---------------------------------------------------------------------------------------------
// Output: softmax, and the two losses. Rows are examples; each loss is the mean over the batch.

/**
 * Softmax of one row, logits[row .. row+classes) -> probs[same]; returns log(sum_k e^(z_k - max)),
 * which with max gives the row's log-sum-exp. Subtracting the row's max before exp changes nothing
 * mathematically (it cancels in the ratio) but keeps exp from overflowing to Infinity. The max is
 * per row: a max over the whole batch would still underflow rows far below it.
 */
function softmaxRow(probs: Floats, logits: Floats, row: number, classes: number, max: number): number {
  let sum = 0;
  for (let k = 0; k < classes; k++) {
    const e = Math.exp(logits[row + k] - max);
    probs[row + k] = e;
    sum += e;
  }
  for (let k = 0; k < classes; k++) probs[row + k] /= sum;
  return Math.log(sum);
}

function rowMax(values: Floats, row: number, classes: number): number {
  let max = values[row];
  for (let k = 1; k < classes; k++) if (values[row + k] > max) max = values[row + k];
  return max;
}

/** logits and probs are (batch, classes): probs = softmax(logits) row by row. */
export function softmaxForward(probs: Floats, logits: Floats, batch: number, classes: number): void {
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    softmaxRow(probs, logits, row, classes, rowMax(logits, row, classes));
  }
}

/**
 * Undoes softmaxForward for a general upstream gradient dProbs (used by the MSE loss):
 * dLogits[j] += p[j] * (dProbs[j] - sum_k p[k] dProbs[k]), the softmax Jacobian applied per row.
 */
export function softmaxBackward(dLogits: Floats, dProbs: Floats, probs: Floats, batch: number, classes: number): void {
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    let dot = 0;
    for (let k = 0; k < classes; k++) dot += probs[row + k] * dProbs[row + k];
    for (let j = 0; j < classes; j++) dLogits[row + j] += probs[row + j] * (dProbs[row + j] - dot);
  }
}

/**
 * Fused softmax + cross-entropy. Writes probs (batch, classes) and returns the mean over the batch
 * of -log p[label]. The loss is computed as log(sum e^(z-max)) - (z[label]-max), never as
 * -log(p), so a confidently wrong row gives a large finite loss instead of log(0) = -Infinity.
 */
export function softmaxCrossEntropyForward(
  probs: Floats, logits: Floats, labels: Uint8Array, batch: number, classes: number,
): number {
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    const max = rowMax(logits, row, classes);
    const logSum = softmaxRow(probs, logits, row, classes, max);
    total += logSum - (logits[row + labels[n]] - max);
  }
  return total / batch;
}

/**
 * Undoes the fused forward: d(mean loss)/d logits = (probs - onehot(label)) / batch. The softmax
 * Jacobian and the log's 1/p cancel, which is why the two are fused (the `dZ = A - Y` of the tutorials).
 */
export function softmaxCrossEntropyBackward(
  dLogits: Floats, probs: Floats, labels: Uint8Array, batch: number, classes: number,
): void {
  const scale = 1 / batch;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    for (let k = 0; k < classes; k++) {
      const target = k === labels[n] ? 1 : 0;
      dLogits[row + k] += (probs[row + k] - target) * scale;
    }
  }
}

/**
 * One sigmoid output unit with binary cross-entropy, fused like softmax + cross-entropy. logits is
 * (batch, 1); writes probs = sigmoid(logits) = P(label 1) and returns the mean over the batch of
 * -[y log p + (1 - y) log(1 - p)]. Computed from the logit as max(z, 0) - z y + log(1 + e^-|z|),
 * the same value rearranged so that it stays finite when p rounds to 0 or 1 (no log(0)).
 */
export function sigmoidBinaryCrossEntropyForward(probs: Floats, logits: Floats, labels: Uint8Array, batch: number): number {
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const z = logits[n];
    const y = labels[n];
    probs[n] = 1 / (1 + Math.exp(-z));
    total += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return total / batch;
}

/**
 * Undoes the fused forward: d(mean loss)/d logit = (p - y) / batch. The sigmoid's p (1 - p) and
 * the loss's -y/p + (1 - y)/(1 - p) cancel to p - y, as softmax + cross-entropy's do.
 */
export function sigmoidBinaryCrossEntropyBackward(dLogits: Floats, probs: Floats, labels: Uint8Array, batch: number): void {
  const scale = 1 / batch;
  for (let n = 0; n < batch; n++) dLogits[n] += (probs[n] - labels[n]) * scale;
}

/**
 * Mean squared error on the probabilities: the mean over the batch of sum_k (p[k] - onehot[k])^2
 * (the Brier score; summed over classes so its scale does not shrink with the class count).
 */
export function mseForward(probs: Floats, labels: Uint8Array, batch: number, classes: number): number {
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    for (let k = 0; k < classes; k++) {
      const diff = probs[row + k] - (k === labels[n] ? 1 : 0);
      total += diff * diff;
    }
  }
  return total / batch;
}
/** Undoes mseForward: d/dp of (p - y)^2 / batch is 2 (p - y) / batch. */
export function mseBackward(dProbs: Floats, probs: Floats, labels: Uint8Array, batch: number, classes: number): void {
  const scale = 2 / batch;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    for (let k = 0; k < classes; k++) {
      dProbs[row + k] += (probs[row + k] - (k === labels[n] ? 1 : 0)) * scale;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Input: pixel bytes -> float rows

/**
 * out is (batch, pixels): row n = images' row order[start + n] (row start + n when order is null),
 * each byte times scale. The product is formed in float64 and rounded once on the store, which is
 * what the wasm engine's bytesToFloats does too, so both engines see identical inputs.
 */
export function bytesToInputs(
  out: Floats, images: Uint8Array, order: Uint32Array | null, start: number, batch: number, pixels: number, scale: number,
): void {
  for (let n = 0; n < batch; n++) {
    const src = (order === null ? start + n : order[start + n]) * pixels;
    const dst = n * pixels;
    for (let p = 0; p < pixels; p++) out[dst + p] = images[src + p] * scale;
  }
}

// ---------------------------------------------------------------------------------------------
// Optimizer kernels (one per OptimizerSpec of model/optimizers.ts)

/** Plain SGD over the flat buffers: params -= lr * grads. */
export function sgdUpdate(params: Floats, grads: Floats, lr: number, n: number): void {
  for (let i = 0; i < n; i++) params[i] -= lr * grads[i];
}
