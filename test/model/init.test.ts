// Weight initialisation (model/init.ts): the variance each scheme promises, and seeded repeatability.
import { describe, expect, it } from 'vitest';
import { initParams } from '../../src/model/init.js';
import { namedParams, paramLayout, type NetworkSpec } from '../../src/model/network.js';
import { Rng } from '../../src/rng.js';

describe('initialisation', () => {
  it('he draws weights with variance 2/fanIn and zero biases', () => {
    const spec: NetworkSpec = { sizes: [400, 300, 10], activation: 'relu', loss: 'cross-entropy' };
    const params = new Float32Array(paramLayout(spec.sizes).count);
    initParams(params, spec, 'he', new Rng(3));
    const named = namedParams(spec.sizes, params);
    const w = named.get('layers.0.weight')!;
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(variance).toBeGreaterThan(0.95 * (2 / 400));
    expect(variance).toBeLessThan(1.05 * (2 / 400));
    expect(named.get('layers.0.bias')!.every((v) => v === 0)).toBe(true);
  });

  it('xavier draws uniform weights within sqrt(6/(fanIn+fanOut))', () => {
    const spec: NetworkSpec = { sizes: [400, 300, 10], activation: 'tanh', loss: 'cross-entropy' };
    const params = new Float32Array(paramLayout(spec.sizes).count);
    initParams(params, spec, 'xavier', new Rng(3));
    const w = namedParams(spec.sizes, params).get('layers.0.weight')!;
    const limit = Math.sqrt(6 / 700);
    expect(Math.max(...w)).toBeLessThanOrEqual(limit);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-limit);
    expect(Math.max(...w)).toBeGreaterThan(0.95 * limit);
  });

  it('the same seed gives the same weights, another seed different ones', () => {
    const spec: NetworkSpec = { sizes: [20, 10, 3], activation: 'relu', loss: 'cross-entropy' };
    const make = (seed: number) => {
      const p = new Float32Array(paramLayout(spec.sizes).count);
      initParams(p, spec, 'he', new Rng(seed));
      return Array.from(p);
    };
    expect(make(5)).toEqual(make(5));
    expect(make(5)).not.toEqual(make(6));
  });
});
