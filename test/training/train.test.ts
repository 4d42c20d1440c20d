import { beforeAll, describe, expect, it } from 'vitest';
import { loadSplit, locateMnist, type MnistSplit } from '../../src/data/mnist.js';
import { Rng } from '../../src/rng.js';
import { DivergedError } from '../../src/errors.js';
import { initParams } from '../../src/model/init.js';
import { createWasmNetwork } from '../../src/engines/wasm/node.js';
import { createReferenceNetwork } from '../../src/engines/reference/mlp.js';
import type { NetworkSpec } from '../../src/model/network.js';
import type { Dataset } from '../../src/data/split.js';
import { classMetrics, evaluate } from '../../src/training/evaluate.js';
import { learningRate, train, type EpochMetrics, type TrainSettings } from '../../src/training/train.js';
import { expectIdentical } from '../helpers/compare.js';

let mnist: MnistSplit;
const slice = (start: number, count: number): Dataset => ({
  count,
  images: mnist.images.subarray(start * 784, (start + count) * 784),
  labels: mnist.labels.subarray(start, start + count),
});
beforeAll(async () => {
  mnist = await loadSplit(locateMnist(), 'test'); // the small file loads fastest; any real digits do
});

const spec: NetworkSpec = { sizes: [784, 32, 10], activation: 'relu', loss: 'cross-entropy' };
const settings: TrainSettings = { epochs: 2, batchSize: 32, lr: 0.1, schedule: 'cosine', seed: 3, inputScale: 1 / 255 };

function setup(seed = settings.seed) {
  const net = createReferenceNetwork(spec, 200);
  initParams(net.params, spec, 'he', new Rng(seed));
  return { net };
}

describe('train', () => {
  it('learns: validation accuracy on real digits climbs well above chance in two short epochs', async () => {
    // The fast engine runs this loop in a fraction of the reference engine's time; the loop is the same.
    const net = await createWasmNetwork(spec, 200, { threads: 2 });
    const initial = new Float32Array(net.params.length);
    initParams(initial, spec, 'he', new Rng(settings.seed));
    net.importParams(initial);
    const epochs: EpochMetrics[] = [];
    const result = await train(net, slice(0, 2000), slice(9000, 1000), settings, {
      epochStart() {}, batchEnd() {}, epochEnd: (m) => epochs.push(m),
    });
    expect(result.interrupted).toBe(false);
    expect(result.steps).toBe(2 * Math.ceil(2000 / 32));
    expect(epochs).toEqual(result.epochs);
    expect(epochs[1].trainLoss).toBeLessThan(epochs[0].trainLoss);
    expect(epochs[1].valAccuracy!).toBeGreaterThan(0.7);
    await net.close();
  });

  it('the same seed and settings give identical weights', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const { net } = setup();
      await train(net, slice(0, 300), null, { ...settings, epochs: 1 });
      runs.push(net.exportParams());
    }
    expectIdentical(runs[1], runs[0], 'weights');
  });

  it('reports every batch with a running loss, and the last partial batch', async () => {
    const { net } = setup();
    const seen: number[][] = [];
    await train(net, slice(0, 70), null, { ...settings, epochs: 1 }, {
      epochStart() {}, epochEnd() {},
      batchEnd: (epoch, batch, batches, loss, images) => seen.push([epoch, batch, batches, images]),
    });
    expect(seen).toEqual([[1, 1, 3, 32], [1, 2, 3, 64], [1, 3, 3, 70]]);
  });

  it('stops with DivergedError naming the epoch and batch when the loss stops being finite', async () => {
    const { net } = setup();
    const run = train(net, slice(0, 500), null, { ...settings, lr: 1e6, schedule: 'constant' });
    await expect(run).rejects.toBeInstanceOf(DivergedError);
    await expect(train(net, slice(0, 500), null, { ...settings, lr: 1e6 })).rejects.toThrow(
      /training diverged: the loss became ([\d.e+]+|NaN|Infinity) at epoch 1, batch \d+\/16; the learning rate 1000000 is too large for this setup\. Try --lr 100000/,
    );
  });

  it('stops between batches when aborted and says it was interrupted', async () => {
    const { net } = setup();
    const controller = new AbortController();
    const result = await train(net, slice(0, 500), null, settings, {
      epochStart() {}, epochEnd() {},
      batchEnd: (_e, batch) => {
        if (batch === 3) controller.abort();
      },
    }, controller.signal);
    expect(result).toMatchObject({ interrupted: true, steps: 3, epochs: [] });
  });
});

describe('learningRate', () => {
  it('is constant, or decays from lr to 0 along half a cosine', () => {
    expect(learningRate({ lr: 0.1, schedule: 'constant' }, 50, 100)).toBe(0.1);
    expect(learningRate({ lr: 0.1, schedule: 'cosine' }, 0, 100)).toBeCloseTo(0.1, 12);
    expect(learningRate({ lr: 0.1, schedule: 'cosine' }, 50, 100)).toBeCloseTo(0.05, 12);
    expect(learningRate({ lr: 0.1, schedule: 'cosine' }, 99, 100)).toBeLessThan(0.0001);
  });
});

describe('evaluate', () => {
  it('counts correct predictions, fills the confusion matrix by true row, and averages the loss', () => {
    const { net } = setup();
    const data = slice(0, 321); // not a multiple of the batch size
    const result = evaluate(net, data, 1 / 255);
    expect(result.total).toBe(321);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(321);
    expect(result.confusion.reduce((s, row, t) => s + row[t], 0)).toBe(result.correct);
    const ones = Array.from(data.labels).filter((l) => l === 1).length;
    expect(result.confusion[1].reduce((a, b) => a + b, 0)).toBe(ones);
    expect(result.loss).toBeGreaterThan(0);
  });

  it('computes precision and recall per class', () => {
    const metrics = classMetrics([
      [8, 2],
      [1, 0],
    ]);
    expect(metrics[0]).toEqual({ digit: 0, precision: 8 / 9, recall: 0.8, support: 10 });
    expect(metrics[1]).toEqual({ digit: 1, precision: 0, recall: 0, support: 1 });
    expect(classMetrics([[0, 0], [0, 3]])[0]).toEqual({ digit: 0, precision: null, recall: null, support: 0 });
  });
});
