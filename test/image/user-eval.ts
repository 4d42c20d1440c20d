/**
 * Test helper for the user-file evaluation (user-eval-*.test.ts): fits the tiny classifier on
 * MNIST training digits, then scores each kind of user-like file twice: through our pipeline
 * (decodePng -> digitFromDecoded, what loadDigitImage does) and through a naive whole-picture
 * resize. Each file is decoded once and serves both.
 */
import { digitFromDecoded } from '../../src/image/digit.js';
import { decodePng } from '../../src/image/png.js';
import { accuracy, fitTinyClassifier, seededRandom, type TinyClassifier } from '../helpers/tiny-classifier.js';
import { makeVariant, naiveResize, readMnist, type VariantName } from './user-variants.js';

/** Accuracies (%) on one kind of file, and on the originals of the same digits. */
export interface Scores {
  pipeline: number;
  naive: number;
  baseline: number;
}

export interface Evaluation {
  /** Accuracy (%) of the tiny classifier on the original 28x28 test images. */
  baseline: number;
  /** Scores one kind of file on the first `limit` of the picked digits (all by default). */
  score(variant: VariantName, seed: number, limit?: number): Scores;
}

/**
 * Fits on `train` training digits (5 epochs, ~1.5 s). Test digits are taken evenly across the
 * 10000 (every 10000/count-th), since the first few hundred are easier than the rest.
 */
export function makeEvaluation(train: number, count: number): Evaluation {
  const trainSet = readMnist('train', train);
  const testSet = readMnist('t10k', 10000);
  const model: TinyClassifier = fitTinyClassifier(trainSet.images, trainSet.labels, trainSet.count, 5);
  const stride = Math.floor(testSet.count / count);
  const picked = Array.from({ length: count }, (_, i) => i * stride);
  const originals = picked.map((i) => testSet.images.subarray(i * 784, (i + 1) * 784));
  const labels = picked.map((i) => testSet.labels[i]);
  return {
    baseline: accuracy(model, originals, labels),
    score(variant, seed, limit = count) {
      const random = seededRandom(seed);
      const ours: Uint8Array[] = [];
      const naive: Uint8Array[] = [];
      for (const digit of originals.slice(0, limit)) {
        const name = `${variant}.png`;
        const decoded = decodePng(makeVariant(variant, digit, random), name);
        ours.push(digitFromDecoded(decoded, name).pixels);
        naive.push(naiveResize(decoded));
      }
      const subset = labels.slice(0, limit);
      return { pipeline: accuracy(model, ours, subset), naive: accuracy(model, naive, subset), baseline: accuracy(model, originals.slice(0, limit), subset) };
    },
  };
}
