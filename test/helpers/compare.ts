/**
 * Array comparison for numeric tests: checks lengths, reports the worst index with both values,
 * and never lets NaN pass (NaN compares false with everything, so a naive `<=` test would).
 */

import { expect } from 'vitest';

type Numbers = ArrayLike<number>;

export interface Tolerance {
  /** Absolute tolerance. */
  atol?: number;
  /** Relative tolerance, against the larger magnitude of the pair. */
  rtol?: number;
}

/** The index with the largest excess over the tolerance, or -1 when all pairs are within it. */
export function worstMismatch(actual: Numbers, expected: Numbers, { atol = 1e-6, rtol = 1e-5 }: Tolerance = {}): number {
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) || Number.isNaN(e)) return i;
    const excess = Math.abs(a - e) - (atol + rtol * Math.max(Math.abs(a), Math.abs(e)));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  return worst;
}

export function expectClose(actual: Numbers, expected: Numbers, tolerance: Tolerance = {}, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const i = worstMismatch(actual, expected, tolerance);
  if (i >= 0) {
    throw new Error(
      `${what}: worst mismatch at index ${i}: actual ${actual[i]}, expected ${expected[i]} ` +
        `(atol ${tolerance.atol ?? 1e-6}, rtol ${tolerance.rtol ?? 1e-5})`,
    );
  }
}

/** Bit-for-bit equality of two float arrays (NaN never equal). */
export function expectIdentical(actual: Numbers, expected: Numbers, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(actual[i] === expected[i]) && !(Object.is(actual[i], expected[i]))) {
      throw new Error(`${what}: differ at index ${i}: ${actual[i]} vs ${expected[i]}`);
    }
    if (Number.isNaN(actual[i])) throw new Error(`${what}: NaN at index ${i}`);
  }
}
