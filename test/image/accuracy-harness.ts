/**
 * Scores a trained model file on the realistic images of realistic.ts, kind by kind and source by
 * source: how many were refused (no digit found) and how many read right. The model is loaded
 * and run by the code `mnist predict` runs (src/cli/read-digit.ts: loadModel's checks, the
 * reference engine), and each file's bytes are decoded as predict decodes a file
 * (digitFromBytesBounded), so a score is what predict would answer. Shared by the fast accuracy
 * gate in the default suite and the full sweep (`npm run eval:images`).
 */
import { MnistError } from '../../src/errors.js';
import { classifyDigit, loadDigitReader } from '../../src/cli/read-digit.js';
import { digitFromBytesBounded } from '../../src/image/digit.js';
import { realisticSample, type Kind, type SampleOptions, type Source } from './realistic.js';

export interface Classifier {
  /** The most likely digit for 784 MNIST-style bytes (the lower digit on a tie, as predict ranks). */
  classify(pixels: Uint8Array): number;
  close(): Promise<void>;
}

/**
 * A model file written by `mnist train`, ready to classify. Rejects with predict's one-line
 * MnistError for a file that is missing or not a valid model.
 */
export async function loadClassifier(path: string): Promise<Classifier> {
  const { model, net } = await loadDigitReader(path);
  return {
    classify(pixels) {
      const probabilities = classifyDigit(net, pixels, model.input.scale);
      let best = 0;
      for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;
      return best;
    },
    close: () => net.close(),
  };
}

export interface KindScore {
  kind: Kind;
  source: Source;
  total: number;
  refused: number;
  correct: number;
  /** Refusal messages seen (the first few), to show what went wrong. */
  reasons: string[];
  /** label -> predicted digit counts of the mistakes, "3->5" style. */
  confusions: Map<string, number>;
}

/**
 * Runs every kind on both sources (realisticSample's files) and returns one score per (kind,
 * source) that has files. A file predict refuses (a MnistError) counts as refused; any other
 * error is a bug and is thrown.
 */
export async function sweep(model: Classifier, options: SampleOptions): Promise<KindScore[]> {
  const scores = new Map<string, KindScore>();
  for (const { kind, source, label, file } of realisticSample(options)) {
    const key = `${kind}/${source}`;
    let score = scores.get(key);
    if (!score) scores.set(key, (score = { kind, source, total: 0, refused: 0, correct: 0, reasons: [], confusions: new Map() }));
    score.total++;
    let predicted: number;
    try {
      predicted = model.classify((await digitFromBytesBounded(file.bytes, file.name)).pixels);
    } catch (err) {
      if (!(err instanceof MnistError)) throw err;
      score.refused++;
      if (score.reasons.length < 3) score.reasons.push(err.message);
      continue;
    }
    if (predicted === label) score.correct++;
    else {
      const confusion = `${label}->${predicted}`;
      score.confusions.set(confusion, (score.confusions.get(confusion) ?? 0) + 1);
    }
  }
  return [...scores.values()];
}

/** Accuracy in percent, refusals counted as wrong. */
export const accuracyOf = (s: { total: number; correct: number }) => (100 * s.correct) / Math.max(1, s.total);
