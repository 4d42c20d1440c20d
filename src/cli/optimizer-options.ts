/**
 * `mnist train`'s optimizer, schedule and loss options turned into an OptimizerSpec and a learning
 * rate, with the combinations that make no sense refused as usage errors (a hyperparameter the
 * chosen rule does not use would otherwise be silently ignored). Kept apart from the command file
 * so the command stays wiring.
 */

import { UsageError } from '../errors.js';
import type { Loss } from '../model/network.js';
import { optimizerSpec, type OptimizerName, type OptimizerSpec } from '../model/optimizers.js';
import type { LrSchedule } from '../training/schedule.js';

/**
 * The learning rate when --lr is not given. Momentum multiplies the effective step by about
 * 1 / (1 - momentum) = 10, so its rate is a tenth of plain SGD's; Adam's steps are about lr per
 * weight whatever the gradient's scale, so it wants a far smaller one.
 */
export const DEFAULT_LR: Record<OptimizerName, number> = { sgd: 0.5, momentum: 0.05, nesterov: 0.05, adam: 0.002, adamw: 0.002 };

export interface OptimizerOptions {
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  labelSmoothing: number;
  loss: Loss;
  schedule: LrSchedule;
  warmup: number;
  epochs: number;
}

/**
 * Epochs of warm-up when --warmup is not given: one in front of a cosine schedule of
 * WARMUP_MIN_EPOCHS or more epochs, whose first steps at the full rate (0.5 for sgd) otherwise
 * throw the fresh network about and leave the final accuracy more to chance (README, Training);
 * none for a shorter run (where one epoch is a large part of it), a constant rate, or onecycle,
 * which warms up by itself.
 */
export function defaultWarmup(schedule: LrSchedule, epochs: number): number {
  return schedule === 'cosine' && epochs >= WARMUP_MIN_EPOCHS ? 1 : 0;
}

export const WARMUP_MIN_EPOCHS = 10;

/** The optimizer and learning rate the options ask for; throws UsageError for options that do not fit together. */
export function trainingOptimizer(options: OptimizerOptions): { optimizer: OptimizerSpec; lr: number } {
  const name = options.optimizer;
  const usesMomentum = name === 'momentum' || name === 'nesterov';
  const usesBetas = name === 'adam' || name === 'adamw';
  if (options.momentum !== undefined && !usesMomentum) {
    throw new UsageError(`--momentum applies to --optimizer momentum or nesterov, not ${name}; drop it or choose one of those.`);
  }
  for (const [flag, value] of [['--beta1', options.beta1], ['--beta2', options.beta2], ['--eps', options.eps]] as const) {
    if (value !== undefined && !usesBetas) throw new UsageError(`${flag} applies to --optimizer adam or adamw, not ${name}; drop it or choose one of those.`);
  }
  if (name === 'nesterov' && options.momentum === 0) {
    throw new UsageError('--optimizer nesterov needs a momentum above 0 (PyTorch refuses it too); use --optimizer sgd for none.');
  }
  if (options.labelSmoothing !== 0 && options.loss !== 'cross-entropy') {
    throw new UsageError(`--label-smoothing applies to the cross-entropy loss, not --loss ${options.loss}.`);
  }
  if (options.warmup > 0 && options.schedule === 'onecycle') {
    throw new UsageError('--warmup does not combine with --schedule onecycle, which warms up by itself (its first 30% of steps); drop one of them.');
  }
  if (options.warmup >= options.epochs && options.warmup > 0) {
    throw new UsageError(`--warmup ${options.warmup} must be fewer than --epochs ${options.epochs}: the warm-up epochs come first, then the schedule.`);
  }
  const optimizer = optimizerSpec(name, {
    momentum: options.momentum, beta1: options.beta1, beta2: options.beta2, eps: options.eps, weightDecay: options.weightDecay,
  });
  return { optimizer, lr: options.lr ?? DEFAULT_LR[name] };
}

/** The hyperparameters the model file records for a rule: the ones it uses, and the weight decay. */
export function optimizerRecord(spec: OptimizerSpec): { momentum?: number; beta1?: number; beta2?: number; eps?: number; weightDecay: number } {
  if (spec.name === 'momentum' || spec.name === 'nesterov') return { momentum: spec.momentum, weightDecay: spec.weightDecay };
  if (spec.name === 'adam' || spec.name === 'adamw') return { beta1: spec.beta1, beta2: spec.beta2, eps: spec.eps, weightDecay: spec.weightDecay };
  return { weightDecay: spec.weightDecay };
}
