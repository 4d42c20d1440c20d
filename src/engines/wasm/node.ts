/**
 * Everything of the wasm engine that needs Node, in one file: reading and compiling the built
 * .wasm, starting worker threads, and counting cores. It is also the workers' entry: a thread
 * started with ENGINE_WORKER in its workerData joins the shared memory and serves commands.
 * Node 20 starts no TypeScript workers, so when the sources run directly (vitest) both the .wasm
 * and the worker come from dist/ as built by `npm run build`.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';
import type { NetworkSpec } from '../../model/network.js';
import type { OptimizerSpec } from '../../model/optimizers.js';
import { wasmApi, wasmSupport, type WasmModule } from './api.js';
import type { ImageTransformFn } from '../../model/transform.js';
import {
  joinAsWorker, transformKey, WasmMlp, type TransformRef, type TransformSource, type WarpPlanFn, type WasmHost, type WasmThread, type WasmWorkerData,
} from './mlp.js';

const fromSources = import.meta.url.endsWith('.ts');
const builtDir = fromSources ? new URL('../../../dist/engines/wasm/', import.meta.url) : new URL('./', import.meta.url);

/** Built from assembly/ by `npm run build:wasm`. */
export const WASM_URL = new URL('mnist-engine.wasm', builtDir);
/** This file, built: the worker threads' entry. */
export const WORKER_URL = new URL('node.js', builtDir);

/** Marks workerData as an engine worker's, so this module joins only threads started by startWorker. */
const ENGINE_WORKER = 'mnistEngineWorker';

/**
 * Most threads worth starting by default. The row phases (loading and augmenting, forward, the
 * row part of backward) are cut into 8-row chunks, so a default batch of 64 has 8 chunks and a
 * 9th thread would find none; and the one multi-core measurement (issue 10: a 16-core Xeon, plain
 * epoch 0.64 s at 2 threads, 0.50 s at 4, 0.45 s at 8, 0.51-0.56 s at 16) was fastest at 8.
 */
export const DEFAULT_MAX_THREADS = 32;

/**
 * Threads to start by default: one per core, up to DEFAULT_MAX_THREADS. How many of them a
 * training run then uses is measured (tuneThreads, tuner.ts), not assumed.
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(DEFAULT_MAX_THREADS, availableParallelism()));
}

/** Whether the wasm engine can run here; `reason` is one line for the fallback notice. */
export function wasmEngineSupport(): { ok: boolean; reason?: string } {
  const wasm = wasmSupport();
  if (!wasm.ok) return wasm;
  for (const url of [WASM_URL, WORKER_URL]) {
    if (!existsSync(url)) return { ok: false, reason: `${fileURLToPath(url)} is missing; run \`npm run build\`` };
  }
  return { ok: true };
}

export interface WasmNetworkOptions {
  /** Threads including the calling one (default: defaultThreads()). Any count gives identical weights. */
  threads?: number;
  /** Use only the thread count that measures fastest over the first training steps (tuner.ts). */
  tuneThreads?: boolean;
  optimizer?: OptimizerSpec;
  /** Image transforms the workers import, so that loadBatch can run them on every thread. */
  transforms?: readonly TransformRef[];
  /** false: a plain SGD step may use the gradients up (WasmOptions.keepGrads). Default true. */
  keepGrads?: boolean;
}

/** The wasm engine's network on this process's threads. close() it to end the workers. */
export async function createWasmNetwork(spec: NetworkSpec, maxBatch: number, options: WasmNetworkOptions = {}): Promise<WasmMlp> {
  const host: WasmHost = { module: await engineModule(), startWorker };
  return WasmMlp.create(
    spec, maxBatch,
    { threads: options.threads ?? defaultThreads(), tuneThreads: options.tuneThreads, optimizer: options.optimizer, transforms: options.transforms, keepGrads: options.keepGrads },
    host,
  );
}

let compiled: Promise<WasmModule> | null = null;

/** The compiled engine module (compiled once per process; modules are shared with workers). */
export function engineModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const api = wasmApi();
    if (api === undefined) throw new Error('WebAssembly is not available');
    return api.compile(await readFile(WASM_URL));
  })();
  compiled.catch(() => {
    compiled = null;
  });
  return compiled;
}

/**
 * Starts worker t and waits until it has instantiated the module. It is unref'ed only then, so an
 * await on a starting worker keeps the process alive, while a network that is never closed does not.
 */
async function startWorker(data: WasmWorkerData, t: number, onError: (error: Error) => void): Promise<WasmThread> {
  const worker = new Worker(WORKER_URL, { workerData: { [ENGINE_WORKER]: data } });
  await new Promise<void>((resolve, reject) => {
    const onStartError = (error: Error) => reject(error);
    const onExit = (code: number) => reject(new Error(`wasm engine worker ${t} exited with code ${code} before it started`));
    worker.once('message', () => {
      worker.off('error', onStartError);
      worker.off('exit', onExit);
      resolve();
    });
    worker.once('error', onStartError);
    worker.once('exit', onExit);
  });
  worker.on('error', onError);
  worker.unref();
  return worker;
}

/**
 * The URL a worker imports a transform from. Under vitest the main thread runs the sources, so a
 * transform's module is a src/...ts file, which Node 20 cannot import: the worker takes the built
 * dist/...js instead (as it does for this file and the .wasm).
 */
export function workerImportUrl(module: string): string {
  const m = /^(.*)\/src\/(.*)\.ts$/.exec(module);
  return m === null ? module : `${m[1]}/dist/${m[2]}.js`;
}

/** Imports each transform's module and picks its export, and the export that draws its warp records where it names one. */
async function importTransforms(refs: readonly TransformRef[]): Promise<{ fns: Map<string, ImageTransformFn>; plans: Map<string, WarpPlanFn> }> {
  const fns = new Map<string, ImageTransformFn>();
  const plans = new Map<string, WarpPlanFn>();
  for (const ref of refs) {
    const module = (await import(workerImportUrl(ref.module))) as Record<string, unknown>;
    const fn = module[ref.exportName];
    if (typeof fn !== 'function') throw new Error(`${ref.module} exports no function ${ref.exportName}`);
    fns.set(transformKey(ref), fn as ImageTransformFn);
    if (ref.planExport !== undefined) {
      const plan = module[ref.planExport];
      if (typeof plan !== 'function') throw new Error(`${ref.module} exports no function ${ref.planExport}`);
      plans.set(transformKey(ref), plan as WarpPlanFn);
    }
  }
  return { fns, plans };
}

// A worker thread started by startWorker: import the transforms, join the shared memory, say so, serve until CMD_EXIT.
if (!isMainThread && (workerData as Record<string, unknown> | null)?.[ENGINE_WORKER] !== undefined) {
  const data = (workerData as Record<string, WasmWorkerData>)[ENGINE_WORKER];
  const port = parentPort!;
  const { fns, plans } = await importTransforms(data.transforms);
  const receive = () => receiveMessageOnPort(port)?.message as TransformSource | undefined;
  joinAsWorker(data, () => port.postMessage('ready'), fns, receive, plans);
}
