// Finite-difference checks of every backward kernel, in float64, against S = sum(out * R) with a
// random R so that a transposed or misplaced gradient cannot pass by symmetry.
import { describe, expect, it } from 'vitest';
import {
  bytesToInputs, denseBackward, denseForward, mseBackward, mseForward, reluBackward, reluForward,
  sgdUpdate, sigmoidBackward, sigmoidForward, softmaxBackward, softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward, softmaxForward, tanhBackward, tanhForward,
} from '../../../src/engines/reference/kernels.js';
import { Rng } from '../../../src/rng.js';
import { argmaxRow } from '../../../src/training/evaluate.js';
import { expectClose } from '../../helpers/compare.js';

const rng = new Rng(7);
const randn = (n: number, scale = 1) => Float64Array.from({ length: n }, () => rng.normal() * scale);

/** Central-difference gradient of f() with respect to every element of x (modified in place, restored). */
function numericGrad(x: Float64Array, f: () => number, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + eps;
    const plus = f();
    x[i] = saved - eps;
    const minus = f();
    x[i] = saved;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('denseForward / denseBackward', () => {
  const batch = 3, inDim = 5, outDim = 4;
  const x = randn(batch * inDim);
  const W = randn(outDim * inDim);
  const b = randn(outDim);
  const R = randn(batch * outDim);
  const out = new Float64Array(batch * outDim);
  const S = () => {
    denseForward(out, x, W, b, batch, inDim, outDim);
    return dot(out, R);
  };

  it('computes x W^T + b', () => {
    denseForward(out, x, W, b, batch, inDim, outDim);
    const n = 2, o = 1;
    let expected = b[o];
    for (let i = 0; i < inDim; i++) expected += x[n * inDim + i] * W[o * inDim + i];
    expect(out[n * outDim + o]).toBeCloseTo(expected, 12);
  });

  it('matches finite differences for x, W and b', () => {
    const dX = new Float64Array(x.length), dW = new Float64Array(W.length), dB = new Float64Array(b.length);
    denseBackward(dX, dW, dB, R, x, W, batch, inDim, outDim);
    expectClose(dX, numericGrad(x, S), { atol: 1e-7, rtol: 1e-6 }, 'dX');
    expectClose(dW, numericGrad(W, S), { atol: 1e-7, rtol: 1e-6 }, 'dW');
    expectClose(dB, numericGrad(b, S), { atol: 1e-7, rtol: 1e-6 }, 'dB');
  });

  it('accumulates into the gradient buffers instead of overwriting them', () => {
    const dW1 = new Float64Array(W.length), dB1 = new Float64Array(b.length);
    denseBackward(null, dW1, dB1, R, x, W, batch, inDim, outDim);
    const dW2 = dW1.slice(), dB2 = dB1.slice();
    denseBackward(null, dW2, dB2, R, x, W, batch, inDim, outDim);
    expectClose(dW2, dW1.map((v) => 2 * v), {}, 'dW twice');
    expectClose(dB2, dB1.map((v) => 2 * v), {}, 'dB twice');
  });
});

describe.each([
  ['relu', reluForward, reluBackward],
  ['sigmoid', sigmoidForward, sigmoidBackward],
  ['tanh', tanhForward, tanhBackward],
] as const)('%s', (name, forward, backward) => {
  it('matches finite differences', () => {
    const n = 12;
    // Keep relu inputs away from the kink at 0, where the derivative does not exist.
    const x = randn(n).map((v) => (name === 'relu' && Math.abs(v) < 0.05 ? v + 0.1 : v));
    const R = randn(n);
    const out = new Float64Array(n);
    const S = () => {
      forward(out, x, n);
      return dot(out, R);
    };
    S();
    const dX = new Float64Array(n);
    backward(dX, R, out, n);
    expectClose(dX, numericGrad(x, S), { atol: 1e-7, rtol: 1e-6 }, `${name} dX`);
  });
});

describe('softmax and losses', () => {
  const batch = 4, classes = 5;
  const labels = Uint8Array.from([0, 3, 4, 2]);

  it('softmax rows sum to 1, even for huge logits', () => {
    const logits = Float64Array.from({ length: batch * classes }, (_, i) => (i % 7) * 300 - 900);
    const probs = new Float64Array(batch * classes);
    softmaxForward(probs, logits, batch, classes);
    for (let n = 0; n < batch; n++) {
      const row = probs.subarray(n * classes, (n + 1) * classes);
      expect(row.every(Number.isFinite)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('softmax backward matches finite differences', () => {
    const logits = randn(batch * classes);
    const R = randn(batch * classes);
    const probs = new Float64Array(batch * classes);
    const S = () => {
      softmaxForward(probs, logits, batch, classes);
      return dot(probs, R);
    };
    S();
    const d = new Float64Array(batch * classes);
    softmaxBackward(d, R, probs, batch, classes);
    expectClose(d, numericGrad(logits, S), { atol: 1e-7, rtol: 1e-6 }, 'dLogits');
  });

  it('fused softmax cross-entropy gives the mean -log p[label] and (p - y) / batch', () => {
    const logits = randn(batch * classes, 2);
    const probs = new Float64Array(batch * classes);
    const L = () => softmaxCrossEntropyForward(probs, logits, labels, batch, classes);
    const loss = L();
    let expected = 0;
    for (let n = 0; n < batch; n++) expected -= Math.log(probs[n * classes + labels[n]]);
    expect(loss).toBeCloseTo(expected / batch, 12);
    const d = new Float64Array(batch * classes);
    softmaxCrossEntropyBackward(d, probs, labels, batch, classes);
    expectClose(d, numericGrad(logits, L), { atol: 1e-7, rtol: 1e-6 }, 'dLogits');
  });

  it('cross-entropy stays finite when the label has probability 0 in float arithmetic', () => {
    const logits = Float64Array.from([1000, 0, 0, 0, 0]);
    const probs = new Float64Array(5);
    const loss = softmaxCrossEntropyForward(probs, logits, Uint8Array.from([1]), 1, 5);
    expect(probs[1]).toBe(0);
    expect(loss).toBeCloseTo(1000, 6);
  });

  it('mse is the mean over the batch of the squared distance to one-hot, and its gradient matches', () => {
    const probs = Float64Array.from(randn(batch * classes).map(Math.abs));
    const loss = () => mseForward(probs, labels, batch, classes);
    let expected = 0;
    for (let n = 0; n < batch; n++) {
      for (let k = 0; k < classes; k++) expected += (probs[n * classes + k] - (k === labels[n] ? 1 : 0)) ** 2;
    }
    expect(loss()).toBeCloseTo(expected / batch, 12);
    const d = new Float64Array(batch * classes);
    mseBackward(d, probs, labels, batch, classes);
    expectClose(d, numericGrad(probs, loss), { atol: 1e-7, rtol: 1e-6 }, 'dProbs');
  });
});

describe('sgdUpdate and argmaxRow', () => {
  it('steps against the gradient by lr', () => {
    const p = Float64Array.from([1, -2, 3]);
    sgdUpdate(p, Float64Array.from([0.5, -1, 0]), 0.1, 3);
    expectClose(p, [0.95, -1.9, 3], { atol: 1e-15 }, 'params');
  });

  it('argmax picks the largest value of the row, the first on ties', () => {
    const v = Float64Array.from([0, 5, 1, 5, 9, 9, 2]);
    expect(argmaxRow(v, 0, 4)).toBe(1);
    expect(argmaxRow(v, 3, 4)).toBe(1);
  });
});
