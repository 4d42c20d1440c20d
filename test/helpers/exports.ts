/**
 * Checking exported models against the project's own forward pass: an independent safetensors
 * reader (from the published format, as strict as the Rust library), a plain float64 forward pass
 * of nn.Sequential(Linear, act, ..., Linear), ONNX Runtime, and the reference engine's predictions
 * on a whole dataset. A missing runtime is a failure that says how to install it, never a skip.
 */

import { createRequire } from 'node:module';
import type { Dataset } from '../../src/data/split.js';
import type { ModelFile } from '../../src/io/model-file.js';
import { createNetwork } from '../../src/engines/index.js';

// ---------------------------------------------------------------------------------------------
// safetensors, from https://github.com/huggingface/safetensors#format

export interface SafetensorsTensor {
  dtype: string;
  shape: number[];
  /** The tensor's values (F32 only), decoded as little-endian. */
  values: Float32Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In file (byte offset) order. */
  tensors: Map<string, SafetensorsTensor>;
  headerLength: number;
}

/** Parses and validates a safetensors file; throws with the reason on anything the format forbids. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new Error('shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  if (!text.startsWith('{')) throw new Error('header does not start with "{"');
  const header = JSON.parse(text) as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const raw = header.__metadata__;
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('__metadata__ is not an object');
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== 'string') throw new Error(`__metadata__.${key} is not a string`);
      metadata[key] = value;
    }
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const entries: [string, { dtype: string; shape: number[]; begin: number; end: number }][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = info as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== 'string') throw new Error(`${name}: dtype missing`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${name}: bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw new Error(`${name}: bad data_offsets`);
    const [begin, end] = offsets as number[];
    const elementSize = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }[dtype];
    if (elementSize === undefined) throw new Error(`${name}: unknown dtype ${dtype}`);
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    if (end - begin !== count * elementSize) throw new Error(`${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape ${JSON.stringify(shape)} of ${dtype} needs ${count * elementSize}`);
    entries.push([name, { dtype, shape, begin, end }]);
  }
  // The byte buffer must be covered exactly: no holes, no overlaps, nothing left over.
  entries.sort((a, b) => a[1].begin - b[1].begin);
  let expected = 0;
  for (const [name, e] of entries) {
    if (e.begin !== expected) throw new Error(`${name}: starts at byte ${e.begin}, expected ${expected} (holes and overlaps are not allowed)`);
    expected = e.end;
  }
  if (expected !== dataLength) throw new Error(`tensors cover ${expected} bytes but the data section has ${dataLength}`);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, e] of entries) {
    if (e.dtype !== 'F32') throw new Error(`${name}: dtype ${e.dtype}; this reader decodes F32 only`);
    const values = new Float32Array((e.end - e.begin) / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(dataStart + e.begin + i * 4, true);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, values });
  }
  return { metadata, tensors, headerLength };
}

// ---------------------------------------------------------------------------------------------
// A plain forward pass, float64: what PyTorch's nn.Sequential(Linear, act, ..., Linear) computes.

export interface DenseLayer {
  /** (out x in), row-major, like nn.Linear.weight. */
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
}

const ACTIVATIONS: Record<string, (x: number) => number> = {
  relu: (x) => (x > 0 ? x : 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
};

/** Logits and softmax probabilities, (count, classes) row-major, for count images of `pixels` bytes times `scale`. */
export function forwardFloat64(layers: DenseLayer[], activation: string, data: Dataset, scale: number): { logits: Float64Array; probabilities: Float64Array } {
  const act = ACTIVATIONS[activation];
  if (act === undefined) throw new Error(`unknown activation ${activation}`);
  const weights = layers.map((layer) => Float64Array.from(layer.weight));
  const biases = layers.map((layer) => Float64Array.from(layer.bias));
  const inDim0 = weights[0].length / biases[0].length;
  const classes = biases[biases.length - 1].length;
  const logits = new Float64Array(data.count * classes);
  const probabilities = new Float64Array(data.count * classes);
  const nonZero = new Int32Array(inDim0);
  const input = new Float64Array(inDim0);
  const outputs = biases.map((b) => new Float64Array(b.length));
  for (let n = 0; n < data.count; n++) {
    // The first layer visits only the nonzero pixels (most of an MNIST image is background).
    let active = 0;
    for (let i = 0; i < inDim0; i++) {
      const pixel = data.images[n * inDim0 + i];
      if (pixel !== 0) {
        nonZero[active++] = i;
        input[i] = Math.fround(pixel * scale); // the float32 input the engines see
      }
    }
    let x = input;
    for (let l = 0; l < weights.length; l++) {
      const w = weights[l];
      const b = biases[l];
      const y = outputs[l];
      const inDim = x.length;
      const hidden = l < weights.length - 1;
      for (let o = 0; o < y.length; o++) {
        let sum = b[o];
        const row = o * inDim;
        if (l === 0) for (let k = 0; k < active; k++) sum += w[row + nonZero[k]] * x[nonZero[k]];
        else for (let i = 0; i < inDim; i++) sum += w[row + i] * x[i];
        y[o] = hidden ? act(sum) : sum;
      }
      x = y;
    }
    logits.set(x, n * classes);
    // Softmax with the row's max subtracted, so exp never overflows.
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, x[k]);
    let total = 0;
    for (let k = 0; k < classes; k++) total += Math.exp(x[k] - max);
    for (let k = 0; k < classes; k++) probabilities[n * classes + k] = Math.exp(x[k] - max) / total;
  }
  return { logits, probabilities };
}

/** The index of the largest value in each row (the first one on a tie, like the engine's argmaxRow). */
export function argmaxRows(values: ArrayLike<number>, classes: number): Uint8Array {
  const rows = values.length / classes;
  const digits = new Uint8Array(rows);
  for (let n = 0; n < rows; n++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (values[n * classes + k] > values[n * classes + best]) best = k;
    digits[n] = best;
  }
  return digits;
}

/** The smallest gap between the two largest values of any row. */
export function minTopTwoGap(values: ArrayLike<number>, classes: number): number {
  let min = Infinity;
  for (let row = 0; row < values.length; row += classes) {
    let first = -Infinity;
    let second = -Infinity;
    for (let k = 0; k < classes; k++) {
      const v = values[row + k];
      if (v > first) [first, second] = [v, first];
      else if (v > second) second = v;
    }
    min = Math.min(min, first - second);
  }
  return min;
}

/** Gaps below this between a model's two most likely digits are a coin toss for float32 rounding. */
const NEAR_TIE = 1e-5;

/**
 * Asserts that another runtime predicts the project's digit for every image. Equality is only
 * meaningful where the project's top two probabilities are clearly apart (two runtimes sum in
 * different orders and differ by ~1e-6), so the model must have no near-tie; a test model that
 * has one fails here with that reason, on every machine, instead of flipping a digit on some.
 */
export function expectSameDigits(theirs: ArrayLike<number>, ours: Float32Array, classes: number, what: string): void {
  const gap = minTopTwoGap(ours, classes);
  if (!(gap > NEAR_TIE)) {
    throw new Error(`${what}: for some image the model's two most likely digits are only ${gap} apart, so rounding could flip it; use a test model (seed) without near-ties`);
  }
  const a = argmaxRows(theirs, classes);
  const b = argmaxRows(ours, classes);
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} predictions, expected ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      const row = (v: ArrayLike<number>) => Array.from({ length: classes }, (_, k) => v[i * classes + k].toPrecision(4)).join(' ');
      throw new Error(`${what}: image ${i}: digit ${a[i]}, the project says ${b[i]} (probabilities ${row(theirs)} vs ${row(ours)})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The project's own predictions: the engine `mnist evaluate` picks (the fast one where it runs),
// fed exactly as `mnist evaluate` feeds it.

const BATCH = 1000;

export async function projectProbabilities(model: Pick<ModelFile, 'architecture' | 'params' | 'input'>, data: Dataset): Promise<Float32Array> {
  const spec = model.architecture;
  const classes = spec.sizes[spec.sizes.length - 1];
  // One thread: the same arithmetic (any thread count gives identical results) without starting workers.
  const { net } = await createNetwork(spec, BATCH, { engine: 'auto', threads: 1, notice: () => undefined });
  try {
    net.importParams(model.params);
    const out = new Float32Array(data.count * classes);
    for (let start = 0; start < data.count; start += BATCH) {
      const batch = Math.min(BATCH, data.count - start);
      net.loadBatch(data.images, null, start, batch, model.input.scale);
      out.set(net.forward(batch).subarray(0, batch * classes), start * classes);
    }
    return out;
  } finally {
    await net.close();
  }
}

/** The same float32 input rows `mnist evaluate` feeds its network: pixel * scale. */
export function scaledInputs(data: Dataset, pixels: number, scale: number): Float32Array {
  const x = new Float32Array(data.count * pixels);
  for (let p = 0; p < x.length; p++) x[p] = data.images[p] * scale;
  return x;
}

// ---------------------------------------------------------------------------------------------
// ONNX Runtime

type Ort = typeof import('onnxruntime-node');

/** onnxruntime-node, or an error that says how to install it (it is a devDependency). */
export function loadOnnxRuntime(): Ort {
  try {
    return createRequire(import.meta.url)('onnxruntime-node') as Ort;
  } catch (error) {
    throw new Error(
      `ONNX Runtime is missing (${(error as Error).message.split('\n')[0]}). It is a devDependency: run \`npm install\` in the project ` +
        'folder (the project .npmrc line onnxruntime-node-install=skip lets it install without downloading extra binaries).',
    );
  }
}

/** Runs an ONNX file on (count, width) float32 rows and returns its two outputs. */
export async function runOnnx(ort: Ort, path: string, input: Float32Array, count: number, width: number): Promise<{ probabilities: Float32Array; logits: Float32Array; session: { inputNames: readonly string[]; outputNames: readonly string[] } }> {
  const session = await ort.InferenceSession.create(path);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', input, [count, width]) });
    return {
      probabilities: result.probabilities.data as Float32Array,
      logits: result.logits.data as Float32Array,
      session: { inputNames: [...session.inputNames], outputNames: [...session.outputNames] },
    };
  } finally {
    await session.release();
  }
}
