/**
 * Where `train` writes its model, decided twice: before any long work (`preflightModelOutput`:
 * the name, the folder, the target's kind, the model's size against the file system and the
 * loader's limits), and at the end (`choosePath`: a partial or collapsed model never replaces
 * finished work; it goes beside it, e.g. `model.partial.json`). Wiring only; the checks live in
 * out-path.ts, files/atomic.ts and io/model-file.ts.
 */

import { totalmem } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { MAX_PARAMS, estimateModelBytes, holdsFinishedWork, partialPathFor } from '../io/model-file.js';
import { paramLayout } from '../model/network.js';
import { checkOutPath } from './out-path.js';

/** Throws UsageError (architecture too large, or out-path.ts's name checks) or FileWriteError (cannot write there) before training. */
export function preflightModelOutput(given: string, sizes: readonly number[]): void {
  const count = paramLayout(sizes).count;
  if (count > MAX_PARAMS) {
    throw new UsageError(
      `--arch ${sizes.join('-')} has ${count.toLocaleString('en')} parameters; a model file mnist can save and load holds at most ${MAX_PARAMS.toLocaleString('en')}. Use smaller hidden layers.`,
    );
  }
  checkOutPath('--out', given, 'model.json', { expectedBytes: estimateModelBytes(sizes) });
}

/** `model.json` -> `model.collapsed.json`: where a model that learned nothing goes instead of over a good one. */
export function collapsedPathFor(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.collapsed${ext || '.json'}`);
}

export type ModelKind = 'complete' | 'partial' | 'collapsed';

/**
 * The path to save a model of this kind: `path` itself, unless the model is partial or collapsed
 * and `path` holds finished work, in which case the file beside it (null when that one, too,
 * holds finished work: nothing may be replaced).
 */
export async function choosePath(path: string, kind: ModelKind): Promise<string | null> {
  if (kind === 'complete' || !(await holdsFinishedWork(path))) return path;
  const beside = kind === 'partial' ? partialPathFor(path) : collapsedPathFor(path);
  return (await holdsFinishedWork(beside)) && kind === 'partial' ? null : beside;
}

/** The fast engine's WebAssembly memory is 32-bit: 4 GB for parameters, gradients and activations together. */
const WASM_MEMORY_BYTES = 4 * 2 ** 30;

/**
 * A generous estimate of training memory in bytes: parameters, gradients and optimizer state,
 * plus, per row of the largest batch, every layer's activations, pre-activations and gradients.
 */
export function estimateTrainingBytes(sizes: readonly number[], maxBatch: number): number {
  const units = sizes.reduce((sum, n) => sum + n, 0);
  return 4 * (3 * paramLayout(sizes).count + 3 * maxBatch * units);
}

/**
 * Throws UsageError before any work when the network and batch cannot fit: in the fast engine's
 * 4 GB (unless --engine reference), or in three quarters of this machine's memory.
 */
export function preflightMemory(sizes: readonly number[], batch: number, maxBatch: number, engine: string): void {
  const need = estimateTrainingBytes(sizes, maxBatch);
  const gb = (n: number) => `${(n / 2 ** 30).toFixed(1)} GB`;
  const what = `--arch ${sizes.join('-')} with batches of ${batch}`;
  if (engine !== 'reference' && need > WASM_MEMORY_BYTES) {
    throw new UsageError(`${what} needs about ${gb(need)}, more than the fast engine's 4 GB; use a smaller --batch-size or smaller layers, or --engine reference.`);
  }
  const available = 0.75 * totalmem();
  if (need > available) {
    throw new UsageError(`${what} needs about ${gb(need)} of memory and this machine has ${gb(totalmem())}; use a smaller --batch-size or smaller layers.`);
  }
}
