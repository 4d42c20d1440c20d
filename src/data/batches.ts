/**
 * Minibatches from compact bytes: a seeded shuffle of example indices per epoch, and a fill that
 * converts one batch of uint8 pixels to float32 inputs in a buffer reused for every batch.
 * The dataset itself is never expanded to floats. Not the training loop: that is training/.
 */

import type { Rng } from '../engine/rng.js';

/** A fresh random order of `count` indices; every index appears exactly once. */
export function shuffledOrder(order: Uint32Array, rng: Rng): Uint32Array {
  for (let i = 0; i < order.length; i++) order[i] = i;
  rng.shuffle(order);
  return order;
}

/**
 * Writes examples order[start .. start+batch) into `input` (batch, pixels) scaled by `scale`
 * (1/255 maps bytes to [0, 1]), and their labels into `batchLabels`.
 */
export function fillBatch(
  input: Float32Array, batchLabels: Uint8Array,
  images: Uint8Array, labels: Uint8Array, order: Uint32Array,
  start: number, batch: number, pixels: number, scale: number,
): void {
  for (let n = 0; n < batch; n++) {
    const index = order[start + n];
    const src = index * pixels;
    const dst = n * pixels;
    for (let p = 0; p < pixels; p++) input[dst + p] = images[src + p] * scale;
    batchLabels[n] = labels[index];
  }
}

/** Only the labels of fillBatch, for engines that fill their own input rows (Network.loadBatch). */
export function fillLabels(batchLabels: Uint8Array, labels: Uint8Array, order: Uint32Array, start: number, batch: number): void {
  for (let n = 0; n < batch; n++) batchLabels[n] = labels[order[start + n]];
}

/** Like fillBatch for consecutive examples [start, start+batch) (evaluation needs no shuffle). */
export function fillRange(
  input: Float32Array, images: Uint8Array, start: number, batch: number, pixels: number, scale: number,
): void {
  const src = start * pixels;
  const n = batch * pixels;
  for (let p = 0; p < n; p++) input[p] = images[src + p] * scale;
}
