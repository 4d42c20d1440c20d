/**
 * Minibatches from compact bytes: a seeded shuffle of example indices per epoch, and the labels of
 * one batch. The dataset itself is never expanded to floats: each engine converts one batch of
 * pixel bytes at a time (Network.loadBatch). Not the training loop: that is training/.
 */

import type { Rng } from '../rng.js';

/** A fresh random order of `count` indices; every index appears exactly once. */
export function shuffledOrder(order: Uint32Array, rng: Rng): Uint32Array {
  for (let i = 0; i < order.length; i++) order[i] = i;
  rng.shuffle(order);
  return order;
}

/** The labels of examples order[start .. start+batch), in batch order (the engine loads their pixels: Network.loadBatch). */
export function fillLabels(batchLabels: Uint8Array, labels: Uint8Array, order: Uint32Array, start: number, batch: number): void {
  for (let n = 0; n < batch; n++) batchLabels[n] = labels[order[start + n]];
}
