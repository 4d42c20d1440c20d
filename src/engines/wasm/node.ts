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
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { NetworkSpec } from '../../model/network.js';
import type { OptimizerSpec } from '../../model/optimizers.js';
import { wasmApi, wasmSupport, type WasmModule } from './api.js';
import { joinAsWorker, WasmMlp, type WasmHost, type WasmThread, type WasmWorkerData } from './mlp.js';

const fromSources = import.meta.url.endsWith('.ts');
const builtDir = fromSources ? new URL('../../../dist/engines/wasm/', import.meta.url) : new URL('./', import.meta.url);

/** Built from assembly/ by `npm run build:wasm`. */
export const WASM_URL = new URL('mnist-engine.wasm', builtDir);
/** This file, built: the worker threads' entry. */
export const WORKER_URL = new URL('node.js', builtDir);

/** Marks workerData as an engine worker's, so this module joins only threads started by startWorker. */
const ENGINE_WORKER = 'mnistEngineWorker';

/** Threads to use by default: all cores, up to 4 (a 64-row batch has little left to split beyond that). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
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
  optimizer?: OptimizerSpec;
}

/** The wasm engine's network on this process's threads. close() it to end the workers. */
export async function createWasmNetwork(spec: NetworkSpec, maxBatch: number, options: WasmNetworkOptions = {}): Promise<WasmMlp> {
  const host: WasmHost = { module: await engineModule(), startWorker };
  return WasmMlp.create(spec, maxBatch, { threads: options.threads ?? defaultThreads(), optimizer: options.optimizer }, host);
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

// A worker thread started by startWorker: join the shared memory, say so, serve until CMD_EXIT.
if (!isMainThread && (workerData as Record<string, unknown> | null)?.[ENGINE_WORKER] !== undefined) {
  joinAsWorker((workerData as Record<string, WasmWorkerData>)[ENGINE_WORKER], () => parentPort?.postMessage('ready'));
}
