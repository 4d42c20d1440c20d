/**
 * Evaluation of a network on a labelled set: mean loss, accuracy, the confusion matrix (10x10 for
 * MNIST, 2x2 for a one-unit sigmoid output) and per-class precision and recall. Runs in batches
 * through the network's preallocated buffers. Pure computation: the CLI formats and prints the result.
 */

import type { Dataset } from '../data/split.js';
import type { Network } from '../model/network.js';

/**
 * Rows per evaluation batch (validation and test passes), independent of the training batch size:
 * large, so per-batch work (the fast engine's fork/join of its threads) is paid rarely, yet the
 * input buffer stays small (500 x 784 float32 = 1.6 MB). Any size gives the same figures.
 */
export const EVAL_BATCH = 500;

export interface ClassMetrics {
  digit: number;
  /** Of the images predicted as this digit, the fraction that are this digit (null if none predicted). */
  precision: number | null;
  /** Of the images of this digit, the fraction predicted as it (null if there are none). */
  recall: number | null;
  /** How many images of this digit the set holds. */
  support: number;
}

export interface Evaluation {
  correct: number;
  total: number;
  /** Mean loss (the network's own loss function) over the set. */
  loss: number;
  /** confusion[t][p]: images of true digit t predicted as p. */
  confusion: number[][];
  perClass: ClassMetrics[];
}

/** Per-image answers, filled by evaluate() when given: the predicted class and its probability. */
export interface PredictionRecord {
  predicted: Uint8Array;
  confidence: Float32Array;
}

export function evaluate(net: Network, data: Dataset, inputScale: number, record?: PredictionRecord): Evaluation {
  const outputs = net.spec.sizes[net.spec.sizes.length - 1];
  // One sigmoid output unit is a two-class problem: p = P(label 1), the answer is 1 when p >= 0.5.
  const binary = outputs === 1;
  const classes = binary ? 2 : outputs;
  const counts = new Uint32Array(classes * classes);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += net.maxBatch) {
    const batch = Math.min(net.maxBatch, data.count - start);
    net.loadBatch(data.images, null, start, batch, inputScale);
    const labels = data.labels.subarray(start, start + batch);
    const probs = net.forward(batch);
    lossSum += net.loss(labels, batch) * batch;
    for (let n = 0; n < batch; n++) {
      const predicted = binary ? (probs[n] >= 0.5 ? 1 : 0) : argmaxRow(probs, n * classes, classes);
      const truth = labels[n];
      counts[truth * classes + predicted]++;
      if (record !== undefined) {
        record.predicted[start + n] = predicted;
        record.confidence[start + n] = binary ? (predicted === 1 ? probs[n] : 1 - probs[n]) : probs[n * classes + predicted];
      }
      if (predicted === truth) correct++;
    }
  }
  const confusion = Array.from({ length: classes }, (_, t) => Array.from(counts.subarray(t * classes, (t + 1) * classes)));
  return { correct, total: data.count, loss: data.count > 0 ? lossSum / data.count : NaN, confusion, perClass: classMetrics(confusion) };
}

/** Index of the largest of `classes` values starting at `row` (ties go to the lower index). */
export function argmaxRow(values: ArrayLike<number>, row: number, classes: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) if (values[row + k] > values[row + best]) best = k;
  return best;
}

export function classMetrics(confusion: number[][]): ClassMetrics[] {
  return confusion.map((row, digit) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[digit], 0);
    const hits = row[digit];
    return {
      digit,
      precision: predicted > 0 ? hits / predicted : null,
      recall: support > 0 ? hits / support : null,
      support,
    };
  });
}
