/**
 * The accuracy gate for `mnist predict` on realistic images (issues 4 and 8): a model trained by
 * the real `mnist train` (small: 15,000 images, 3 epochs, ~96% on MNIST test) reads every kind of
 * file in realistic.ts, from MNIST test digits and from digits drawn in code, with no refusal,
 * and within a stated distance of its accuracy on the untouched digits.
 *
 * Sized to run in a few seconds: 10 MNIST and 10 drawn digits per kind, so one digit moves a
 * kind by 5 points and the bounds below are loose per kind and tight over all kinds but scan8
 * together. The sweep with the default model and hundreds of digits per kind is
 * `npm run eval:images` (its table is in the README); there, with the default model, every kind
 * but scan8 is within 7 points of the originals of its source (the widest gap: drawn 16x16 scans,
 * 93.0% against 100.0%), and scan8 (8x8, 17 gray levels: lossy even for people) within 2.7 points
 * for MNIST digits and 18 for drawn ones.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnistError } from '../../src/errors.js';
import { digitFromBytesBounded } from '../../src/image/digit.js';
import { assertBuilt, mnist } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { accuracyOf, loadClassifier, sweep, type Classifier, type KindScore } from './accuracy-harness.js';
import { KINDS, realisticSample, type Kind } from './realistic.js';

const PER_KIND = 10;
/** Points below the originals a kind may lose in this small sample; scan8 is lossy by nature. */
const KIND_MARGIN = 15;
const SCAN8_MARGIN = 30;
/** Points below the originals all kinds but scan8 together may lose (scan8 has its own bound above). */
const OVERALL_MARGIN = 5;

let model: string;
let classifier: Classifier;
let scores: KindScore[];

beforeAll(async () => {
  assertBuilt();
  model = join(tempDir('mnist-accuracy-'), 'model.json');
  // One thread: any count gives the same weights, and a second one only competes with the other test worker.
  const run = await mnist(['train', '--limit', '15000', '--epochs', '3', '--val-size', '0', '--threads', '1', '--quiet', '--out', model]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  classifier = await loadClassifier(model);
  scores = await sweep(classifier, { mnist: PER_KIND, drawn: PER_KIND, seed: 8 });
}, 180_000);

afterAll(() => classifier?.close());

/** Both sources of one kind pooled. */
function pooled(kind: Kind) {
  const of = scores.filter((s) => s.kind === kind);
  return {
    total: of.reduce((a, s) => a + s.total, 0),
    correct: of.reduce((a, s) => a + s.correct, 0),
    refused: of.reduce((a, s) => a + s.refused, 0),
    reasons: of.flatMap((s) => s.reasons),
  };
}

describe("the trained network on realistic images of digits, through predict's pipeline", () => {
  it('reads the untouched digits (MNIST 28x28 and drawn on a canvas) at over 85%', () => {
    expect(pooled('original').refused).toBe(0);
    expect(accuracyOf(pooled('original'))).toBeGreaterThan(85);
  });

  KINDS.filter((k) => k !== 'original').forEach((kind) => {
    const margin = kind === 'scan8' ? SCAN8_MARGIN : KIND_MARGIN;
    it(`refuses no ${kind} file and reads them within ${margin} points of the originals`, () => {
      const s = pooled(kind);
      expect(s.reasons).toEqual([]);
      expect(s.refused).toBe(0);
      // Only the originals of the sources this kind has (issue 4's kinds are MNIST only).
      const sources = new Set(scores.filter((x) => x.kind === kind).map((x) => x.source));
      const originals = scores.filter((x) => x.kind === 'original' && sources.has(x.source));
      const baseline = accuracyOf({ total: originals.reduce((a, x) => a + x.total, 0), correct: originals.reduce((a, x) => a + x.correct, 0) });
      expect(accuracyOf(s)).toBeGreaterThanOrEqual(baseline - margin);
    });
  });

  it(`reads all kinds but scan8 together within ${OVERALL_MARGIN} points of the originals`, () => {
    const all = scores.filter((s) => s.kind !== 'original' && s.kind !== 'scan8');
    const total = all.reduce((a, s) => a + s.total, 0);
    const correct = all.reduce((a, s) => a + s.correct, 0);
    expect(total).toBeGreaterThan(200);
    expect(accuracyOf({ total, correct })).toBeGreaterThanOrEqual(accuracyOf(pooled('original')) - OVERALL_MARGIN);
  });

  it('scores what `mnist predict` answers: the same digit, or a refusal, for every file', async () => {
    const dir = tempDir('mnist-accuracy-files-');
    const expected = new Map<string, number | 'refused'>();
    for (const { kind, source, index, file } of realisticSample({ mnist: 1, drawn: 1, seed: 3 })) {
      const path = join(dir, `${kind}-${source}-${index}${file.name.slice(file.name.lastIndexOf('.'))}`);
      writeFileSync(path, file.bytes);
      try {
        expected.set(path, classifier.classify((await digitFromBytesBounded(file.bytes, file.name)).pixels));
      } catch (err) {
        if (!(err instanceof MnistError)) throw err;
        expected.set(path, 'refused');
      }
    }
    const run = await mnist(['predict', model, dir, '--json']);
    const answers = new Map<string, number | 'refused'>(
      run.stdout.trim().split('\n').map((line) => {
        const a = JSON.parse(line) as { file: string; digit?: number };
        return [a.file, a.digit ?? 'refused'];
      }),
    );
    expect(answers.size).toBe(expected.size);
    expect(answers).toEqual(expected);
  });
});
