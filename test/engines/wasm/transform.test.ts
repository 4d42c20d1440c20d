/**
 * Transformed batch loads (training-time augmentation) on the fast engine's threads against the
 * reference engine and against the definition (model/transform.ts): the same seed gives the same
 * images bit for bit on every thread count, with or without the workers holding the transform,
 * and a few augmented training steps give identical weights on 1 and 3 threads. Uses the built
 * engine and dist/data/augment.js (npm test builds first).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { augmentImage, DEFAULT_AUGMENT } from '../../../src/data/augment.js';
import { loadSplit, locateMnist, type MnistSplit } from '../../../src/data/mnist.js';
import type { Dataset } from '../../../src/data/split.js';
import { createReferenceNetwork } from '../../../src/engines/reference/mlp.js';
import type { WasmMlp } from '../../../src/engines/wasm/mlp.js';
import { createWasmNetwork, workerImportUrl } from '../../../src/engines/wasm/node.js';
import { initParams } from '../../../src/model/init.js';
import type { Network, NetworkSpec } from '../../../src/model/network.js';
import { imageSeed, type BatchTransform } from '../../../src/model/transform.js';
import { Rng } from '../../../src/rng.js';
import { augmentTransform, train } from '../../../src/training/train.js';
import { expectClose, expectIdentical } from '../../helpers/compare.js';

const spec: NetworkSpec = { sizes: [784, 24, 10], activation: 'relu', loss: 'cross-entropy' };
const MAX_BATCH = 40;
const augment = augmentTransform(DEFAULT_AUGMENT);
let mnist: MnistSplit;
const opened: WasmMlp[] = [];

beforeAll(async () => {
  mnist = await loadSplit(locateMnist(), 'test');
});
afterAll(async () => {
  await Promise.all(opened.map((n) => n.close()));
});

async function fast(threads: number, withTransforms = true): Promise<WasmMlp> {
  const net = await createWasmNetwork(spec, MAX_BATCH, { threads, transforms: withTransforms ? [augment] : [] });
  opened.push(net);
  return net;
}

/** The definition, written out: row n is augmentImage of image order[start + n] with a generator seeded by (seed, start + n). */
function expectedInputs(images: Uint8Array, order: Uint32Array, start: number, batch: number, seed: number, scale: number): Float32Array {
  const bytes = new Uint8Array(784);
  const out = new Float32Array(batch * 784);
  for (let n = 0; n < batch; n++) {
    augmentImage(bytes, 0, images, order[start + n] * 784, 28, new Rng(imageSeed(seed, start + n)), DEFAULT_AUGMENT);
    for (let p = 0; p < 784; p++) out[n * 784 + p] = bytes[p] * scale;
  }
  return out;
}

function shuffled(count: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  new Rng(seed).shuffle(order);
  return order;
}

describe('transformed loadBatch', () => {
  it('gives the same augmented images on the reference engine and the fast engine at 1, 2 and 3 threads', async () => {
    const order = shuffled(mnist.count, 5);
    const t: BatchTransform = { transform: augment, seed: 0xdeadbeef };
    const want = expectedInputs(mnist.images, order, 100, 37, t.seed, 1 / 255);
    const ref = createReferenceNetwork(spec, MAX_BATCH);
    ref.loadBatch(mnist.images, order, 100, 37, 1 / 255, t);
    expectIdentical(ref.input.subarray(0, 37 * 784), want, 'reference inputs');
    for (const threads of [1, 2, 3]) {
      const net = await fast(threads);
      net.loadBatch(mnist.images, order, 100, 37, 1 / 255, t);
      expectIdentical(net.input.subarray(0, 37 * 784), want, `fast inputs, ${threads} threads`);
    }
    // The distortions really happen: the rows are not the plain images.
    const plain = createReferenceNetwork(spec, MAX_BATCH);
    plain.loadBatch(mnist.images, order, 100, 37, 1 / 255);
    expect(Array.from(plain.input.subarray(0, 37 * 784))).not.toEqual(Array.from(want));
  });

  it('agrees when the workers lack the transform (the calling thread runs it), and after a change of images or seed', async () => {
    const net = await fast(3, false);
    const withIt = await fast(2);
    const order = shuffled(500, 9);
    const first: Dataset = { count: 500, images: mnist.images.subarray(0, 500 * 784), labels: mnist.labels };
    const second = mnist.images.slice(784 * 1000, 784 * 1500); // another array: the threads get a new source
    for (const [images, seed] of [[first.images, 1], [second, 1], [second, 2], [first.images, 3]] as const) {
      const t: BatchTransform = { transform: augment, seed };
      const want = expectedInputs(images, order, 40, 33, seed, 0.5);
      net.loadBatch(images, order, 40, 33, 0.5, t);
      expectIdentical(net.input.subarray(0, 33 * 784), want, `no worker transform, seed ${seed}`);
      withIt.loadBatch(images, order, 40, 33, 0.5, t);
      expectIdentical(withIt.input.subarray(0, 33 * 784), want, `worker transform, seed ${seed}`);
    }
  });

  it('augmented training gives identical weights on 1 and 3 threads, and follows the reference engine', async () => {
    const initial = new Float32Array(createReferenceNetwork(spec, 1).params.length);
    initParams(initial, spec, 'he', new Rng(11));
    const set: Dataset = { count: 300, images: mnist.images.subarray(0, 300 * 784), labels: mnist.labels.subarray(0, 300) };
    const settings = {
      epochs: 2, batchSize: 32, lr: 0.1, schedule: 'constant' as const, seed: 4, inputScale: 1 / 255,
      augment: DEFAULT_AUGMENT, augmentTransform: augment,
    };
    const run = async (net: Network) => {
      net.importParams(initial);
      await train(net, set, null, settings);
      return net.exportParams();
    };
    const one = await run(await fast(1));
    const three = await run(await fast(3));
    expectIdentical(three, one, 'weights, 3 threads vs 1');
    expectClose(one, await run(createReferenceNetwork(spec, MAX_BATCH)), { atol: 1e-4, rtol: 1e-3 }, 'weights, fast vs reference');
  });
});

describe('deferred loads (the fast engine converts a batch in the same phase as its forward)', () => {
  it('give the same probabilities as the reference, whether or not the inputs are read in between', async () => {
    const order = shuffled(mnist.count, 13);
    const ref = createReferenceNetwork(spec, MAX_BATCH);
    const initial = new Float32Array(ref.params.length);
    initParams(initial, spec, 'he', new Rng(2));
    ref.importParams(initial);
    const net = await fast(2);
    net.importParams(initial);
    for (const t of [null, { transform: augment, seed: 7 }]) {
      ref.loadBatch(mnist.images, order, 3, 29, 1 / 255, t);
      const want = ref.forward(29).slice();
      net.loadBatch(mnist.images, order, 3, 29, 1 / 255, t);
      expectClose(net.forward(29), want, {}, 'load then forward');
      net.loadBatch(mnist.images, order, 3, 29, 1 / 255, t);
      expectIdentical(net.input.subarray(0, 29 * 784), ref.input.subarray(0, 29 * 784), 'inputs read before forward');
      expectClose(net.forward(29), want, {}, 'load, read, forward');
      // A forward of fewer rows than were loaded still sees the loaded rows.
      net.loadBatch(mnist.images, order, 3, 29, 1 / 255, t);
      expectClose(net.forward(5), want.subarray(0, 50), {}, 'load 29, forward 5');
    }
  });
});

describe('zero-byte blocks (skipped by the nonzero scan)', () => {
  it('load as exactly 0 * scale, signed zeros included, and the forward still matches the reference', async () => {
    const order = shuffled(mnist.count, 17);
    const ref = createReferenceNetwork(spec, MAX_BATCH);
    const initial = new Float32Array(ref.params.length);
    initParams(initial, spec, 'he', new Rng(5));
    ref.importParams(initial);
    const net = await fast(2);
    net.importParams(initial);
    for (const scale of [1 / 255, -1 / 255]) {
      ref.loadBatch(mnist.images, order, 0, 40, scale);
      const want = ref.forward(40).slice();
      net.loadBatch(mnist.images, order, 0, 40, scale);
      expectClose(net.forward(40), want, {}, `forward, scale ${scale}`);
      net.loadBatch(mnist.images, order, 0, 40, scale);
      const got = net.input.subarray(0, 40 * 784);
      const expected = ref.input.subarray(0, 40 * 784);
      for (let k = 0; k < got.length; k++) {
        if (!Object.is(got[k], expected[k])) throw new Error(`input ${k}: ${Object.is(got[k], -0) ? '-0' : got[k]} vs ${Object.is(expected[k], -0) ? '-0' : expected[k]}`);
      }
    }
  });
});

describe('imageSeed and Rng.reset', () => {
  it('reset restarts a generator exactly as a new one with that seed', () => {
    const a = new Rng(1);
    a.normal();
    a.reset(77);
    const b = new Rng(77);
    for (let i = 0; i < 5; i++) expect(a.nextUint32()).toBe(b.nextUint32());
    expect(a.normal()).toBe(b.normal());
  });

  it('gives different seeds for neighbouring positions and batch seeds', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 20; s++) for (let p = 0; p < 200; p++) seen.add(imageSeed(s, p));
    expect(seen.size).toBe(20 * 200);
  });

  it('workers import a transform written in TypeScript from the build', () => {
    expect(workerImportUrl('file:///x/src/data/augment.ts')).toBe('file:///x/dist/data/augment.js');
    expect(workerImportUrl('file:///x/dist/data/augment.js')).toBe('file:///x/dist/data/augment.js');
  });
});
