/**
 * The fast engine's fused plain-SGD step: with plain SGD, backward() leaves the parameter gradients
 * pending and step() computes them block by block with the update applied at once. These tests
 * check that this gives the same weights, bit for bit, as computing every gradient first and then
 * updating (forced here by reading the gradients between backward and step), on 1, 2 and 3
 * threads, and that everything that needs the gradients or overwrites what they are computed from
 * sees them complete. Uses the built wasm (npm run build).
 */

import { describe, expect, it } from 'vitest';
import { ReferenceMlp } from '../../../src/engines/reference/mlp.js';
import { createWasmNetwork } from '../../../src/engines/wasm/node.js';
import type { WasmMlp } from '../../../src/engines/wasm/mlp.js';
import { initParams } from '../../../src/model/init.js';
import type { NetworkSpec } from '../../../src/model/network.js';
import { optimizerSpec } from '../../../src/model/optimizers.js';
import { Rng } from '../../../src/rng.js';
import { expectClose, expectIdentical } from '../../helpers/compare.js';

const MAX_BATCH = 64;
/** Batch sizes the steps cycle through: full, partial, a single row. */
const BATCHES = [64, 64, 37, 1, 64, 29];

/**
 * MNIST-like rows: about 20% of pixels nonzero, every 11th row fully nonzero, every 7th all zero;
 * the first eighth of the pixels is zero in every row, so their weights have a zero gradient in
 * every batch (the fused step skips them). With `dense`, normal values everywhere (layer 0's dense path).
 */
function inputs(rows: number, width: number, rng: Rng, dense: boolean): Float32Array {
  const x = new Float32Array(rows * width);
  const dead = Math.floor(width / 8);
  for (let n = 0; n < rows; n++) {
    for (let i = 0; i < width; i++) {
      let v = 0;
      if (dense) v = rng.normal();
      else if (i < dead) v = 0;
      else if (n % 11 === 5) v = 0.05 + rng.uniform();
      else if (n % 7 !== 3 && rng.uniform() < 0.2) v = rng.uniform();
      x[n * width + i] = v;
    }
  }
  return x;
}

function startParams(spec: NetworkSpec, seed: number): Float32Array {
  const p = new Float32Array(new ReferenceMlp(spec, 1).params.length);
  initParams(p, spec, spec.activation === 'relu' ? 'he' : 'xavier', new Rng(seed));
  return p;
}

/** Room for every pixel's column masks and values (gatherColumns) past the engine's memory. */
function columnRoom(net: WasmMlp): { masks: number; vals: number } {
  const memory = net.exports.memory;
  const masks = memory.buffer.byteLength;
  const bytes = 784 * (net.layout.maskStride + 4 * MAX_BATCH);
  memory.grow(Math.ceil(bytes / 65536));
  return { masks, vals: masks + 784 * net.layout.maskStride };
}

/** The float32 values' bit patterns, so that +0 and -0 differ. */
function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

interface Run {
  threads: number;
  /** false: read the gradients after each backward, so step() runs the separate update pass. */
  fused: boolean;
  /** The network's keepGrads (false: the fused steps use the gradients up; the last ones are not returned). */
  keepGrads?: boolean;
  dense?: boolean;
  steps?: number;
  lr?: number;
  /** Edits the starting parameters (engine order) after importParams. */
  edit?: (net: WasmMlp) => void;
}

/** Trains `steps` steps from fixed parameters and data; returns the final parameters and the last gradients. */
async function train(spec: NetworkSpec, run: Run): Promise<{ params: Float32Array; grads: Float32Array | null }> {
  const net = await createWasmNetwork(spec, MAX_BATCH, { threads: run.threads, keepGrads: run.keepGrads });
  try {
    net.importParams(startParams(spec, 3));
    run.edit?.(net);
    const rng = new Rng(4);
    const drop = new Rng(5);
    const classes = spec.sizes[spec.sizes.length - 1];
    const labels = new Uint8Array(MAX_BATCH);
    for (let step = 0; step < (run.steps ?? 12); step++) {
      const batch = BATCHES[step % BATCHES.length];
      net.input.set(inputs(MAX_BATCH, spec.sizes[0], rng, run.dense ?? false));
      for (let n = 0; n < MAX_BATCH; n++) labels[n] = rng.int(classes);
      net.forward(batch, (spec.dropout ?? 0) > 0 ? drop : null);
      net.backward(labels, batch);
      if (!run.fused) net.exportGrads();
      net.step(run.lr ?? 0.3);
    }
    return { params: net.exportParams(), grads: run.keepGrads === false ? null : net.exportGrads() };
  } finally {
    await net.close();
  }
}

const SPECS: { name: string; spec: NetworkSpec; dense?: boolean }[] = [
  { name: '784-128-10 relu', spec: { sizes: [784, 128, 10], activation: 'relu', loss: 'cross-entropy' } },
  { name: '784-72-30-10 tanh', spec: { sizes: [784, 72, 30, 10], activation: 'tanh', loss: 'cross-entropy' } },
  { name: '784-37-10 sigmoid, mse (column tiles of 32, 4 and 1)', spec: { sizes: [784, 37, 10], activation: 'sigmoid', loss: 'mse' } },
  { name: '784-40-24-10 relu, dropout 0.3', spec: { sizes: [784, 40, 24, 10], activation: 'relu', loss: 'cross-entropy', dropout: 0.3 } },
  { name: '784-40-10 relu on dense input (layer 0 dense path)', spec: { sizes: [784, 40, 10], activation: 'relu', loss: 'cross-entropy' }, dense: true },
  { name: '50-21-3 tanh (column tiles of 16, 4 and 1)', spec: { sizes: [50, 21, 3], activation: 'tanh', loss: 'cross-entropy' } },
];

describe.each(SPECS)('fused plain SGD, $name', ({ spec, dense }) => {
  it('12 fused steps give the weights and gradients of separate steps bit for bit, on 1, 2 and 3 threads', async () => {
    const separate = await train(spec, { threads: 1, fused: false, dense });
    for (const threads of [1, 2, 3]) {
      const fused = await train(spec, { threads, fused: true, dense });
      expectIdentical(bits(fused.params), bits(separate.params), `weights, fused on ${threads} thread(s) vs separate on 1`);
      expectIdentical(bits(fused.grads!), bits(separate.grads!), `last gradients, fused on ${threads} thread(s) vs separate on 1`);
    }
  });

  it('with keepGrads false (steps that use the gradients up) the weights are still those of separate steps, bit for bit', async () => {
    const separate = await train(spec, { threads: 1, fused: false, dense });
    for (const threads of [1, 2]) {
      const usedUp = await train(spec, { threads, fused: true, dense, keepGrads: false });
      expectIdentical(bits(usedUp.params), bits(separate.params), `weights, keepGrads false on ${threads} thread(s) vs separate on 1`);
    }
  });
});

describe('fused plain SGD, edge cases', () => {
  const spec: NetworkSpec = { sizes: [784, 37, 10], activation: 'relu', loss: 'cross-entropy' };

  /** Sets to -0 the weights of the pixels no row lights (inputs' first eighth), in engine order (W0T rows). */
  function negativeZeros(net: WasmMlp): void {
    const out0 = spec.sizes[1];
    net.params.fill(-0, 0, Math.floor(784 / 8) * out0);
  }

  it.each([0.3, -0.3])('unlit pixels keep their -0 weights exactly as the separate update does (lr %d)', async (lr) => {
    // lr * +0 is -0 for a negative lr, and -0 - -0 is +0: the fused step must not skip those weights then.
    const separate = await train(spec, { threads: 2, fused: false, steps: 3, lr, edit: negativeZeros });
    const fused = await train(spec, { threads: 2, fused: true, steps: 3, lr, edit: negativeZeros });
    expectIdentical(bits(fused.params), bits(separate.params), `weights after 3 steps with lr ${lr}`);
    expect(Object.is(separate.params[0], lr > 0 ? -0 : 0)).toBe(true);
  });

  it('backward leaves the parameter gradients to step(), and reading them completes them', async () => {
    const net = await createWasmNetwork(spec, MAX_BATCH, { threads: 2 });
    try {
      const ref = new ReferenceMlp(spec, MAX_BATCH);
      const p = startParams(spec, 7);
      const rng = new Rng(8);
      const labels = new Uint8Array(MAX_BATCH).map(() => rng.int(10));
      const x = inputs(MAX_BATCH, 784, rng, false);
      for (const n of [net, ref] as const) {
        n.importParams(p);
        n.input.set(x);
        n.forward(MAX_BATCH);
        n.backward(labels, MAX_BATCH);
      }
      // The raw buffer, past the grads getter: nothing was computed into it yet.
      const raw = new Float32Array(net.exports.memory.buffer, net.layout.grads, net.layout.paramCount);
      expect(raw.every((v) => v === 0)).toBe(true);
      const gRef = ref.exportGrads();
      let max = 0;
      for (const v of gRef) max = Math.max(max, Math.abs(v));
      expectClose(net.exportGrads(), gRef, { atol: 2e-5 * max, rtol: 1e-4 }, 'gradients read between backward and step');
      expect(raw.some((v) => v !== 0)).toBe(true);
      // The step after reading them is the separate pass, and still the reference's step.
      net.step(0.5);
      ref.step(0.5);
      expectClose(net.exportParams(), ref.exportParams(), { atol: 1e-6, rtol: 1e-4 }, 'parameters after the step');
    } finally {
      await net.close();
    }
  });

  it('keepGrads false: the step stores no layer-0 weight gradient, reading the gradients after it throws, before it works', async () => {
    const net = await createWasmNetwork(spec, MAX_BATCH, { threads: 2, keepGrads: false });
    const kept = await createWasmNetwork(spec, MAX_BATCH, { threads: 2 });
    try {
      const rng = new Rng(20);
      const labels = new Uint8Array(MAX_BATCH).map(() => rng.int(10));
      const x = inputs(MAX_BATCH, 784, rng, false);
      for (const n of [net, kept]) {
        n.importParams(startParams(spec, 19));
        n.input.set(x);
        n.forward(MAX_BATCH);
        n.backward(labels, MAX_BATCH);
      }
      kept.step(0.5);
      net.step(0.5);
      // The raw layer-0 weight gradient, past the grads getter: never written.
      const rawW0 = new Float32Array(net.exports.memory.buffer, net.layout.grads, 784 * spec.sizes[1]);
      expect(rawW0.every((v) => v === 0)).toBe(true);
      expectIdentical(bits(net.exportParams()), bits(kept.exportParams()), 'weights after the step');
      expect(() => net.exportGrads()).toThrow(/used up by step\(\).*keepGrads: false/);
      expect(() => net.grads).toThrow(/read them between backward\(\) and step\(\)/);
      // After the next backward they are there again, complete, until its step.
      for (const n of [net, kept]) {
        n.forward(MAX_BATCH);
        n.backward(labels, MAX_BATCH);
      }
      expectIdentical(bits(net.exportGrads()), bits(kept.exportGrads()), 'gradients read between backward and step');
    } finally {
      await net.close();
      await kept.close();
    }
  });

  it('layer 0\'s weight gradient, cut into column blocks and row ranges on 2 threads, has the bits of one pass over all of it', async () => {
    const net = await createWasmNetwork(spec, MAX_BATCH, { threads: 2 });
    try {
      const rng = new Rng(21);
      const labels = new Uint8Array(MAX_BATCH).map(() => rng.int(10));
      net.importParams(startParams(spec, 22));
      net.input.set(inputs(MAX_BATCH, 784, rng, false));
      net.forward(MAX_BATCH);
      net.backward(labels, MAX_BATCH);
      const out0 = spec.sizes[1];
      const L = net.layout;
      const dW0T = new Float32Array(net.exports.memory.buffer, L.grads, 784 * out0);
      net.exportGrads(); // reading the gradients runs the parameter phase, chunk by chunk
      const phase = dW0T.slice();
      expect(phase.some((v) => v !== 0)).toBe(true);
      dW0T.fill(Number.NaN);
      // Every pixel's columns at once, in memory grown past the engine's (the chunks gather 49 at a time).
      const { masks, vals } = columnRoom(net);
      const xValid = L.chunkNnz + 4 * Math.ceil(MAX_BATCH / 8);
      net.exports.gatherColumns(masks, vals, 0, 784, MAX_BATCH, MAX_BATCH, L.maskStride, L.input, 784, L.rowBytes, xValid, 1);
      net.exports.sparseWeightGrad(L.grads, L.layers[0].dZ, 0, out0, 0, 784, out0, MAX_BATCH, masks, L.maskStride, vals, MAX_BATCH);
      expectIdentical(bits(phase), bits(dW0T.slice()), 'dW0T: the phase\'s chunks vs one kernel call over every row and column');
    } finally {
      await net.close();
    }
  });

  it('an evaluation forward or a new input between backward and step does not change the step', async () => {
    async function stepWithForwardBetween(fused: boolean): Promise<Float32Array> {
      const net = await createWasmNetwork({ ...spec, dropout: 0.4 }, MAX_BATCH, { threads: 2 });
      try {
        net.importParams(startParams(spec, 9));
        const rng = new Rng(10);
        const labels = new Uint8Array(MAX_BATCH).map(() => rng.int(10));
        net.input.set(inputs(MAX_BATCH, 784, rng, false));
        net.forward(MAX_BATCH, new Rng(11)); // dropping: layer 1 reads h = a * mask
        net.backward(labels, MAX_BATCH);
        if (!fused) net.exportGrads();
        net.forward(MAX_BATCH); // evaluation: no mask, new activations
        net.input.set(inputs(MAX_BATCH, 784, rng, false));
        net.forward(17);
        net.step(0.5);
        return net.exportParams();
      } finally {
        await net.close();
      }
    }
    expectIdentical(bits(await stepWithForwardBetween(true)), bits(await stepWithForwardBetween(false)), 'weights');
  });

  it('new input rows written between backward and step do not change the step (layer 0 dense path reads them)', async () => {
    async function stepWithInputBetween(fused: boolean): Promise<Float32Array> {
      const net = await createWasmNetwork(spec, MAX_BATCH, { threads: 2 });
      try {
        net.importParams(startParams(spec, 16));
        const rng = new Rng(17);
        const labels = new Uint8Array(MAX_BATCH).map(() => rng.int(10));
        net.input.set(inputs(MAX_BATCH, 784, rng, true));
        net.forward(MAX_BATCH);
        net.backward(labels, MAX_BATCH);
        if (!fused) net.exportGrads();
        net.input.set(inputs(MAX_BATCH, 784, rng, true));
        net.step(0.5);
        return net.exportParams();
      } finally {
        await net.close();
      }
    }
    expectIdentical(bits(await stepWithInputBetween(true)), bits(await stepWithInputBetween(false)), 'weights');
  });

  it('the gradients stay readable and complete after close', async () => {
    const net = await createWasmNetwork(spec, 8, { threads: 2 });
    net.importParams(startParams(spec, 12));
    net.input.set(inputs(8, 784, new Rng(13), false));
    net.forward(8);
    net.backward(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 8);
    await net.close();
    const closed = net.exportGrads();
    const open = await createWasmNetwork(spec, 8, { threads: 1 });
    try {
      open.importParams(startParams(spec, 12));
      open.input.set(inputs(8, 784, new Rng(13), false));
      open.forward(8);
      open.backward(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 8);
      expectIdentical(bits(closed), bits(open.exportGrads()), 'gradients after close');
    } finally {
      await open.close();
    }
  });

  it('momentum and weight decay (not fused) still step from complete gradients', async () => {
    for (const optimizer of [optimizerSpec('momentum', { momentum: 0.9 }), optimizerSpec('sgd', { weightDecay: 0.01 })]) {
      const net = await createWasmNetwork(spec, MAX_BATCH, { threads: 2, optimizer });
      try {
        const ref = new ReferenceMlp(spec, MAX_BATCH, optimizer);
        const p = startParams(spec, 14);
        net.importParams(p);
        ref.importParams(p);
        const rng = new Rng(15);
        for (let step = 0; step < 3; step++) {
          const x = inputs(MAX_BATCH, 784, rng, false);
          const labels = new Uint8Array(MAX_BATCH).map(() => rng.int(10));
          for (const n of [net, ref] as const) {
            n.input.set(x);
            n.forward(MAX_BATCH);
            n.backward(labels, MAX_BATCH);
            n.step(0.1);
          }
        }
        expectClose(net.exportParams(), ref.exportParams(), { atol: 1e-6, rtol: 1e-4 }, `${optimizer.name} parameters after 3 steps`);
      } finally {
        await net.close();
      }
    }
  });
});
