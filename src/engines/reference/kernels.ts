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
 *
 * With label smoothing e (PyTorch's CrossEntropyLoss(label_smoothing=e), Szegedy et al. 2016,
 * https://arxiv.org/abs/1512.00567) the target is q = (1 - e) onehot + e / classes instead of the
 * one-hot row, and a row's loss is -sum_k q[k] log p[k] = log(sum e^(z-max)) - sum_k q[k] (z[k]-max).
 */
export function softmaxCrossEntropyForward(
  probs: Floats, logits: Floats, labels: Uint8Array, batch: number, classes: number, smoothing = 0,
): number {
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    const max = rowMax(logits, row, classes);
    const logSum = softmaxRow(probs, logits, row, classes, max);
    if (smoothing === 0) {
      total += logSum - (logits[row + labels[n]] - max);
    } else {
      let dot = 0; // sum_k q[k] (z[k] - max)
      for (let k = 0; k < classes; k++) dot += smoothedTarget(k, labels[n], classes, smoothing) * (logits[row + k] - max);
      total += logSum - dot;
    }
  }
  return total / batch;
}

/** q[k] of label smoothing: 1 - e + e / classes for the label, e / classes elsewhere (1 and 0 when e = 0). */
export function smoothedTarget(k: number, label: number, classes: number, smoothing: number): number {
  return k === label ? 1 - smoothing + smoothing / classes : smoothing / classes;
}

/**
 * Undoes the fused forward: d(mean loss)/d logits = (probs - q) / batch, q the one-hot row or its
 * smoothed version. The softmax Jacobian and the log's 1/p cancel because q sums to 1, which is why
 * the two are fused (the `dZ = A - Y` of the tutorials).
 */
export function softmaxCrossEntropyBackward(
  dLogits: Floats, probs: Floats, labels: Uint8Array, batch: number, classes: number, smoothing = 0,
): void {
  const scale = 1 / batch;
  for (let n = 0; n < batch; n++) {
    const row = n * classes;
    for (let k = 0; k < classes; k++) {
      const target = smoothedTarget(k, labels[n], classes, smoothing);
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
// Optimizer kernels (one per rule of model/optimizers.ts). SGD and momentum form every product and
// sum in float64 and round once when stored (parameters and state are float32 in training); a
// later line reads the stored, rounded value, as PyTorch's in-place float32 updates do. Adam works
// in float32 throughout (see adamUpdate). The wasm engine's assembly/optim.ts performs exactly
// these operations, so the two agree bit for bit.

/** Plain SGD over the flat buffers: params -= lr * grads. */
export function sgdUpdate(params: Floats, grads: Floats, lr: number, n: number): void {
  for (let i = 0; i < n; i++) params[i] -= lr * grads[i];
}

/** SGD with L2 weight decay (torch.optim.SGD, momentum 0): params -= lr * (grads + l2 * params). */
export function sgdL2Update(params: Floats, grads: Floats, lr: number, l2: number, n: number): void {
  for (let i = 0; i < n; i++) params[i] -= lr * (grads[i] + l2 * params[i]);
}

/**
 * Heavy-ball momentum, or Nesterov's, as torch.optim.SGD(momentum=mu, dampening=0) defines them:
 *   g = grads + l2 params;  v = mu v + g;  params -= lr v            (nesterov false)
 *                                          params -= lr (g + mu v)   (nesterov true)
 * v starts at 0, so the first step's v is g, as PyTorch's buffer initialised to the gradient.
 */
export function momentumUpdate(
  params: Floats, velocity: Floats, grads: Floats, lr: number, mu: number, l2: number, nesterov: boolean, n: number,
): void {
  for (let i = 0; i < n; i++) {
    const g = grads[i] + l2 * params[i];
    velocity[i] = mu * velocity[i] + g;
    params[i] -= lr * (nesterov ? g + mu * velocity[i] : velocity[i]);
  }
}

/**
 * Adam and AdamW (torch.optim.Adam / AdamW). With the scalars of model/optimizers.ts stepScalars():
 *   params *= decay                      (AdamW's decoupled decay: 1 - lr wd; 1 for Adam)
 *   g = grads + l2 params                (Adam's L2: wd; 0 for AdamW)
 *   m = b1 m + (1 - b1) g;   s = b2 s + (1 - b2) g^2
 *   params -= stepSize m / (sqrt(s) / bc2Sqrt + eps)   stepSize = lr / (1 - b1^t), bc2Sqrt = sqrt(1 - b2^t)
 * eps goes after the bias correction of sqrt(s), where PyTorch puts it (the paper's eps-hat form).
 * Unlike the rules above, every operation here is a float32 operation (each result rounded with
 * fround; a float64 result of float32 operands rounds to exactly the float32 result), in the
 * order of PyTorch's in-place float32 calls: it needs a square root and a division per weight, and
 * in float32 the wasm engine does them four lanes at a time.
 */
export function adamUpdate(
  params: Floats, m: Floats, s: Floats, grads: Floats,
  decay: number, l2: number, b1: number, b2: number, eps: number, stepSize: number, bc2Sqrt: number, n: number,
): void {
  const f = Math.fround;
  // Each scalar rounded to float32 once per call, as the in-place float32 calls see them.
  const D = f(decay), L2 = f(l2), B1 = f(b1), C1 = f(1 - b1), B2 = f(b2), C2 = f(1 - b2);
  const EPS = f(eps), STEP = f(stepSize), BC = f(bc2Sqrt);
  for (let i = 0; i < n; i++) {
    let p = f(params[i]);
    if (D !== 1) p = f(p * D); //                        param.mul_(1 - lr * wd)
    const g = f(f(grads[i]) + f(L2 * p)); //             grad.add(param, alpha=wd)
    const mm = f(f(B1 * f(m[i])) + f(C1 * g)); //        exp_avg.mul_(b1).add_(grad, alpha=1-b1)
    const ss = f(f(B2 * f(s[i])) + f(f(C2 * g) * g)); // exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1-b2)
    const denom = f(f(f(Math.sqrt(ss)) / BC) + EPS); //  (exp_avg_sq.sqrt() / bc2Sqrt).add_(eps)
    m[i] = mm;
    s[i] = ss;
    params[i] = f(p - f(STEP * f(mm / denom))); //       param.addcdiv_(exp_avg, denom, value=-stepSize)
  }
}
