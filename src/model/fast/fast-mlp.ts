/**
 * The fast engine as a Network: the wasm MLP (src/engine/wasm-mlp.ts) on the main thread plus
 * threads-1 worker threads that share its memory. Node-only (worker_threads); the arithmetic and
 * the fork/join protocol are in the wasm module, so this file only starts and stops threads.
 */

import { Worker } from 'node:worker_threads';
import { WasmMlp } from '../../engine/wasm-mlp.js';
import type { Network, NetworkSpec } from '../network.js';
import { engineModule, WORKER_URL } from './load-wasm.js';

export class FastMlp implements Network {
  readonly spec: NetworkSpec;
  readonly maxBatch: number;
  readonly threads: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly input: Float32Array;

  private constructor(private readonly core: WasmMlp, private readonly workers: Worker[]) {
    this.spec = core.spec;
    this.maxBatch = core.maxBatch;
    this.threads = core.threads;
    this.params = core.params;
    this.grads = core.grads;
    this.input = core.input;
  }

  static async create(spec: NetworkSpec, maxBatch: number, threads: number): Promise<FastMlp> {
    const core = await WasmMlp.create(spec, maxBatch, threads, await engineModule());
    const workers: Worker[] = [];
    try {
      for (let t = 1; t < threads; t++) workers.push(await startWorker(core, t));
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    return new FastMlp(core, workers);
  }

  forward(batch: number): Float32Array {
    return this.core.forward(batch);
  }
  loss(labels: Uint8Array, batch: number): number {
    return this.core.loss(labels, batch);
  }
  backward(labels: Uint8Array, batch: number): void {
    this.core.backward(labels, batch);
  }
  sgdStep(lr: number): void {
    this.core.sgdStep(lr);
  }
  loadBatch(images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number): void {
    this.core.loadBatch(images, order, start, batch, scale);
  }
  exportParams(): Float32Array {
    return this.core.exportParams();
  }
  importParams(values: Float32Array): void {
    this.core.importParams(values);
  }
  exportGrads(): Float32Array {
    return this.core.exportGrads();
  }

  /** Lets the workers leave their command loop, then waits for them to exit. */
  async close(): Promise<void> {
    this.core.shutdown();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Starts worker t and waits until it has instantiated the module. It is unref'ed only then, so an
 * await on a starting worker keeps the process alive, while a network that is never closed does not.
 */
async function startWorker(core: WasmMlp, t: number): Promise<Worker> {
  const worker = new Worker(WORKER_URL, { workerData: core.workerData() });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const onExit = (code: number) => reject(new Error(`wasm engine worker ${t} exited with code ${code} before it started`));
    worker.once('message', () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve();
    });
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
  worker.on('error', (error) => core.fail(error));
  worker.unref();
  return worker;
}
