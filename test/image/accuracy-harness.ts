/**
 * Scores a trained model file on the realistic images of realistic.ts, kind by kind and source by
 * source: how many were refused (no digit found) and how many read right, through the same
 * bytes-level entry point the CLI uses (digitFromBytes). Shared by the fast accuracy gate in the
 * default suite and the full sweep (`npm run eval:images`). The model is run by a few lines of
 * plain forward code on the file's named weights, so this needs no engine.
 */
import { readFileSync } from 'node:fs';
import { digitFromBytes } from '../../src/image/digit.js';
import { KINDS, makeRealistic, MNIST_ONLY, streamFor, type Kind, type Source } from './realistic.js';
import { readMnist } from './user-variants.js';

export interface Classifier {
  /** The most likely digit for 784 MNIST-style bytes. */
  classify(pixels: Uint8Array): number;
}

/** A dense ReLU/sigmoid/tanh network from a model file written by `mnist train`. */
export function loadClassifier(path: string): Classifier {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  const sizes: number[] = doc.architecture.sizes;
  const activation: string = doc.architecture.activation;
  const scale: number = doc.input.scale;
  const layers = sizes.slice(1).map((out, l) => ({
    out,
    inDim: sizes[l],
    w: Float32Array.from(doc.weights[`layers.${l}.weight`]),
    b: Float32Array.from(doc.weights[`layers.${l}.bias`]),
  }));
  const f = activation === 'relu' ? (x: number) => Math.max(0, x) : activation === 'tanh' ? Math.tanh : (x: number) => 1 / (1 + Math.exp(-x));
  return {
    classify(pixels) {
      let x: Float64Array = Float64Array.from(pixels, (p) => p * scale);
      layers.forEach((layer, l) => {
        const y = new Float64Array(layer.out);
        for (let o = 0; o < layer.out; o++) {
          let s = layer.b[o];
          const row = o * layer.inDim;
          for (let i = 0; i < layer.inDim; i++) s += layer.w[row + i] * x[i];
          y[o] = l < layers.length - 1 ? f(s) : s;
        }
        x = y;
      });
      let best = 0;
      for (let k = 1; k < x.length; k++) if (x[k] > x[best]) best = k;
      return best;
    },
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

export interface SweepOptions {
  /** MNIST test digits per kind (taken evenly across the 10,000). */
  mnist: number;
  /** Drawn digits per kind (labels cycle 0-9). */
  drawn: number;
  seed?: number;
  kinds?: readonly Kind[];
}

/** Runs every kind on both sources and returns one score per (kind, source). */
export function sweep(model: Classifier, options: SweepOptions): KindScore[] {
  const test = readMnist('t10k', 10_000);
  const stride = Math.max(1, Math.floor(test.count / Math.max(1, options.mnist)));
  const scores: KindScore[] = [];
  for (const kind of options.kinds ?? KINDS) {
    for (const source of ['mnist', 'drawn'] as const) {
      const n = source === 'mnist' ? options.mnist : MNIST_ONLY.includes(kind) ? 0 : options.drawn;
      if (n === 0) continue;
      const score: KindScore = { kind, source, total: 0, refused: 0, correct: 0, reasons: [], confusions: new Map() };
      const random = streamFor(kind, source, options.seed ?? 1);
      for (let i = 0; i < n; i++) {
        const index = source === 'mnist' ? i * stride : -1;
        const digit = source === 'mnist' ? test.images.subarray(index * 784, (index + 1) * 784) : null;
        const label = source === 'mnist' ? test.labels[index] : i % 10;
        const file = makeRealistic(kind, source, digit, label, random);
        score.total++;
        let predicted: number;
        try {
          predicted = model.classify(digitFromBytes(file.bytes, file.name).pixels);
        } catch (err) {
          score.refused++;
          if (score.reasons.length < 3) score.reasons.push((err as Error).message);
          continue;
        }
        if (predicted === label) score.correct++;
        else {
          const key = `${label}->${predicted}`;
          score.confusions.set(key, (score.confusions.get(key) ?? 0) + 1);
        }
      }
      scores.push(score);
    }
  }
  return scores;
}

/** Accuracy in percent, refusals counted as wrong. */
export const accuracyOf = (s: { total: number; correct: number }) => (100 * s.correct) / Math.max(1, s.total);
