/** A small valid ModelFile built in memory, for model-file tests. */

import { Rng } from '../../src/rng.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelFile } from '../../src/io/model-file.js';
import { initParams } from '../../src/model/init.js';
import { paramLayout, type NetworkSpec } from '../../src/model/network.js';

export function makeModel(spec: NetworkSpec = { sizes: [784, 16, 10], activation: 'relu', loss: 'cross-entropy' }, seed = 1): ModelFile {
  const params = new Float32Array(paramLayout(spec.sizes).count);
  const rng = new Rng(seed);
  initParams(params, spec, 'he', rng);
  for (let i = 0; i < params.length; i++) if (params[i] === 0) params[i] = rng.normal() * 1e-3; // biases too
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    partial: false,
    createdAt: '2026-11-23T00:00:00.000Z',
    generator: { name: 'mnist-mlp', version: '0.0.0-test' },
    architecture: { ...spec, output: 'softmax' },
    input: { width: 28, height: 28, scale: 1 / 255 },
    training: {
      epochs: 1, batchSize: 64, lr: 0.1, schedule: 'cosine', optimizer: 'sgd', init: 'he', seed, augment: false,
      valSize: 0, trainImages: 100, engine: 'reference', steps: 2,
    },
    metrics: { epochs: [{ epoch: 1, seconds: 0.5, trainLoss: 1.2, valLoss: null, valAccuracy: null }], test: { correct: 9, total: 10, accuracy: 0.9, loss: 0.3 } },
    data: { source: 'test', sha256: { 't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' } },
    params,
  };
}
