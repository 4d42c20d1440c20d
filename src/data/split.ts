/**
 * The training/validation split of MNIST's 60,000 training images: validation is the last
 * `valSize` images, training the images before them (or the first `limit` of those). Fixed, not
 * shuffled, so every run validates on the same images. Views only: nothing is copied.
 */

import { UsageError } from '../errors.js';
import { PIXELS } from './mnist.js';

/** A labelled set as compact bytes: count images of PIXELS bytes each, and count labels. */
export interface Dataset {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/**
 * Splits `all` into training and validation sets. The errors name `mnist train`'s --val-size and
 * --limit, the only way these numbers reach here.
 */
export function splitTraining(all: Dataset, valSize: number, limit: number | undefined): { trainSet: Dataset; valSet: Dataset } {
  const available = all.count - valSize;
  if (available < 1) {
    throw new UsageError(`--val-size ${valSize} leaves no training images (the training set has ${all.count}); use a smaller --val-size.`);
  }
  if (limit !== undefined && limit > available) {
    throw new UsageError(
      `--limit ${limit} is more than the ${available} training images left after --val-size ${valSize}; use --limit ${available} or less, or a smaller --val-size.`,
    );
  }
  const count = limit ?? available;
  return {
    trainSet: { count, images: all.images.subarray(0, count * PIXELS), labels: all.labels.subarray(0, count) },
    valSet: { count: valSize, images: all.images.subarray(available * PIXELS), labels: all.labels.subarray(available) },
  };
}
