/**
 * Finite differences for gradient checks: d(loss)/d(params[i]) estimated by central differences,
 * (L(p + eps) - L(p - eps)) / 2eps, one parameter at a time, each restored afterwards. Used
 * against every engine's backward pass (analytic gradients), in float64 where the engine allows it;
 * expectNetworkGradients is the whole-network check every such test runs.
 */

import { expect } from 'vitest';
import type { Rng } from '../../src/rng.js';
import { expectClose, type Tolerance } from './compare.js';

export function centralDifferences(params: Float32Array | Float64Array, loss: () => number, eps: number): Float64Array {
  const numeric = new Float64Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const saved = params[i];
    params[i] = saved + eps;
    const plus = loss();
    params[i] = saved - eps;
    const minus = loss();
    params[i] = saved;
    numeric[i] = (plus - minus) / (2 * eps);
  }
  return numeric;
}

/** What gradient checks need of a network: the reference engine in float32 or float64. */
export interface Differentiable {
  readonly params: Float32Array | Float64Array;
  forward(batch: number, dropout?: Rng | null): unknown;
  loss(labels: Uint8Array, batch: number): number;
  backward(labels: Uint8Array, batch: number): void;
  exportGrads(): Float32Array | Float64Array;
}

export interface NetworkCheck {
  /** The finite-difference step. */
  eps: number;
  tolerance: Tolerance;
  /** Names the comparison in a failure. */
  what: string;
  /** With dropout: a generator in the same state every call, so every forward pass draws the same mask. */
  dropout?: () => Rng;
}

/**
 * The whole-network gradient check: forward, loss and backward on `labels`, then the analytic
 * gradients against central differences of the mean loss, and some gradient non-zero (all-zero
 * gradients would match a flat loss and prove nothing). Returns the analytic gradients.
 */
export function expectNetworkGradients(net: Differentiable, labels: Uint8Array, batch: number, check: NetworkCheck): Float32Array | Float64Array {
  const L = () => {
    net.forward(batch, check.dropout?.() ?? null);
    return net.loss(labels, batch);
  };
  L();
  net.backward(labels, batch);
  const analytic = net.exportGrads();
  const numeric = centralDifferences(net.params, L, check.eps);
  expectClose(analytic, numeric, check.tolerance, check.what);
  expect(analytic.some((g) => g !== 0), `${check.what}: some gradient is non-zero`).toBe(true);
  return analytic;
}
