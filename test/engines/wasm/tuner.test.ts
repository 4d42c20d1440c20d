/**
 * The measured thread count (src/engines/wasm/tuner.ts): the tuner's choice from given step times,
 * and a network that rests some of its threads (setActiveThreads, the tuner) computing exactly what
 * one thread computes, and still closing cleanly. Uses the built engine (npm test builds first).
 */

import { describe, expect, it } from 'vitest';
import { createWasmNetwork } from '../../../src/engines/wasm/node.js';
import { REMEASURE_AFTER, threadCandidates, ThreadTuner, TUNE_ROUNDS, TUNE_WARMUP } from '../../../src/engines/wasm/tuner.js';
import { initParams } from '../../../src/model/init.js';
import type { NetworkSpec } from '../../../src/model/network.js';
import { Rng } from '../../../src/rng.js';
import { expectIdentical } from '../../helpers/compare.js';

describe('ThreadTuner', () => {
  it('offers 1, 2, 4, ... below the maximum, then the maximum', () => {
    expect(threadCandidates(1)).toEqual([1]);
    expect(threadCandidates(2)).toEqual([1, 2]);
    expect(threadCandidates(6)).toEqual([1, 2, 4, 6]);
    expect(threadCandidates(16)).toEqual([1, 2, 4, 8, 16]);
  });

  /** Drives a tuner with step times from `msFor(threads, step)`; returns the counts it used, step by step. */
  function drive(tuner: ThreadTuner, msFor: (threads: number, step: number) => number, steps: number): number[] {
    const used: number[] = [];
    let now = 1000;
    for (let s = 0; s < steps; s++) {
      const threads = tuner.step(now);
      used.push(threads);
      now += msFor(threads, s);
    }
    return used;
  }

  it('tries each count in turn, then keeps the one with the shortest median step', () => {
    const tuner = new ThreadTuner([1, 2, 4, 8], 5, REMEASURE_AFTER, 0);
    // 4 threads is fastest; 8 is slower (barriers); one wild outlier for 8 changes nothing.
    const ms: Record<number, number> = { 1: 10, 2: 6, 4: 4, 8: 4.5 };
    const used = drive(tuner, (t, s) => (t === 8 && s === 7 ? 0.1 : ms[t]), 40);
    expect(used.slice(0, 8)).toEqual([1, 2, 4, 8, 1, 2, 4, 8]);
    expect(tuner.chosen).toBe(4);
    // 5 rounds of 4 counts, plus the first call that only starts the clock.
    expect(used.slice(21).every((t) => t === 4)).toBe(true);
    expect(tuner.medians().map((m) => m.ms)).toEqual([10, 6, 4, 4.5]);
  });

  it('takes the fewer threads on a tie, and a single candidate at once', () => {
    const tie = new ThreadTuner([1, 2], 3, REMEASURE_AFTER, 0);
    drive(tie, () => 5, 10);
    expect(tie.chosen).toBe(1);
    const one = new ThreadTuner([3]);
    expect(one.chosen).toBe(3);
    expect(one.step(0)).toBe(3);
  });

  it('measures again after a while, and follows a machine whose load changed', () => {
    const tuner = new ThreadTuner([1, 2], 4, 10, 0);
    let busy = false; // while another program holds a core, the second thread only gets in the way
    const used = drive(tuner, (t) => (busy ? (t === 2 ? 9 : 5) : t === 2 ? 3 : 5), 9);
    expect(tuner.chosen).toBe(2);
    busy = true;
    used.push(...drive(tuner, (t) => (busy ? (t === 2 ? 9 : 5) : t === 2 ? 3 : 5), 30));
    expect(tuner.chosen).toBe(1);
    // 9 measuring calls (the first only starts the clock), 9 on the chosen count, then the 10th starts
    // the new measurement: 9 calls again, the last of which picks 1 thread, kept until the next one.
    expect(used.slice(9, 18).every((t) => t === 2)).toBe(true);
    expect(used.slice(18, 26)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    expect(used.slice(26, 36).every((t) => t === 1)).toBe(true);
  });

  it('measures again only the chosen count and its neighbours, and moves a step at a time', () => {
    const tuner = new ThreadTuner([1, 2, 4, 8, 16], 2, 6, 0);
    let best = 8;
    const msFor = (t: number) => 1 + Math.abs(Math.log2(t) - Math.log2(best));
    const used = drive(tuner, msFor, 11); // 10 measuring steps and the one that starts the clock
    expect(tuner.chosen).toBe(8);
    expect(new Set(used.slice(0, 10))).toEqual(new Set([1, 2, 4, 8, 16]));
    best = 1; // the machine got busy: fewer threads are faster now
    used.length = 0;
    used.push(...drive(tuner, msFor, 5 + 7));
    // 5 more steps on 8, then the new measurement: 4, 8 and 16 in turn, twice, plus its first call.
    expect(used.slice(0, 5).every((t) => t === 8)).toBe(true);
    expect(used.slice(5, 11)).toEqual([4, 8, 16, 4, 8, 16]);
    expect(tuner.chosen).toBe(4);
    expect(tuner.medians().find((m) => m.threads === 1)?.ms).toBe(1 + 3); // from the first measurement
    used.length = 0;
    used.push(...drive(tuner, msFor, 5 + 7));
    expect(used.slice(5, 11)).toEqual([2, 4, 8, 2, 4, 8]);
    expect(tuner.chosen).toBe(2);
  });

  it('runs TUNE_WARMUP steps on all threads, untimed, before it measures', () => {
    const tuner = new ThreadTuner([1, 2, 4], 2, REMEASURE_AFTER, 5);
    expect(tuner.first).toBe(4);
    // Warm-up steps as slow as the first steps of a fresh engine: they must not count.
    const used = drive(tuner, (t, s) => (s < 5 ? 50 : t === 2 ? 1 : 3), 5 + 7);
    expect(used.slice(0, 5)).toEqual([4, 4, 4, 4, 4]);
    expect(tuner.measuring).toBe(false);
    expect(used.slice(5, 11)).toEqual([1, 2, 4, 1, 2, 4]);
    expect(tuner.chosen).toBe(2);
    expect(tuner.medians().map((m) => m.ms)).toEqual([3, 1, 3]);
    expect(TUNE_WARMUP).toBeGreaterThanOrEqual(100);
  });

  it('keeps measuring for TUNE_ROUNDS steps per count by default, after the warm-up', () => {
    const tuner = new ThreadTuner([1, 2]);
    drive(tuner, () => 1, TUNE_WARMUP);
    expect(tuner.chosen).toBeNull();
    drive(tuner, (t) => (t === 2 ? 1 : 2), 2 * TUNE_ROUNDS);
    expect(tuner.chosen).toBeNull();
    drive(tuner, (t) => (t === 2 ? 1 : 2), 1);
    expect(tuner.chosen).toBe(2);
  });
});

describe('a network that uses fewer threads than it started', () => {
  const spec: NetworkSpec = { sizes: [784, 40, 10], activation: 'relu', loss: 'cross-entropy' };
  const MAX_BATCH = 48;

  /** Trains `steps` steps on seeded MNIST-like bytes; `before(step, net)` may change the active threads. */
  async function trained(threads: number, options: { tune?: boolean; before?: (step: number, active: (n: number) => void) => void }, steps: number) {
    const net = await createWasmNetwork(spec, MAX_BATCH, { threads, tuneThreads: options.tune });
    try {
      const params = new Float32Array(784 * 40 + 40 + 40 * 10 + 10);
      initParams(params, spec, 'he', new Rng(3));
      net.importParams(params);
      const rng = new Rng(4);
      const images = new Uint8Array(400 * 784);
      for (let k = 0; k < images.length; k++) images[k] = rng.uniform() < 0.2 ? Math.floor(rng.uniform() * 256) : 0;
      const labels = Uint8Array.from({ length: 400 }, () => Math.floor(rng.uniform() * 10));
      const order = Uint32Array.from({ length: 400 }, (_, i) => i);
      rng.shuffle(order);
      for (let s = 0; s < steps; s++) {
        options.before?.(s, (n) => net.setActiveThreads(n));
        const start = (s * MAX_BATCH) % (400 - MAX_BATCH);
        net.loadBatch(images, order, start, MAX_BATCH, 1 / 255);
        const batchLabels = Uint8Array.from({ length: MAX_BATCH }, (_, n) => labels[order[start + n]]);
        net.forward(MAX_BATCH);
        net.backward(batchLabels, MAX_BATCH);
        net.step(0.1);
      }
      return { params: net.exportParams(), active: net.activeThreads, chosen: net.threadTuning?.chosen ?? null };
    } finally {
      await net.close();
    }
  }

  it('gives the weights of one thread when the tuner picks the count, and settles on one of its candidates', async () => {
    const steps = TUNE_WARMUP + 2 * TUNE_ROUNDS * 3 + 5;
    const one = await trained(1, {}, steps);
    const tuned = await trained(3, { tune: true }, steps);
    expectIdentical(tuned.params, one.params, 'weights, tuned 3 threads vs 1 thread');
    expect([1, 2, 3]).toContain(tuned.chosen);
    expect(tuned.active).toBe(tuned.chosen);
  });

  it('gives the same weights when the active count changes between steps, and closes with workers resting', async () => {
    const one = await trained(1, {}, 12);
    const counts = [1, 3, 2, 1, 1, 3, 2, 2, 1, 3, 1, 1];
    const changing = await trained(3, { before: (s, active) => active(counts[s]) }, 12);
    expectIdentical(changing.params, one.params, 'weights, 1-3 active threads vs 1 thread');
    expect(changing.active).toBe(1); // close() ran with both workers resting on the active count
  });

  it('refuses an active count outside 1..threads', async () => {
    const net = await createWasmNetwork(spec, 8, { threads: 2 });
    try {
      expect(() => net.setActiveThreads(0)).toThrow(/active threads must be 1\.\.2/);
      expect(() => net.setActiveThreads(3)).toThrow(/active threads must be 1\.\.2/);
      expect(net.activeThreads).toBe(2);
    } finally {
      await net.close();
    }
  });
});
