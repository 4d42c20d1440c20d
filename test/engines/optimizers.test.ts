/**
 * Optimizers, schedules and label smoothing in both engines:
 * - trajectories against PyTorch's own optimizers and schedulers (test/fixtures/optimizer-trajectories.json,
 *   written by scripts/make-optimizer-fixtures.py), every step, reference and fast engine;
 * - the fast engine's update equals the reference kernel bit for bit for every rule, and a whole
 *   MNIST-sized network trained a few steps agrees with the reference for every rule and with label smoothing;
 * - label smoothing's gradients against finite differences;
 * - exportOptimizerState / importOptimizerState round trips, in canonical order.
 * Uses the built wasm (npm test builds first).
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferenceMlp } from '../../src/engines/reference/mlp.js';
import { createWasmNetwork } from '../../src/engines/wasm/node.js';
import type { WasmMlp } from '../../src/engines/wasm/mlp.js';
import { initParams } from '../../src/model/init.js';
import type { Network, NetworkSpec } from '../../src/model/network.js';
import { OPTIMIZERS, optimizerSpec, SGD, type OptimizerName, type OptimizerSpec } from '../../src/model/optimizers.js';
import { Rng } from '../../src/rng.js';
import { learningRate, type LrSchedule } from '../../src/training/schedule.js';
import { expectClose, expectIdentical } from '../helpers/compare.js';
import { expectNetworkGradients } from '../helpers/gradcheck.js';

interface FixtureCase {
  name: string;
  optimizer: OptimizerSpec;
  lr: number;
  schedule: LrSchedule;
  warmupSteps?: number;
  labelSmoothing?: number;
  lrs: number[];
  losses: number[];
  params: number[][];
  state: number[][];
}
interface Fixture {
  torch: string;
  sizes: number[];
  steps: number;
  initial: number[];
  batches: { x: number[]; labels: number[] }[];
  cases: FixtureCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/optimizer-trajectories.json', import.meta.url), 'utf8'),
) as Fixture;

type EngineMaker = (spec: NetworkSpec, batch: number, optimizer: OptimizerSpec) => Promise<Network>;
const ENGINES: [string, EngineMaker][] = [
  ['reference', async (spec, batch, optimizer) => new ReferenceMlp(spec, batch, optimizer)],
  ['fast', (spec, batch, optimizer) => createWasmNetwork(spec, batch, { threads: 2, optimizer })],
];

describe.each(ENGINES)('the %s engine follows PyTorch step by step', (_engine, make) => {
  it('covers every optimizer, weight decay, each schedule and label smoothing', () => {
    const names = new Set(fixture.cases.map((c) => c.optimizer.name));
    expect([...names].sort()).toEqual([...OPTIMIZERS].sort());
    expect(new Set(fixture.cases.map((c) => c.schedule)).size).toBe(3);
    expect(fixture.cases.some((c) => (c.warmupSteps ?? 0) > 0)).toBe(true);
    expect(fixture.cases.some((c) => (c.labelSmoothing ?? 0) > 0)).toBe(true);
    expect(fixture.steps).toBeGreaterThanOrEqual(5);
  });

  it.each(fixture.cases)('$name', async (c) => {
    const spec: NetworkSpec = { sizes: fixture.sizes, activation: 'relu', loss: 'cross-entropy', labelSmoothing: c.labelSmoothing ?? 0 };
    const batch = fixture.batches[0].labels.length;
    const net = await make(spec, batch, c.optimizer);
    try {
      net.importParams(Float32Array.from(fixture.initial));
      const schedule = { lr: c.lr, schedule: c.schedule, warmupSteps: c.warmupSteps ?? 0 };
      for (let step = 0; step < fixture.steps; step++) {
        const b = fixture.batches[step % fixture.batches.length];
        const labels = Uint8Array.from(b.labels);
        net.input.set(b.x);
        net.forward(batch);
        expect(net.loss(labels, batch), `loss at step ${step}`).toBeCloseTo(c.losses[step], 5);
        net.backward(labels, batch);
        const lr = learningRate(schedule, step, fixture.steps);
        expect(Math.abs(lr - c.lrs[step]), `lr at step ${step}: ours ${lr}, PyTorch ${c.lrs[step]}`).toBeLessThanOrEqual(1e-9 * c.lr);
        net.step(lr);
        expectClose(net.exportParams(), c.params[step], { atol: 2e-6, rtol: 1e-5 }, `${c.name}: parameters after step ${step + 1}`);
      }
      const state = net.exportOptimizerState();
      expect(state[0], 'steps in the state').toBe(fixture.steps);
      expect(state.length).toBe(1 + c.state.length * fixture.initial.length);
      c.state.forEach((buffer, k) => {
        expectClose(state.subarray(1 + k * buffer.length, 1 + (k + 1) * buffer.length), buffer, { atol: 2e-6, rtol: 1e-5 }, `${c.name}: state buffer ${k}`);
      });
    } finally {
      await net.close();
    }
  });
});

// -----------------------------------------------------------------------------------------------

const SPEC: NetworkSpec = { sizes: [784, 12, 10], activation: 'tanh', loss: 'cross-entropy' };

/** Every rule, with decay and non-default hyperparameters, as the CLI would build them. */
const RULES: OptimizerSpec[] = [
  optimizerSpec('sgd', { weightDecay: 0.01 }),
  optimizerSpec('momentum', { momentum: 0.85, weightDecay: 0.001 }),
  optimizerSpec('nesterov', {}),
  optimizerSpec('adam', { beta1: 0.8, weightDecay: 0.01 }),
  optimizerSpec('adamw', { beta2: 0.99, eps: 1e-6 }),
];

function initialParams(spec: NetworkSpec, seed: number): Float32Array {
  const ref = new ReferenceMlp(spec, 1);
  initParams(ref.params, spec, 'xavier', new Rng(seed));
  return ref.params.slice();
}

describe.each(RULES)('fast engine $name update', (rule) => {
  let fast: WasmMlp;
  beforeAll(async () => {
    fast = await createWasmNetwork(SPEC, 16, { threads: 2, optimizer: rule });
  });
  afterAll(async () => {
    await fast?.close();
  });

  it('equals the reference kernel bit for bit over 4 steps (9550 parameters: two blocks and a tail)', () => {
    const rng = new Rng(5);
    fast.importParams(initialParams(SPEC, 3));
    // The reference works on the same engine-order buffers: the update is elementwise.
    const ref = new ReferenceMlp(SPEC, 1, rule);
    ref.params.set(fast.params);
    for (let step = 0; step < 4; step++) {
      for (let i = 0; i < ref.grads.length; i++) ref.grads[i] = rng.normal() * (i % 97 === 0 ? 0 : 0.01);
      fast.grads.set(ref.grads);
      const lr = 0.01 * (step + 1);
      ref.step(lr);
      fast.step(lr);
      expectIdentical(fast.params, ref.params, `${rule.name}: parameters after step ${step + 1}`);
    }
  });

  it('exports its state in canonical order and resumes from an import exactly', async () => {
    const x = new Float32Array(16 * 784);
    const rng = new Rng(9);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform() < 0.2 ? rng.uniform() : 0;
    const labels = Uint8Array.from({ length: 16 }, () => rng.int(10));
    const train = (net: Network, steps: number) => {
      for (let s = 0; s < steps; s++) {
        net.input.set(x);
        net.forward(16);
        net.backward(labels, 16);
        net.step(0.01);
      }
    };
    fast.importParams(initialParams(SPEC, 4));
    fast.importOptimizerState(new Float32Array(fast.exportOptimizerState().length)); // a fresh start
    train(fast, 3);
    const params = fast.exportParams();
    const state = fast.exportOptimizerState();
    expect(state[0]).toBe(3);

    // The reference engine reads the same canonical state and continues identically to float32 tolerance.
    const ref = new ReferenceMlp(SPEC, 16, rule);
    ref.importParams(params);
    ref.importOptimizerState(state);
    expectIdentical(ref.exportOptimizerState(), state, 'state through the reference engine');

    // A second fast network resumed from the exported state takes bit-identical steps.
    const resumed = await createWasmNetwork(SPEC, 16, { threads: 1, optimizer: rule });
    try {
      resumed.importParams(params);
      resumed.importOptimizerState(state);
      expectIdentical(resumed.exportOptimizerState(), state, 'state round trip');
      train(fast, 2);
      train(resumed, 2);
      train(ref, 2);
      expectIdentical(resumed.exportParams(), fast.exportParams(), 'resumed vs continued');
      expectClose(ref.exportParams(), fast.exportParams(), { atol: 1e-5, rtol: 1e-4 }, 'reference vs fast after resuming');
    } finally {
      await resumed.close();
    }
    expect(() => fast.importOptimizerState(new Float32Array(3))).toThrow(/optimizer state/);
  });
});

describe('fast engine against the reference on an MNIST-sized network', () => {
  const spec: NetworkSpec = { sizes: [784, 32, 10], activation: 'relu', loss: 'cross-entropy' };
  const cases: [string, OptimizerSpec, number][] = [
    ...RULES.map((rule): [string, OptimizerSpec, number] => [rule.name, rule, 0]),
    ['sgd with label smoothing 0.1', SGD, 0.1],
    ['adamw with label smoothing 0.2', optimizerSpec('adamw'), 0.2],
  ];
  it.each(cases)('%s: 6 steps agree', async (_name, rule, smoothing) => {
    const s: NetworkSpec = { ...spec, labelSmoothing: smoothing };
    const fast = await createWasmNetwork(s, 64, { threads: 2, optimizer: rule });
    try {
      const ref = new ReferenceMlp(s, 64, rule);
      const rng = new Rng(21);
      const x = new Float32Array(64 * 784);
      for (let i = 0; i < x.length; i++) x[i] = rng.uniform() < 0.2 ? rng.uniform() : 0;
      const labels = Uint8Array.from({ length: 64 }, () => rng.int(10));
      const p = initialParams(spec, 8);
      fast.importParams(p);
      ref.importParams(p);
      const lr = rule.name === 'adam' || rule.name === 'adamw' ? 0.002 : 0.05;
      for (let step = 0; step < 6; step++) {
        const batch = step === 5 ? 23 : 64;
        for (const net of [fast, ref] as Network[]) {
          net.input.set(x);
          net.forward(batch);
        }
        expect(fast.loss(labels, batch)).toBeCloseTo(ref.loss(labels, batch), 5);
        fast.backward(labels, batch);
        ref.backward(labels, batch);
        expectClose(fast.exportGrads(), ref.exportGrads(), { atol: 2e-6, rtol: 1e-4 }, `gradients at step ${step}`);
        fast.step(lr);
        ref.step(lr);
      }
      expectClose(fast.exportParams(), ref.exportParams(), { atol: 1e-5, rtol: 1e-4 }, 'parameters after 6 steps');
      expectClose(fast.exportOptimizerState(), ref.exportOptimizerState(), { atol: 1e-6, rtol: 1e-3 }, 'optimizer state after 6 steps');
    } finally {
      await fast.close();
    }
  });
});

describe('label smoothing', () => {
  it.each([0.1, 0.5])('e = %s: gradients of a 4-5-3 network match finite differences in float64', (e) => {
    const spec: NetworkSpec = { sizes: [4, 5, 3], activation: 'tanh', loss: 'cross-entropy', labelSmoothing: e };
    const batch = 3;
    const net = new ReferenceMlp(spec, batch, SGD, Float64Array);
    const rng = new Rng(2);
    for (let i = 0; i < net.params.length; i++) net.params[i] = rng.normal() * 0.7;
    for (let i = 0; i < net.input.length; i++) net.input[i] = rng.uniform();
    const labels = Uint8Array.from([0, 2, 1]);
    expectNetworkGradients(net, labels, batch, { eps: 1e-6, tolerance: { atol: 1e-9, rtol: 1e-7 }, what: `label smoothing ${e}` });
  });

  it('the loss is PyTorch\'s: -sum_k q_k log p_k with q = (1 - e) onehot + e / classes', () => {
    const spec: NetworkSpec = { sizes: [2, 3], activation: 'relu', loss: 'cross-entropy', labelSmoothing: 0.3 };
    const net = new ReferenceMlp(spec, 1, SGD, Float64Array);
    net.params.set([1, 0, 0, 1, -1, 2, 0.5, 0, -0.5]); // W (3x2), b (3)
    net.input.set([0.3, 0.7]);
    const p = net.forward(1).slice();
    const q = [0.1, 0.1 + 0.7, 0.1];
    const expected = -q.reduce((sum, qk, k) => sum + qk * Math.log(p[k]), 0);
    expect(net.loss(Uint8Array.from([1]), 1)).toBeCloseTo(expected, 12);
  });

  it('with e = 0 is the plain loss bit for bit, and is refused with the mse loss', () => {
    const spec: NetworkSpec = { sizes: [4, 5, 3], activation: 'relu', loss: 'cross-entropy' };
    const a = new ReferenceMlp(spec, 2);
    const b = new ReferenceMlp({ ...spec, labelSmoothing: 0 }, 2);
    const p = initialParams(spec, 1);
    a.importParams(p);
    b.importParams(p);
    a.input.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    b.input.set(a.input);
    const labels = Uint8Array.from([2, 0]);
    a.forward(2);
    b.forward(2);
    expect(b.loss(labels, 2)).toBe(a.loss(labels, 2));
    a.backward(labels, 2);
    b.backward(labels, 2);
    expectIdentical(b.grads, a.grads, 'gradients');
    expect(() => new ReferenceMlp({ ...spec, loss: 'mse', labelSmoothing: 0.1 }, 2)).toThrow(/cross-entropy/);
    expect(() => new ReferenceMlp({ ...spec, labelSmoothing: 1 }, 2)).toThrow(/\[0, 1\)/);
  });
});

describe('optimizerSpec', () => {
  it('fills in PyTorch\'s defaults (AdamW decays by 0.01, the rest not at all)', () => {
    const names: OptimizerName[] = ['sgd', 'adam', 'adamw'];
    expect(names.map((n) => optimizerSpec(n).weightDecay)).toEqual([0, 0, 0.01]);
    expect(optimizerSpec('adam', { beta2: undefined, eps: 1e-6 })).toEqual({
      name: 'adam', momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0,
    });
  });
});
