/**
 * Issue 4's evidence: MNIST test digits saved the way users' files come (4-10x larger, dark on
 * light, on a transparent canvas, 16-bit, palette, interlaced, off centre on grey unevenly lit
 * noisy paper), read through loadDigitImage's pipeline and classified by a tiny classifier fitted
 * here. Accuracy must stay within 1.5 points of the accuracy on the original 28x28 images, while a
 * naive resize of the whole picture loses badly. Harder photos (ballpoint hairline, marker, ruled
 * paper) are held to a looser bound.
 *
 * On sample sizes: reading a digit back through any pipeline changes a few of the tiny
 * classifier's borderline answers each way: measured on 1000 digits, 23 lost and 23 gained for
 * upscaled files, 27 and 22 for off-centre photos. On 200 digits that churn alone moves a
 * variant's accuracy by about 1.5 points (one standard deviation), and the variants move together
 * because the same digits are borderline. So this test, sized to run in ~20 s, holds each issue
 * variant to 3.5 points and their mean to 2.5. The 1.5-point claim is measured by the same code
 * on 1000 digits per kind (makeEvaluation(6000, 1000), 90 s): originals 88.8%, the issue
 * variants 87.9-88.6%, hairline 88.3%, marker 87.4%, ruled 88.7%; naive resize 0.2-12.5%.
 */
import { describe, expect, it } from 'vitest';
import { makeEvaluation, type Evaluation, type Scores } from './user-eval.js';
import type { VariantName } from './user-variants.js';

const DIGITS = 200;
const ISSUE: VariantName[] = ['upscaled', 'inverted', 'offCentre', 'transparent', 'sixteenBit', 'palette', 'interlaced'];
const HARDER: VariantName[] = ['thinPen', 'thickMarker', 'ruledPhoto'];
const HARDER_DIGITS = 80;

describe('digits in user-like PNG files', () => {
  let evaluation: Evaluation;
  const scores = new Map<VariantName, Scores>();

  it('fits the tiny classifier: about 90% on the original 28x28 test images', () => {
    evaluation = makeEvaluation(6000, DIGITS);
    expect(evaluation.baseline).toBeGreaterThan(85);
  });

  ISSUE.forEach((variant, i) => {
    it(`reads ${variant} files within 3.5 points of the originals, where a naive resize loses more than 20`, () => {
      const s = evaluation.score(variant, 1000 + i);
      scores.set(variant, s);
      expect(s.pipeline).toBeGreaterThanOrEqual(s.baseline - 3.5);
      // Upscaled light-on-dark digits are MNIST already: only there may a naive resize keep up.
      if (variant !== 'upscaled') expect(s.naive).toBeLessThan(s.baseline - 20);
    });
  });

  it('stays within 2.5 points of the originals on average over the issue variants', () => {
    const issue = ISSUE.map((v) => scores.get(v)!);
    const mean = issue.reduce((a, s) => a + s.pipeline, 0) / issue.length;
    expect(mean).toBeGreaterThanOrEqual(evaluation.baseline - 2.5);
    const naive = issue.reduce((a, s) => a + s.naive, 0) / issue.length;
    expect(mean - naive).toBeGreaterThan(20);
  });

  HARDER.forEach((variant, i) => {
    it(`reads ${variant} photos within 6 points of the originals`, () => {
      const s = evaluation.score(variant, 2000 + i, HARDER_DIGITS);
      scores.set(variant, s);
      expect(s.pipeline).toBeGreaterThanOrEqual(s.baseline - 6);
      expect(s.naive).toBeLessThan(s.baseline - 20);
    });
  });

  it('reports the scores', () => {
    const rows = [...scores].map(
      ([v, s]) => `  ${v.padEnd(12)} originals ${s.baseline.toFixed(1).padStart(5)}%  pipeline ${s.pipeline.toFixed(1).padStart(5)}%  naive ${s.naive.toFixed(1).padStart(5)}%`,
    );
    console.log(`tiny classifier on MNIST test digits (${DIGITS}; ${HARDER_DIGITS} for the harder photos):\n${rows.join('\n')}`);
    expect(scores.size).toBe(ISSUE.length + HARDER.length);
  });
});
