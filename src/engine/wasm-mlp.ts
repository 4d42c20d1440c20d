/**
 * The wasm engine's network: a multilayer perceptron whose buffers all live in one shared
 * WebAssembly memory and whose steps run in the SIMD kernels of assembly/ on one or more threads.
 * This file is the JS side of one thread (the main one): layout, views, commands, the loss, and
 * the canonical <-> engine parameter order. It never starts threads itself (workers are node-only:
 * src/model/fast/), imports nothing from node or the project, and is shaped like model/network.ts's
 * Network so that it can be used as one.
 */

import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';
import {
  ACT_CODES, CMD_BACKWARD, CMD_EXIT, CMD_FORWARD, CMD_LOAD, CMD_SGD, LOSS_CODES, MAX_THREADS, ROW_CHUNK,
  planLayout, writePlan, type WasmLayout,
} from './wasm-layout.js';

export interface WasmSpec {
  sizes: number[];
  activation: keyof typeof ACT_CODES;
  loss: keyof typeof LOSS_CODES;
}

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

export class WasmMlp {
  readonly spec: WasmSpec;
  readonly maxBatch: number;
  readonly threads: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly input: Float32Array;
  readonly layout: WasmLayout;
  readonly exports: EngineExports;
  private readonly module: WasmModule;
  private readonly memory: WasmMemory;
  private readonly classes: number;
  private readonly probs: Float32Array;
  private readonly logits: Float32Array;
  private readonly rowMax: Float32Array;
  private readonly rowSum: Float32Array;
  private readonly labels: Uint8Array;
  private readonly stage: Uint8Array;
  /** Set when a worker reports an error; the next command throws it. */
  private failure: Error | null = null;
  private closed = false;

  private constructor(spec: WasmSpec, maxBatch: number, threads: number, module: WasmModule, memory: WasmMemory, layout: WasmLayout, exports: EngineExports) {
    this.spec = { sizes: [...spec.sizes], activation: spec.activation, loss: spec.loss };
    this.maxBatch = maxBatch;
    this.threads = threads;
    this.module = module;
    this.memory = memory;
    this.layout = layout;
    this.exports = exports;
    const buf = memory.buffer;
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
   * valid) and instantiates the module on it for the calling thread. Workers join with workerData().
   */
  static async create(spec: WasmSpec, maxBatch: number, threads: number, module: WasmModule): Promise<WasmMlp> {
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
    const layout = planLayout(spec.sizes, maxBatch);
    if (layout.pages > 65536) throw new RangeError(`network too large for wasm32 memory (${layout.pages} pages)`);
    const memory = new api.Memory({ initial: layout.pages, maximum: layout.pages, shared: true });
    writePlan(memory.buffer, layout, maxBatch, threads, ACT_CODES[spec.activation], LOSS_CODES[spec.loss]);
    const instance = await api.instantiate(module, { env: { memory } });
    return new WasmMlp(spec, maxBatch, threads, module, memory, layout, instance.exports as unknown as EngineExports);
  }

  /** What a worker passes to joinAsWorker. */
  workerData(): WasmWorkerData {
    return { module: this.module, memory: this.memory, plan: this.layout.plan };
  }

  /** Records a worker's failure; the next command throws it. */
  fail(error: Error): void {
    this.failure ??= error;
  }

  /** Runs the batch in `input`; returns the (batch, classes) probabilities, valid until the next call. */
  forward(batch: number): Float32Array {
    this.checkBatch(batch);
    this.run(CMD_FORWARD, batch, 0);
    return this.probs.subarray(0, batch * this.classes);
  }

  /**
   * Mean loss of the last forward. Cross-entropy from the logits as log(sum e^(z-max)) - (z[label]-max),
   * with the row max and sum the softmax kept; MSE from the probabilities. Both in float64, as the reference.
   */
  loss(labels: Uint8Array, batch: number): number {
    this.checkBatch(batch);
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
    this.checkBatch(batch);
    for (let n = 0; n < batch; n++) this.labels[n] = labels[n];
    this.run(CMD_BACKWARD, batch, 0);
  }

  /** Plain SGD, params -= lr * grads, on all threads; equal bit for bit to kernels.ts's sgdUpdate. */
  sgdStep(lr: number): void {
    this.run(CMD_SGD, 0, lr);
  }

  /**
   * Fills input rows 0..batch-1 with images[order[start + n]] (or images[start + n] when order is
   * null), each pixel byte times `scale`, exactly as data/batches.ts's fillBatch/fillRange do.
   */
  loadBatch(images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number): void {
    this.checkBatch(batch);
    const pixels = this.spec.sizes[0];
    const count = images.length / pixels;
    if (order === null) {
      if (start < 0 || start + batch > count) throw new RangeError(`images ${start}..${start + batch - 1} outside 0..${count - 1}`);
      this.stage.set(images.subarray(start * pixels, (start + batch) * pixels));
    } else {
      for (let n = 0; n < batch; n++) {
        const index = order[start + n];
        if (!(index < count)) throw new RangeError(`order[${start + n}] = ${index} is not an image index (0..${count - 1})`);
        this.stage.set(images.subarray(index * pixels, (index + 1) * pixels), n * pixels);
      }
    }
    this.run(CMD_LOAD, batch, scale); // the conversion, by row chunks on all threads
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

  /** Tells the workers to leave their loops (they then end); the network is unusable afterwards. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.threads > 1) this.exports.exec(this.layout.plan, CMD_EXIT, 0, 0);
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

  private checkBatch(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1 || batch > this.maxBatch) {
      throw new RangeError(`batch ${batch} outside 1..${this.maxBatch}`);
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
