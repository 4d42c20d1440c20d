/**
 * The wasm engine's Network: a multilayer perceptron whose buffers all live in one shared
 * WebAssembly memory and whose steps run in the SIMD kernels of assembly/ on one or more threads.
 * This is the main thread's side: memory plan, views, commands, the loss, and the canonical <->
 * engine parameter order. It starts no threads and reads no files itself: a WasmHost brings the
 * compiled module and starts workers (./node.ts on Node), so this file runs in a browser unchanged.
 */

import { BINARY_LOSS, checkBatch, checkRows, type Network, type NetworkSpec } from '../../model/network.js';
import { SGD, type OptimizerSpec } from '../../model/optimizers.js';
import { wasmApi, type WasmMemory, type WasmModule } from './api.js';
import {
  ACT_CODES, CMD_BACKWARD, CMD_EXIT, CMD_FORWARD, CMD_LOAD, CMD_SGD, LOSS_CODES, MAX_THREADS, ROW_CHUNK,
  planMemory, writePlan, type MemoryPlan,
} from './plan.js';

/** What assembly/index.ts exports (byte addresses and sizes are i32; lr and scale are f64). */
export interface EngineExports {
  /** The shared memory (the module re-exports the one it imports). */
  memory: WasmMemory;
  exec(plan: number, cmd: number, batch: number, lr: number): number;
  workerLoop(plan: number): void;
  workerFailed(plan: number): void;
  bytesToFloats(out: number, bytes: number, count: number, scale: number): void;
  sgdRange(params: number, grads: number, i0: number, i1: number, lr: number): void;
  gemmAxpy(
    C: number, sc: number, A: number, sam: number, sap: number, B: number, sb: number,
    M: number, N: number, P: number, bias: number, epi: number, act: number, aux: number, sx: number,
  ): void;
  gemmDot(C: number, sc: number, A: number, sa: number, W: number, K: number, M: number, O: number, bias: number): void;
  scanRows(
    x: number, r0: number, r1: number, chunk: number, in0: number, out0: number, maxBatch: number,
    csrPairs: number, csrPix: number, csrNnz: number, csrStride: number,
    colMask: number, maskStride: number, colVal: number, lut: number,
  ): number;
  sparseForward(
    out: number, W0T: number, b: number, r0: number, r1: number, out0: number,
    csrPairs: number, csrNnz: number, csrStride: number, act: number,
  ): void;
  sparseWeightGrad(
    dW0T: number, dZ0: number, c0: number, c1: number, in0: number, out0: number, maxBatch: number,
    colMask: number, maskStride: number, colVal: number, batch: number,
  ): void;
  softmaxRows(probs: number, logits: number, rowMax: number, rowSum: number, r0: number, r1: number, classes: number): void;
  outputGradRows(dZ: number, probs: number, labels: number, r0: number, r1: number, batch: number, classes: number, mse: number): void;
  biasGrad(dB: number, dZ: number, c0: number, c1: number, width: number, batch: number): void;
  forwardChunk(plan: number, chunk: number, batch: number): void;
  backwardRows(plan: number, r0: number, r1: number, batch: number): void;
}

/** Everything a worker thread needs to join: the same module and memory, and the plan. */
export interface WasmWorkerData {
  module: WasmModule;
  memory: WasmMemory;
  plan: number;
}

/** A started worker thread, as far as the network needs it. */
export interface WasmThread {
  terminate(): Promise<unknown>;
}

/** What the platform provides: the compiled engine module, and a way to start worker threads. */
export interface WasmHost {
  module: WasmModule;
  /**
   * Starts worker thread `index` (1-based) running joinAsWorker(data), and resolves once it has
   * joined. `onError` receives a later failure of that thread.
   */
  startWorker(data: WasmWorkerData, index: number, onError: (error: Error) => void): Promise<WasmThread>;
}

export interface WasmOptions {
  /** Threads including the calling one, 1..MAX_THREADS. Any count gives bit-identical results. */
  threads: number;
  optimizer?: OptimizerSpec;
}

export class WasmMlp implements Network {
  readonly spec: NetworkSpec;
  readonly optimizer: OptimizerSpec;
  readonly maxBatch: number;
  readonly threads: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly input: Float32Array;
  readonly layout: MemoryPlan;
  readonly exports: EngineExports;
  private readonly classes: number;
  private readonly probs: Float32Array;
  private readonly logits: Float32Array;
  private readonly rowMax: Float32Array;
  private readonly rowSum: Float32Array;
  private readonly labels: Uint8Array;
  private readonly stage: Uint8Array;
  /** Worker threads 1..threads-1 (the calling thread is thread 0). */
  private readonly workers: WasmThread[] = [];
  /** Set when a worker reports an error; the next command throws it. */
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    spec: NetworkSpec, maxBatch: number, threads: number, optimizer: OptimizerSpec,
    layout: MemoryPlan, exports: EngineExports,
  ) {
    this.spec = { sizes: [...spec.sizes], activation: spec.activation, loss: spec.loss };
    this.optimizer = optimizer;
    this.maxBatch = maxBatch;
    this.threads = threads;
    this.layout = layout;
    this.exports = exports;
    const buf = exports.memory.buffer;
    const in0 = spec.sizes[0];
    this.classes = spec.sizes[spec.sizes.length - 1];
    this.params = new Float32Array(buf, layout.params, layout.paramCount);
    this.grads = new Float32Array(buf, layout.grads, layout.paramCount);
    this.input = new Float32Array(buf, layout.input, maxBatch * in0);
    this.probs = new Float32Array(buf, layout.layers[layout.layers.length - 1].a, maxBatch * this.classes);
    this.logits = new Float32Array(buf, layout.logits, maxBatch * this.classes);
    this.rowMax = new Float32Array(buf, layout.rowMax, maxBatch);
    this.rowSum = new Float32Array(buf, layout.rowSum, maxBatch);
    this.labels = new Uint8Array(buf, layout.labels, maxBatch);
    this.stage = new Uint8Array(buf, layout.stage, maxBatch * in0);
  }

  /**
   * Lays out and allocates the memory (its final size at once: it never grows, so the views stay
   * valid), instantiates the module on it for the calling thread, and starts threads-1 workers.
   */
  static async create(spec: NetworkSpec, maxBatch: number, options: WasmOptions, host: WasmHost): Promise<WasmMlp> {
    const { threads, optimizer = SGD } = options;
    const api = wasmApi();
    if (api === undefined) throw new Error('WebAssembly is not available');
    if (spec.sizes.length < 2 || spec.sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`bad layer sizes ${spec.sizes.join('-')}`);
    }
    // A phase counts its chunks in 16 bits (assembly/threads.ts), so at most 65535 row chunks.
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 65535 * ROW_CHUNK) {
      throw new RangeError(`maxBatch must be 1..${65535 * ROW_CHUNK}, got ${maxBatch}`);
    }
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new RangeError(`threads must be 1..${MAX_THREADS}, got ${threads}`);
    }
    if (spec.loss === BINARY_LOSS) {
      // engines/index.ts sends binary networks to the reference engine; this guards direct callers.
      throw new RangeError('the wasm engine has no sigmoid output (binary cross-entropy); use the reference engine');
    }
    const layout = planMemory(spec.sizes, maxBatch);
    if (layout.pages > 65536) throw new RangeError(`network too large for wasm32 memory (${layout.pages} pages)`);
    const memory = new api.Memory({ initial: layout.pages, maximum: layout.pages, shared: true });
    writePlan(memory.buffer, layout, maxBatch, threads, ACT_CODES[spec.activation], LOSS_CODES[spec.loss as keyof typeof LOSS_CODES]);
    const instance = await api.instantiate(host.module, { env: { memory } });
    const net = new WasmMlp(spec, maxBatch, threads, optimizer, layout, instance.exports as unknown as EngineExports);
    const data: WasmWorkerData = { module: host.module, memory, plan: layout.plan };
    try {
      for (let t = 1; t < threads; t++) {
        net.workers.push(await host.startWorker(data, t, (error) => {
          net.failure ??= error; // the next command throws it
        }));
      }
    } catch (error) {
      await Promise.all(net.workers.map((w) => w.terminate()));
      throw error;
    }
    return net;
  }

  /**
   * Fills input rows 0..batch-1 with images[order[start + n]] (or images[start + n] when order is
   * null), each pixel byte times `scale`, exactly as the reference engine's bytesToInputs does:
   * the rows are copied as bytes to a staging buffer, then converted by row chunks on all threads.
   */
  loadBatch(images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number): void {
    checkBatch(batch, this.maxBatch);
    const pixels = this.spec.sizes[0];
    checkRows(images.length / pixels, order, start, batch);
    if (order === null) {
      this.stage.set(images.subarray(start * pixels, (start + batch) * pixels));
    } else {
      for (let n = 0; n < batch; n++) {
        const index = order[start + n];
        this.stage.set(images.subarray(index * pixels, (index + 1) * pixels), n * pixels);
      }
    }
    this.run(CMD_LOAD, batch, scale);
  }

  /** Runs the batch in `input`; returns the (batch, classes) probabilities, valid until the next call. */
  forward(batch: number): Float32Array {
    checkBatch(batch, this.maxBatch);
    this.run(CMD_FORWARD, batch, 0);
    return this.probs.subarray(0, batch * this.classes);
  }

  /**
   * Mean loss of the last forward. Cross-entropy from the logits as log(sum e^(z-max)) - (z[label]-max),
   * with the row max and sum the softmax kept; MSE from the probabilities. Both in float64, as the reference.
   */
  loss(labels: Uint8Array, batch: number): number {
    checkBatch(batch, this.maxBatch);
    const C = this.classes;
    let total = 0;
    if (this.spec.loss === 'cross-entropy') {
      for (let n = 0; n < batch; n++) {
        total += Math.log(this.rowSum[n]) - (this.logits[n * C + labels[n]] - this.rowMax[n]);
      }
    } else {
      for (let n = 0; n < batch; n++) {
        for (let k = 0; k < C; k++) {
          const d = this.probs[n * C + k] - (k === labels[n] ? 1 : 0);
          total += d * d;
        }
      }
    }
    return total / batch;
  }

  /** Overwrites grads with the gradient of the last forward's mean loss. */
  backward(labels: Uint8Array, batch: number): void {
    checkBatch(batch, this.maxBatch);
    for (let n = 0; n < batch; n++) this.labels[n] = labels[n];
    this.run(CMD_BACKWARD, batch, 0);
  }

  /** One update by the optimizer rule, on all threads; each rule equals its reference kernel bit for bit. */
  step(lr: number): void {
    switch (this.optimizer.name) {
      case 'sgd':
        this.run(CMD_SGD, 0, lr); // params -= lr * grads, in float64 as kernels.ts's sgdUpdate
        return;
    }
  }

  /** A copy of the parameters in canonical order (layer 0's weight transposed back to (out, in)). */
  exportParams(): Float32Array {
    return this.toCanonical(this.params);
  }

  /** Sets the parameters from canonical order. */
  importParams(values: Float32Array): void {
    if (values.length !== this.params.length) {
      throw new RangeError(`expected ${this.params.length} parameters, got ${values.length}`);
    }
    this.params.set(values);
    const { inDim, outDim, weightOffset } = this.layout.layers[0];
    // Canonical W0 is (out, in); the engine keeps W0T (in, out) so a nonzero input is one contiguous row.
    for (let o = 0; o < outDim; o++) {
      for (let i = 0; i < inDim; i++) this.params[weightOffset + i * outDim + o] = values[weightOffset + o * inDim + i];
    }
  }

  /** A copy of the gradients in canonical order. */
  exportGrads(): Float32Array {
    return this.toCanonical(this.grads);
  }

  /** Lets the workers leave their command loop, then waits for them to end; the network is unusable afterwards. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.threads > 1) this.exports.exec(this.layout.plan, CMD_EXIT, 0, 0);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private toCanonical(values: Float32Array): Float32Array {
    const out = values.slice();
    const { inDim, outDim, weightOffset } = this.layout.layers[0];
    for (let o = 0; o < outDim; o++) {
      for (let i = 0; i < inDim; i++) out[weightOffset + o * inDim + i] = values[weightOffset + i * outDim + o];
    }
    return out;
  }

  private run(cmd: number, batch: number, lr: number): void {
    if (this.closed) throw new Error('the network was closed');
    if (this.failure !== null) throw this.failure;
    let status: number;
    try {
      status = this.exports.exec(this.layout.plan, cmd, batch, lr);
    } catch (error) {
      // A trap left the phase half done (a worker may still hold a chunk): refuse any further work.
      this.failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    if (status !== 0) {
      throw this.failure ?? new Error(status === 2 ? 'a wasm engine worker stopped responding' : 'a wasm engine worker failed (see its error above)');
    }
  }
}

/**
 * A worker thread's side: instantiate on the shared memory, call `ready`, then serve commands
 * until CMD_EXIT (this call blocks that thread). A trap is reported to the main thread's current
 * command before it is rethrown.
 */
export function joinAsWorker(data: WasmWorkerData, ready: () => void): void {
  const api = wasmApi();
  if (api === undefined) throw new Error('WebAssembly is not available');
  const exports = new api.Instance(data.module, { env: { memory: data.memory } }).exports as unknown as EngineExports;
  ready();
  try {
    exports.workerLoop(data.plan);
  } catch (error) {
    exports.workerFailed(data.plan);
    throw error;
  }
}
