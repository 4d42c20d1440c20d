/**
 * Resuming and early stopping in the training loop, on a small slice of real MNIST with the fast
 * engine: a run stopped (at an epoch boundary, or between two batches by its AbortSignal) and
 * resumed from its TrainState ends with the same weights, bit for bit, as one uninterrupted run,
 * with augmentation and dropout on; early stopping keeps the best epoch's weights on a run built to
 * overfit. Every optimizer (sgd, momentum, nesterov, adam, adamw) resumes bit for bit: its state
 * (velocity, moments, step count) travels in TrainState.optimizer.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT } from '../../src/data/augment.js';
import { loadSplit, locateMnist, type MnistSplit } from '../../src/data/mnist.js';
import type { Dataset } from '../../src/data/split.js';
import { createWasmNetwork } from '../../src/engines/wasm/node.js';
import { initParams } from '../../src/model/init.js';
import type { Network, NetworkSpec } from '../../src/model/network.js';
import { OPTIMIZERS, optimizerSpec, type OptimizerSpec } from '../../src/model/optimizers.js';
import { Rng } from '../../src/rng.js';
import { evaluate } from '../../src/training/evaluate.js';
import { augmentTransform, train, type Reporter, type TrainSettings, type TrainState } from '../../src/training/train.js';
import { expectIdentical } from '../helpers/compare.js';

let mnist: MnistSplit;
const slice = (start: number, count: number): Dataset => ({
  count,
  images: mnist.images.subarray(start * 784, (start + count) * 784),
  labels: mnist.labels.subarray(start, start + count),
});
beforeAll(async () => {
  mnist = await loadSplit(locateMnist(), 'test');
});

const spec: NetworkSpec = { sizes: [784, 48, 10], activation: 'relu', loss: 'cross-entropy', dropout: 0.25 };
const settings: TrainSettings = {
  epochs: 6, batchSize: 50, lr: 0.2, schedule: 'cosine', seed: 9, inputScale: 1 / 255, augment: DEFAULT_AUGMENT,
};

async function freshNet(s: NetworkSpec = spec, optimizer?: OptimizerSpec): Promise<Network> {
  const net = await createWasmNetwork(s, 200, { threads: 2, optimizer });
  const initial = new Float32Array(net.params.length);
  initParams(initial, s, 'he', new Rng(settings.seed));
  net.importParams(initial);
  return net;
}

/** A JSON round trip of the state's plain part, as the checkpoint file does it. */
function throughJson(state: TrainState): TrainState {
  const { params, optimizer, bestParams, ...plain } = state;
  return { ...JSON.parse(JSON.stringify(plain)), params: params.slice(), optimizer: optimizer.slice(), bestParams: bestParams?.slice() ?? null };
}

describe('resuming a run', () => {
  const trainSet = () => slice(0, 600);
  const valSet = () => slice(9000, 200);
  let straight: Float32Array;

  beforeAll(async () => {
    const net = await freshNet();
    try {
      const result = await train(net, trainSet(), valSet(), settings);
      straight = net.exportParams();
      expect(result.epochs).toHaveLength(6);
    } finally {
      await net.close();
    }
  });

  it('3 epochs, stop, resume to 6 gives the weights of 6 in one go, bit for bit (augmentation and dropout on)', async () => {
    const first = await freshNet();
    let state: TrainState;
    try {
      // The first session is interrupted exactly at the end of epoch 3 (before epoch 4's first batch).
      const controller = new AbortController();
      const reporter: Reporter = { epochStart() {}, batchEnd() {}, epochEnd: (m) => { if (m.epoch === 3) controller.abort(); } };
      const result = await train(first, trainSet(), valSet(), settings, reporter, controller.signal);
      expect(result.interrupted).toBe(true);
      expect(result.state.epoch).toBe(3);
      expect(result.state.batch).toBe(0);
      state = throughJson(result.state);
    } finally {
      await first.close();
    }
    const second = await freshNet();
    try {
      const result = await train(second, trainSet(), valSet(), settings, undefined, undefined, state);
      expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
      expectIdentical(second.exportParams(), straight, 'weights after resuming at epoch 3');
    } finally {
      await second.close();
    }
  });

  it('an interruption between two batches in mid-epoch (a Ctrl-C) resumes exactly too', async () => {
    const first = await freshNet();
    let state: TrainState;
    try {
      const controller = new AbortController();
      const reporter: Reporter = {
        epochStart() {}, epochEnd() {},
        batchEnd: (epoch, batch) => { if (epoch === 2 && batch === 5) controller.abort(); },
      };
      const result = await train(first, trainSet(), valSet(), settings, reporter, controller.signal);
      expect(result.interrupted).toBe(true);
      expect([result.state.epoch, result.state.batch]).toEqual([1, 5]);
      state = throughJson(result.state);
    } finally {
      await first.close();
    }
    const second = await freshNet();
    try {
      await train(second, trainSet(), valSet(), settings, undefined, undefined, state);
      expectIdentical(second.exportParams(), straight, 'weights after resuming in epoch 2');
    } finally {
      await second.close();
    }
  });
});

describe.each(OPTIMIZERS)('resuming a run with %s', (name) => {
  // A smaller run per optimizer: 300 images, 3 epochs of 6 batches, augmentation and dropout on,
  // weight decay and a warm-up epoch so every term of the update and the schedule is in play.
  const optimizer = optimizerSpec(name, { weightDecay: name === 'adamw' ? 0.01 : 1e-4 });
  const lr = name === 'adam' || name === 'adamw' ? 0.002 : name === 'sgd' ? 0.2 : 0.02;
  const augment = augmentTransform(DEFAULT_AUGMENT);
  const run: TrainSettings = { ...settings, epochs: 3, lr, warmup: 1, augment: DEFAULT_AUGMENT, augmentTransform: augment };
  const make = async () => {
    const net = await createWasmNetwork(spec, 200, { threads: 2, optimizer, transforms: [augment] });
    const initial = new Float32Array(net.params.length);
    initParams(initial, spec, 'he', new Rng(settings.seed));
    net.importParams(initial);
    return net;
  };

  it('stopped in mid-epoch 2 and resumed ends with the weights of one uninterrupted run, bit for bit', async () => {
    const trainSet = slice(0, 300);
    const valSet = slice(9000, 100);
    const whole = await make();
    let straight: Float32Array;
    let optimizerState: Float32Array;
    try {
      await train(whole, trainSet, valSet, run);
      straight = whole.exportParams();
      optimizerState = whole.exportOptimizerState();
    } finally {
      await whole.close();
    }
    const first = await make();
    let state: TrainState;
    try {
      const controller = new AbortController();
      const reporter: Reporter = {
        epochStart() {}, epochEnd() {},
        batchEnd: (epoch, batch) => { if (epoch === 2 && batch === 3) controller.abort(); },
      };
      const result = await train(first, trainSet, valSet, run, reporter, controller.signal);
      expect([result.state.epoch, result.state.batch]).toEqual([1, 3]);
      expect(result.state.optimizer[0]).toBe(9); // steps: 6 of epoch 1, 3 of epoch 2
      state = throughJson(result.state);
    } finally {
      await first.close();
    }
    const second = await make();
    try {
      await train(second, trainSet, valSet, run, undefined, undefined, state);
      expectIdentical(second.exportParams(), straight, `${name}: weights after resuming in epoch 2`);
      expectIdentical(second.exportOptimizerState(), optimizerState, `${name}: optimizer state after resuming`);
    } finally {
      await second.close();
    }
  });
});

describe('early stopping', () => {
  it('stops after K epochs without a lower validation loss and keeps the best epoch\'s weights', async () => {
    // Built to overfit: a wide net, 100 images, a constant large rate, no augmentation or dropout.
    const overfit: NetworkSpec = { sizes: [784, 64, 10], activation: 'relu', loss: 'cross-entropy' };
    const net = await createWasmNetwork(overfit, 300, { threads: 2 });
    const initial = new Float32Array(net.params.length);
    initParams(initial, overfit, 'he', new Rng(1));
    net.importParams(initial);
    const valSet = slice(9000, 300);
    const result = await train(net, slice(0, 100), valSet, {
      epochs: 60, batchSize: 10, lr: 0.3, schedule: 'constant', seed: 1, inputScale: 1 / 255, earlyStop: 3,
    });
    const losses = result.epochs.map((e) => e.valLoss!);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(result.stoppedEarly).toBe(true);
    expect(result.bestEpoch).toBe(best);
    expect(result.epochs.length).toBe(best + 3);
    expect(result.epochs.length).toBeLessThan(60);
    // The network holds the best epoch's weights: its validation loss is that epoch's, not the last one's.
    expect(evaluate(net, valSet, 1 / 255).loss).toBe(losses[best - 1]);
    expect(losses[losses.length - 1]).toBeGreaterThan(losses[best - 1]);
    // The state holds the latest weights, ready to resume from the last epoch.
    expect(result.state.epoch).toBe(best + 3);
    expect(result.state.bestParams).not.toBeNull();
    await net.close();
  });
});
