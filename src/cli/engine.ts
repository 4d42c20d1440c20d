/**
 * Picks the engine that computes a network: the fast one (WebAssembly SIMD kernels on worker
 * threads, src/model/fast/) when it can run here, else the plain TypeScript reference engine.
 * Lives in the CLI because falling back is something to tell the user about.
 */

import { MnistError } from '../errors.js';
import { createReferenceNetwork } from '../model/mlp.js';
import type { Network, NetworkSpec } from '../model/network.js';

import type { ENGINE_CHOICES } from './options.js';

export type EngineChoice = (typeof ENGINE_CHOICES)[number];

export interface EngineOptions {
  engine: EngineChoice;
  /** Threads for the fast engine (default: all cores, up to 4). */
  threads?: number;
  /** A one-line notice (e.g. a fallback) for stderr. */
  notice: (line: string) => void;
}

export async function createNetwork(
  spec: NetworkSpec, maxBatch: number, options: EngineOptions,
): Promise<{ net: Network; engine: string }> {
  if (options.engine !== 'reference') {
    // Loaded only when asked for: predict and --help do not need it.
    const { createFastNetwork, defaultThreads, fastEngineSupport } = await import('../model/fast/index.js');
    const support = fastEngineSupport();
    if (support.ok) {
      const threads = options.threads ?? defaultThreads();
      const net = await createFastNetwork(spec, maxBatch, { threads });
      return { net, engine: `fast (wasm simd, ${threads} thread${threads === 1 ? '' : 's'})` };
    }
    if (options.engine === 'fast') {
      throw new MnistError(`--engine fast is not available here: ${support.reason}. Use --engine reference.`, 'ENOENGINE');
    }
    options.notice(`note: the fast engine is not available (${support.reason}); using the reference engine`);
  }
  return { net: createReferenceNetwork(spec, maxBatch), engine: 'reference' };
}
