/**
 * Inverted dropout in both engines: whole-network gradients with a fixed mask against finite
 * differences (float64 reference), the mask reproducible from its seed, evaluation unmasked, and
 * the fast engine agreeing with the reference (and with itself across thread counts) with dropout
 * on. Uses the built wasm (npm test builds first).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT } from '../../src/data/augment.js';
import { ReferenceMlp } from '../../src/engines/reference/mlp.js';
import { createWasmNetwork } from '../../src/engines/wasm/node.js';
import type { WasmMlp } from '../../src/engines/wasm/mlp.js';
import { drawDropoutMask } from '../../src/model/dropout.js';
import { initParams } from '../../src/model/init.js';
import { ACTIVATIONS, type Network, type NetworkSpec } from '../../src/model/network.js';
import { SGD } from '../../src/model/optimizers.js';
import { imageSeed, type BatchTransform } from '../../src/model/transform.js';
import { Rng } from '../../src/rng.js';
import { augmentTransform } from '../../src/training/train.js';
import { expectClose, expectIdentical } from '../helpers/compare.js';
import { expectNetworkGradients } from '../helpers/gradcheck.js';

function params(spec: NetworkSpec, seed: number): Float32Array {
  const net = new ReferenceMlp(spec, 1);
  initParams(net.params, spec, spec.activation === 'relu' ? 'he' : 'xavier', new Rng(seed));
  const rng = new Rng(seed + 1);
  for (let i = 0; i < net.params.length; i++) if (net.params[i] === 0) net.params[i] = 0.1 * rng.normal(); // biases
  return net.params.slice();
}

/** MNIST-like rows: about a quarter of the pixels nonzero. */
function inputs(rows: number, width: number, rng: Rng): Float32Array {
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() < 0.25 ? rng.uniform() : 0;
  return x;
}

function labelsFor(rows: number, classes: number, rng: Rng): Uint8Array {
  return Uint8Array.from({ length: rows }, () => rng.int(classes));
}

describe('the dropout mask', () => {
  it('is reproducible from the seed, holds only 0 and 1/(1-p), and drops about p of the units', () => {
    const a = new Float32Array(20000);
    const b = new Float32Array(20000);
    drawDropoutMask(a, a.length, 0.3, new Rng(5));
    drawDropoutMask(b, b.length, 0.3, new Rng(5));
    expectIdentical(a, b, 'masks from the same seed');
    const keep = Math.fround(1 / 0.7);
    expect(a.every((v) => v === 0 || v === keep)).toBe(true);
    const dropped = a.filter((v) => v === 0).length / a.length;
    expect(dropped).toBeGreaterThan(0.28);
    expect(dropped).toBeLessThan(0.32);
    drawDropoutMask(b, b.length, 0.3, new Rng(6));
    expect(b.some((v, i) => v !== a[i])).toBe(true);
  });

  it('a training forward from the same generator state drops the same units in both engines', async () => {
    const spec: NetworkSpec = { sizes: [784, 24, 16, 10], activation: 'relu', loss: 'cross-entropy', dropout: 0.5 };
    const fast = await createWasmNetwork(spec, 16, { threads: 2 });
    try {
      const ref = new ReferenceMlp(spec, 16);
      const x = inputs(16, 784, new Rng(1));
      for (const net of [fast, ref]) {
        net.importParams(params(spec, 2));
        net.input.set(x);
      }
      expectClose(fast.forward(16, new Rng(9)).slice(), ref.forward(16, new Rng(9)).slice(), { atol: 1e-6, rtol: 1e-5 }, 'probabilities');
      const p1 = ref.forward(16, new Rng(9)).slice();
      expectIdentical(ref.forward(16, new Rng(9)).slice(), p1, 'same generator state, same output');
      expect(ref.forward(16, new Rng(10)).some((v, i) => v !== p1[i])).toBe(true);
    } finally {
      await fast.close();
    }
  });
});

describe.each(ACTIVATIONS)('a 4-7-6-3 %s network with dropout 0.4', (activation) => {
  it('has gradients (through a fixed mask) that match finite differences in float64', () => {
    const spec: NetworkSpec = { sizes: [4, 7, 6, 3], activation, loss: 'cross-entropy', dropout: 0.4 };
    const batch = 3;
    const labels = Uint8Array.from([0, 2, 1]);
    const net = new ReferenceMlp(spec, batch, SGD, Float64Array);
    net.importParams(params(spec, 3));
    const rng = new Rng(4);
    for (let i = 0; i < net.input.length; i++) net.input[i] = rng.uniform();
    const analytic = expectNetworkGradients(net, labels, batch, {
      eps: 1e-6, tolerance: { atol: 1e-9, rtol: 1e-7 }, what: `${activation} grads with dropout`,
      // The same generator seed every call: the same mask, so the loss is a smooth function of the weights.
      dropout: () => new Rng(77),
    });
    // The mask really drops: some hidden unit gets no gradient into its incoming weights.
    const firstLayer = analytic.subarray(0, 4 * 7);
    expect(firstLayer.some((g) => g === 0)).toBe(true);
  });
});

describe('evaluation with a dropout network', () => {
  it.each(['reference', 'fast'] as const)('uses no mask in the %s engine: the same outputs as the network without dropout', async (engine) => {
    const base: NetworkSpec = { sizes: [784, 20, 12, 10], activation: 'tanh', loss: 'cross-entropy' };
    const make = (spec: NetworkSpec): Promise<Network> =>
      engine === 'reference' ? Promise.resolve(new ReferenceMlp(spec, 8)) : createWasmNetwork(spec, 8, { threads: 2 });
    const plain = await make(base);
    const dropped = await make({ ...base, dropout: 0.5 });
    try {
      const x = inputs(8, 784, new Rng(3));
      for (const net of [plain, dropped]) {
        net.importParams(params(base, 5));
        net.input.set(x);
      }
      dropped.forward(8, new Rng(1)); // a training forward first: its mask must not linger
      expectIdentical(dropped.forward(8).slice(), plain.forward(8).slice(), 'evaluation probabilities');
    } finally {
      await plain.close();
      await dropped.close();
    }
  });
});

describe('fast engine with dropout against the reference', () => {
  const spec: NetworkSpec = { sizes: [784, 40, 24, 10], activation: 'relu', loss: 'cross-entropy', dropout: 0.3 };
  let fast: WasmMlp;
  beforeAll(async () => {
    fast = await createWasmNetwork(spec, 32, { threads: 2 });
  });
  afterAll(async () => {
    await fast?.close();
  });

  it('gives the same gradients for the same mask, and the same weights after five steps', () => {
    const ref = new ReferenceMlp(spec, 32);
    const dataRng = new Rng(11);
    const x = inputs(32, 784, dataRng);
    const labels = labelsFor(32, 10, dataRng);
    for (const net of [fast, ref]) {
      net.importParams(params(spec, 12));
      net.input.set(x);
    }
    fast.forward(32, new Rng(13));
    ref.forward(32, new Rng(13));
    fast.backward(labels, 32);
    ref.backward(labels, 32);
    const gRef = ref.exportGrads();
    const max = gRef.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expectClose(fast.exportGrads(), gRef, { atol: 2e-5 * max, rtol: 1e-4 }, 'gradients with dropout');

    const fastRng = new Rng(14);
    const refRng = new Rng(14);
    for (let step = 0; step < 5; step++) {
      const batch = step === 4 ? 19 : 32;
      fast.forward(batch, fastRng);
      ref.forward(batch, refRng);
      fast.backward(labels, batch);
      ref.backward(labels, batch);
      fast.step(0.3);
      ref.step(0.3);
    }
    expectClose(fast.exportParams(), ref.exportParams(), { atol: 1e-6, rtol: 1e-4 }, 'parameters after 5 steps with dropout');
  });

  it('1 and 3 threads give bit-identical weights with dropout on', async () => {
    const run = async (threads: number) => {
      const net = await createWasmNetwork(spec, 32, { threads });
      try {
        net.importParams(params(spec, 15));
        const rng = new Rng(16);
        const drop = new Rng(17);
        for (let step = 0; step < 3; step++) {
          net.input.set(inputs(32, 784, rng));
          net.forward(32, drop);
          net.backward(labelsFor(32, 10, rng), 32);
          net.step(0.2);
        }
        return net.exportParams();
      } finally {
        await net.close();
      }
    };
    expectIdentical(await run(3), await run(1), 'weights, 3 threads vs 1, dropout 0.3');
  });
});

describe('dropout when the fast engine fuses the batch load with the forward pass', () => {
  // loadBatch followed by forward runs as one command (CMD_LOAD_FORWARD, or CMD_LOAD_TRANSFORM_FORWARD
  // with augmentation): the masks drawn for that forward must apply there exactly as in the reference.
  const spec: NetworkSpec = { sizes: [784, 32, 16, 10], activation: 'relu', loss: 'cross-entropy', dropout: 0.3 };
  const augment = augmentTransform(DEFAULT_AUGMENT);
  const rows = 48;
  const dataRng = new Rng(21);
  const images = Uint8Array.from({ length: rows * 784 }, () => (dataRng.uniform() < 0.2 ? dataRng.int(256) : 0));
  const labels = labelsFor(rows, 10, dataRng);
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  new Rng(22).shuffle(order);

  it.each([
    ['plain loads (CMD_LOAD_FORWARD)', false],
    ['augmented loads (CMD_LOAD_TRANSFORM_FORWARD)', true],
  ] as const)('%s: the same weights as the reference, and as the unfused load then forward', async (_, augmented) => {
    const transform: BatchTransform | null = augmented ? { transform: augment, seed: imageSeed(7, 1) } : null;
    const run = async (net: Network, fused: boolean) => {
      net.importParams(params(spec, 23));
      const drop = new Rng(24);
      const batchLabels = new Uint8Array(24);
      let first: Float32Array | null = null;
      for (let step = 0; step < 4; step++) {
        const start = (step % 2) * 24;
        net.loadBatch(images, order, start, 24, 1 / 255, transform);
        if (!fused) void net.input; // completes the load on its own: forward then runs alone
        const probs = net.forward(24, drop);
        first ??= probs.slice();
        for (let n = 0; n < 24; n++) batchLabels[n] = labels[order[start + n]];
        net.backward(batchLabels, 24);
        net.step(0.2);
      }
      return { first: first!, params: net.exportParams() };
    };
    const make = () => createWasmNetwork(spec, 24, { threads: 2, transforms: [augment] });
    const fused = await make();
    const unfused = await make();
    try {
      const ref = await run(new ReferenceMlp(spec, 24), true);
      const a = await run(fused, true);
      const b = await run(unfused, false);
      expectIdentical(a.params, b.params, 'fused vs unfused load + forward, dropout 0.3');
      expectClose(a.first, ref.first, { atol: 1e-6, rtol: 1e-5 }, 'first probabilities with dropout');
      expectClose(a.params, ref.params, { atol: 1e-6, rtol: 1e-4 }, 'parameters after 4 steps with dropout');
      // The mask really applied on the fused path: without the generator the output differs.
      fused.importParams(params(spec, 23));
      fused.loadBatch(images, order, 0, 24, 1 / 255, transform);
      const undropped = fused.forward(24).slice();
      expect(undropped.some((v, i) => Math.abs(v - ref.first[i]) > 1e-3)).toBe(true);
    } finally {
      await fused.close();
      await unfused.close();
    }
  });
});
