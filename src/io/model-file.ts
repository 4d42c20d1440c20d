/**
 * The model file: versioned JSON holding the architecture, named weights, input normalisation,
 * training settings, metrics and provenance. Weights are written as the shortest decimals that
 * read back to exactly the same float32 values, so a saved model predicts bit for bit like the
 * trained one. Loading validates everything and names the first bad field. Saving is atomic.
 */

import { open } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ModelFileError } from '../errors.js';
import { specialFileKind, writeFileAtomic } from '../files/atomic.js';
import { ACTIVATIONS, LOSSES, MAX_LAYER_WIDTH, paramLayout, type NetworkSpec } from '../model/network.js';
import { describeOptimizerSettings } from '../model/optimizers.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { readOwnFile } from './read-file.js';

// ---------------------------------------------------------------------------------------------
// The record

export const MODEL_FORMAT = 'mnist-mlp';
export const MODEL_VERSION = 1;

/** What every model must look like: MNIST's 28x28 pixels in, the ten digits out. */
export const MODEL_INPUT_SIDE = 28;
export const MODEL_INPUTS = MODEL_INPUT_SIDE * MODEL_INPUT_SIDE;
export const MODEL_CLASSES = 10;
/** The widest hidden layer `mnist train --arch` accepts (cli/options.ts parseArch), and so the loader. */
export const MAX_HIDDEN_WIDTH = MAX_LAYER_WIDTH;
/**
 * The most parameters a model may have: about 200 MB of JSON, which loads in well under V8's
 * largest string (512 MB) and a default heap. `train` refuses bigger architectures up front,
 * so it never trains for minutes and then fails to save or to load.
 */
export const MAX_PARAMS = 16_000_000;
/** Bytes per parameter in the file, at most: `-0.123456789,` (used for the free-space check). */
const MAX_BYTES_PER_PARAM = 14;
/** A model file larger than this cannot be one that `train` wrote within MAX_PARAMS. */
const MAX_FILE_BYTES = MAX_PARAMS * MAX_BYTES_PER_PARAM + (16 << 20);
/**
 * Inputs are pixel * scale with pixels 0..255; `train` writes 1/255. A scale beyond 1 (inputs
 * past 255) or below 1e-6 (all inputs ~0) cannot be a model of MNIST pixels.
 */
const MIN_SCALE = 1e-6;
const MAX_SCALE = 1;

export interface TrainingSettingsRecord {
  epochs: number;
  batchSize: number;
  lr: number;
  schedule: string;
  optimizer: string;
  init: string;
  seed: number;
  /** Whether training images were randomly distorted (train --augment). */
  augment: boolean;
  valSize: number;
  trainImages: number;
  engine: string;
  /** Optimizer steps actually taken (fewer than planned when the run was interrupted). */
  steps: number;
  /** Dropout rate on the hidden layers while training (train --dropout); absent in older files. */
  dropout?: number;
  /** train --early-stop K, or null when every epoch ran regardless. */
  earlyStop?: number | null;
  /** With early stopping: the epoch whose weights this file holds (the lowest validation loss). */
  bestEpoch?: number | null;
  /** train --preset, or null when none was named. */
  preset?: string | null;
  /** How many times the run was resumed from its checkpoint (train --resume). */
  resumed?: number;
  // Written since the optimizers of issue 11; absent in older files, which mean sgd without decay,
  // no label smoothing, no warm-up. Each optimizer's file holds the hyperparameters its rule uses.
  /** momentum and nesterov: the momentum coefficient. */
  momentum?: number;
  /** adam and adamw. */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 added to the gradient (sgd, momentum, nesterov, adam) or decoupled decay (adamw). */
  weightDecay?: number;
  /** Label smoothing of the cross-entropy (0: none). */
  labelSmoothing?: number;
  /** Epochs of linear learning-rate warm-up in front of the schedule. */
  warmup?: number;
}

/**
 * One line for evaluate's header: `adamw (beta1 0.9, beta2 0.999, eps 1e-8, weight decay 0.01),
 * lr 0.002 cosine after 1 warm-up epoch, label smoothing 0.1, 20 epochs, batch 64, augmented`, with
 * `preset NAME: ` in front and dropout, early stopping and resumes after, when recorded.
 */
export function describeTraining(t: TrainingSettingsRecord): string {
  const optimizer = describeOptimizerSettings(t.optimizer, t);
  const warmup = t.warmup ? ` after ${t.warmup} warm-up epoch${t.warmup === 1 ? '' : 's'}` : '';
  const smoothing = t.labelSmoothing ? `, label smoothing ${t.labelSmoothing}` : '';
  const preset = t.preset ? `preset ${t.preset}: ` : '';
  const notes: string[] = [];
  if (t.dropout) notes.push(`dropout ${t.dropout}`);
  if (t.earlyStop) notes.push(`early stop ${t.earlyStop}${t.bestEpoch ? ` (best epoch ${t.bestEpoch})` : ''}`);
  if (t.resumed) notes.push(`resumed ${t.resumed}x`);
  const extra = notes.map((n) => `, ${n}`).join('');
  return `${preset}${optimizer}, lr ${t.lr} ${t.schedule}${warmup}${smoothing}, ${t.epochs} epoch${t.epochs === 1 ? '' : 's'}, batch ${t.batchSize}${t.augment ? ', augmented' : ''}${extra}`;
}

/** One epoch's figures (the training loop's EpochMetrics have this shape). */
export interface EpochRecord {
  epoch: number;
  seconds: number;
  trainLoss: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

export interface TestRecord {
  correct: number;
  total: number;
  accuracy: number;
  loss: number;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  /** True when training was interrupted and this holds the weights so far. */
  partial: boolean;
  createdAt: string;
  generator: { name: string; version: string };
  architecture: NetworkSpec & { output: 'softmax' };
  /** Input x = pixel * scale, pixels as in MNIST: 0 = background, 255 = ink, 28x28 row-major. */
  input: { width: number; height: number; scale: number };
  training: TrainingSettingsRecord;
  metrics: { epochs: EpochRecord[]; test: TestRecord | null };
  /** Data the model was trained on: where from, and the SHA-256 of each uncompressed file. */
  data: { source: string; sha256: Record<string, string> };
  /** Canonical flat parameters (paramLayout order); in the file they appear as named arrays. */
  params: Float32Array;
}

// ---------------------------------------------------------------------------------------------
// Making a record

/** What a training run knows at its end; newModelRecord adds the format, version, date and writer. */
export interface TrainedModel {
  spec: NetworkSpec;
  /** True when training was interrupted. */
  partial: boolean;
  input: ModelFile['input'];
  training: TrainingSettingsRecord;
  epochs: EpochRecord[];
  test: TestRecord | null;
  /** Where the data came from (a folder, or the embedded copy), and each file's name and SHA-256. */
  data: { source: string; files: { name: string; sha256: string }[] };
  /** Canonical (paramLayout order) parameters. */
  params: Float32Array;
}

export function newModelRecord(model: TrainedModel): ModelFile {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    partial: model.partial,
    createdAt: new Date().toISOString(),
    generator: { name: PACKAGE_NAME, version: PACKAGE_VERSION },
    architecture: {
      sizes: [...model.spec.sizes], activation: model.spec.activation, loss: model.spec.loss,
      // The loss the model was trained with, so evaluate reports the same loss as train did.
      ...(model.spec.labelSmoothing ? { labelSmoothing: model.spec.labelSmoothing } : {}),
      output: 'softmax',
    },
    input: model.input,
    training: model.training,
    metrics: { epochs: model.epochs, test: model.test },
    data: { source: model.data.source, sha256: Object.fromEntries(model.data.files.map((f) => [f.name, f.sha256])) },
    params: model.params,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

/** 10^k for k = 0..22: each exactly a float64. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The shortest decimal string that reads back (through Math.fround) as exactly `x`: x rounded to
 * 6, 7, 8 significant digits, the first that reads back, else to 9 (always enough for float32),
 * written as String() writes that number. Saving a model writes one per parameter, so the common
 * case (1e-4 <= |x| < 1e6) skips toPrecision: x times 10^s with s <= 12 is exact in float64 (24
 * bits of x, at most 28 of 10^s), so Math.round of it is x rounded to p digits (ties away from
 * zero, as toPrecision), and that integer over 10^s is the number Number(x.toPrecision(p)) reads.
 */
export function float32ToString(x: number): string {
  if (x === 0) return '0';
  const ax = Math.abs(x);
  // The decimal exponent, exact for a float32 (a test checks every power of 10 and its
  // neighbours): Math.log10 is exact at the powers, and their neighbours are more than 1e-8 away
  // relatively, far beyond its error.
  const e = Math.floor(Math.log10(ax));
  let value = 0;
  for (let p = 6; p <= 9; p++) {
    const s = p - 1 - e;
    if (s >= 0 && s <= 12) {
      const n = Math.round(ax * POW10[s]);
      value = (x < 0 ? -n : n) / POW10[s];
    } else {
      value = Number(x.toPrecision(p));
    }
    if (Math.fround(value) === x) break;
  }
  return String(value);
}


/**
 * The file's text in pieces of at most ~64k numbers, so a large model never exists as one huge
 * string (or one array of millions of strings) in memory. Checks every value first.
 */
export function* serializeModelChunks(model: ModelFile): Generator<string> {
  const { params, ...meta } = model;
  for (let i = 0; i < params.length; i++) {
    if (!Number.isFinite(params[i])) throw new ModelFileError(`refusing to save: parameter ${i} is ${params[i]}`);
  }
  const head = JSON.stringify(meta, null, 2);
  yield head.slice(0, head.lastIndexOf('}')).trimEnd() + ',\n  "weights": {\n';
  const layers = paramLayout(model.architecture.sizes).layers;
  const CHUNK = 1 << 16;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l];
    const parts: [string, Float32Array][] = [
      [`layers.${l}.weight`, params.subarray(layer.weightOffset, layer.biasOffset)],
      [`layers.${l}.bias`, params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim)],
    ];
    for (const [key, values] of parts) {
      yield `${l === 0 && key.endsWith('weight') ? '' : ',\n'}    "${key}": [`;
      for (let start = 0; start < values.length; start += CHUNK) {
        const piece = Array.from(values.subarray(start, start + CHUNK), float32ToString).join(',');
        yield start === 0 ? piece : ',' + piece;
      }
      yield ']';
    }
  }
  yield '\n  }\n}\n';
}

export function serializeModel(model: ModelFile): string {
  return Array.from(serializeModelChunks(model)).join('');
}

/** An upper bound on the file size of a model with these layer sizes (for the free-space check). */
export function estimateModelBytes(sizes: readonly number[]): number {
  return paramLayout(sizes).count * MAX_BYTES_PER_PARAM + 64 * 1024;
}

export async function saveModel(path: string, model: ModelFile): Promise<void> {
  await writeFileAtomic(path, serializeModelChunks(model));
}

/** `model.json` -> `model.partial.json`: where an interrupted run saves when `path` holds a finished model. */
export function partialPathFor(path: string): string {
  const ext = extname(path);
  const stem = basename(path, ext);
  return join(dirname(path), `${stem}.partial${ext || '.json'}`);
}

/**
 * Whether `path` holds something an interrupted run must not replace: any existing file except
 * a partial model (`"partial": true` near the top, where `mnist train` writes it). Reads 64 kB at most.
 */
export async function holdsFinishedWork(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    if (!(await handle.stat()).isFile()) return true;
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8');
    return !(head.includes(`"format": "${MODEL_FORMAT}"`) && /"partial":\s*true/.test(head));
  } finally {
    await handle.close();
  }
}

/**
 * The createdAt of the model file at `path`, read from its first 64 kB (`mnist train` writes it
 * near the top), or null when there is no regular file there or no createdAt in its head.
 */
export async function modelCreatedAt(path: string): Promise<string | null> {
  if (specialFileKind(path) !== null) return null;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const match = /"createdAt":\s*"([^"\\]*)"/.exec(buffer.subarray(0, bytesRead).toString('utf8'));
    return match === null ? null : match[1];
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading and validation

export async function loadModel(path: string): Promise<ModelFile> {
  const text = await readOwnFile(path, {
    what: 'a model file (.json) written by `mnist train`',
    missing: `${path}: no such file. Train a model first with \`mnist train --out ${path}\`.`,
    maxBytes: MAX_FILE_BYTES,
    tooLarge: (size) =>
      `${path}: is ${(size / 1e6).toFixed(0)} MB, larger than any model mnist can run (at most ${MAX_PARAMS.toLocaleString('en')} parameters, about ${(MAX_FILE_BYTES / 1e6).toFixed(0)} MB).`,
  });
  return parseModel(text, path);
}

export function parseModel(text: string, name = 'model file'): ModelFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the fault, newlines included: keep the message on one short line.
    const reason = (err as Error).message.replace(/\s+/g, ' ').slice(0, 120);
    throw new ModelFileError(`${name}: not valid JSON (${reason}); expected a model file written by \`mnist train\`.`);
  }
  return validateModel(doc, name);
}

type Json = Record<string, unknown>;

/**
 * A short, flat description of any JSON value for an error message: never the whole value (a
 * 100,000-deep array must not overflow the stack, a 40 MB array must not fill the terminal).
 */
export function excerpt(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number') return String(v);
  return String(v);
}

function fail(name: string, field: string, problem: string): never {
  throw new ModelFileError(`${name}: ${field} ${problem}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(parent: Json, key: string, name: string, path: string): Json {
  const v = parent[key];
  if (!isObject(v)) fail(name, path, v === undefined ? 'is missing' : 'must be an object');
  return v;
}

function num(parent: Json, key: string, name: string, path: string, check?: (n: number) => string | null): number {
  const v = parent[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, path, v === undefined ? 'is missing' : `must be a finite number, got ${excerpt(v)}`);
  const problem = check?.(v);
  if (problem) fail(name, path, problem);
  return v;
}

function str(parent: Json, key: string, name: string, path: string): string {
  const v = parent[key];
  if (typeof v !== 'string') fail(name, path, v === undefined ? 'is missing' : 'must be a string');
  return v;
}

function bool(parent: Json, key: string, name: string, path: string): boolean {
  const v = parent[key];
  if (typeof v !== 'boolean') fail(name, path, v === undefined ? 'is missing' : 'must be true or false');
  return v;
}

const positiveInt = (n: number) => (Number.isInteger(n) && n > 0 ? null : `must be a positive integer, got ${n}`);
const nonNegativeInt = (n: number) => (Number.isInteger(n) && n >= 0 ? null : `must be a non-negative integer, got ${n}`);
const nonNegative = (n: number) => (n >= 0 ? null : `must be at least 0, got ${n}`);
const positive = (n: number) => (n > 0 ? null : `must be positive, got ${n}`);
const fraction = (n: number) => (n >= 0 && n < 1 ? null : `must be at least 0 and below 1, got ${n}`);

/** A number field that older files lack: undefined when absent, else validated as num() does. */
function optionalNum(parent: Json, key: string, name: string, path: string, check: (n: number) => string | null): number | undefined {
  return parent[key] === undefined ? undefined : num(parent, key, name, path, check);
}

export function validateModel(doc: unknown, name = 'model file'): ModelFile {
  if (!isObject(doc)) fail(name, 'the file', 'must hold a JSON object; expected a model file written by `mnist train`');
  if (doc.format !== MODEL_FORMAT) {
    fail(name, 'format', `is ${excerpt(doc.format)}, expected "${MODEL_FORMAT}"; this is not a model file written by \`mnist train\``);
  }
  const version = num(doc, 'version', name, 'version', positiveInt);
  if (version > MODEL_VERSION) fail(name, 'version', `is ${version}, newer than this mnist-mlp reads (${MODEL_VERSION}); upgrade mnist-mlp`);
  if (version !== MODEL_VERSION) fail(name, 'version', `is ${version}, expected ${MODEL_VERSION}`);

  const arch = obj(doc, 'architecture', name, 'architecture');
  const sizes = arch.sizes;
  if (!Array.isArray(sizes) || sizes.length < 2) fail(name, 'architecture.sizes', 'must be an array of at least two layer sizes, e.g. [784, 128, 10]');
  sizes.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 1) {
      fail(name, `architecture.sizes[${i}]`, `must be a positive integer, got ${excerpt(s)}`);
    }
  });
  if (sizes[0] !== MODEL_INPUTS) {
    fail(name, 'architecture.sizes[0]', `is ${sizes[0]}, expected ${MODEL_INPUTS} inputs (${MODEL_INPUT_SIDE}x${MODEL_INPUT_SIDE} pixels, as MNIST's images)`);
  }
  const last = sizes.length - 1;
  if (sizes[last] !== MODEL_CLASSES) {
    fail(name, `architecture.sizes[${last}]`, `is ${sizes[last]}, expected ${MODEL_CLASSES} outputs (one per digit 0-9)`);
  }
  for (let i = 1; i < last; i++) {
    if (sizes[i] > MAX_HIDDEN_WIDTH) fail(name, `architecture.sizes[${i}]`, `is ${sizes[i]}, more than the ${MAX_HIDDEN_WIDTH} units a hidden layer may have`);
  }
  const paramCount = paramLayout(sizes as number[]).count;
  if (paramCount > MAX_PARAMS) {
    fail(name, 'architecture.sizes', `${sizes.join('-')} has ${paramCount.toLocaleString('en')} parameters, more than the ${MAX_PARAMS.toLocaleString('en')} mnist can train or load`);
  }
  const activation = str(arch, 'activation', name, 'architecture.activation');
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) fail(name, 'architecture.activation', `is ${excerpt(activation)}, expected one of ${ACTIVATIONS.join(', ')}`);
  const loss = str(arch, 'loss', name, 'architecture.loss');
  if (!(LOSSES as readonly string[]).includes(loss)) fail(name, 'architecture.loss', `is ${excerpt(loss)}, expected one of ${LOSSES.join(', ')}`);
  if (arch.output !== 'softmax') fail(name, 'architecture.output', `is ${excerpt(arch.output)}, expected "softmax"`);
  const smoothing = optionalNum(arch, 'labelSmoothing', name, 'architecture.labelSmoothing', fraction);
  if (smoothing && loss !== 'cross-entropy') fail(name, 'architecture.labelSmoothing', `is ${smoothing}, but label smoothing applies only to the cross-entropy loss`);

  const input = obj(doc, 'input', name, 'input');
  const side = (n: number) => (n === MODEL_INPUT_SIDE ? null : `is ${n}, expected ${MODEL_INPUT_SIDE} (MNIST's images are ${MODEL_INPUT_SIDE}x${MODEL_INPUT_SIDE})`);
  const width = num(input, 'width', name, 'input.width', side);
  const height = num(input, 'height', name, 'input.height', side);
  const scale = num(input, 'scale', name, 'input.scale', (n) =>
    n >= MIN_SCALE && n <= MAX_SCALE ? null : `is ${n}, expected a pixel scale between ${MIN_SCALE} and ${MAX_SCALE} (\`mnist train\` writes 1/255)`,
  );

  const training = obj(doc, 'training', name, 'training');
  const trainingRecord: TrainingSettingsRecord = {
    epochs: num(training, 'epochs', name, 'training.epochs', nonNegativeInt),
    batchSize: num(training, 'batchSize', name, 'training.batchSize', positiveInt),
    lr: num(training, 'lr', name, 'training.lr'),
    schedule: str(training, 'schedule', name, 'training.schedule'),
    optimizer: str(training, 'optimizer', name, 'training.optimizer'),
    init: str(training, 'init', name, 'training.init'),
    seed: num(training, 'seed', name, 'training.seed'),
    augment: bool(training, 'augment', name, 'training.augment'),
    valSize: num(training, 'valSize', name, 'training.valSize', nonNegativeInt),
    trainImages: num(training, 'trainImages', name, 'training.trainImages', nonNegativeInt),
    engine: str(training, 'engine', name, 'training.engine'),
    steps: num(training, 'steps', name, 'training.steps', nonNegativeInt),
  };
  // Settings added later (issue 11): optional, so older model files still load.
  const optionalSetting = (key: string, read: () => unknown) => {
    if (training[key] !== undefined) (trainingRecord as unknown as Record<string, unknown>)[key] = training[key] === null ? null : read();
  };
  optionalSetting('dropout', () => num(training, 'dropout', name, 'training.dropout', (n) => (n >= 0 && n < 1 ? null : `must be in [0, 1), got ${n}`)));
  optionalSetting('earlyStop', () => num(training, 'earlyStop', name, 'training.earlyStop', positiveInt));
  optionalSetting('bestEpoch', () => num(training, 'bestEpoch', name, 'training.bestEpoch', positiveInt));
  optionalSetting('preset', () => str(training, 'preset', name, 'training.preset'));
  optionalSetting('resumed', () => num(training, 'resumed', name, 'training.resumed', nonNegativeInt));
  const optional: [keyof TrainingSettingsRecord, (n: number) => string | null][] = [
    ['momentum', fraction], ['beta1', fraction], ['beta2', fraction], ['eps', positive],
    ['weightDecay', nonNegative], ['labelSmoothing', fraction], ['warmup', nonNegativeInt],
  ];
  for (const [key, check] of optional) {
    const value = optionalNum(training, key, name, `training.${key}`, check);
    if (value !== undefined) (trainingRecord as unknown as Record<string, number>)[key] = value;
  }

  const metrics = obj(doc, 'metrics', name, 'metrics');
  if (!Array.isArray(metrics.epochs)) fail(name, 'metrics.epochs', 'must be an array');
  const epochs = metrics.epochs.map((e: unknown, i: number) => {
    const path = `metrics.epochs[${i}]`;
    if (!isObject(e)) fail(name, path, 'must be an object');
    const maybe = (key: string) => (e[key] === null ? null : num(e, key, name, `${path}.${key}`));
    return {
      epoch: num(e, 'epoch', name, `${path}.epoch`, positiveInt),
      seconds: num(e, 'seconds', name, `${path}.seconds`),
      trainLoss: num(e, 'trainLoss', name, `${path}.trainLoss`),
      valLoss: maybe('valLoss'),
      valAccuracy: maybe('valAccuracy'),
    };
  });
  let test: TestRecord | null = null;
  if (metrics.test !== null) {
    const t = obj(metrics, 'test', name, 'metrics.test');
    test = {
      correct: num(t, 'correct', name, 'metrics.test.correct', nonNegativeInt),
      total: num(t, 'total', name, 'metrics.test.total', nonNegativeInt),
      accuracy: num(t, 'accuracy', name, 'metrics.test.accuracy'),
      loss: num(t, 'loss', name, 'metrics.test.loss'),
    };
  }

  const data = obj(doc, 'data', name, 'data');
  const sha = obj(data, 'sha256', name, 'data.sha256');
  const sha256: Record<string, string> = {};
  for (const [file, hash] of Object.entries(sha)) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) fail(name, `data.sha256["${file}"]`, 'must be a 64-digit hex SHA-256');
    sha256[file] = hash;
  }
  const generator = obj(doc, 'generator', name, 'generator');

  const spec: NetworkSpec = { sizes: sizes as number[], activation: activation as NetworkSpec['activation'], loss: loss as NetworkSpec['loss'] };
  if (smoothing) spec.labelSmoothing = smoothing;
  if (typeof doc.partial !== 'boolean') fail(name, 'partial', 'must be true or false');
  const params = readWeights(doc, spec, name);

  return {
    format: MODEL_FORMAT,
    version,
    partial: doc.partial,
    createdAt: str(doc, 'createdAt', name, 'createdAt'),
    generator: { name: str(generator, 'name', name, 'generator.name'), version: str(generator, 'version', name, 'generator.version') },
    architecture: { ...spec, output: 'softmax' },
    input: { width, height, scale },
    training: trainingRecord,
    metrics: { epochs, test },
    data: { source: str(data, 'source', name, 'data.source'), sha256 },
    params,
  };
}

function readWeights(doc: Json, spec: NetworkSpec, name: string): Float32Array {
  const weights = obj(doc, 'weights', name, 'weights');
  const layout = paramLayout(spec.sizes);
  const params = new Float32Array(layout.count);
  const expected = new Set<string>();
  layout.layers.forEach((layer, l) => {
    const parts: [string, number, number][] = [
      [`layers.${l}.weight`, layer.weightOffset, layer.inDim * layer.outDim],
      [`layers.${l}.bias`, layer.biasOffset, layer.outDim],
    ];
    for (const [key, offset, length] of parts) {
      expected.add(key);
      const values = weights[key];
      const field = `weights["${key}"]`;
      if (!Array.isArray(values)) fail(name, field, values === undefined ? 'is missing' : 'must be an array of numbers');
      if (values.length !== length) {
        const shape = key.endsWith('weight') ? `${layer.outDim}x${layer.inDim}` : `${layer.outDim}`;
        fail(name, field, `has ${values.length} values, expected ${length} (${shape}) for architecture ${spec.sizes.join('-')}`);
      }
      for (let i = 0; i < length; i++) {
        const v = values[i];
        // Finite as a double is not enough: 1e39 becomes Infinity as float32.
        if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
          fail(name, `${field}[${i}]`, `must be a finite float32 number (at most about 3.4e38 in size), got ${excerpt(v)}`);
        }
        params[offset + i] = v;
      }
    }
  });
  for (const key of Object.keys(weights)) {
    if (!expected.has(key)) fail(name, `weights["${key}"]`, `is not a layer of architecture ${spec.sizes.join('-')}`);
  }
  return params;
}
