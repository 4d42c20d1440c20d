// `mnist train` with the optimizer, label-smoothing and schedule options, end to end: the built
// binary on a small slice of real MNIST; the model file records every setting and `evaluate`
// shows them and reproduces train's figures; combinations that make no sense are usage errors.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';

const QUICK = ['--limit', '1500', '--val-size', '300', '--epochs', '2', '--batch-size', '32', '--arch', '784-32-10', '--no-augment'];

let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir('mnist-optim-');
});

describe('mnist train --warmup', () => {
  it('defaults to one warm-up epoch before a cosine schedule of 10 epochs or more, and to none with onecycle', async () => {
    const tiny = ['--limit', '320', '--val-size', '0', '--arch', '784-8-10', '--no-augment', '--no-checkpoint', '--epochs', '10'];
    const cosine = await mnist(['train', ...tiny, '--out', join(dir, 'warm.json')]);
    expect(cosine.code).toBe(0);
    expect(cosine.stderr).toMatch(/^training .* 10 epochs, batch 64, sgd, lr 0\.5 cosine after 1 warm-up epoch, /m);
    expect(JSON.parse(readFileSync(join(dir, 'warm.json'), 'utf8')).training).toMatchObject({ warmup: 1, schedule: 'cosine' });
    const onecycle = await mnist(['train', ...tiny, '--schedule', 'onecycle', '--out', join(dir, 'onecycle.json')]);
    expect(onecycle.code).toBe(0);
    expect(onecycle.stderr).not.toMatch(/warm-up/);
    expect(JSON.parse(readFileSync(join(dir, 'onecycle.json'), 'utf8')).training).toMatchObject({ warmup: 0, schedule: 'onecycle' });
  });
});

describe('mnist train --optimizer', () => {
  it('adamw with label smoothing and warm-up learns, records every setting, and evaluate shows and reproduces them', async () => {
    const out = join(dir, 'adamw.json');
    const run = await mnist([
      'train', ...QUICK, '--optimizer', 'adamw', '--weight-decay', '0.05', '--beta2', '0.99',
      '--label-smoothing', '0.1', '--warmup', '1', '--out', out,
    ]);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^training 784-32-10 relu, cross-entropy \(label smoothing 0\.1\) on 1500 images .*adamw \(beta1 0\.9, beta2 0\.99, eps 1e-8, weight decay 0\.05\), lr 0\.002 cosine after 1 warm-up epoch/m);
    const correct = Number(lines(run.stdout)[0].match(/^test accuracy: (\d+)\/10000/)![1]);
    expect(correct).toBeGreaterThan(8000);
    const model = JSON.parse(readFileSync(out, 'utf8'));
    expect(model.training).toMatchObject({
      optimizer: 'adamw', lr: 0.002, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05, labelSmoothing: 0.1, warmup: 1, schedule: 'cosine',
    });
    expect(model.training.momentum).toBeUndefined();
    expect(model.architecture.labelSmoothing).toBe(0.1);

    const evaluation = await mnist(['evaluate', out]);
    expect(evaluation.code).toBe(0);
    expect(evaluation.stderr).toMatch(
      /^model: 784-32-10 relu, cross-entropy \(label smoothing 0\.1\); trained with adamw \(beta1 0\.9, beta2 0\.99, eps 1e-8, weight decay 0\.05\), lr 0\.002 cosine after 1 warm-up epoch, label smoothing 0\.1, 2 epochs, batch 32; data: /m,
    );
    // Same accuracy and the same (smoothed) loss as train printed.
    expect(lines(evaluation.stdout)[0]).toBe(lines(run.stdout)[0].replace(/  loss.*/, ''));
    expect(evaluation.stdout).toContain(`average loss:  ${model.metrics.test.loss.toFixed(4)} (cross-entropy)`);
  });

  it('nesterov with onecycle trains', async () => {
    const out = join(dir, 'nesterov.json');
    const run = await mnist(['train', ...QUICK, '--optimizer', 'nesterov', '--momentum', '0.8', '--schedule', 'onecycle', '--lr', '0.1', '--out', out, '--quiet']);
    expect(run.code).toBe(0);
    expect(Number(lines(run.stdout)[0].match(/^test accuracy: (\d+)\/10000/)![1])).toBeGreaterThan(7000);
    expect(JSON.parse(readFileSync(out, 'utf8')).training).toMatchObject({ optimizer: 'nesterov', momentum: 0.8, schedule: 'onecycle', weightDecay: 0 });
  });

  it.each([
    [['--optimizer', 'adam', '--momentum', '0.9'], /--momentum applies to --optimizer momentum or nesterov, not adam/],
    [['--optimizer', 'rmsprop'], /Allowed choices are sgd, momentum, nesterov, adam, adamw/],
  ])('%j is a usage error (exit 2) in one line, before any training (the other combinations: optimizer-options.test.ts)', async (args, message) => {
    const run = await mnist(['train', ...QUICK, ...args, '--out', join(dir, 'never.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/^epoch/m);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('evaluate still reads a model file written before these settings existed', async () => {
    const out = join(dir, 'old.json');
    const model = JSON.parse(readFileSync(join(dir, 'nesterov.json'), 'utf8'));
    model.training.optimizer = 'sgd';
    model.training.lr = 0.5;
    for (const key of ['momentum', 'beta1', 'beta2', 'eps', 'weightDecay', 'labelSmoothing', 'warmup']) delete model.training[key];
    delete model.architecture.labelSmoothing;
    writeFileSync(out, JSON.stringify(model));
    const evaluation = await mnist(['evaluate', out]);
    expect(evaluation.code).toBe(0);
    expect(evaluation.stderr).toMatch(/trained with sgd, lr 0\.5 onecycle, 2 epochs, batch 32; data:/);
  });
});
