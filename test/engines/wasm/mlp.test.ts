/**
 * The fast (wasm SIMD, multi-thread) engine against the reference engine: probabilities, loss,
 * every gradient and several SGD steps agree to float32 tolerance for each activation and loss,
 * odd sizes, a partial batch and batch 1, deeper nets, and sparse input with all-zero and dense
 * rows; plus determinism, thread-count independence, batch loading and the SGD step. Uses the
 * built wasm and worker (npm test builds first).
 */

import { existsSync, readdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sgdUpdate } from '../../../src/engines/reference/kernels.js';
import { Rng } from '../../../src/rng.js';
import { createWasmNetwork, WASM_URL, WORKER_URL } from '../../../src/engines/wasm/node.js';
import { L_W, P_HEADER, P_LAYER_SLOTS } from '../../../src/engines/wasm/plan.js';
import type { WasmMlp } from '../../../src/engines/wasm/mlp.js';

type FastNetwork = WasmMlp;
import { initParams } from '../../../src/model/init.js';
import { ReferenceMlp } from '../../../src/engines/reference/mlp.js';
import type { Activation, Loss, Network, NetworkSpec } from '../../../src/model/network.js';
import { expectClose, expectIdentical } from '../../helpers/compare.js';

const MAX_BATCH = 64;

/** Fails fast with the fix when the wasm or the worker were built before their sources last changed. */
beforeAll(() => {
  const mtime = (url: URL) => (existsSync(url) ? statSync(url).mtimeMs : 0);
  const filesIn = (dir: URL, prefix = '') =>
    readdirSync(dir).filter((f) => f.startsWith(prefix) && /\.(ts|json)$/.test(f)).map((f) => new URL(f, dir));
  // The .wasm is built from assembly/ alone (and is left untouched when assembly/ is unchanged:
  // scripts/build-wasm.mjs), the worker from src/engines/wasm/: each against its own sources.
  const newer = [
    ...filesIn(new URL('../../../assembly/', import.meta.url)).filter((f) => mtime(f) > mtime(WASM_URL)),
    ...filesIn(new URL('../../../src/engines/wasm/', import.meta.url)).filter((f) => mtime(f) > mtime(WORKER_URL)),
  ];
  if (newer.length > 0) {
    throw new Error(`the built engine in dist/ is missing or older than ${newer[0].pathname}: run \`npm run build\``);
  }
});

/**
 * MNIST-like rows: about 20% nonzero pixels in [0, 1], except that every 7th row is all zero and
 * every 11th row is fully nonzero (so the sparse kernels meet empty and full lists).
 */
function sparseInputs(rows: number, width: number, rng: Rng): Float32Array {
  const x = new Float32Array(rows * width);
  for (let n = 0; n < rows; n++) {
    for (let i = 0; i < width; i++) {
      let v = 0;
      if (n % 11 === 5) v = 0.05 + rng.uniform();
      else if (n % 7 !== 3 && rng.uniform() < 0.2) v = rng.uniform();
      x[n * width + i] = v;
    }
  }
  return x;
}

/** Dense inputs with both signs (as after mean/std normalisation): layer 0 takes its dense path. */
function denseInputs(rows: number, width: number, rng: Rng): Float32Array {
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}

function randomLabels(rows: number, classes: number, rng: Rng): Uint8Array {
  const labels = new Uint8Array(rows);
  for (let n = 0; n < rows; n++) labels[n] = rng.int(classes);
  return labels;
}

function initialParams(spec: NetworkSpec, seed: number): Float32Array {
  const ref = new ReferenceMlp(spec, 1);
  initParams(ref.params, spec, spec.activation === 'relu' ? 'he' : 'xavier', new Rng(seed));
  // Biases start at zero; give them values so a transposition or offset bug in them shows.
  const rng = new Rng(seed + 1);
  let offset = 0;
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    offset += spec.sizes[l] * spec.sizes[l + 1];
    for (let o = 0; o < spec.sizes[l + 1]; o++) ref.params[offset + o] = 0.1 * rng.normal();
    offset += spec.sizes[l + 1];
  }
  return ref.params.slice();
}

/** Relative-to-scale tolerance: float32 sums of a few hundred terms vs the reference's float64 sums. */
function scaled(values: Float32Array, rtol = 1e-4): { atol: number; rtol: number } {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  return { atol: 2e-5 * max + 1e-12, rtol };
}

interface Case {
  sizes: number[];
  activation: Activation;
  loss: Loss;
  threads: number;
}

const CASES: Case[] = [
  { sizes: [784, 128, 10], activation: 'relu', loss: 'cross-entropy', threads: 2 },
  { sizes: [784, 37, 10], activation: 'sigmoid', loss: 'cross-entropy', threads: 2 },
  { sizes: [784, 64, 10], activation: 'sigmoid', loss: 'mse', threads: 2 },
  { sizes: [784, 100, 37, 10], activation: 'tanh', loss: 'mse', threads: 2 },
  { sizes: [784, 21, 13, 10], activation: 'relu', loss: 'mse', threads: 3 },
  { sizes: [50, 7, 3], activation: 'tanh', loss: 'cross-entropy', threads: 1 },
  { sizes: [784, 10], activation: 'relu', loss: 'cross-entropy', threads: 2 },
  { sizes: [3, 5, 2], activation: 'sigmoid', loss: 'mse', threads: 2 },
];

describe.each(CASES)('fast engine $sizes $activation $loss, $threads thread(s)', (c) => {
  const spec: NetworkSpec = { sizes: c.sizes, activation: c.activation, loss: c.loss };
  const classes = c.sizes[c.sizes.length - 1];
  let fast: FastNetwork;
  let ref: ReferenceMlp;
  let inputs: Float32Array;
  let labels: Uint8Array;

  beforeAll(async () => {
    fast = await createWasmNetwork(spec, MAX_BATCH, { threads: c.threads });
    ref = new ReferenceMlp(spec, MAX_BATCH);
    const rng = new Rng(7);
    inputs = sparseInputs(MAX_BATCH, c.sizes[0], rng);
    labels = randomLabels(MAX_BATCH, classes, rng);
  });
  afterAll(async () => {
    await fast?.close();
  });

  function load(nets: Network[], x: Float32Array): void {
    const params = initialParams(spec, 3);
    for (const net of nets) {
      net.importParams(params);
      net.input.set(x);
    }
  }

  it.each([MAX_BATCH, 37, 1])('batch %i: probabilities, loss and every gradient match the reference', (batch) => {
    load([fast, ref], inputs);
    const pFast = fast.forward(batch).slice();
    const pRef = ref.forward(batch).slice();
    expect(pFast.length).toBe(batch * classes);
    expectClose(pFast, pRef, { atol: 1e-6, rtol: 1e-5 }, 'probabilities');
    expect(fast.loss(labels, batch)).toBeCloseTo(ref.loss(labels, batch), 5);
    fast.backward(labels, batch);
    ref.backward(labels, batch);
    const gRef = ref.exportGrads();
    expectClose(fast.exportGrads(), gRef, scaled(gRef), 'gradients');
  });

  it('five SGD steps (Network.step) match the reference', () => {
    load([fast, ref], inputs);
    for (let step = 0; step < 5; step++) {
      const batch = step === 4 ? 29 : MAX_BATCH; // the last batch of an epoch is often partial
      for (const net of [fast, ref]) {
        net.forward(batch);
        net.backward(labels, batch);
        net.step(0.5);
      }
    }
    const pRef = ref.exportParams();
    expectClose(fast.exportParams(), pRef, { atol: 1e-6, rtol: 1e-4 }, 'parameters after 5 steps');
  });
});

describe('fast engine, sparse and dense first layer', () => {
  it('dense inputs (no zeros) take the dense path and still match the reference', async () => {
    const spec: NetworkSpec = { sizes: [784, 40, 10], activation: 'relu', loss: 'cross-entropy' };
    const fast = await createWasmNetwork(spec, MAX_BATCH, { threads: 2 });
    try {
      const ref = new ReferenceMlp(spec, MAX_BATCH);
      const rng = new Rng(11);
      const x = denseInputs(MAX_BATCH, 784, rng);
      const labels = randomLabels(MAX_BATCH, 10, rng);
      const params = initialParams(spec, 5);
      for (const net of [fast, ref]) {
        net.importParams(params);
        net.input.set(x);
      }
      for (const batch of [MAX_BATCH, 3]) {
        expectClose(fast.forward(batch).slice(), ref.forward(batch).slice(), { atol: 1e-6, rtol: 1e-5 }, 'probabilities');
        fast.backward(labels, batch);
        ref.backward(labels, batch);
        const gRef = ref.exportGrads();
        expectClose(fast.exportGrads(), gRef, scaled(gRef), 'gradients');
      }
    } finally {
      await fast.close();
    }
  });

  it('byte batches whose row chunks are dense, sparse or mixed match the reference (inputs scanned from the bytes)', async () => {
    // loadBatch leaves x unwritten for sparse row chunks (their nonzeros are listed straight from
    // the bytes); dense chunks are converted for the dense kernel. A batch mixing both must take the
    // sparse weight gradient, one of dense chunks only the dense one; both must match the reference.
    const spec: NetworkSpec = { sizes: [784, 40, 10], activation: 'relu', loss: 'cross-entropy' };
    const rng = new Rng(12);
    const rows = 24;
    const images = new Uint8Array(rows * 784);
    for (let n = 0; n < rows; n++) {
      const dense = n < 8 || n >= 16;
      for (let p = 0; p < 784; p++) images[n * 784 + p] = dense ? 1 + Math.floor(rng.uniform() * 255) : rng.uniform() < 0.2 ? Math.floor(rng.uniform() * 256) : 0;
    }
    const labels = randomLabels(rows, 10, rng);
    const params = initialParams(spec, 6);
    for (const threads of [1, 2]) {
      const fast = await createWasmNetwork(spec, MAX_BATCH, { threads });
      try {
        const ref = new ReferenceMlp(spec, MAX_BATCH);
        for (const [start, batch] of [[0, rows], [0, 8], [8, 8], [4, 17]]) {
          for (const net of [fast, ref]) {
            net.importParams(params);
            net.loadBatch(images, null, start, batch, 1 / 255);
          }
          expectClose(fast.forward(batch).slice(), ref.forward(batch).slice(), { atol: 1e-6, rtol: 1e-5 }, `probabilities, rows ${start}+${batch}`);
          fast.backward(labels.subarray(start), batch);
          ref.backward(labels.subarray(start), batch);
          const gRef = ref.exportGrads();
          expectClose(fast.exportGrads(), gRef, scaled(gRef), `gradients, rows ${start}+${batch}, ${threads} thread(s)`);
          expectIdentical(fast.input.subarray(0, batch * 784), ref.input.subarray(0, batch * 784), 'inputs read back after the scan');
        }
      } finally {
        await fast.close();
      }
    }
  });

  it('a dataset kept in the engine memory and batches copied to the stage load the same rows as the reference', async () => {
    // An array of more than four batches is copied into the wasm memory once and read in place;
    // a smaller one is copied batch by batch. Alternating the two, by order and by consecutive rows.
    const spec: NetworkSpec = { sizes: [784, 24, 10], activation: 'relu', loss: 'cross-entropy' };
    const rng = new Rng(13);
    const dataset = new Uint8Array(100 * 784);
    for (let k = 0; k < dataset.length; k++) dataset[k] = rng.uniform() < 0.2 ? Math.floor(rng.uniform() * 256) : 0;
    const small = dataset.slice(0, 30 * 784);
    const order = Uint32Array.from({ length: 100 }, (_, i) => i);
    rng.shuffle(order);
    const labels = randomLabels(100, 10, rng);
    const params = initialParams(spec, 8);
    for (const threads of [1, 3]) {
      const fast = await createWasmNetwork(spec, 16, { threads });
      try {
        const ref = new ReferenceMlp(spec, 16);
        const loads: [Uint8Array, Uint32Array | null, number, number][] = [
          [dataset, order, 0, 16], [small, null, 3, 16], [dataset, null, 84, 16], [dataset, order, 90, 10], [small, order.subarray(0, 30).map((i) => i % 30), 5, 7],
        ];
        for (const [images, rows, start, batch] of loads) {
          for (const net of [fast, ref]) {
            net.importParams(params);
            net.loadBatch(images, rows, start, batch, 1 / 255);
          }
          const rowLabels = Uint8Array.from({ length: batch }, (_, n) => labels[rows === null ? start + n : rows[start + n]]);
          expectClose(fast.forward(batch).slice(), ref.forward(batch).slice(), { atol: 1e-6, rtol: 1e-5 }, `probabilities, ${threads} thread(s)`);
          fast.backward(rowLabels, batch);
          ref.backward(rowLabels, batch);
          const gRef = ref.exportGrads();
          expectClose(fast.exportGrads(), gRef, scaled(gRef), `gradients, ${threads} thread(s)`);
          expectIdentical(fast.input.subarray(0, batch * 784), ref.input.subarray(0, batch * 784), 'inputs read back');
        }
      } finally {
        await fast.close();
      }
    }
  });

  it('all-zero input rows give the bias-only output and no first-layer weight gradient', async () => {
    const spec: NetworkSpec = { sizes: [784, 16, 10], activation: 'relu', loss: 'cross-entropy' };
    const fast = await createWasmNetwork(spec, 8, { threads: 2 });
    try {
      const ref = new ReferenceMlp(spec, 8);
      const params = initialParams(spec, 9);
      fast.importParams(params);
      ref.importParams(params);
      const labels = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
      expectClose(fast.forward(8).slice(), ref.forward(8).slice(), { atol: 1e-6, rtol: 1e-5 }, 'probabilities');
      fast.backward(labels, 8);
      ref.backward(labels, 8);
      const g = fast.exportGrads();
      expect(g.subarray(0, 784 * 16).every((v) => v === 0)).toBe(true);
      expectClose(g, ref.exportGrads(), scaled(ref.exportGrads()), 'gradients');
    } finally {
      await fast.close();
    }
  });
});

describe('fast engine determinism and threads', () => {
  const spec: NetworkSpec = { sizes: [784, 72, 30, 10], activation: 'relu', loss: 'cross-entropy' };

  async function trainedParams(threads: number): Promise<Float32Array> {
    const net = await createWasmNetwork(spec, MAX_BATCH, { threads });
    try {
      net.importParams(initialParams(spec, 21));
      const rng = new Rng(22);
      for (let step = 0; step < 4; step++) {
        net.input.set(sparseInputs(MAX_BATCH, 784, rng));
        const labels = randomLabels(MAX_BATCH, 10, rng);
        net.forward(MAX_BATCH);
        net.backward(labels, MAX_BATCH);
        net.step(0.1);
      }
      return net.exportParams();
    } finally {
      await net.close();
    }
  }

  it('the same seed and thread count give bit-identical weights', async () => {
    expectIdentical(await trainedParams(2), await trainedParams(2), 'weights of two runs');
  });

  it('1, 2 and 3 threads give bit-identical weights (every sum runs in row order whatever the split)', async () => {
    const one = await trainedParams(1);
    expectIdentical(await trainedParams(2), one, 'weights, 2 threads vs 1');
    expectIdentical(await trainedParams(3), one, 'weights, 3 threads vs 1');
  });
});

describe('fast engine batch loading, SGD step and parameter order', () => {
  const spec: NetworkSpec = { sizes: [784, 12, 10], activation: 'tanh', loss: 'cross-entropy' };
  let fast: FastNetwork;
  beforeAll(async () => {
    fast = await createWasmNetwork(spec, 16, { threads: 2 });
  });
  afterAll(async () => {
    await fast?.close();
  });

  it('exportParams returns what importParams took (canonical order), while params holds layer 0 transposed', () => {
    const p = initialParams(spec, 31);
    fast.importParams(p);
    expectIdentical(fast.exportParams(), p, 'round trip');
    // Canonical W0[o, i] sits at o * 784 + i; the engine keeps it at i * 12 + o.
    expect(fast.params[5 * 12 + 3]).toBe(p[3 * 784 + 5]);
    expect(() => fast.importParams(new Float32Array(3))).toThrow(/expected/);
  });

  it('step with SGD is sgdUpdate bit for bit', () => {
    const rng = new Rng(41);
    const p = initialParams(spec, 41);
    const g = new Float32Array(p.length);
    for (let i = 0; i < g.length; i++) g[i] = rng.normal() * 0.01;
    fast.importParams(p);
    fast.grads.set(g); // engine order; the elementwise update does not care
    const expected = fast.params.slice();
    sgdUpdate(expected, g, 0.1234, expected.length);
    fast.step(0.1234);
    expectIdentical(fast.params, expected, 'parameters after one step');
  });

  it('loadBatch writes exactly what the reference engine writes, for every byte value', () => {
    const images = new Uint8Array(20 * 784);
    for (let i = 0; i < images.length; i++) images[i] = (i * 37 + (i >> 8)) & 255;
    const order = new Uint32Array([19, 3, 7, 0, 12, 5, 5, 18, 1, 2, 4, 6, 8, 9, 10, 11, 13, 14, 15, 16]);
    const ref = new ReferenceMlp(spec, 16);
    ref.loadBatch(images, order, 4, 13, 1 / 255);
    fast.loadBatch(images, order, 4, 13, 1 / 255);
    expectIdentical(fast.input.subarray(0, 13 * 784), ref.input.subarray(0, 13 * 784), 'shuffled batch');
    ref.loadBatch(images, null, 3, 16, 0.5 / 255);
    fast.loadBatch(images, null, 3, 16, 0.5 / 255);
    expectIdentical(fast.input, ref.input, 'consecutive batch');
    expect(() => fast.loadBatch(images, Uint32Array.from([3, 20]), 0, 2, 1)).toThrow(/order\[1\] = 20 is not an image index/);
  });

  it('rejects a batch outside 1..maxBatch', () => {
    expect(() => fast.forward(0)).toThrow(RangeError);
    expect(() => fast.forward(17)).toThrow(RangeError);
  });

  it('a trap in the kernels (here: a corrupted weight address) throws instead of hanging, and sticks', async () => {
    const net = await createWasmNetwork(spec, 16, { threads: 2 });
    try {
      net.forward(16);
      new Int32Array(net.exports.memory.buffer, net.layout.plan)[P_HEADER + P_LAYER_SLOTS + L_W] = 0x7ffffff0;
      expect(() => net.forward(16)).toThrow(/out of bounds/);
      expect(() => net.forward(16)).toThrow(/out of bounds/);
    } finally {
      await net.close();
    }
  });

  it('close() ends the workers and the network refuses further work', async () => {
    const net = await createWasmNetwork(spec, 4, { threads: 2 });
    await net.close();
    expect(() => net.forward(1)).toThrow(/closed/);
  });
});
