// Learning-rate schedules: linear warm-up in front of constant and cosine, PyTorch's OneCycleLR,
// and the training loop counting warm-up in epochs. (Step-by-step agreement with PyTorch's own
// schedulers is in test/engines/optimizers.test.ts.)
import { describe, expect, it } from 'vitest';
import { createReferenceNetwork } from '../../src/engines/reference/mlp.js';
import type { Network } from '../../src/model/network.js';
import { Rng } from '../../src/rng.js';
import { learningRate, ONECYCLE } from '../../src/training/schedule.js';
import { train } from '../../src/training/train.js';

describe('learningRate', () => {
  it('warms up linearly to lr over the warm-up steps, then runs the schedule over the rest', () => {
    const s = { lr: 0.4, schedule: 'cosine' as const, warmupSteps: 4 };
    expect([0, 1, 2, 3].map((k) => learningRate(s, k, 14))).toEqual([0.1, 0.2, 0.30000000000000004, 0.4]);
    expect(learningRate(s, 4, 14)).toBe(0.4); // the cosine's first step
    expect(learningRate(s, 9, 14)).toBeCloseTo(0.2, 12); // halfway through the 10 cosine steps
    expect(learningRate({ ...s, schedule: 'constant' }, 13, 14)).toBe(0.4);
  });

  it('onecycle rises from lr/25 to lr at 30% of the run and falls to lr/25/1e4 at the last step', () => {
    const s = { lr: 1, schedule: 'onecycle' as const };
    const total = 100; // phase 1 ends at step 0.3 * 100 - 1 = 29
    expect(learningRate(s, 0, total)).toBeCloseTo(1 / ONECYCLE.divFactor, 12);
    const rates = Array.from({ length: total }, (_, k) => learningRate(s, k, total));
    const peak = rates.indexOf(Math.max(...rates));
    expect(peak).toBe(29);
    expect(rates[peak]).toBe(1);
    expect(rates[total - 1]).toBeCloseTo(1 / 25 / 1e4, 15);
    for (let k = 1; k < total; k++) expect(Math.sign(rates[k] - rates[k - 1])).toBe(k <= peak ? 1 : -1);
  });
});

describe('train with --warmup', () => {
  it('counts warm-up in epochs: the first epoch\'s steps ramp up, then the cosine decays', async () => {
    const net = createReferenceNetwork({ sizes: [784, 4, 10], activation: 'relu', loss: 'cross-entropy' }, 10);
    const rates: number[] = [];
    const spy: Network = Object.assign(Object.create(net) as Network, {
      step(lr: number) {
        rates.push(lr);
        net.step(lr);
      },
    });
    const rng = new Rng(1);
    const images = Uint8Array.from({ length: 40 * 784 }, () => rng.int(256));
    const labels = Uint8Array.from({ length: 40 }, () => rng.int(10));
    await train(spy, { count: 40, images, labels }, null, { epochs: 3, batchSize: 10, lr: 0.2, schedule: 'cosine', warmup: 1, seed: 1, inputScale: 1 / 255 });
    expect(rates).toHaveLength(12);
    expect(rates.slice(0, 4)).toEqual([0.05, 0.1, 0.15000000000000002, 0.2]);
    expect(rates[4]).toBe(0.2);
    expect(rates[8]).toBeCloseTo(0.1, 12);
  });
});
