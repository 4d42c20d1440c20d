/**
 * Runs a saved model over the 10,000 MNIST test images and keeps every image's answer. One code
 * path for `mnist evaluate`, `mnist report` and the report that `mnist serve` shows, so their
 * numbers are the same by construction (training/evaluate.ts computes them). CLI wiring only:
 * picks the engine (with its fallback notice) and the data folder.
 */

import { loadSplit, locateMnist, type DataSource, type MnistSplit } from '../data/mnist.js';
import { DataError } from '../errors.js';
import type { ModelFile } from '../io/model-file.js';
import { EVAL_BATCH, evaluate, type Evaluation, type PredictionRecord } from '../training/evaluate.js';
import { createNetwork, type EngineChoice } from '../engines/index.js';


export interface TestSetRun {
  source: DataSource;
  test: MnistSplit;
  evaluation: Evaluation;
  /** Per test image: predicted digit and its probability. */
  record: PredictionRecord;
  engine: string;
}

export interface TestSetOptions {
  dataDir?: string;
  engine: EngineChoice;
  threads?: number;
  notice: (line: string) => void;
  /** Called once the data source is known (before the test set is read). */
  onSource?: (source: DataSource) => void;
}

export async function evaluateOnTestSet(model: ModelFile, options: TestSetOptions): Promise<TestSetRun> {
  const source = locateMnist({ dataDir: options.dataDir });
  options.onSource?.(source);
  const test = await loadSplit(source, 'test');
  if (test.count === 0) {
    throw new DataError(`${test.files.images.path}: the test set holds 0 images, so there is nothing to measure; use the official test files (\`mnist download --force\`).`, 'EEMPTY');
  }
  const { net, engine } = await createNetwork(model.architecture, EVAL_BATCH, {
    engine: options.engine,
    threads: options.threads,
    notice: options.notice,
  });
  const record: PredictionRecord = { predicted: new Uint8Array(test.count), confidence: new Float32Array(test.count) };
  try {
    net.importParams(model.params);
    const evaluation = evaluate(net, test, model.input.scale, record);
    return { source, test, evaluation, record, engine };
  } finally {
    await net.close();
  }
}

export interface Mistake {
  /** Index in the test set. */
  index: number;
  truth: number;
  predicted: number;
  /** The probability the network gave its (wrong) answer. */
  confidence: number;
}

/** The misclassified test images, most confident mistakes first (ties by index), at most `limit`. */
export function listMistakes(run: Pick<TestSetRun, 'test' | 'record'>, limit = Infinity): Mistake[] {
  const mistakes: Mistake[] = [];
  const { labels } = run.test;
  for (let i = 0; i < run.test.count; i++) {
    if (run.record.predicted[i] !== labels[i]) {
      mistakes.push({ index: i, truth: labels[i], predicted: run.record.predicted[i], confidence: run.record.confidence[i] });
    }
  }
  mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return mistakes.slice(0, limit);
}
