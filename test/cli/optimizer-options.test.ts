// The train command's optimizer options: defaults, and each combination that makes no sense
// refused with a message naming the option (the CLI maps UsageError to exit code 2).
import { describe, expect, it } from 'vitest';
import { DEFAULT_LR, defaultWarmup, optimizerRecord, trainingOptimizer, WARMUP_MIN_EPOCHS, type OptimizerOptions } from '../../src/cli/optimizer-options.js';
import { applyPreset } from '../../src/cli/presets.js';
import { UsageError } from '../../src/errors.js';

const BASE: OptimizerOptions = { optimizer: 'sgd', labelSmoothing: 0, loss: 'cross-entropy', schedule: 'cosine', warmup: 0, epochs: 5 };

describe('trainingOptimizer', () => {
  it('fills in PyTorch\'s hyperparameters and a learning rate that suits the rule', () => {
    const { optimizer, lr } = trainingOptimizer({ ...BASE, optimizer: 'adamw', beta2: 0.99 });
    expect(optimizer).toEqual({ name: 'adamw', momentum: 0.9, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 });
    expect(lr).toBe(DEFAULT_LR.adamw);
    expect(trainingOptimizer({ ...BASE, optimizer: 'momentum', lr: 0.3, momentum: 0.5 })).toEqual({
      optimizer: { name: 'momentum', momentum: 0.5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, lr: 0.3,
    });
    expect(optimizerRecord(trainingOptimizer({ ...BASE, optimizer: 'nesterov' }).optimizer)).toEqual({ momentum: 0.9, weightDecay: 0 });
    expect(optimizerRecord(trainingOptimizer({ ...BASE, weightDecay: 0.001 }).optimizer)).toEqual({ weightDecay: 0.001 });
  });

  it.each([
    [{ optimizer: 'momentum', beta1: 0.8 }, /--beta1 applies to --optimizer adam or adamw, not momentum/],
    [{ optimizer: 'sgd', eps: 1e-6 }, /--eps applies to --optimizer adam or adamw, not sgd/],
    [{ optimizer: 'adamw', momentum: 0.9 }, /--momentum applies to --optimizer momentum or nesterov, not adamw/],
    [{ optimizer: 'nesterov', momentum: 0 }, /nesterov needs a momentum above 0/],
    [{ loss: 'mse', labelSmoothing: 0.1 }, /--label-smoothing applies to the cross-entropy loss, not --loss mse/],
    [{ schedule: 'onecycle', warmup: 1 }, /--warmup does not combine with --schedule onecycle/],
    [{ warmup: 5 }, /--warmup 5 must be fewer than --epochs 5/],
  ] as [Partial<OptimizerOptions>, RegExp][])('%j is a usage error', (options, message) => {
    expect(() => trainingOptimizer({ ...BASE, ...options })).toThrow(UsageError);
    expect(() => trainingOptimizer({ ...BASE, ...options })).toThrow(message);
  });
});

describe('--warmup\'s default', () => {
  it('is one epoch in front of a cosine schedule of 10 or more epochs, else none', () => {
    expect(WARMUP_MIN_EPOCHS).toBe(10);
    expect(defaultWarmup('cosine', 20)).toBe(1);
    expect(defaultWarmup('cosine', 10)).toBe(1);
    expect(defaultWarmup('cosine', 9)).toBe(0);
    expect(defaultWarmup('cosine', 1)).toBe(0);
    expect(defaultWarmup('constant', 20)).toBe(0);
    expect(defaultWarmup('onecycle', 20)).toBe(0);
    // whatever the default, it passes trainingOptimizer's checks
    for (const schedule of ['cosine', 'constant', 'onecycle'] as const) {
      for (const epochs of [1, 2, 9, 10, 60]) expect(() => trainingOptimizer({ ...BASE, schedule, epochs, warmup: defaultWarmup(schedule, epochs) })).not.toThrow();
    }
  });

  it('is kept by the default preset and set to 0 by fast and best (as measured), unless typed', () => {
    const given = { arch: [784, 128, 10], epochs: 20, batchSize: 64, optimizer: 'sgd' as const, schedule: 'cosine' as const, augment: true, dropout: 0, warmup: undefined as number | undefined };
    const notTyped = () => undefined;
    expect(applyPreset(given, 'default', notTyped).warmup).toBeUndefined();
    expect(applyPreset(given, 'fast', notTyped).warmup).toBe(0);
    expect(applyPreset(given, 'best', notTyped).warmup).toBe(0);
    expect(applyPreset({ ...given, warmup: 2 }, 'best', (key) => (key === 'warmup' ? 'cli' : undefined)).warmup).toBe(2);
  });
});
