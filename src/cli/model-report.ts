/**
 * Gathers what the HTML report shows (cli/test-set.ts's evaluation, the mistakes' pixels, a few
 * training digits with augmented copies) and renders it with report/html.ts. Shared by
 * `mnist report` and `mnist serve`, so both show the same page.
 */

import { DEFAULT_AUGMENT, augmentImage } from '../data/augment.js';
import { loadSplit, PIXELS } from '../data/mnist.js';
import { Rng } from '../rng.js';
import type { ModelFile } from '../io/model-file.js';
import { buildReport, type ReportSample } from '../report/html.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import type { EngineChoice } from '../engines/index.js';
import { evaluateOnTestSet, listMistakes } from './test-set.js';

/** Misclassified digits shown in the report's gallery. */
export const REPORT_MISTAKES = 100;
/** First-layer units drawn as tiles. */
export const REPORT_TILES = 256;
const SAMPLE_DIGITS = 4;
const VARIANTS = 6;

export interface ReportOptions {
  dataDir?: string;
  engine: EngineChoice;
  threads?: number;
  notice: (line: string) => void;
}

export async function renderModelReport(model: ModelFile, modelName: string, options: ReportOptions): Promise<string> {
  const run = await evaluateOnTestSet(model, options);
  const all = listMistakes(run);
  const mistakes = all.slice(0, REPORT_MISTAKES).map((m) => ({
    ...m,
    pixels: run.test.images.subarray(m.index * PIXELS, (m.index + 1) * PIXELS),
  }));
  const train = await loadSplit(run.source, 'train');
  return buildReport({
    model,
    modelName,
    evaluation: run.evaluation,
    dataLabel: run.source.label,
    engine: run.engine,
    mistakes,
    totalMistakes: all.length,
    samples: augmentedSamples(train.images, train.labels, model.training.seed),
    maxTiles: REPORT_TILES,
    generatedAt: new Date(),
    generator: `${PACKAGE_NAME} ${PACKAGE_VERSION}`,
  });
}

/** The first training images of SAMPLE_DIGITS different digits, each with VARIANTS seeded augmented copies. */
export function augmentedSamples(images: Uint8Array, labels: Uint8Array, seed: number): ReportSample[] {
  const rng = new Rng(seed);
  const seen = new Set<number>();
  const samples: ReportSample[] = [];
  for (let i = 0; i < labels.length && samples.length < SAMPLE_DIGITS; i++) {
    if (seen.has(labels[i])) continue;
    seen.add(labels[i]);
    const pixels = images.subarray(i * PIXELS, (i + 1) * PIXELS);
    const variants = Array.from({ length: VARIANTS }, () => {
      const out = new Uint8Array(PIXELS);
      augmentImage(out, 0, pixels, 0, 28, rng, DEFAULT_AUGMENT);
      return out;
    });
    samples.push({ label: labels[i], pixels, variants });
  }
  return samples;
}
