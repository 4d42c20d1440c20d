/**
 * Transformed batch loads (training-time augmentation) on the fast engine's threads against the
 * reference engine and against the definition (model/transform.ts): the same seed gives the same
 * images bit for bit on every thread count, with or without the workers holding the transform,
 * and a few augmented training steps give identical weights on 1 and 3 threads. The augmentation
 * runs as the engine's native warp (assembly/warp.ts), other transforms through the JS host; both
 * must give data/augment.ts's bytes exactly. Uses the built engine and dist/data/augment.js (npm
 * test builds first).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as augmentTs from '../../../src/data/augment.js';
import { augmentImage, DEFAULT_AUGMENT, inkBox, planAugment, warpImage, type AugmentSettings } from '../../../src/data/augment.js';
import { loadSplit, locateMnist, type MnistSplit } from '../../../src/data/mnist.js';
import type { Dataset } from '../../../src/data/split.js';
import { createReferenceNetwork } from '../../../src/engines/reference/mlp.js';
import type { WasmMlp } from '../../../src/engines/wasm/mlp.js';
import { createWasmNetwork, workerImportUrl } from '../../../src/engines/wasm/node.js';
import { initParams } from '../../../src/model/init.js';
import type { Network, NetworkSpec } from '../../../src/model/network.js';
import * as planTs from '../../../src/engines/wasm/plan.js';
import { imageSeed, type BatchTransform, type ImageTransform } from '../../../src/model/transform.js';
import { Rng } from '../../../src/rng.js';
import { augmentTransform, train } from '../../../src/training/train.js';
import { augmentCases, FILL_AUGMENT, STRONG_AUGMENT } from '../../helpers/augment-cases.js';
import { expectClose, expectIdentical } from '../../helpers/compare.js';

const spec: NetworkSpec = { sizes: [784, 24, 10], activation: 'relu', loss: 'cross-entropy' };
const MAX_BATCH = 40;
const augment = augmentTransform(DEFAULT_AUGMENT);
/** The same transform without its native form: the engine runs it through the JS host (TransformHost). */
const jsOnly: ImageTransform = { ...augment, native: undefined };
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
function expectedInputs(
  images: Uint8Array, order: Uint32Array, start: number, batch: number, seed: number, scale: number, settings: AugmentSettings = DEFAULT_AUGMENT,
): Float32Array {
  const bytes = new Uint8Array(784);
  const out = new Float32Array(batch * 784);
  for (let n = 0; n < batch; n++) {
    augmentImage(bytes, 0, images, order[start + n] * 784, 28, new Rng(imageSeed(seed, start + n)), settings);
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
    // A small array (under four batches) is copied to the source stage batch by batch; the
    // whole test set is kept in the engine's memory and read in place: the same images either way.
    const small = mnist.images.slice(0, 150 * 784);
    const smallOrder = order.filter((i) => i < 150);
    const wantSmall = expectedInputs(small, smallOrder, 10, 37, t.seed, 1 / 255);
    for (const threads of [1, 2, 3]) {
      const net = await fast(threads);
      net.loadBatch(mnist.images, order, 100, 37, 1 / 255, t);
      expectIdentical(net.input.subarray(0, 37 * 784), want, `fast inputs, ${threads} threads`);
      net.loadBatch(small, smallOrder, 10, 37, 1 / 255, t);
      expectIdentical(net.input.subarray(0, 37 * 784), wantSmall, `fast inputs from a staged array, ${threads} threads`);
    }
    // The distortions really happen: the rows are not the plain images.
    const plain = createReferenceNetwork(spec, MAX_BATCH);
    plain.loadBatch(mnist.images, order, 100, 37, 1 / 255);
    expect(Array.from(plain.input.subarray(0, 37 * 784))).not.toEqual(Array.from(want));
  });

  it('agrees through the JS host when the workers lack the transform (the calling thread runs it), and after a change of images or seed', async () => {
    const net = await fast(3, false);
    const withIt = await fast(2);
    const order = shuffled(500, 9);
    const first: Dataset = { count: 500, images: mnist.images.subarray(0, 500 * 784), labels: mnist.labels };
    const second = mnist.images.slice(784 * 1000, 784 * 1500); // another array: the threads get a new source
    for (const [images, seed] of [[first.images, 1], [second, 1], [second, 2], [first.images, 3]] as const) {
      const t: BatchTransform = { transform: jsOnly, seed };
      const want = expectedInputs(images, order, 40, 33, seed, 0.5);
      net.loadBatch(images, order, 40, 33, 0.5, t);
      expectIdentical(net.input.subarray(0, 33 * 784), want, `no worker transform, seed ${seed}`);
      withIt.loadBatch(images, order, 40, 33, 0.5, t);
      expectIdentical(withIt.input.subarray(0, 33 * 784), want, `worker transform, seed ${seed}`);
      // The native warp between two host loads: either path leaves the other's state alone.
      withIt.loadBatch(images, order, 40, 33, 0.5, { transform: augment, seed });
      expectIdentical(withIt.input.subarray(0, 33 * 784), want, `native warp, seed ${seed}`);
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

describe('the native warp (assembly/warp.ts)', () => {
  it('its record layout is data/augment.ts planAugment\'s', () => {
    const js = planTs as unknown as Record<string, number>;
    const data = augmentTs as unknown as Record<string, number>;
    for (const field of ['IA', 'IB', 'IC', 'ID', 'TX', 'TY', 'X0', 'X1', 'Y0', 'Y1', 'INK_X0', 'INK_X1', 'INK_Y0', 'INK_Y1', 'FAINT']) expect(js[`W_${field}`], field).toBe(data[`PLAN_${field}`]);
    expect(planTs.W_PLAN).toBe(augmentTs.AUGMENT_PLAN);
    expect(augment.native?.recordLength).toBe(planTs.W_PLAN);
  });

  it('gives augmentImage\'s bytes on real, border-touching, blank, all-ink and corner images at 1, 2 and 3 threads', async () => {
    const count = 1200;
    const images = augmentCases(mnist.images, count);
    const order = shuffled(count, 21);
    const nets = [await fast(1, false), await fast(2, false), await fast(3, false)];
    for (const settings of [DEFAULT_AUGMENT, FILL_AUGMENT, STRONG_AUGMENT]) {
      const transform = augmentTransform(settings);
      for (let start = 0; start < count; start += MAX_BATCH) {
        const t: BatchTransform = { transform, seed: start * 31 + 5 };
        const want = expectedInputs(images, order, start, MAX_BATCH, t.seed, 1 / 255, settings);
        for (const net of nets) {
          net.loadBatch(images, order, start, MAX_BATCH, 1 / 255, t);
          expectIdentical(net.input.subarray(0, MAX_BATCH * 784), want, `${net.threads} threads, batch at ${start}`);
        }
      }
    }
  });

  it('gives augmentImage\'s bytes on all 10,000 test digits under extreme distortions (half turns, heavy shear, tiny and large scales)', async () => {
    const net = await fast(1, false);
    const extreme: AugmentSettings[] = [
      { maxRotateDeg: 180, maxShear: 2, maxScale: 0.9, maxShift: 14, fillChance: 0.5, faintBelow: 40.5 }, // a level between whole numbers
      { maxRotateDeg: 90, maxShear: 0, maxScale: 0, maxShift: 0.5 },
      { maxRotateDeg: 3, maxShear: 0.05, maxScale: 0.95, maxShift: 3, fillChance: 1, faintBelow: 255 }, // all but full ink dropped
    ];
    const order = Uint32Array.from({ length: mnist.count }, (_, i) => i);
    for (const [v, settings] of extreme.entries()) {
      const t: BatchTransform = { transform: augmentTransform(settings), seed: 100 + v };
      for (let start = 0; start + MAX_BATCH <= mnist.count; start += MAX_BATCH) {
        net.loadBatch(mnist.images, order, start, MAX_BATCH, 1, t);
        expectIdentical(net.input.subarray(0, MAX_BATCH * 784), expectedInputs(mnist.images, order, start, MAX_BATCH, t.seed, 1, settings), `settings ${v}, batch at ${start}`);
      }
    }
  });

  it('gives augmentImage\'s bytes for other sides (1 to 40 pixels), ink away from and against the borders, on 1 and 2 threads', async () => {
    // Side 1 has no room to frame its image (assembly/warp.ts warpScalar); the others are sampled
    // four pixels at a time, framed when their ink touches a border.
    const wide: AugmentSettings = { maxRotateDeg: 30, maxShear: 0.3, maxScale: 0.3, maxShift: 2, fillChance: 0.3, faintBelow: 64 };
    // A single pixel shifted by less than a pixel: its samples are partly ink, some below the faint level.
    const single: AugmentSettings = { ...wide, maxShift: 0.4 };
    const rng = new Rng(17);
    for (const side of [1, 2, 3, 5, 16, 33, 40]) {
      const settings = side === 1 ? single : wide;
      const transform = augmentTransform(settings);
      const pixels = side * side, count = 24;
      const images = new Uint8Array(count * pixels);
      for (let n = 0; n < count; n++) {
        const at = n * pixels;
        if (n % 3 === 0 || side === 1) for (let p = 0; p < pixels; p++) images[at + p] = rng.int(256); // ink everywhere, borders too
        else if (side >= 3) {
          for (let y = 1; y < side - 1; y++) for (let x = 1; x < side - 1; x++) if (rng.uniform() < 0.4) images[at + y * side + x] = 1 + rng.int(255);
        }
      }
      const order = shuffled(count, side);
      const shape: NetworkSpec = { sizes: [pixels, 4, 3], activation: 'relu', loss: 'cross-entropy' };
      for (const threads of [1, 2]) {
        const net = await createWasmNetwork(shape, count, { threads, transforms: [] });
        opened.push(net);
        net.loadBatch(images, order, 0, count, 1, { transform, seed: side });
        const bytes = new Uint8Array(pixels);
        for (let n = 0; n < count; n++) {
          augmentImage(bytes, 0, images, order[n] * pixels, side, new Rng(imageSeed(side, n)), settings);
          expectIdentical(net.input.subarray(n * pixels, (n + 1) * pixels), Float32Array.from(bytes), `side ${side}, ${threads} threads, row ${n}`);
        }
      }
    }
  });

  it('finds the same ink boxes as data/augment.ts inkBox, for MNIST\'s side and others (blank, full, single pixels, random)', async () => {
    const net = await fast(1, false);
    const memory = net.exports.memory.buffer;
    const cases = augmentCases(mnist.images, MAX_BATCH);
    const check = (images: Uint8Array, count: number, side: number) => {
      new Uint8Array(memory, net.layout.warpSrc, count * side * side).set(images.subarray(0, count * side * side));
      net.exports.inkBoxes(net.layout.warpBox, net.layout.warpSrc, count, side);
      const got = new Int32Array(memory, net.layout.warpBox, count);
      for (let n = 0; n < count; n++) expect(got[n], `side ${side}, image ${n}`).toBe(inkBox(images, n * side * side, side));
    };
    check(cases, MAX_BATCH, 28);
    const rng = new Rng(8);
    for (const side of [5, 15, 16, 17, 31, 32, 33, 40]) {
      const count = Math.min(12, Math.floor((MAX_BATCH * 784) / (side * side)));
      const images = new Uint8Array(count * side * side);
      for (let n = 2; n < count; n++) {
        // image 0 blank, image 1 full, the rest a few random pixels (1 to 4) anywhere
        for (let k = 0; k < 1 + (n % 4); k++) images[n * side * side + rng.int(side * side)] = 1 + rng.int(255);
      }
      images.fill(9, side * side, 2 * side * side);
      check(images, count, side);
      expect(inkBox(images, 0, side)).toBe(-1);
    }
  });

  it('never calls the transform\'s fn: the pixels are warped in WebAssembly', async () => {
    const net = await fast(2, false);
    const refuses: ImageTransform = { ...augment, fn: () => { throw new Error('fn was called'); } };
    const order = shuffled(mnist.count, 3);
    net.loadBatch(mnist.images, order, 0, 30, 1, { transform: refuses, seed: 9 });
    expectIdentical(net.input.subarray(0, 30 * 784), expectedInputs(mnist.images, order, 0, 30, 9, 1), 'inputs');
  });

  it('has each thread draw the records of the rows it warps: the built-in augmentation in wasm, another warp in JavaScript when the workers import its drawing export, else draws them first', async () => {
    const drawing = (net: WasmMlp) => new Int32Array(net.exports.memory.buffer, net.layout.plan)[planTs.P_WARP_DRAW];
    expect(augment.native?.planExport).toBe('planAugment');
    expect(augment.native?.builtIn).toBe('augment');
    // The same warp as a transform the engine does not know: only its JavaScript draws the records.
    const unknown: ImageTransform = { ...augment, native: { ...augment.native!, builtIn: undefined } };
    const order = shuffled(mnist.count, 5);
    const withPlans = await fast(3);
    const without = await fast(3, false);
    for (const start of [0, 40, 80]) {
      const want = expectedInputs(mnist.images, order, start, MAX_BATCH, 77, 1 / 255);
      for (const [net, transform, mode, how] of [
        [withPlans, augment, 2, 'in wasm'], [without, augment, 2, 'in wasm, workers without the transform'],
        [withPlans, unknown, 1, 'in JavaScript on the threads'], [without, unknown, 0, 'first'],
      ] as const) {
        net.loadBatch(mnist.images, order, start, MAX_BATCH, 1 / 255, { transform, seed: 77 });
        expect(drawing(net), how).toBe(mode);
        expectIdentical(net.input.subarray(0, MAX_BATCH * 784), want, `drawn ${how}, batch at ${start}`);
      }
    }
  });

  it('draws planAugment\'s records bit for bit in wasm: blank and full images, every fill chance (0, NaN, negative, 1), faint levels, other sides', async () => {
    const settings: AugmentSettings[] = [
      DEFAULT_AUGMENT,
      { maxRotateDeg: 180, maxShear: 2, maxScale: 0.9, maxShift: 14, fillChance: 1, faintBelow: 40.5 },
      { maxRotateDeg: 12, maxShear: 0.25, maxScale: 0.12, maxShift: 2, fillChance: NaN, faintBelow: NaN },
      { maxRotateDeg: 7, maxShear: 0, maxScale: 0, maxShift: 0, fillChance: -1 },
      { maxRotateDeg: 0, maxShear: 0.5, maxScale: 0.5, maxShift: 1, fillChance: 0.5 },
    ];
    for (const side of [28, 5]) {
      const pixels = side * side;
      const shape: NetworkSpec = { sizes: [pixels, 4, 3], activation: 'relu', loss: 'cross-entropy' };
      const images = side === 28 ? augmentCases(mnist.images, 200) : Uint8Array.from({ length: 40 * pixels }, (_, i) => ((i * 37) % 11 < 3 ? 200 : 0));
      const count = images.length / pixels;
      const net = await createWasmNetwork(shape, 40, { threads: 2, transforms: [] });
      opened.push(net);
      const records = new Float64Array(planTs.W_PLAN * 40);
      const rng = new Rng(0);
      for (const [v, s] of settings.entries()) {
        const transform = augmentTransform(s);
        for (let start = 0; start + 40 <= count; start += 40) {
          const order = shuffled(count, start + v);
          const seed = 1000 * v + start - 7;
          net.loadBatch(images, order, start, 40, 1, { transform, seed });
          void net.input; // runs the deferred load, which draws the records
          for (let n = 0; n < 40; n++) {
            rng.reset(imageSeed(seed, start + n));
            planAugment(records, n * planTs.W_PLAN, inkBox(images, order[start + n] * pixels, side), side, rng, s);
          }
          // Bits, so that a NaN setting's NaN and the sign of a zero count too.
          const got = new Uint32Array(net.exports.memory.buffer, net.layout.warpPlan, 2 * planTs.W_PLAN * 40);
          expectIdentical(got, new Uint32Array(records.buffer), `side ${side}, settings ${v}, batch at ${start}`);
        }
      }
    }
  });

  it('a degenerate record (steps infinite or not a number, empty box) samples background, as warpImage, and does not trap', async () => {
    const net = await fast(1, false);
    // The last four numbers: the ink's box, here the whole image (the warp may skip outside it).
    const records = [
      [NaN, 0, 0, 1, 0, 0, 0, 27, 0, 27, 0, 27, 0, 27],
      [Infinity, 0, 0, -Infinity, 0, 0, 0, 27, 0, 27, 0, 27, 0, 27],
      [1e300, 0, 0, 1e300, 0, 0, 3, 20, 5, 25, 0, 27, 0, 27],
      [1, 0, 0, 1, 0, 0, 10, 9, 0, 27, 0, 27, 0, 27],
      [1, 0, 0, 1, 0.5, -0.25, 0, 27, 0, 27, 0, 27, 0, 27],
      [3e6, 1e-9, -1e-9, 2e6, 0.25, 0.5, 0, 27, 0, 27, 0, 27, 0, 27], // huge steps: one pixel per row can see the image
      [1e-12, 0.3, -0.7, 1e-12, 1, 1, 0, 27, 0, 27, 0, 27, 0, 27], // (nearly) no step along a row
      [0, 1, -1, 0, 0, 0, 0, 27, 0, 27, 0, 27, 0, 27], // exactly none: a quarter turn
      [-1, 0, 0, -1, 0, 0, 0, 27, 0, 27, 0, 27, 0, 27], // a half turn: the coordinates fall along rows and columns
    ];
    let k = 0;
    const crafted: ImageTransform = {
      ...augment,
      native: { kind: 'affine', recordLength: planTs.W_PLAN, plan: (record, offset) => record.set(records[k++ % records.length], offset) },
    };
    net.loadBatch(mnist.images, null, 0, records.length, 1, { transform: crafted, seed: 0 });
    const bytes = new Uint8Array(784);
    for (let n = 0; n < records.length; n++) {
      warpImage(bytes, 0, mnist.images, n * 784, 28, Float64Array.from(records[n]), 0);
      expectIdentical(net.input.subarray(n * 784, (n + 1) * 784), Float32Array.from(bytes), `record ${n}`);
    }
  });

  it('augmented training gives the same weights with the native warp as through the JS host, on 1 and 3 threads', async () => {
    const initial = new Float32Array(createReferenceNetwork(spec, 1).params.length);
    initParams(initial, spec, 'he', new Rng(12));
    const set: Dataset = { count: 200, images: augmentCases(mnist.images, 200), labels: mnist.labels.subarray(0, 200) };
    const run = async (net: Network, transform: ImageTransform) => {
      net.importParams(initial);
      await train(net, set, null, {
        epochs: 2, batchSize: 40, lr: 0.1, schedule: 'constant', seed: 6, inputScale: 1 / 255,
        augment: STRONG_AUGMENT, augmentTransform: transform,
      });
      return net.exportParams();
    };
    const strong = augmentTransform(STRONG_AUGMENT);
    const host = await run(await fast(1, false), { ...strong, native: undefined });
    expectIdentical(await run(await fast(1, false), strong), host, 'native, 1 thread');
    expectIdentical(await run(await fast(3, false), strong), host, 'native, 3 threads');
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
