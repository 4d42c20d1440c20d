/**
 * The resume checkpoint: a round trip keeps every field, the float32 arrays bit for bit and the
 * generator states exactly; corrupt files fail with a message naming the field; a non-finite
 * weight is refused at save time; the path sits beside the model.
 */

import { describe, expect, it } from 'vitest';
import { checkpointPathFor, serializeCheckpoint, validateCheckpoint, type Checkpoint } from '../../src/io/checkpoint.js';
import { paramLayout, type NetworkSpec } from '../../src/model/network.js';
import { Rng } from '../../src/rng.js';
import { expectIdentical } from '../helpers/compare.js';

const spec: NetworkSpec = { sizes: [784, 6, 10], activation: 'tanh', loss: 'cross-entropy', dropout: 0.3 };

function sample(): Checkpoint {
  const count = paramLayout(spec.sizes).count;
  const rng = new Rng(1);
  const params = Float32Array.from({ length: count }, () => rng.normal());
  params[0] = 1e-45; // a subnormal: base64 of the bytes keeps it
  params[1] = -0;
  const order = new Rng(2);
  order.normal(); // leaves a spare normal in the state
  return {
    spec,
    settings: { arch: '784-6-10', lr: 0.5, augment: true, limit: null, preset: 'fast' },
    data: { 'train-images-idx3-ubyte': 'a'.repeat(64) },
    state: {
      epoch: 2, batch: 7, steps: 123, orderRng: order.getState(), dropoutRng: new Rng(3).getState(),
      lossSum: 12.5, seconds: 0.25,
      history: [
        { epoch: 1, seconds: 1, trainLoss: 0.5, valLoss: 0.4, valAccuracy: 0.9 },
        { epoch: 2, seconds: 1, trainLoss: 0.3, valLoss: null, valAccuracy: null },
      ],
      bestEpoch: 0, bestValLoss: Infinity, params, optimizer: new Float32Array([1.5, -2]), bestParams: null,
    },
    modelCreatedAt: '2025-01-02T03:04:05.678Z',
  };
}

describe('the checkpoint file', () => {
  it('round-trips every field, the weights bit for bit and the generator states exactly', () => {
    const c = sample();
    const back = validateCheckpoint(JSON.parse(serializeCheckpoint(c)));
    expectIdentical(back.state.params, c.state.params, 'params');
    expect(Object.is(back.state.params[1], -0)).toBe(true);
    expectIdentical(back.state.optimizer, c.state.optimizer, 'optimizer state');
    expect(back.state.bestValLoss).toBe(Infinity);
    const { params: _p, optimizer: _o, ...rest } = back.state;
    const { params: _p2, optimizer: _o2, ...expected } = c.state;
    expect(rest).toEqual(expected);
    expect(back.spec).toEqual(spec);
    expect(back.settings).toEqual(c.settings);
    expect(back.data).toEqual(c.data);
    expect(back.modelCreatedAt).toBe(c.modelCreatedAt);
    const a = new Rng(0);
    a.setState(back.state.orderRng);
    const b = new Rng(2);
    b.normal();
    expect([a.normal(), a.nextUint32()]).toEqual([b.normal(), b.nextUint32()]);
  });

  it.each([
    [(d: any) => (d.format = 'mnist-mlp'), /format is "mnist-mlp", expected "mnist-mlp-checkpoint"/],
    [(d: any) => (d.architecture.dropout = 1), /architecture\.dropout must be in \[0, 1\), got 1/],
    [(d: any) => (d.params = d.params.slice(8)), /params holds \d+ values, expected 4780/],
    [(d: any) => (d.params = 'not base64!'), /params must be base64 text/],
    [(d: any) => (d.state.orderRng.words = [1, 2, 3]), /state\.orderRng must be a generator state/],
    [(d: any) => (d.state.epoch = 3), /state\.history has 2 epochs, expected 3/],
    [(d: any) => (d.state.steps = -1), /state\.steps must be a non-negative integer, got -1/],
    [(d: any) => (d.settings.arch = '784-128-10'), /settings\.arch is "784-128-10", but the architecture says "784-6-10"; the checkpoint was edited or damaged; start a new run$/],
    [(d: any) => (d.settings.activation = 'relu'), /settings\.activation is "relu", but the architecture says "tanh"/],
    [(d: any) => (d.settings.dropout = 0), /settings\.dropout is 0, but the architecture says 0\.3/],
    [(d: any) => (d.settings.labelSmoothing = 0.1), /settings\.labelSmoothing is 0\.1, but the architecture says 0/],
    [(d: any) => (d.settings.optimizer = 'foo'), /settings\.optimizer is "foo", expected one of sgd, momentum, nesterov, adam, adamw; /],
    [(d: any) => (d.settings.resumed = 'x'), /settings\.resumed is "x", expected how many times the run was resumed/],
  ])('a corrupt file names the field (%#)', (corrupt, message) => {
    const doc = JSON.parse(serializeCheckpoint(sample()));
    corrupt(doc);
    expect(() => validateCheckpoint(doc, 'model.ckpt')).toThrow(message);
  });

  it('reads a checkpoint written before the model tie was recorded as tied to no model', () => {
    const doc = JSON.parse(serializeCheckpoint(sample()));
    delete doc.modelCreatedAt;
    expect(validateCheckpoint(doc).modelCreatedAt).toBeNull();
    doc.modelCreatedAt = 5;
    expect(() => validateCheckpoint(doc, 'model.ckpt')).toThrow(/^model\.ckpt: modelCreatedAt must be the model file's createdAt text or null$/);
  });

  it('refuses to save a non-finite weight', () => {
    const c = sample();
    c.state.params[5] = NaN;
    expect(() => serializeCheckpoint(c)).toThrow(/refusing to save the checkpoint: params\[5\] is NaN/);
  });

  it('sits beside the model: model.json -> model.ckpt', () => {
    expect(checkpointPathFor('/a/model.json')).toBe('/a/model.ckpt');
    expect(checkpointPathFor('run.partial.json')).toBe('run.partial.ckpt');
    expect(checkpointPathFor('weights')).toBe('weights.ckpt');
  });
});
