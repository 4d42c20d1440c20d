/**
 * The wasm engine's Network: a multilayer perceptron whose buffers all live in one shared
 * WebAssembly memory and whose steps run in the SIMD kernels of assembly/ on one or more threads.
 * This is the main thread's side: memory plan, views, commands, the loss, and the canonical <->
 * engine parameter order. It starts no threads and reads no files itself: a WasmHost brings the
 * compiled module and starts workers (./node.ts on Node), so this file runs in a browser unchanged.
 */

import { drawDropoutMask } from '../../model/dropout.js';
import {
  BINARY_LOSS, checkBatch, checkLabelSmoothing, checkOptimizerState, checkRows, labelSmoothingOf, type Network, type NetworkSpec,
} from '../../model/network.js';
import { SGD, stateBuffers, stepScalars, type OptimizerSpec } from '../../model/optimizers.js';
import {
  imageSeed, imageSide, transformRow, type AffineWarp, type BatchTransform, type ImageTransform, type ImageTransformFn,
} from '../../model/transform.js';
import { Rng } from '../../rng.js';
import { wasmApi, type WasmMemory, type WasmModule } from './api.js';
import { threadCandidates, ThreadTuner } from './tuner.js';
import {
  ACT_CODES, CMD_BACKWARD, CMD_BACKWARD_ROWS, CMD_EXIT, CMD_FORWARD, CMD_LOAD, CMD_LOAD_FORWARD, CMD_LOAD_TRANSFORM, CMD_LOAD_TRANSFORM_FORWARD,
  CMD_LOAD_WARP, CMD_LOAD_WARP_FORWARD, CMD_OPTIM, CMD_PARAM_GRADS, CMD_PARAM_GRADS_SGD, CMD_PARAM_SGD, CMD_SGD, LOSS_CODES, MAX_THREADS, P_ACTIVE, P_DROP_ON, P_SCALE, P_WARP_DRAW, ROW_CHUNK,
  OPT_ADAM, OPT_ARGS, OPT_MOMENTUM, OPT_NESTEROV, OPT_SGD_L2, W_ARG_SEED, W_ARG_START, W_ARGS_BYTES, W_PLAN, W_SET_FAINT_BELOW,
  W_SET_FILL_CHANCE, W_SET_MAX_ROTATE, W_SET_MAX_SCALE, W_SET_MAX_SHEAR, W_SET_MAX_SHIFT, planMemory, writeLabelSmoothing, writePlan, type MemoryPlan,
} from './plan.js';

/** AffineWarp.plan: draws one row's warp record. */
export type WarpPlanFn = AffineWarp['plan'];

// ---------------------------------------------------------------------------------------------
// The module's exports, and what a platform (./node.ts) provides: the module and worker threads

/** What assembly/index.ts exports (byte addresses and sizes are i32; lr and scale are f64). */
export interface EngineExports {
  /** The shared memory (the module re-exports the one it imports). */
  memory: WasmMemory;
  exec(plan: number, cmd: number, batch: number, lr: number): number;
  workerLoop(plan: number, index: number): void;
  workerFailed(plan: number): void;
  bytesToFloats(out: number, bytes: number, count: number, scale: number): void;
  sgdRange(params: number, grads: number, i0: number, i1: number, lr: number): void;
  gemmAxpy(
    C: number, sc: number, A: number, sam: number, sap: number, B: number, sb: number,
    M: number, N: number, P: number, bias: number, epi: number, act: number, aux: number, sx: number,
  ): void;
  gemmDot(C: number, sc: number, A: number, sa: number, W: number, K: number, M: number, O: number, bias: number): void;
  scanRows(
    x: number, r0: number, r1: number, in0: number, out0: number, csrPairs: number, csrNnz: number, csrStride: number,
    lut: number, rowBytes: number, scale: number, fromBytes: number,
  ): number;
  gatherColumns(
    masks: number, vals: number, i0: number, i1: number, batch: number, maxBatch: number, maskStride: number,
    x: number, in0: number, rowBytes: number, xValid: number, scale: number,
  ): void;
  sparseForward(
    out: number, W0T: number, b: number, r0: number, r1: number, out0: number,
    csrPairs: number, csrNnz: number, csrStride: number, act: number,
  ): void;
  sparseWeightGrad(
    dW0T: number, dZ0: number, c0: number, c1: number, i0: number, i1: number, out0: number, maxBatch: number,
    colMask: number, maskStride: number, colVal: number, batch: number,
  ): void;
  sparseWeightGradSgd(
    dW0T: number, W0T: number, dZ0: number, c0: number, c1: number, i0: number, i1: number, out0: number, maxBatch: number,
    colMask: number, maskStride: number, colVal: number, batch: number, lr: number, keep: number,
  ): void;
  softmaxRows(probs: number, logits: number, rowMax: number, rowSum: number, r0: number, r1: number, classes: number): void;
  outputGradRows(
    dZ: number, probs: number, labels: number, r0: number, r1: number, batch: number, classes: number, mse: number, smoothing: number,
  ): void;
  sgdL2Range(params: number, grads: number, i0: number, i1: number, lr: number, l2: number): void;
  momentumRange(
    params: number, velocity: number, grads: number, i0: number, i1: number, lr: number, mu: number, l2: number, nesterov: number,
  ): void;
  adamRange(
    params: number, m: number, s: number, grads: number, i0: number, i1: number,
    decay: number, l2: number, b1: number, b2: number, eps: number, stepSize: number, bc2Sqrt: number,
  ): void;
  biasGrad(dB: number, dZ: number, c0: number, c1: number, width: number, batch: number): void;
  inkBoxes(boxes: number, src: number, count: number, side: number): void;
  forwardChunk(plan: number, chunk: number, batch: number, fromStage: number): void;
  backwardRows(plan: number, r0: number, r1: number, batch: number): void;
}

/** Everything a worker thread needs to join: the same module and memory, and the plan. */
export interface WasmWorkerData {
  module: WasmModule;
  memory: WasmMemory;
  plan: number;
  layout: MemoryPlan;
  maxBatch: number;
  inputs: number;
  /** Image transforms the thread imports before it joins (ImageTransform.module and exportName). */
  transforms: TransformRef[];
  /** This worker's thread number, 1..threads-1 (the calling thread is 0). */
  index: number;
}

/**
 * Where a thread finds an image transform: ImageTransform's module URL and export name, and, for
 * an affine warp that says where (AffineWarp.planExport), the export that draws its records.
 */
export interface TransformRef {
  module: string;
  exportName: string;
  planExport?: string;
}

/** An ImageTransform (or a bare TransformRef) as the workers import it. */
function workerRef(t: TransformRef & { native?: { planExport?: string } }): TransformRef {
  const planExport = t.native?.planExport ?? t.planExport;
  return planExport === undefined ? { module: t.module, exportName: t.exportName } : { module: t.module, exportName: t.exportName, planExport };
}

/** What a thread's transform needs and has not got yet: the (shared) source images, which transform, its settings. */
export interface TransformSource {
  gen: number;
  images: Uint8Array;
  key: string;
  settings: unknown;
}

/** A started worker thread, as far as the network needs it. */
export interface WasmThread {
  terminate(): Promise<unknown>;
  /** Queues a message that the thread takes with its `receive` (joinAsWorker) when it needs it. */
  postMessage(message: TransformSource): void;
}

export function transformKey(t: TransformRef): string {
  return `${t.module}#${t.exportName}`;
}

/** Bytes per WebAssembly memory page. */
const WASM_PAGE = 65536;
/**
 * Room past the plan's buffers for resident datasets: MNIST's 70,000 images (55 MB) with room to
 * spare; larger or further datasets are staged batch by batch instead.
 */
const RESIDENT_BYTES = 256 * 2 ** 20;
/** An images array is made resident only when it holds more than this many batches: a dataset, not a batch. */
const RESIDENT_MIN_BATCHES = 4;

// Slots of the transformed load's arguments (MemoryPlan.transformArgs, i32; the wasm reads the seed
// and the start, W_ARG_*, when it draws augmentation records itself).
const T_GEN = 0;
const T_SEED = W_ARG_SEED;
const T_START = W_ARG_START;

/**
 * JavaScript's own cos, sin and pow for assembly/augment.ts: the records it draws must be the bits
 * planAugment's are, and the wasm library's functions may round differently in the last bit.
 */
const MATH_IMPORTS = { cos: Math.cos, sin: Math.sin, pow: Math.pow };

/**
 * One thread's side of a transformed load: the wasm phase calls its rows() (the module's
 * env.transformRows import) for each row chunk the thread claims, or, for a warped load whose
 * records the threads draw, its planRows() (env.planRows, before the chunk's warp). The main
 * thread writes the arguments (source generation, seed, start, each row's image index or ink box)
 * into the shared memory before the phase; a source that is new to this thread arrives by message
 * (accept), so only a change of dataset or transform costs a message, never a batch.
 */
class TransformHost {
  private gen = -1;
  private images: Uint8Array = new Uint8Array(0);
  private readonly batch: BatchTransform = { transform: { fn: () => {}, module: '', exportName: '', settings: null }, seed: 0 };
  private plan: WarpPlanFn | null = null;
  private readonly warpPlan: Float64Array;
  private readonly warpBox: Int32Array;
  private readonly rng = new Rng(0);
  private readonly args: Int32Array;
  private readonly rowSource: Int32Array;
  private readonly stage: Uint8Array;
  private readonly pixels: number;
  private readonly side: number;

  constructor(
    buffer: ArrayBufferLike, layout: MemoryPlan, maxBatch: number, pixels: number,
    private readonly fns: ReadonlyMap<string, ImageTransformFn>,
    /** Takes the next queued TransformSource, if any (worker threads); undefined on the main thread. */
    private readonly receive?: () => TransformSource | undefined,
    /** The record-drawing functions (AffineWarp.plan) of the transforms that name one, by key. */
    private readonly plans: ReadonlyMap<string, WarpPlanFn> = new Map(),
  ) {
    this.args = new Int32Array(buffer, layout.transformArgs, W_ARGS_BYTES / 4);
    this.warpPlan = new Float64Array(buffer, layout.warpPlan, maxBatch * W_PLAN);
    this.warpBox = new Int32Array(buffer, layout.warpBox, maxBatch);
    this.rowSource = new Int32Array(buffer, layout.rowSource, maxBatch);
    this.stage = new Uint8Array(buffer, layout.stage, maxBatch * pixels);
    this.pixels = pixels;
    this.side = Math.round(Math.sqrt(pixels));
  }

  accept(source: TransformSource, fn?: ImageTransformFn, plan?: WarpPlanFn): void {
    const found = fn ?? this.fns.get(source.key);
    if (found === undefined) throw new Error(`image transform ${source.key} was not loaded in this thread`);
    this.gen = source.gen;
    this.images = source.images;
    this.batch.transform.fn = found;
    this.batch.transform.settings = source.settings;
    this.plan = plan ?? this.plans.get(source.key) ?? null;
  }

  /** Draws warp records r0..r1-1 from the rows' ink boxes, as WasmMlp.loadWarped would have. */
  planRows(r0: number, r1: number): void {
    const gen = Atomics.load(this.args, T_GEN);
    if (gen !== this.gen) this.catchUp(gen);
    const plan = this.plan;
    if (plan === null) throw new Error(`image transform source ${gen} has no record-drawing function in this thread`);
    const seed = this.args[T_SEED] >>> 0;
    const start = this.args[T_START];
    const { settings } = this.batch.transform;
    for (let n = r0; n < r1; n++) {
      this.rng.reset(imageSeed(seed, start + n));
      plan(this.warpPlan, n * W_PLAN, this.warpBox[n], this.side, this.rng, settings);
    }
  }

  rows(r0: number, r1: number): void {
    const gen = Atomics.load(this.args, T_GEN);
    if (gen !== this.gen) this.catchUp(gen);
    this.batch.seed = this.args[T_SEED] >>> 0;
    const start = this.args[T_START];
    for (let n = r0; n < r1; n++) {
      transformRow(this.stage, n, this.images, this.rowSource[n], start + n, this.pixels, this.side, this.batch, this.rng);
    }
  }

  /** Takes queued sources until generation `gen` (posted before the phase began, so it is on its way). */
  private catchUp(gen: number): void {
    if (this.receive === undefined) throw new Error(`transform source ${gen} was never set on the main thread`);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    const until = Date.now() + 60_000;
    while (this.gen !== gen) {
      const next = this.receive();
      if (next !== undefined) this.accept(next);
      else if (Date.now() > until) throw new Error(`a wasm engine worker never received transform source ${gen}`);
      else Atomics.wait(nap, 0, 0, 1);
    }
  }
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
  /**
   * Use only as many of them as make a training step fastest, measured over the first steps
   * (tuner.ts); false or absent: all of them.
   */
  tuneThreads?: boolean;
  optimizer?: OptimizerSpec;
  /**
   * false: the caller never reads `grads` between step() and the next backward() (a training loop),
   * so a plain SGD step may use the gradients up instead of storing them (layer 0's weight
   * gradient, the largest; the weights are the same bits). Reading them then throws. Default true.
   */
  keepGrads?: boolean;
  /**
   * Image transforms that loadBatch will be given: the workers import them when they start, and
   * then share a transformed load's rows. Any other transform runs on the calling thread alone.
   * A transform with an affine `native` form (augmentation) needs neither: the engine warps it in
   * WebAssembly on all threads.
   */
  transforms?: readonly TransformRef[];
}

// ---------------------------------------------------------------------------------------------
// The network (the main thread's side)

export class WasmMlp implements Network {
  readonly spec: NetworkSpec;
  readonly optimizer: OptimizerSpec;
  readonly maxBatch: number;
  readonly threads: number;
  readonly params: Float32Array;
  /** The gradients; reading `grads` first completes a parameter-gradient phase that step() has not taken over yet. */
  private readonly gradValues: Float32Array;
  /** The input rows; reading `input` first completes a load that forward() has not taken over yet. */
  private readonly inputRows: Float32Array;
  /**
   * A load whose bytes are staged but not yet converted: forward() runs it in the same phase as
   * its own rows (CMD_LOAD_FORWARD), anything else that needs the rows runs it first (flushLoad).
   * pendingCmd is 0 when there is none.
   */
  private pendingCmd = 0;
  private pendingBatch = 0;
  private pendingScale = 0;
  /**
   * After a load fused with forward: the stage's rows (batch, scale) that the scan read straight
   * from the bytes, so the input rows may not hold them; reading `input` converts them. Else null.
   */
  private unconverted: { batch: number; scale: number } | null = null;
  /**
   * With plain SGD, backward() runs only the row phase (dZ) and leaves the parameter-gradient phase
   * to step(), which runs it with each block's update fused in (CMD_PARAM_GRADS_SGD): the weights
   * are the same bits, in one pass over them fewer. Anything else that reads the gradients, or
   * overwrites what the phase reads (dZ, the layer inputs, the dropout switch), runs the plain phase
   * first (flushGrads). The batch of that pending phase, 0 when there is none.
   */
  private pendingGrads = 0;
  /** keepGrads (WasmOptions): whether a fused step stores the gradients it consumes. */
  private keepGrads = true;
  /** Whether the last step() used the gradients up without storing them (keepGrads false). */
  private gradsUsedUp = false;
  /** Whether step() is plain SGD (no weight decay, no momentum), the rule backward() defers for. */
  private readonly plainSgd: boolean;
  readonly layout: MemoryPlan;
  readonly exports: EngineExports;
  private readonly classes: number;
  private readonly probs: Float32Array;
  private readonly logits: Float32Array;
  private readonly rowMax: Float32Array;
  private readonly rowSum: Float32Array;
  private readonly labels: Uint8Array;
  private readonly stage: Uint8Array;
  private readonly dropout: number;
  /** Each hidden layer's dropout mask (maxBatch, width), when spec.dropout > 0. */
  private readonly masks: Float32Array[];
  /** The plan's P_DROP_ON slot: 1 while the current step drops units. */
  private readonly dropOn: Int32Array;
  /** The optimizer's state buffers in engine order (layer 0 transposed, as params), and the step's scalars. */
  private readonly state: Float32Array[];
  private readonly optArgs: Float64Array;
  /** Optimizer steps taken so far (Adam's bias correction counts from 1). */
  private steps = 0;
  private readonly smoothing: number;
  /** Worker threads 1..threads-1 (the calling thread is thread 0). */
  private readonly workers: WasmThread[] = [];
  /** The calling thread's part of transformed loads. */
  private readonly transformHost: TransformHost;
  /** Transforms every worker has imported (transformKey). */
  private readonly workerTransforms: ReadonlySet<string>;
  /** Keys of the transforms whose warp records the workers can draw (they imported TransformRef.planExport). */
  private readonly workerPlans: ReadonlySet<string>;
  /**
   * The last transform source sent to the threads: the caller's images and transform, and the
   * shared copy; or (`draws`) a warp whose records the threads draw, which needs no images.
   */
  private sent: { images: Uint8Array; transform: ImageTransform; shared: Uint8Array; gen: number; workersHaveIt: boolean; draws: boolean } | null = null;
  /** The plan's P_SCALE slot: the last load's input scale, which the layer-0 weight gradient converts its pixel bytes with. */
  private readonly scale: Float64Array;
  /** The plan's P_WARP_DRAW slot: whether the threads draw a warped load's records (warp.ts warpRows). */
  private readonly warpDraw: Int32Array;
  /** The transformed load's arguments (slots T_*) and each row's image index, in the shared memory. */
  private readonly args: Int32Array;
  /** The built-in augmentation's settings, as float64s over the same arguments (W_SET_*). */
  private readonly warpSettings: Float64Array;
  private readonly rowSource: Int32Array;
  /** Each batch row's pixel bytes (P_ROW_BYTES): a stage row, or a row of a resident dataset. */
  private readonly rowBytes: Int32Array;
  private readonly memory: WasmMemory;
  /** The plan's P_ACTIVE slot: how many threads take part in phases (setActiveThreads). */
  private readonly active: Int32Array;
  private tuner: ThreadTuner | null = null;
  /** Datasets copied into the memory (residentBase): each array's address there. */
  private readonly resident = new WeakMap<Uint8Array, number>();
  /** Where the next resident dataset goes, and the end of the room the memory may grow to. */
  private residentEnd: number;
  private readonly residentLimit: number;
  /** A warped load's source images, ink boxes and warp records (assembly/warp.ts), and the generator that draws the records. */
  private readonly warpSrc: Uint8Array;
  private readonly warpBox: Int32Array;
  /** Each warped row's source address (P_WARP_ROWS), and the ink boxes of resident datasets' images. */
  private readonly warpRows: Int32Array;
  private readonly inkBoxCache = new WeakMap<Uint8Array, Int32Array>();
  private readonly warpPlan: Float64Array;
  private readonly warpRng = new Rng(0);
  /** Set when a worker reports an error; the next command throws it. */
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    spec: NetworkSpec, maxBatch: number, threads: number, optimizer: OptimizerSpec,
    layout: MemoryPlan, exports: EngineExports, transformHost: TransformHost, workerTransforms: ReadonlySet<string>, workerPlans: ReadonlySet<string>,
    memory: WasmMemory, maxPages: number,
  ) {
    this.memory = memory;
    this.residentEnd = layout.pages * WASM_PAGE;
    this.residentLimit = maxPages * WASM_PAGE;
    this.transformHost = transformHost;
    this.workerTransforms = workerTransforms;
    this.workerPlans = workerPlans;
    this.dropout = spec.dropout ?? 0;
    this.spec = { sizes: [...spec.sizes], activation: spec.activation, loss: spec.loss, dropout: this.dropout };
    this.smoothing = labelSmoothingOf(spec);
    if (this.smoothing !== 0) this.spec.labelSmoothing = this.smoothing;
    this.optimizer = { ...optimizer };
    this.maxBatch = maxBatch;
    this.threads = threads;
    this.layout = layout;
    this.exports = exports;
    const buf = exports.memory.buffer;
    const in0 = spec.sizes[0];
    this.classes = spec.sizes[spec.sizes.length - 1];
    this.params = new Float32Array(buf, layout.params, layout.paramCount);
    this.gradValues = new Float32Array(buf, layout.grads, layout.paramCount);
    this.plainSgd = optimizer.name === 'sgd' && optimizer.weightDecay === 0;
    this.inputRows = new Float32Array(buf, layout.input, maxBatch * in0);
    this.args = new Int32Array(buf, layout.transformArgs, W_ARGS_BYTES / 4);
    this.warpSettings = new Float64Array(buf, layout.transformArgs, W_ARGS_BYTES / 8);
    this.rowSource = new Int32Array(buf, layout.rowSource, maxBatch);
    this.rowBytes = new Int32Array(buf, layout.rowBytes, maxBatch);
    this.active = new Int32Array(buf, layout.plan + 4 * P_ACTIVE, 1);
    this.warpDraw = new Int32Array(buf, layout.plan + 4 * P_WARP_DRAW, 1);
    this.warpSrc = new Uint8Array(buf, layout.warpSrc, maxBatch * in0);
    this.warpBox = new Int32Array(buf, layout.warpBox, maxBatch);
    this.warpRows = new Int32Array(buf, layout.warpRows, maxBatch);
    this.warpPlan = new Float64Array(buf, layout.warpPlan, maxBatch * W_PLAN);
    this.probs = new Float32Array(buf, layout.layers[layout.layers.length - 1].a, maxBatch * this.classes);
    this.logits = new Float32Array(buf, layout.logits, maxBatch * this.classes);
    this.rowMax = new Float32Array(buf, layout.rowMax, maxBatch);
    this.rowSum = new Float32Array(buf, layout.rowSum, maxBatch);
    this.labels = new Uint8Array(buf, layout.labels, maxBatch);
    this.stage = new Uint8Array(buf, layout.stage, maxBatch * in0);
    this.masks = layout.layers.slice(0, -1).filter((l) => l.mask !== 0).map((l) => new Float32Array(buf, l.mask, maxBatch * l.outDim));
    this.dropOn = new Int32Array(buf, layout.plan + 4 * P_DROP_ON, 1);
    this.scale = new Float64Array(buf, layout.plan + 4 * P_SCALE, 1);
    this.state = Array.from({ length: layout.optBuffers }, (_, b) => new Float32Array(buf, layout.optState + 4 * b * layout.paramCount, layout.paramCount));
    this.optArgs = new Float64Array(buf, layout.optArgs, OPT_ARGS);
  }

  /**
   * Lays out and allocates the memory (the plan's buffers at once; it grows only past them, for
   * resident datasets, and a shared memory's old views stay valid when it grows), instantiates the
   * module on it for the calling thread, and starts threads-1 workers.
   */
  static async create(spec: NetworkSpec, maxBatch: number, options: WasmOptions, host: WasmHost): Promise<WasmMlp> {
    const { threads, optimizer = SGD, transforms = [] } = options;
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
    checkLabelSmoothing(spec);
    const dropout = spec.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
    const layout = planMemory(spec.sizes, maxBatch, stateBuffers(optimizer.name), dropout > 0, threads);
    if (layout.pages > 65536) throw new RangeError(`network too large for wasm32 memory (${layout.pages} pages)`);
    const maxPages = Math.min(65536, layout.pages + RESIDENT_BYTES / WASM_PAGE);
    const memory = new api.Memory({ initial: layout.pages, maximum: maxPages, shared: true });
    writePlan(memory.buffer, layout, maxBatch, threads, ACT_CODES[spec.activation], LOSS_CODES[spec.loss as keyof typeof LOSS_CODES]);
    writeLabelSmoothing(memory.buffer, layout, labelSmoothingOf(spec));
    const transformHost = new TransformHost(memory.buffer, layout, maxBatch, spec.sizes[0], new Map());
    const env = {
      memory, transformRows: (r0: number, r1: number) => transformHost.rows(r0, r1), planRows: (r0: number, r1: number) => transformHost.planRows(r0, r1),
      ...MATH_IMPORTS,
    };
    const instance = await api.instantiate(host.module, { env });
    const refs = transforms.map(workerRef);
    const net = new WasmMlp(
      spec, maxBatch, threads, optimizer, layout, instance.exports as unknown as EngineExports,
      transformHost, new Set(refs.map(transformKey)), new Set(refs.filter((r) => r.planExport !== undefined).map(transformKey)), memory, maxPages,
    );
    const data: WasmWorkerData = { module: host.module, memory, plan: layout.plan, layout, maxBatch, inputs: spec.sizes[0], transforms: refs, index: 0 };
    try {
      // All at once: each start imports modules and instantiates the engine, so on many cores
      // starting them one after another would take a good part of a second.
      const started = await Promise.allSettled(Array.from({ length: threads - 1 }, (_, k) => host.startWorker(
        { ...data, index: k + 1 }, k + 1, (error) => {
          net.failure ??= error; // the next command throws it
        },
      )));
      for (const s of started) if (s.status === 'fulfilled') net.workers.push(s.value);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } catch (error) {
      await Promise.all(net.workers.map((w) => w.terminate()));
      throw error;
    }
    net.keepGrads = options.keepGrads ?? true;
    if (options.tuneThreads && threads > 1) {
      net.tuner = new ThreadTuner(threadCandidates(threads));
      net.setActiveThreads(net.tuner.first);
    }
    return net;
  }

  /**
   * Fills input rows 0..batch-1 with images[order[start + n]] (or images[start + n] when order is
   * null), each pixel byte times `scale`, exactly as the reference engine's bytesToInputs does.
   * Here each row only gets the address of its bytes (in a resident copy of `images`, or in the
   * stage they are copied to); the threads convert them by row chunks, as forward() scans them.
   */
  loadBatch(
    images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number,
    transform: BatchTransform | null = null,
  ): void {
    checkBatch(batch, this.maxBatch);
    this.flushGrads();
    const pixels = this.spec.sizes[0];
    checkRows(images.length / pixels, order, start, batch);
    if (transform !== null) {
      this.loadTransformed(images, order, start, batch, scale, transform);
      return;
    }
    const { rowBytes } = this;
    const base = this.residentBase(images);
    if (base >= 0) {
      for (let n = 0; n < batch; n++) rowBytes[n] = base + (order === null ? start + n : order[start + n]) * pixels;
    } else {
      if (order === null) {
        this.stage.set(images.subarray(start * pixels, (start + batch) * pixels));
      } else {
        for (let n = 0; n < batch; n++) {
          const index = order[start + n];
          this.stage.set(images.subarray(index * pixels, (index + 1) * pixels), n * pixels);
        }
      }
      this.stageRows(batch);
    }
    this.defer(CMD_LOAD, batch, scale);
  }

  /** Points rows 0..batch-1 at the stage's rows. */
  private stageRows(batch: number): void {
    const pixels = this.spec.sizes[0];
    for (let n = 0; n < batch; n++) this.rowBytes[n] = this.layout.stage + n * pixels;
  }

  /**
   * The address of `images`' copy in the memory, made on first use, or -1 when it is not kept
   * there (loadBatch then copies each batch's rows to the stage). A dataset (more than
   * RESIDENT_MIN_BATCHES batches of rows) is copied once, growing the memory, while the room lasts:
   * its batches then cost no copy at all, as the threads read their rows in place. So an engine
   * assumes an images array it has loaded from is not changed afterwards (Network.loadBatch).
   */
  private residentBase(images: Uint8Array): number {
    const known = this.resident.get(images);
    if (known !== undefined) return known;
    if (images.length < RESIDENT_MIN_BATCHES * this.maxBatch * this.spec.sizes[0]) return -1;
    const base = this.residentEnd;
    const end = base + images.length;
    if (end > this.residentLimit) return -1;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / WASM_PAGE));
      } catch {
        return -1; // no memory to spare: stage each batch's rows instead, as for a small array
      }
    }
    new Uint8Array(this.memory.buffer, base, images.length).set(images);
    this.resident.set(images, base);
    this.residentEnd = Math.ceil(end / 64) * 64;
    return base;
  }

  /**
   * A transformed load: the threads share the rows (each transforms the rows of the chunks it
   * claims, then converts them), reading the images from a shared copy made once per dataset.
   */
  private loadTransformed(
    images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number, t: BatchTransform,
  ): void {
    const pixels = this.spec.sizes[0];
    const side = imageSide(pixels);
    const native = t.transform.native;
    // The ink boxes are i32 (side^4 < 2^31).
    if (native?.kind === 'affine' && native.recordLength === W_PLAN && side <= 215) {
      this.loadWarped(images, order, start, batch, scale, t, native, side);
      return;
    }
    if (this.sent === null || this.sent.draws || this.sent.images !== images || this.sent.transform !== t.transform) {
      const shared = this.sent?.images === images ? this.sent.shared : sharedCopy(images);
      const gen = (this.sent?.gen ?? 0) + 1;
      const key = transformKey(t.transform);
      this.sent = { images, transform: t.transform, shared, gen, workersHaveIt: this.workerTransforms.has(key), draws: false };
      const source: TransformSource = { gen, images: shared, key, settings: t.transform.settings };
      this.transformHost.accept(source, t.transform.fn);
      if (this.sent.workersHaveIt) for (const w of this.workers) w.postMessage(source);
    }
    const { args, rowSource } = this;
    for (let n = 0; n < batch; n++) rowSource[n] = order === null ? start + n : order[start + n];
    this.stageRows(batch);
    args[T_SEED] = t.seed | 0;
    args[T_START] = start;
    Atomics.store(args, T_GEN, this.sent.gen);
    if (this.threads === 1 || this.sent.workersHaveIt) {
      this.defer(CMD_LOAD_TRANSFORM, batch, scale);
    } else {
      // The workers do not have this transform: transform every row here, then convert on all threads.
      this.transformHost.rows(0, batch);
      this.defer(CMD_LOAD, batch, scale);
    }
  }

  /**
   * A transformed load whose pixel work is an affine warp: here, each row gets the address of its
   * source image (in a resident dataset, or copied to the warp stage) and its ink box (found once per
   * resident dataset, else per batch, in wasm); then each thread draws the records of the chunks
   * it claims (the generator's part, seeded as transformRow seeds it: in wasm for the built-in
   * augmentation, else in JavaScript when the workers import the drawing export; otherwise they
   * are drawn here first), and warps and converts their rows (assembly/warp.ts).
   */
  private loadWarped(
    images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number,
    t: BatchTransform, native: AffineWarp, side: number,
  ): void {
    const pixels = side * side;
    const { warpSrc, warpBox, warpPlan, warpRng, warpRows } = this;
    const base = this.residentBase(images);
    // A resident dataset is read in place, with ink boxes found once for all its images; other
    // images are copied to the source stage and boxed batch by batch.
    const boxes = base >= 0 ? this.inkBoxesOf(images, base, side) : null;
    for (let n = 0; n < batch; n++) {
      const index = order === null ? start + n : order[start + n];
      if (boxes !== null) {
        warpRows[n] = base + index * pixels;
        warpBox[n] = boxes[index];
      } else {
        warpSrc.set(images.subarray(index * pixels, (index + 1) * pixels), n * pixels);
        warpRows[n] = this.layout.warpSrc + n * pixels;
      }
    }
    if (boxes === null) this.exports.inkBoxes(this.layout.warpBox, this.layout.warpSrc, batch, side);
    const key = transformKey(t.transform);
    if (native.builtIn === 'augment') {
      // Each thread draws the records of the row chunks it claims, in wasm (assembly/augment.ts),
      // with data/augment.ts AugmentSettings (which an engine does not import) from here.
      const s = t.transform.settings as Readonly<Record<string, number | undefined>>;
      const { args, warpSettings } = this;
      args[T_SEED] = t.seed | 0;
      args[T_START] = start;
      warpSettings[W_SET_MAX_ROTATE] = s.maxRotateDeg ?? NaN;
      warpSettings[W_SET_MAX_SHEAR] = s.maxShear ?? NaN;
      warpSettings[W_SET_MAX_SCALE] = s.maxScale ?? NaN;
      warpSettings[W_SET_MAX_SHIFT] = s.maxShift ?? NaN;
      warpSettings[W_SET_FILL_CHANCE] = s.fillChance ?? 0;
      warpSettings[W_SET_FAINT_BELOW] = s.faintBelow ?? 0;
      this.warpDraw[0] = 2;
    } else if (this.threads === 1 || this.workerPlans.has(key)) {
      // Each thread draws the records of the row chunks it claims (TransformHost.planRows), so
      // the drawing is shared too and the threads do not wait for it between steps.
      if (this.sent === null || !this.sent.draws || this.sent.transform !== t.transform) {
        const gen = (this.sent?.gen ?? 0) + 1;
        const none = new Uint8Array(0);
        this.sent = { images: none, transform: t.transform, shared: none, gen, workersHaveIt: true, draws: true };
        const source: TransformSource = { gen, images: none, key, settings: t.transform.settings };
        this.transformHost.accept(source, t.transform.fn, native.plan);
        for (const w of this.workers) w.postMessage(source);
      }
      const { args } = this;
      args[T_SEED] = t.seed | 0;
      args[T_START] = start;
      Atomics.store(args, T_GEN, this.sent.gen);
      this.warpDraw[0] = 1;
    } else {
      for (let n = 0; n < batch; n++) {
        warpRng.reset(imageSeed(t.seed, start + n));
        native.plan(warpPlan, n * W_PLAN, warpBox[n], side, warpRng, t.transform.settings);
      }
      this.warpDraw[0] = 0;
    }
    this.stageRows(batch);
    this.defer(CMD_LOAD_WARP, batch, scale);
  }

  /** The ink box (data/augment.ts inkBox) of every image of a resident dataset at `base`, found once. */
  private inkBoxesOf(images: Uint8Array, base: number, side: number): Int32Array {
    const known = this.inkBoxCache.get(images);
    if (known !== undefined) return known;
    const pixels = side * side;
    const count = images.length / pixels;
    const boxes = new Int32Array(count);
    for (let i = 0; i < count; i += this.maxBatch) {
      const n = Math.min(this.maxBatch, count - i);
      this.exports.inkBoxes(this.layout.warpBox, base + i * pixels, n, side);
      boxes.set(this.warpBox.subarray(0, n), i);
    }
    this.inkBoxCache.set(images, boxes);
    return boxes;
  }

  /** (maxBatch, sizes[0]) input rows, with the last loadBatch's rows in place. */
  get input(): Float32Array {
    this.flushGrads(); // the caller may overwrite the rows that a pending dW0 reads
    this.flushLoad();
    if (this.unconverted !== null) {
      const { batch, scale } = this.unconverted;
      this.unconverted = null;
      this.run(CMD_LOAD, batch, scale);
    }
    return this.inputRows;
  }

  /** The gradients of the last backward(), complete. */
  get grads(): Float32Array {
    this.flushGrads();
    if (this.gradsUsedUp) {
      throw new Error('the gradients were used up by step(): this network was created with keepGrads: false; read them between backward() and step()');
    }
    return this.gradValues;
  }

  /** Runs a parameter-gradient phase that backward() left for step(), without the update. */
  private flushGrads(): void {
    if (this.pendingGrads === 0) return;
    const batch = this.pendingGrads;
    this.pendingGrads = 0;
    this.run(CMD_PARAM_GRADS, batch, 0);
  }

  private defer(cmd: number, batch: number, scale: number): void {
    // The parameter phase of the batch before has run (loadBatch flushed it): the scale is this batch's now.
    this.scale[0] = scale;
    this.unconverted = null;
    this.pendingCmd = cmd;
    this.pendingBatch = batch;
    this.pendingScale = scale;
  }

  private flushLoad(): void {
    if (this.pendingCmd === 0) return;
    const cmd = this.pendingCmd;
    this.pendingCmd = 0;
    this.run(cmd, this.pendingBatch, this.pendingScale);
  }

  /** Runs the batch in `input`; returns the (batch, classes) probabilities, valid until the next call. */
  forward(batch: number, dropout?: Rng | null): Float32Array {
    checkBatch(batch, this.maxBatch);
    this.flushGrads(); // before the masks and the dropout switch change under it
    const masked = this.dropout > 0 && dropout != null;
    // The masks are drawn here, on the calling thread, in the reference engine's order: layer, row, unit.
    // P_DROP_ON is published to the workers with the command, fused with a pending load or not.
    if (masked) for (const mask of this.masks) drawDropoutMask(mask, batch * (mask.length / this.maxBatch), this.dropout, dropout);
    this.dropOn[0] = masked ? 1 : 0;
    if (this.pendingCmd !== 0 && this.pendingBatch === batch) {
      const cmd = this.pendingCmd === CMD_LOAD ? CMD_LOAD_FORWARD
        : this.pendingCmd === CMD_LOAD_WARP ? CMD_LOAD_WARP_FORWARD : CMD_LOAD_TRANSFORM_FORWARD;
      this.pendingCmd = 0;
      this.run(cmd, batch, this.pendingScale);
      this.unconverted = { batch, scale: this.pendingScale };
    } else {
      this.flushLoad();
      this.run(CMD_FORWARD, batch, 0);
    }
    return this.probs.subarray(0, batch * this.classes);
  }

  /**
   * Mean loss of the last forward. Cross-entropy from the logits as log(sum e^(z-max)) - (z[label]-max)
   * (with label smoothing: minus sum_k q[k] (z[k]-max), as kernels.ts), with the row max and sum the
   * softmax kept; MSE from the probabilities. Both in float64, as the reference.
   */
  loss(labels: Uint8Array, batch: number): number {
    checkBatch(batch, this.maxBatch);
    const C = this.classes;
    let total = 0;
    const e = this.smoothing;
    if (this.spec.loss === 'cross-entropy' && e !== 0) {
      for (let n = 0; n < batch; n++) {
        let dot = 0;
        for (let k = 0; k < C; k++) dot += (k === labels[n] ? 1 - e + e / C : e / C) * (this.logits[n * C + k] - this.rowMax[n]);
        total += Math.log(this.rowSum[n]) - dot;
      }
    } else if (this.spec.loss === 'cross-entropy') {
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

  /**
   * Overwrites grads with the gradient of the last forward's mean loss. With plain SGD only the
   * row phase runs here; the parameter gradients follow in step() or when first needed (pendingGrads).
   */
  backward(labels: Uint8Array, batch: number): void {
    checkBatch(batch, this.maxBatch);
    for (let n = 0; n < batch; n++) this.labels[n] = labels[n];
    this.gradsUsedUp = false;
    if (this.plainSgd) {
      this.run(CMD_BACKWARD_ROWS, batch, 0);
      this.pendingGrads = batch;
    } else {
      this.run(CMD_BACKWARD, batch, 0);
    }
  }

  /**
   * One update by the optimizer rule, on all threads (assembly/optim.ts); each rule equals its
   * reference kernel bit for bit. The step's scalars are computed here once, as the reference does.
   */
  step(lr: number): void {
    if (this.tuner !== null) {
      const count = this.tuner.step(performance.now());
      if (count !== this.activeThreads) this.setActiveThreads(count);
    }
    const o = this.optimizer;
    this.steps++;
    const k = stepScalars(o, this.steps, lr);
    if (o.name === 'sgd' && k.l2 === 0) {
      // params -= lr * grads, in float64 as kernels.ts's sgdUpdate: block by block as each block's
      // gradients are computed when backward() left them pending, else in one pass.
      const batch = this.pendingGrads;
      this.pendingGrads = 0;
      if (batch === 0) this.run(CMD_SGD, 0, lr);
      else if (this.keepGrads) this.run(CMD_PARAM_GRADS_SGD, batch, lr);
      else {
        this.run(CMD_PARAM_SGD, batch, lr);
        this.gradsUsedUp = true;
      }
      return;
    }
    const rule = o.name === 'sgd' ? OPT_SGD_L2 : o.name === 'momentum' ? OPT_MOMENTUM : o.name === 'nesterov' ? OPT_NESTEROV : OPT_ADAM;
    // The f64 slots of assembly/optim.ts's A_* constants, in order.
    const args = this.optArgs;
    args[0] = rule;
    args[1] = k.stepSize;
    args[2] = k.decay;
    args[3] = k.l2;
    args[4] = o.momentum;
    args[5] = o.beta1;
    args[6] = o.beta2;
    args[7] = o.eps;
    args[8] = k.bc2Sqrt;
    this.run(CMD_OPTIM, 0, 0);
  }

  /** [steps taken, then each state buffer in canonical order]: see Network.exportOptimizerState. */
  exportOptimizerState(): Float32Array {
    const n = this.params.length;
    const out = new Float32Array(1 + this.state.length * n);
    out[0] = this.steps;
    this.state.forEach((buffer, b) => out.set(this.toCanonical(buffer), 1 + b * n));
    return out;
  }

  importOptimizerState(values: Float32Array): void {
    const n = this.params.length;
    const steps = checkOptimizerState(values, this.optimizer, n);
    this.state.forEach((buffer, b) => this.fromCanonical(buffer, values.subarray(1 + b * n, 1 + (b + 1) * n)));
    this.steps = steps;
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
    this.fromCanonical(this.params, values);
  }

  /** Writes canonical-order `values` into an engine-order buffer of the params' layout. */
  private fromCanonical(target: Float32Array, values: Float32Array): void {
    target.set(values);
    const { inDim, outDim, weightOffset } = this.layout.layers[0];
    // Canonical W0 is (out, in); the engine keeps W0T (in, out) so a nonzero input is one contiguous row.
    for (let o = 0; o < outDim; o++) {
      for (let i = 0; i < inDim; i++) target[weightOffset + i * outDim + o] = values[weightOffset + o * inDim + i];
    }
  }

  /** A copy of the gradients in canonical order. */
  exportGrads(): Float32Array {
    return this.toCanonical(this.grads);
  }

  /**
   * Threads that share the work from now on, 1..threads: the others sleep. Results do not depend
   * on it. Set by the tuner while it measures; tests and benchmarks may set it too.
   */
  setActiveThreads(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.threads) throw new RangeError(`active threads must be 1..${this.threads}, got ${count}`);
    Atomics.store(this.active, 0, count);
    Atomics.notify(this.active, 0);
  }

  /** Threads sharing the work now (setActiveThreads; the tuner's choice once it has made it). */
  get activeThreads(): number {
    return Atomics.load(this.active, 0);
  }

  /** The thread tuner, when the network was created with tuneThreads (for reports); else null. */
  get threadTuning(): ThreadTuner | null {
    return this.tuner;
  }

  /** Lets the workers leave their command loop, then waits for them to end; the network is unusable afterwards. */
  async close(): Promise<void> {
    if (!this.closed) {
      // grads stay readable after close, complete.
      if (this.failure === null) this.flushGrads();
      this.closed = true;
      this.pendingCmd = 0;
      this.pendingGrads = 0;
      if (this.threads > 1) {
        this.setActiveThreads(this.threads); // wakes the resting workers, so that they see CMD_EXIT
        this.exports.exec(this.layout.plan, CMD_EXIT, 0, 0);
      }
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
    // Every other command overwrites or reads what a pending parameter phase needs (the fused step
    // takes the phase over before it gets here).
    this.flushGrads();
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

// ---------------------------------------------------------------------------------------------
// A worker thread's side

/**
 * A worker thread's side: instantiate on the shared memory, call `ready`, then serve commands
 * until CMD_EXIT (this call blocks that thread). A trap is reported to the main thread's current
 * command before it is rethrown.
 */
export function joinAsWorker(
  data: WasmWorkerData, ready: () => void,
  transforms: ReadonlyMap<string, ImageTransformFn>, receive: () => TransformSource | undefined,
  plans: ReadonlyMap<string, WarpPlanFn> = new Map(),
): void {
  const api = wasmApi();
  if (api === undefined) throw new Error('WebAssembly is not available');
  const host = new TransformHost(data.memory.buffer, data.layout, data.maxBatch, data.inputs, transforms, receive, plans);
  const env = {
    memory: data.memory, transformRows: (r0: number, r1: number) => host.rows(r0, r1), planRows: (r0: number, r1: number) => host.planRows(r0, r1),
    ...MATH_IMPORTS,
  };
  const exports = new api.Instance(data.module, { env }).exports as unknown as EngineExports;
  ready();
  try {
    exports.workerLoop(data.plan, data.index);
  } catch (error) {
    exports.workerFailed(data.plan);
    throw error;
  }
}

/** `images` itself when it already lives in shared memory, else a copy that does (threads can read it). */
function sharedCopy(images: Uint8Array): Uint8Array {
  if (typeof SharedArrayBuffer !== 'undefined' && images.buffer instanceof SharedArrayBuffer) return images;
  const copy = new Uint8Array(new SharedArrayBuffer(images.length));
  copy.set(images);
  return copy;
}
