// The binary output: one sigmoid unit with binary cross-entropy. The fused kernel against the
// textbook formula and finite differences, whole small networks' gradients against finite
// differences for every hidden activation, evaluation's 2x2 confusion, and engine selection.
import { describe, expect, it } from 'vitest';
import { createNetwork } from '../../../src/engines/index.js';
import { sigmoidBinaryCrossEntropyBackward, sigmoidBinaryCrossEntropyForward } from '../../../src/engines/reference/kernels.js';
import { createReferenceNetwork, ReferenceMlp } from '../../../src/engines/reference/mlp.js';
import { initParams } from '../../../src/model/init.js';
import { ACTIVATIONS, BINARY_LOSS, outputOf, type NetworkSpec } from '../../../src/model/network.js';
import { SGD } from '../../../src/model/optimizers.js';
import { Rng } from '../../../src/rng.js';
import { evaluate } from '../../../src/training/evaluate.js';
import { expectClose } from '../../helpers/compare.js';
import { expectNetworkGradients } from '../../helpers/gradcheck.js';

describe('sigmoid + binary cross-entropy kernel', () => {
  it('computes -[y log p + (1 - y) log(1 - p)] with p = sigmoid(z), and stays finite for large logits', () => {
    const logits = Float64Array.from([-3, -0.5, 0, 0.7, 2.5, 4]);
    const labels = Uint8Array.from([0, 1, 1, 0, 1, 0]);
    const probs = new Float64Array(6);
    const loss = sigmoidBinaryCrossEntropyForward(probs, logits, labels, 6);
    let expected = 0;
    logits.forEach((z, n) => {
      const p = 1 / (1 + Math.exp(-z));
      expect(probs[n]).toBeCloseTo(p, 15);
      expected += -(labels[n] * Math.log(p) + (1 - labels[n]) * Math.log(1 - p));
    });
    expect(loss).toBeCloseTo(expected / 6, 14);
    // log(1 - sigmoid(60)) is log(0) in floating point; the fused form gives the true value, 60.
    const far = sigmoidBinaryCrossEntropyForward(new Float64Array(2), Float64Array.from([60, -60]), Uint8Array.from([0, 1]), 2);
    expect(far).toBeCloseTo(60, 10);
  });

  it('has the gradient of finite differences with respect to the logits, accumulated', () => {
    const logits = Float64Array.from([-2.2, -0.3, 0.4, 1.9]);
    const labels = Uint8Array.from([1, 0, 1, 0]);
    const probs = new Float64Array(4);
    sigmoidBinaryCrossEntropyForward(probs, logits, labels, 4);
    const dLogits = Float64Array.from([1, 1, 1, 1]); // backward adds to what is there
    sigmoidBinaryCrossEntropyBackward(dLogits, probs, labels, 4);
    const eps = 1e-6;
    const numeric = Array.from(logits, (z, i) => {
      const plus = logits.slice(); plus[i] = z + eps;
      const minus = logits.slice(); minus[i] = z - eps;
      const f = (x: Float64Array) => sigmoidBinaryCrossEntropyForward(new Float64Array(4), x, labels, 4);
      return 1 + (f(plus) - f(minus)) / (2 * eps);
    });
    expectClose(dLogits, Float64Array.from(numeric), { atol: 1e-9, rtol: 1e-7 }, 'dLogits');
  });
});

function makeNet64(spec: NetworkSpec, batch: number, seed = 3) {
  const net = new ReferenceMlp(spec, batch, SGD, Float64Array);
  const rng = new Rng(seed);
  const initial = new Float32Array(net.params.length);
  initParams(initial, spec, spec.activation === 'relu' ? 'he' : 'xavier', rng);
  net.importParams(initial);
  for (let i = 0; i < net.params.length; i++) net.params[i] += rng.normal() * 0.05; // biases away from 0
  for (let i = 0; i < net.input.length; i++) net.input[i] = rng.uniform() * 2 - 1;
  return net;
}

describe.each(ACTIVATIONS)('a 2-5-4-1 binary network with %s', (activation) => {
  it('has gradients that match finite differences (float64)', () => {
    const spec: NetworkSpec = { sizes: [2, 5, 4, 1], activation, loss: BINARY_LOSS };
    const batch = 4;
    const labels = Uint8Array.from([0, 1, 1, 0]);
    expectNetworkGradients(makeNet64(spec, batch), labels, batch, { eps: 1e-6, tolerance: { atol: 1e-9, rtol: 1e-7 }, what: `${activation} binary grads` });
  });
});

describe('binary networks', () => {
  it('output one probability per row, P(label 1)', () => {
    const spec: NetworkSpec = { sizes: [2, 3, 1], activation: 'tanh', loss: BINARY_LOSS };
    expect(outputOf(spec)).toBe('sigmoid');
    const net = createReferenceNetwork(spec, 5);
    net.importParams(new Float32Array(net.params.length)); // all zero: p = sigmoid(0)
    expect(Array.from(net.forward(5))).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it('refuse an output layer that does not fit the loss', () => {
    expect(() => createReferenceNetwork({ sizes: [2, 3, 2], activation: 'relu', loss: BINARY_LOSS }, 1)).toThrow(/binary cross-entropy needs one output unit/);
    expect(() => createReferenceNetwork({ sizes: [2, 3, 1], activation: 'relu', loss: 'cross-entropy' }, 1)).toThrow(/softmax output needs at least two classes/);
  });

  it('are evaluated as two classes, answering 1 when p >= 0.5', () => {
    // A 1-1 network p = sigmoid(-x + 2), inputs = bytes (scale 1): x = 0 and 1 read as 1, x = 2
    // is exactly p = 0.5 and reads as 1 too, x = 3 and 5 read as 0.
    const net = createReferenceNetwork({ sizes: [1, 1], activation: 'relu', loss: BINARY_LOSS }, 4);
    net.importParams(Float32Array.from([-1, 2]));
    const data = { count: 5, images: Uint8Array.from([0, 1, 2, 3, 5]), labels: Uint8Array.from([1, 0, 1, 0, 1]) };
    const record = { predicted: new Uint8Array(5), confidence: new Float32Array(5) };
    const result = evaluate(net, data, 1, record);
    expect(Array.from(record.predicted)).toEqual([1, 1, 1, 0, 0]);
    // Rows: true 0 -> [answered 0, answered 1]; true 1 -> [0, 1].
    expect(result.confusion).toEqual([[1, 1], [1, 2]]);
    expect(result.correct).toBe(3);
    expect(record.confidence[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6); // p for an answer of 1
    expect(record.confidence[4]).toBeCloseTo(1 - 1 / (1 + Math.exp(3)), 6); // 1 - p for an answer of 0
  });

  it('run on the reference engine, with a notice when the fast one was asked for', async () => {
    const spec: NetworkSpec = { sizes: [2, 16, 1], activation: 'tanh', loss: BINARY_LOSS };
    const notices: string[] = [];
    const { engine } = await createNetwork(spec, 8, { engine: 'auto', notice: (l) => notices.push(l) });
    expect(engine).toBe('reference');
    expect(notices).toEqual(['note: the fast engine has no sigmoid output (binary cross-entropy); using the reference engine']);
    await expect(createNetwork(spec, 8, { engine: 'fast', notice: () => {} })).rejects.toThrow(/--engine fast has no sigmoid output/);
  });
});
