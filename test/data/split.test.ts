// The training/validation split: fixed views of the training set, and one clear usage error when
// the numbers leave nothing to train on.
import { describe, expect, it } from 'vitest';
import { splitTraining, type Dataset } from '../../src/data/split.js';
import { UsageError } from '../../src/errors.js';

/** 10 images whose every pixel holds the image's index, labelled index % 10. */
function indexed(count: number): Dataset {
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) images.fill(i, i * 784, (i + 1) * 784);
  return { count, images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10) };
}

describe('splitTraining', () => {
  it('validates on the last valSize images and trains on the ones before them, or the first limit of those', () => {
    const all = indexed(10);
    const { trainSet, valSet } = splitTraining(all, 3, undefined);
    expect(trainSet.count).toBe(7);
    expect(valSet.count).toBe(3);
    expect(trainSet.images.length).toBe(7 * 784);
    expect([valSet.images[0], valSet.images[3 * 784 - 1], valSet.labels[0]]).toEqual([7, 9, 7]);
    expect(trainSet.images.buffer).toBe(all.images.buffer); // views, not copies
    const limited = splitTraining(all, 3, 4);
    expect([limited.trainSet.count, limited.trainSet.images[4 * 784 - 1], limited.valSet.images[0]]).toEqual([4, 3, 7]);
    expect(splitTraining(all, 0, undefined).valSet.count).toBe(0);
  });

  it('refuses a validation size that leaves no training images, and a limit beyond what is left', () => {
    expect(() => splitTraining(indexed(10), 10, undefined)).toThrow(UsageError);
    expect(() => splitTraining(indexed(10), 10, undefined)).toThrow(/--val-size 10 leaves no training images \(the training set has 10\)/);
    expect(() => splitTraining(indexed(10), 3, 8)).toThrow(/--limit 8 is more than the 7 training images left after --val-size 3; use --limit 7 or less/);
  });
});
