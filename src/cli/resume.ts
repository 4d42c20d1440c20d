/**
 * `mnist train --resume FILE`: which checkpoint a FILE names, the settings a run records for its
 * resumption, and how they come back. A resumed run keeps every recorded setting (that is what
 * makes it exact); only --epochs, the output and the machinery (engine, threads, data folder,
 * logging) may change. An explicit option that contradicts the record is a usage error naming both.
 */

import { ModelFileError, UsageError } from '../errors.js';
import { architectureSettings, checkpointPathFor, type Checkpoint, type CheckpointSettings } from '../io/checkpoint.js';
import { INIT_SCHEMES } from '../model/init.js';
import { OPTIMIZERS } from '../model/optimizers.js';
import { LR_SCHEDULES } from '../training/train.js';
import {
  parseFraction, parseNonNegativeInt, parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber, parseSeed,
} from './options.js';
import { PRESET_NAMES } from './presets.js';

/**
 * The recorded settings, by option key. A new training option that changes the weights belongs
 * here (the optimizers' hyperparameters, for example), so that a resumed run reuses it.
 */
export const RECORDED_KEYS = [
  'arch', 'activation', 'loss', 'init', 'optimizer', 'lr', 'momentum', 'beta1', 'beta2', 'eps', 'weightDecay',
  'labelSmoothing', 'schedule', 'warmup', 'epochs', 'batchSize', 'augment', 'seed', 'valSize', 'limit', 'dropout',
  'earlyStop', 'preset',
] as const;
type RecordedKey = (typeof RECORDED_KEYS)[number];

/** Command-line spelling of each key, for messages. */
const FLAGS: Record<RecordedKey, string> = {
  arch: '--arch', activation: '--activation', loss: '--loss', init: '--init', optimizer: '--optimizer', lr: '--lr',
  momentum: '--momentum', beta1: '--beta1', beta2: '--beta2', eps: '--eps', weightDecay: '--weight-decay',
  labelSmoothing: '--label-smoothing', warmup: '--warmup',
  schedule: '--schedule', epochs: '--epochs', batchSize: '--batch-size', augment: '--augment/--no-augment', seed: '--seed',
  valSize: '--val-size', limit: '--limit', dropout: '--dropout', earlyStop: '--early-stop', preset: '--preset',
};

type Value = string | number | boolean | null;

/**
 * What each recorded setting may hold, as the option's own parser or choices accept it: a
 * checkpoint is read back into the options without commander, so it is checked here instead.
 * The architecture's keys are checked against the architecture when the file is read.
 */
type Check = ((value: string) => unknown) | readonly unknown[] | 'boolean' | 'architecture';
const CHECKS: Record<RecordedKey, Check> = {
  arch: 'architecture', activation: 'architecture', loss: 'architecture', dropout: 'architecture', labelSmoothing: 'architecture',
  init: INIT_SCHEMES, optimizer: OPTIMIZERS, lr: parsePositiveNumber, momentum: parseFraction, beta1: parseFraction,
  beta2: parseFraction, eps: parsePositiveNumber, weightDecay: parseNonNegativeNumber, schedule: LR_SCHEDULES,
  warmup: parseNonNegativeInt, epochs: parsePositiveInt, batchSize: parsePositiveInt, augment: 'boolean', seed: parseSeed,
  valSize: parseNonNegativeInt, limit: parsePositiveInt, earlyStop: parsePositiveInt, preset: PRESET_NAMES,
};
/** Recorded as null when the option was not given (or does not apply to the optimizer). */
const MAY_BE_NULL: ReadonlySet<RecordedKey> = new Set(['init', 'momentum', 'beta1', 'beta2', 'eps', 'weightDecay', 'limit', 'earlyStop', 'preset']);

/** Why a recorded value is not one its option accepts, or null when it is. */
function problemWith(key: RecordedKey, value: Value): string | null {
  const check = CHECKS[key];
  if (check === 'architecture') return null;
  if (value === null) return MAY_BE_NULL.has(key) ? null : 'must not be null';
  if (check === 'boolean') return typeof value === 'boolean' ? null : 'must be true or false';
  if (Array.isArray(check)) return check.includes(value) ? null : `must be one of ${check.join(', ')}`;
  if (typeof value !== 'number') return 'must be a number';
  try {
    (check as (value: string) => unknown)(String(value));
    return null;
  } catch (error) {
    return (error as Error).message.replace(/\.$/, '');
  }
}

/** A value as the checkpoint stores it: arrays (the architecture) as `784-128-10`, absent as null. */
function plain(value: unknown): Value {
  if (Array.isArray(value)) return value.join('-');
  if (value === undefined) return null;
  return value as Value;
}

export function recordSettings(options: Record<string, unknown>): CheckpointSettings {
  return Object.fromEntries(RECORDED_KEYS.map((key) => [key, plain(options[key])]));
}

/** The checkpoint for `--resume FILE`: FILE itself when it ends in .ckpt, else the one beside the model. */
export function resumePaths(file: string): { checkpoint: string; model: string } {
  if (file.endsWith('.ckpt')) return { checkpoint: file, model: `${file.slice(0, -5)}.json` };
  return { checkpoint: checkpointPathFor(file), model: file };
}

/**
 * `options` with every recorded setting restored from the checkpoint. `sourceOf` is commander's
 * getOptionValueSource: an option typed on the command line must agree with the record, except
 * --epochs, which sets the new total (default: the total the run was going for).
 */
export function applyCheckpoint<T extends Record<string, unknown>>(
  options: T, checkpoint: Checkpoint, sourceOf: (key: string) => string | undefined, file: string,
): T {
  const merged: Record<string, unknown> = { ...options };
  // The architecture comes from the checkpoint's own record of it, which its weights were checked against.
  const recorded = { ...checkpoint.settings, ...architectureSettings(checkpoint.spec) };
  for (const key of RECORDED_KEYS) {
    if (!(key in recorded)) continue;
    const saved = recorded[key];
    const problem = problemWith(key, saved);
    if (problem !== null) {
      throw new ModelFileError(`${file}: the checkpoint's settings.${key} is ${JSON.stringify(saved)}: ${problem}; the checkpoint was edited or damaged. Start a new run.`);
    }
    const explicit = sourceOf(key) === 'cli';
    if (key === 'epochs' && explicit) continue;
    if (explicit && plain(options[key]) !== saved) {
      if (key === 'arch') {
        throw new UsageError(
          `--arch ${plain(options.arch)} does not match the run in ${file}, which is ${saved}; a resumed run keeps its architecture. Leave out --arch, or start a new run with a different --out.`,
        );
      }
      throw new UsageError(
        `${FLAGS[key]} ${plain(options[key])} differs from the run in ${file}, which used ${saved === null ? 'none' : saved}; a resumed run keeps its settings so that it continues exactly. Leave out ${FLAGS[key]}, or start a new run.`,
      );
    }
    merged[key] = key === 'arch' ? String(saved).split('-').map(Number) : saved === null ? undefined : saved;
  }
  const done = checkpoint.state.epoch;
  const epochs = merged.epochs as number;
  if (epochs <= done) {
    throw new UsageError(
      `--epochs ${epochs}: the run in ${file} has already trained ${done} epoch${done === 1 ? '' : 's'}; give the new total, e.g. --epochs ${done + 10}.`,
    );
  }
  return merged as T;
}

/**
 * Refuses a checkpoint that was not written with the model file it sits beside: a model saved
 * there later without a checkpoint (--no-checkpoint, a collapsed run) would otherwise be
 * replaced by the earlier run, resumed. `modelCreatedAt` is the model file's (null: no model file,
 * and the checkpoint alone is resumed); a checkpoint from before the tie was recorded passes.
 */
export function checkSameRun(checkpoint: Checkpoint, modelCreatedAt: string | null, paths: { checkpoint: string; model: string }): void {
  const recorded = checkpoint.modelCreatedAt;
  if (recorded === null || modelCreatedAt === null || recorded === modelCreatedAt) return;
  throw new ModelFileError(
    `${paths.checkpoint}: was saved with the model of ${recorded}, but ${paths.model} holds the model of ${modelCreatedAt}; the checkpoint is stale (a model saved without one, e.g. by --no-checkpoint, cannot be resumed). Start a new run.`,
  );
}
