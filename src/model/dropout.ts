/**
 * Inverted dropout (Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks from
 * Overfitting", JMLR 15): while training, each hidden unit's output is kept with probability 1 - p
 * and then scaled by 1 / (1 - p), so its expected value is unchanged and evaluation needs no mask
 * and no rescaling. Both engines draw their masks here, on the calling thread, from the loop's own
 * dropout stream: the mask depends on the seed and the batch alone, never on the thread count.
 */

import type { Rng } from '../rng.js';

/** Rates at or above this keep almost nothing; 0.9 is already far beyond the usual 0.2-0.5. */
export const MAX_DROPOUT = 0.95;

/**
 * mask[0 .. count) = 0 (dropped, with probability `rate`) or 1 / (1 - rate) (kept), one 32-bit draw
 * per unit in order. The values are written into the caller's array type (float32 in training).
 */
export function drawDropoutMask(mask: Float32Array | Float64Array, count: number, rate: number, rng: Rng): void {
  // A unit is dropped when its uniform 32-bit draw falls below rate * 2^32.
  const threshold = Math.round(rate * 4294967296);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < count; i++) mask[i] = rng.nextUint32() < threshold ? 0 : keep;
}
