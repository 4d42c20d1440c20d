/**
 * `mnist train --preset`: named sets of training options. A preset only fills in what the command
 * line left out: an option the user typed always wins (commander's option value source tells
 * which values came from the command line). The numbers each preset reaches are in the README,
 * with the command that measured them. A preset names an optimizer, not a learning rate: the rate
 * is that optimizer's default (optimizer-options.ts DEFAULT_LR, 0.5 for sgd) unless --lr is given,
 * so `--preset best --optimizer adam` trains with Adam's rate rather than SGD's.
 */

import type { OptimizerName } from '../model/optimizers.js';
import type { LrSchedule } from '../training/schedule.js';

export const PRESET_NAMES = ['default', 'fast', 'best'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** The options a preset may set, as `mnist train` parses them. */
export interface PresetValues {
  arch: number[];
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  schedule: LrSchedule;
  augment: boolean;
  dropout: number;
  /** Absent: --warmup's own default (optimizer-options.ts defaultWarmup). */
  warmup?: number;
}

export const PRESETS: Record<PresetName, { summary: string; values: PresetValues }> = {
  default: {
    summary: 'the defaults: a small net that reads real handwriting well in 6-10 s on 2 cores',
    values: { arch: [784, 128, 10], epochs: 20, batchSize: 64, optimizer: 'sgd', schedule: 'cosine', augment: true, dropout: 0 },
  },
  fast: {
    summary: 'a quick model (97.7-98.0%) in a few seconds',
    values: { arch: [784, 128, 10], epochs: 5, batchSize: 64, optimizer: 'sgd', schedule: 'cosine', augment: false, dropout: 0, warmup: 0 },
  },
  best: {
    summary: 'the strongest recipe found, about 5 minutes on 2 cores (99.30-99.45% over three seeds)',
    values: { arch: [784, 800, 800, 10], epochs: 60, batchSize: 64, optimizer: 'sgd', schedule: 'cosine', augment: true, dropout: 0, warmup: 0 },
  },
};

/** Option name on the command line for each preset key (for --help and messages). */
const FLAGS: Record<keyof PresetValues, string> = {
  arch: '--arch', epochs: '--epochs', batchSize: '--batch-size', optimizer: '--optimizer', schedule: '--schedule', augment: '--augment', dropout: '--dropout', warmup: '--warmup',
};

function describeValue(key: keyof PresetValues, value: PresetValues[keyof PresetValues]): string {
  if (key === 'augment') return value ? '(augmented)' : '--no-augment';
  return `${FLAGS[key]} ${Array.isArray(value) ? value.join('-') : value}`;
}

/** One line per preset listing what it sets, for --help. */
export function presetHelp(): string {
  return PRESET_NAMES.map((name) => {
    const { summary, values } = PRESETS[name];
    const settings = (Object.keys(values) as (keyof PresetValues)[])
      .filter((key) => !(key === 'dropout' && values.dropout === 0))
      .map((key) => describeValue(key, values[key]))
      .join(' ');
    return `  ${name.padEnd(8)} ${settings}\n           ${summary}`;
  }).join('\n');
}

/**
 * Returns `options` with every preset key that did not come from the command line replaced by the
 * preset's value. `sourceOf` is commander's getOptionValueSource.
 */
export function applyPreset<T extends PresetValues>(
  options: T, preset: PresetName, sourceOf: (key: string) => string | undefined,
): T {
  const merged = { ...options };
  const values = PRESETS[preset].values;
  for (const key of Object.keys(values) as (keyof PresetValues)[]) {
    if (sourceOf(key) !== 'cli') (merged as PresetValues)[key] = values[key] as never;
  }
  return merged;
}
