/**
 * The checkpoint file (`model.ckpt` beside `model.json`): what `mnist train --resume` needs that a
 * model file does not hold. The exact settings of the run, the latest weights (a model file may
 * hold the best epoch's instead), the optimizer state, the position of every random stream and
 * the epoch history. Versioned JSON; the float32 arrays are base64 of their little-endian bytes, so
 * they round-trip exactly and stay compact. Written atomically; loading validates every field.
 */

import { unlink } from 'node:fs/promises';
import { ModelFileError } from '../errors.js';
import { specialFileKind, writeFileAtomic } from '../files/atomic.js';
import { ACTIVATIONS, LOSSES, MAX_LAYER_WIDTH, paramLayout, type NetworkSpec } from '../model/network.js';
import { OPTIMIZERS } from '../model/optimizers.js';
import type { RngState } from '../rng.js';
import { MAX_PARAMS, type EpochRecord } from './model-file.js';
import { readOwnFile } from './read-file.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';

export const CHECKPOINT_FORMAT = 'mnist-mlp-checkpoint';
/**
 * 2: the augmentation stream left the state (each image's distortion is seeded from the seed, the
 * epoch and its position), and the optimizer state is Network.exportOptimizerState's
 * [steps, buffer0, buffer1...] for every optimizer.
 */
export const CHECKPOINT_VERSION = 2;

/**
 * The settings a resumed run must reuse unchanged (the CLI's recorded options). Plain JSON values
 * only; `epochs` is the total the saving run was going for.
 */
export type CheckpointSettings = Record<string, string | number | boolean | null>;

/**
 * Where the run stood: training/train.ts's TrainState, field for field (io/ does not import
 * training/, so the shape is restated here; the CLI passes one for the other).
 */
export interface CheckpointState {
  epoch: number;
  batch: number;
  steps: number;
  orderRng: RngState;
  dropoutRng: RngState | null;
  lossSum: number;
  seconds: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  params: Float32Array;
  optimizer: Float32Array;
  bestParams: Float32Array | null;
}

export interface Checkpoint {
  spec: NetworkSpec;
  settings: CheckpointSettings;
  /** SHA-256 of each data file the run trained on, by file name. */
  data: Record<string, string>;
  state: CheckpointState;
  /**
   * The createdAt of the model file saved with this checkpoint, which ties the two together: a
   * model saved later in the same place (by a run without a checkpoint) is not this run's. Null in
   * checkpoints written before it was recorded.
   */
  modelCreatedAt: string | null;
}

/** `model.json` -> `model.ckpt`; any other name gets `.ckpt` appended. */
export function checkpointPathFor(modelPath: string): string {
  return modelPath.endsWith('.json') ? `${modelPath.slice(0, -5)}.ckpt` : `${modelPath}.ckpt`;
}

function toBase64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(bytes.length >> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  return out;
}

export function serializeCheckpoint(c: Checkpoint): string {
  const { params, optimizer, bestParams, bestValLoss, ...plain } = c.state;
  for (const [label, values] of [['params', params], ['bestParams', bestParams ?? new Float32Array(0)]] as const) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new ModelFileError(`refusing to save the checkpoint: ${label}[${i}] is ${values[i]}`);
    }
  }
  return JSON.stringify({
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    generator: { name: PACKAGE_NAME, version: PACKAGE_VERSION },
    architecture: {
      sizes: c.spec.sizes, activation: c.spec.activation, loss: c.spec.loss, dropout: c.spec.dropout ?? 0,
      labelSmoothing: c.spec.labelSmoothing ?? 0,
    },
    modelCreatedAt: c.modelCreatedAt,
    settings: c.settings,
    data: c.data,
    // JSON has no Infinity: "no best epoch yet" is written as null.
    state: { ...plain, bestValLoss: Number.isFinite(bestValLoss) ? bestValLoss : null },
    params: toBase64(params),
    optimizer: toBase64(optimizer),
    bestParams: bestParams === null ? null : toBase64(bestParams),
  }, null, 1) + '\n';
}

export async function saveCheckpoint(path: string, c: Checkpoint): Promise<void> {
  await writeFileAtomic(path, serializeCheckpoint(c));
}

/**
 * Removes the checkpoint at `path` if there is one, for a model saved without one: a checkpoint
 * left by an earlier run would otherwise resume that run over the new model. Best effort: true
 * when a checkpoint was removed, false when there was none or it could not be removed (resume
 * still refuses it, as its modelCreatedAt does not match).
 */
export async function removeStaleCheckpoint(path: string): Promise<boolean> {
  if (specialFileKind(path) !== null) return false;
  try {
    await unlink(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A checkpoint holds at most four arrays of MAX_PARAMS float32 values (the weights, the best
 * epoch's, two optimizer buffers) as base64, 4/3 of their bytes; anything larger is not one.
 */
const MAX_CHECKPOINT_BYTES = Math.ceil((4 * MAX_PARAMS * 4 * 4) / 3) + (16 << 20);

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const text = await readOwnFile(path, {
    what: 'the checkpoint (.ckpt) that `mnist train` writes beside the model file',
    missing: `${path}: no such checkpoint. \`mnist train\` writes it beside the model file; resume needs both from the same run.`,
    maxBytes: MAX_CHECKPOINT_BYTES,
    tooLarge: (size) => `${path}: is ${(size / 1e6).toFixed(0)} MB, larger than any checkpoint mnist writes (at most about ${(MAX_CHECKPOINT_BYTES / 1e6).toFixed(0)} MB).`,
  });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around the fault, newlines included: keep the message on one short line.
    const reason = (err as Error).message.replace(/\s+/g, ' ').slice(0, 120);
    throw new ModelFileError(`${path}: not valid JSON (${reason}); expected a checkpoint written by \`mnist train\`.`);
  }
  return validateCheckpoint(doc, path);
}

/**
 * The architecture as the recorded settings spell it (cli/resume.ts's option keys, the sizes as
 * `784-128-10`): what a resumed run restores, whatever the settings say.
 */
export function architectureSettings(spec: NetworkSpec): CheckpointSettings {
  return {
    arch: spec.sizes.join('-'), activation: spec.activation, loss: spec.loss, dropout: spec.dropout ?? 0,
    labelSmoothing: spec.labelSmoothing ?? 0,
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateCheckpoint(doc: unknown, name = 'checkpoint'): Checkpoint {
  const fail = (field: string, problem: string): never => {
    throw new ModelFileError(`${name}: ${field} ${problem}`);
  };
  const obj = (parent: Json, key: string, path: string): Json => {
    const v = parent[key];
    return isObject(v) ? v : fail(path, v === undefined ? 'is missing' : 'must be an object');
  };
  const num = (parent: Json, key: string, path: string, integer = false): number => {
    const v = parent[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, v === undefined ? 'is missing' : `must be a finite number, got ${JSON.stringify(v)}`);
    if (integer && !(Number.isInteger(v) && v >= 0)) fail(path, `must be a non-negative integer, got ${v}`);
    return v;
  };
  const floats = (v: unknown, path: string, length: number): Float32Array => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return fail(path, 'must be base64 text');
    const values = fromBase64(v);
    if (values.length !== length) fail(path, `holds ${values.length} values, expected ${length}`);
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) fail(`${path}[${i}]`, `is ${values[i]}`);
    return values;
  };
  const rng = (v: unknown, path: string): RngState | null => {
    if (v === null) return null;
    if (!isObject(v) || !Array.isArray(v.words) || v.words.length !== 4 ||
      !v.words.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff) ||
      !(v.spare === null || (typeof v.spare === 'number' && Number.isFinite(v.spare)))) {
      return fail(path, 'must be a generator state {"words": [four 32-bit integers], "spare": number or null}');
    }
    return { words: v.words as RngState['words'], spare: v.spare as number | null };
  };

  if (!isObject(doc)) return fail('the file', 'must hold a JSON object; expected a checkpoint written by `mnist train`');
  if (doc.format !== CHECKPOINT_FORMAT) fail('format', `is ${JSON.stringify(doc.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (doc.version !== CHECKPOINT_VERSION) fail('version', `is ${JSON.stringify(doc.version)}, expected ${CHECKPOINT_VERSION}`);

  const arch = obj(doc, 'architecture', 'architecture');
  const sizes = arch.sizes;
  if (!Array.isArray(sizes) || sizes.length < 2 ||
    !sizes.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 1 && s <= MAX_LAYER_WIDTH)) {
    fail('architecture.sizes', `must be layer sizes from 1 to ${MAX_LAYER_WIDTH}, e.g. [784, 128, 10]`);
  }
  if (!(ACTIVATIONS as readonly unknown[]).includes(arch.activation)) fail('architecture.activation', `must be one of ${ACTIVATIONS.join(', ')}`);
  if (!(LOSSES as readonly unknown[]).includes(arch.loss)) fail('architecture.loss', `must be one of ${LOSSES.join(', ')}`);
  const dropout = num(arch, 'dropout', 'architecture.dropout');
  if (!(dropout >= 0 && dropout < 1)) fail('architecture.dropout', `must be in [0, 1), got ${dropout}`);
  // Absent in checkpoints written before label smoothing existed: none.
  const labelSmoothing = arch.labelSmoothing === undefined ? 0 : num(arch, 'labelSmoothing', 'architecture.labelSmoothing');
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) fail('architecture.labelSmoothing', `must be in [0, 1), got ${labelSmoothing}`);
  const spec: NetworkSpec = {
    sizes: sizes as number[], activation: arch.activation as NetworkSpec['activation'], loss: arch.loss as NetworkSpec['loss'], dropout,
  };
  if (labelSmoothing !== 0) spec.labelSmoothing = labelSmoothing;
  const count = paramLayout(spec.sizes).count;

  const settings = obj(doc, 'settings', 'settings');
  for (const [key, v] of Object.entries(settings)) {
    if (!(v === null || ['string', 'number', 'boolean'].includes(typeof v))) fail(`settings.${key}`, 'must be a string, number, true/false or null');
  }
  // The settings restate the architecture (a resumed run restores its options from them): they must agree with it.
  const damaged = 'the checkpoint was edited or damaged; start a new run';
  for (const [key, value] of Object.entries(architectureSettings(spec))) {
    if (settings[key] !== undefined && settings[key] !== value) {
      fail(`settings.${key}`, `is ${JSON.stringify(settings[key])}, but the architecture says ${JSON.stringify(value)}; ${damaged}`);
    }
  }
  if (settings.resumed !== undefined && !(Number.isInteger(settings.resumed) && (settings.resumed as number) >= 0)) {
    fail('settings.resumed', `is ${JSON.stringify(settings.resumed)}, expected how many times the run was resumed (0, 1, ...); ${damaged}`);
  }
  if (settings.optimizer !== undefined && !(OPTIMIZERS as readonly unknown[]).includes(settings.optimizer)) {
    fail('settings.optimizer', `is ${JSON.stringify(settings.optimizer)}, expected one of ${OPTIMIZERS.join(', ')}; ${damaged}`);
  }
  const modelCreatedAt = doc.modelCreatedAt === undefined || doc.modelCreatedAt === null ? null : doc.modelCreatedAt;
  if (modelCreatedAt !== null && typeof modelCreatedAt !== 'string') fail('modelCreatedAt', 'must be the model file\'s createdAt text or null');
  const data = obj(doc, 'data', 'data');
  for (const [file, hash] of Object.entries(data)) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) fail(`data["${file}"]`, 'must be a 64-digit hex SHA-256');
  }

  const s = obj(doc, 'state', 'state');
  if (!Array.isArray(s.history)) fail('state.history', 'must be an array');
  const history: EpochRecord[] = (s.history as unknown[]).map((e, i) => {
    const path = `state.history[${i}]`;
    if (!isObject(e)) return fail(path, 'must be an object');
    const maybe = (key: string) => (e[key] === null ? null : num(e, key, `${path}.${key}`));
    return {
      epoch: num(e, 'epoch', `${path}.epoch`, true), seconds: num(e, 'seconds', `${path}.seconds`),
      trainLoss: num(e, 'trainLoss', `${path}.trainLoss`), valLoss: maybe('valLoss'), valAccuracy: maybe('valAccuracy'),
    };
  });
  const epoch = num(s, 'epoch', 'state.epoch', true);
  if (history.length !== epoch) fail('state.history', `has ${history.length} epochs, expected ${epoch}`);
  const bestEpoch = num(s, 'bestEpoch', 'state.bestEpoch', true);
  const state: CheckpointState = {
    epoch,
    batch: num(s, 'batch', 'state.batch', true),
    steps: num(s, 'steps', 'state.steps', true),
    orderRng: rng(s.orderRng, 'state.orderRng') ?? fail('state.orderRng', 'must not be null'),
    dropoutRng: rng(s.dropoutRng, 'state.dropoutRng'),
    lossSum: num(s, 'lossSum', 'state.lossSum'),
    seconds: num(s, 'seconds', 'state.seconds'),
    history,
    bestEpoch,
    bestValLoss: s.bestValLoss === null ? Infinity : num(s, 'bestValLoss', 'state.bestValLoss'),
    params: floats(doc.params, 'params', count),
    optimizer: typeof doc.optimizer === 'string' ? floats(doc.optimizer, 'optimizer', fromBase64(doc.optimizer).length) : fail('optimizer', 'must be base64 text'),
    bestParams: doc.bestParams === null ? null : floats(doc.bestParams, 'bestParams', count),
  };
  return { spec, settings: settings as CheckpointSettings, data: data as Record<string, string>, state, modelCreatedAt: modelCreatedAt as string | null };
}
