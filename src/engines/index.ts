/**
 * Picks the engine that computes a network: the wasm one (WebAssembly SIMD kernels on worker
 * threads, ./wasm/, built from assembly/) when it can run here, else the plain TypeScript reference
 * engine (./reference/). Falling back is something to tell the user about, so it goes through the
 * caller's `notice`; the CLI decides where that line is printed.
 */

import { MnistError } from '../errors.js';
import { BINARY_LOSS, type Network, type NetworkSpec } from '../model/network.js';
import { SGD, type OptimizerSpec } from '../model/optimizers.js';
import type { ImageTransform } from '../model/transform.js';
import { createReferenceNetwork } from './reference/mlp.js';

export { createReferenceNetwork } from './reference/mlp.js';

/** `fast` is the wasm engine; `auto` takes it when it can run, else the reference engine. */
export const ENGINE_CHOICES = ['auto', 'fast', 'reference'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

export interface EngineOptions {
  engine: EngineChoice;
  /**
   * Threads for the fast engine. Default: one per core are started, and a training run uses the
   * count that measures fastest over its first steps.
   */
  threads?: number;
  /** The update rule of Network.step (default: plain SGD). */
  optimizer?: OptimizerSpec;
  /**
   * false: nothing reads the network's gradients after step() (a training loop), so the fast
   * engine's plain SGD step may use them up instead of storing them (WasmOptions.keepGrads).
   */
  keepGrads?: boolean;
  /** Image transforms loadBatch will be given (e.g. augmentation): the fast engine runs them on all its threads. */
  transforms?: readonly ImageTransform[];
  /** A one-line notice (e.g. a fallback) for the user. */
  notice: (line: string) => void;
}

/**
 * Starts compiling the fast engine's module in the background, so that it overlaps whatever the
 * caller does next (the CLI loads and hashes the data) instead of following it. Never throws:
 * createNetwork reports any problem when it is called.
 */
export function prepareEngine(engine: EngineChoice): void {
  if (engine === 'reference') return;
  import('./wasm/node.js')
    .then((wasm) => (wasm.wasmEngineSupport().ok ? wasm.engineModule() : undefined))
    .catch(() => undefined);
}

/** A network on the chosen engine, and the engine's name for logs and the model file. */
export async function createNetwork(
  spec: NetworkSpec, maxBatch: number, options: EngineOptions,
): Promise<{ net: Network; engine: string }> {
  const optimizer = options.optimizer ?? SGD;
  if (options.engine !== 'reference' && spec.loss === BINARY_LOSS) {
    // The wasm kernels compute a softmax output only; a one-unit sigmoid network is tiny anyway.
    if (options.engine === 'fast') {
      throw new MnistError('--engine fast has no sigmoid output (binary cross-entropy) yet. Use --engine reference.', 'ENOENGINE');
    }
    options.notice('note: the fast engine has no sigmoid output (binary cross-entropy); using the reference engine');
  } else if (options.engine !== 'reference') {
    // Loaded only when asked for: predict and --help do not need it, and it is the Node-only part.
    const { createWasmNetwork, defaultThreads, wasmEngineSupport } = await import('./wasm/node.js');
    const support = wasmEngineSupport();
    if (support.ok) {
      const tuneThreads = options.threads === undefined;
      const threads = options.threads ?? defaultThreads();
      const net = await createWasmNetwork(spec, maxBatch, { threads, tuneThreads, optimizer, transforms: options.transforms, keepGrads: options.keepGrads });
      const count = tuneThreads && threads > 1 ? `1-${threads} threads, the fastest measured` : `${threads} thread${threads === 1 ? '' : 's'}`;
      return { net, engine: `fast (wasm simd, ${count})` };
    }
    if (options.engine === 'fast') {
      throw new MnistError(`--engine fast is not available here: ${support.reason}. Use --engine reference.`, 'ENOENGINE');
    }
    options.notice(`note: the fast engine is not available (${support.reason}); using the reference engine`);
  }
  return { net: createReferenceNetwork(spec, maxBatch, optimizer), engine: 'reference' };
}
