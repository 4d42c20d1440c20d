// `mnist train --resume`, `--preset`, `--dropout` and `--early-stop` end to end: the built binary
// on small slices of real MNIST with the fast engine. A run stopped by Ctrl-C and resumed ends
// with the weights of one uninterrupted run, bit for bit (test/training/resume.test.ts checks the
// loop itself: stopped at an epoch boundary or mid-epoch).
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';

const SMALL = ['--limit', '1000', '--val-size', '300', '--batch-size', '50', '--arch', '784-40-10', '--engine', 'fast', '--threads', '2', '--quiet'];
let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir('mnist-resume-');
});

const weightsOf = (path: string) => JSON.parse(readFileSync(path, 'utf8')).weights as Record<string, number[]>;

describe('mnist train --resume', () => {
  it('a run stopped by Ctrl-C after epoch 2 and resumed gives the weights of one uninterrupted run (cosine, augmentation, dropout)', async () => {
    const args = [...SMALL, '--epochs', '6', '--dropout', '0.2', '--quiet'];
    const straight = join(dir, 'straight.json');
    expect((await mnist(['train', ...args, '--out', straight])).code).toBe(0);

    const stopped = join(dir, 'stopped.json');
    // The documented test hook sends SIGINT through the real handler as epoch 2 ends (a kill from
    // outside cannot be timed on an idle machine, where these epochs take milliseconds).
    const first = await mnist(['train', ...args.filter((a) => a !== '--quiet'), '--out', stopped], {
      env: { MNIST_TEST_SIGNAL_AT: 'after-epoch-2:SIGINT' },
    });
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/saved the partial model to .*stopped\.json; continue it with `mnist train --resume .*stopped\.json`/);
    expect(existsSync(join(dir, 'stopped.ckpt'))).toBe(true);
    expect(JSON.parse(readFileSync(stopped, 'utf8')).partial).toBe(true);

    const second = await mnist(['train', '--resume', stopped, '--engine', 'fast', '--threads', '3']);
    expect(second.stderr).toMatch(/^resuming .*stopped\.json after epoch 2$/m);
    expect(second.code).toBe(0);
    const model = JSON.parse(readFileSync(stopped, 'utf8'));
    expect(model.partial).toBe(false);
    expect(model.training).toMatchObject({ epochs: 6, dropout: 0.2, resumed: 1 });
    expect(model.metrics.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(weightsOf(stopped)).toEqual(weightsOf(straight));
  });

  it('a resumed run keeps the optimizer, its hyperparameters, label smoothing and warm-up without restating them', async () => {
    const args = [...SMALL, '--epochs', '3', '--optimizer', 'adamw', '--weight-decay', '0.05', '--beta2', '0.99', '--label-smoothing', '0.1', '--warmup', '1'];
    const straight = join(dir, 'adamw-straight.json');
    expect((await mnist(['train', ...args, '--out', straight])).code).toBe(0);
    const stopped = join(dir, 'adamw-stopped.json');
    const first = await mnist(['train', ...args, '--out', stopped], { env: { MNIST_TEST_SIGNAL_AT: 'after-epoch-1:SIGINT' } });
    expect(first.code).toBe(130);
    const second = await mnist(['train', '--resume', stopped, '--engine', 'fast', '--threads', '2', '--quiet']);
    expect(second.code).toBe(0);
    const model = JSON.parse(readFileSync(stopped, 'utf8'));
    expect(model.training).toMatchObject({
      optimizer: 'adamw', lr: 0.002, beta1: 0.9, beta2: 0.99, weightDecay: 0.05, labelSmoothing: 0.1, warmup: 1, resumed: 1,
    });
    expect(weightsOf(stopped)).toEqual(weightsOf(straight));
    const changed = await mnist(['train', '--resume', straight, '--weight-decay', '0.01', '--epochs', '4']);
    expect(changed.code).toBe(2);
    expect(lines(changed.stderr)).toEqual([expect.stringMatching(/^error: --weight-decay 0\.01 differs from the run in .*adamw-straight\.json, which used 0\.05; /)]);
  });

  it('changing the architecture on resume is a usage error naming both shapes; so is a changed setting', async () => {
    const model = join(dir, 'straight.json'); // the finished 6-epoch run of the first test
    const arch = await mnist(['train', '--resume', model, '--arch', '784-64-10', '--epochs', '2']);
    expect(arch.code).toBe(2);
    expect(lines(arch.stderr)).toEqual([expect.stringMatching(/^error: --arch 784-64-10 does not match the run in .*straight\.json, which is 784-40-10; /)]);
    expect(readFileSync(model, 'utf8')).toContain('"partial": false'); // untouched
    const lr = await mnist(['train', '--resume', model, '--lr', '0.1', '--epochs', '2']);
    expect(lr.code).toBe(2);
    expect(lr.stderr).toMatch(/--lr 0\.1 differs from the run in .*, which used 0\.5/);
    const epochs = await mnist(['train', '--resume', model, '--epochs', '6']);
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toMatch(/--epochs 6: the run in .* has already trained 6 epochs; give the new total, e\.g\. --epochs 16\./);
    const missing = await mnist(['train', '--resume', join(dir, 'nothing.json')]);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/nothing\.ckpt: no such checkpoint/)]);
  });
});

describe('mnist train --resume with a damaged optimizer state', () => {
  it('is refused in one line (exit 1) before any training, and nothing is written', async () => {
    const model = join(dir, 'straight.json'); // the finished sgd run of the first test: state [steps]
    const copy = join(dir, 'damaged.json');
    copyFileSync(model, copy);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'straight.ckpt'), 'utf8'));
    checkpoint.optimizer = Buffer.from(new Float32Array([120, 0.5, 0.25]).buffer).toString('base64');
    writeFileSync(join(dir, 'damaged.ckpt'), JSON.stringify(checkpoint));
    const before = readFileSync(copy, 'utf8');
    const run = await mnist(['train', '--resume', copy, '--epochs', '8']);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^error: .*damaged\.json: the checkpoint's optimizer state does not fit this run \(optimizer state for sgd with 31810 parameters has 1 values, got 3\); /),
    ]);
    expect(readFileSync(copy, 'utf8')).toBe(before);
  });
});

describe('mnist train --resume with edited settings', () => {
  it.each([
    ['arch', '784-128-10', /^error: .*edited\.ckpt: settings\.arch is "784-128-10", but the architecture says "784-40-10"; the checkpoint was edited or damaged; start a new run$/],
    ['optimizer', 'foo', /^error: .*edited\.ckpt: settings\.optimizer is "foo", expected one of sgd, momentum, nesterov, adam, adamw; /],
    ['lr', 'foo', /^error: .*edited\.json: the checkpoint's settings\.lr is "foo": must be a number; the checkpoint was edited or damaged\. Start a new run\.$/],
    ['batchSize', 0, /^error: .*edited\.json: the checkpoint's settings\.batchSize is 0: expected a whole number of at least 1; /],
    ['schedule', 'steps', /settings\.schedule is "steps": must be one of constant, cosine, onecycle; /],
  ])('settings.%s = %j is refused in one line (exit 1) before any training, and nothing is written', async (key, value, message) => {
    const copy = join(dir, 'edited.json');
    copyFileSync(join(dir, 'straight.json'), copy); // the finished run of the first test
    const checkpoint = JSON.parse(readFileSync(join(dir, 'straight.ckpt'), 'utf8'));
    checkpoint.settings[key] = value;
    writeFileSync(join(dir, 'edited.ckpt'), JSON.stringify(checkpoint));
    const before = readFileSync(copy, 'utf8');
    const run = await mnist(['train', '--resume', copy, '--epochs', '8']);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(readFileSync(copy, 'utf8')).toBe(before);
  });
});

describe('a checkpoint left beside a model saved without one', () => {
  const sizesOf = (path: string) => JSON.parse(readFileSync(path, 'utf8')).architecture.sizes as number[];

  it('is removed when the new model is saved, so --resume says there is no checkpoint instead of resuming the old run over it', async () => {
    const model = join(dir, 'reused.json');
    expect((await mnist(['train', ...SMALL, '--epochs', '2', '--out', model])).code).toBe(0);
    expect(existsSync(join(dir, 'reused.ckpt'))).toBe(true);
    const second = await mnist(['train', ...SMALL.filter((a) => a !== '--quiet'), '--arch', '784-32-10', '--epochs', '3', '--no-checkpoint', '--out', model]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/^removed .*reused\.ckpt, an earlier run's checkpoint: this model has none$/m);
    expect(existsSync(join(dir, 'reused.ckpt'))).toBe(false);
    const before = readFileSync(model, 'utf8');
    const resume = await mnist(['train', '--resume', model, '--epochs', '4']);
    expect(resume.code).toBe(1);
    expect(lines(resume.stderr)).toEqual([expect.stringMatching(/^error: .*reused\.ckpt: no such checkpoint\. /)]);
    expect(readFileSync(model, 'utf8')).toBe(before);
    expect(sizesOf(model)).toEqual([784, 32, 10]);
  });

  it('that could not be removed is refused on resume: it records the model it was saved with', async () => {
    const model = join(dir, 'other.json');
    expect((await mnist(['train', ...SMALL, '--arch', '784-32-10', '--epochs', '1', '--no-checkpoint', '--out', model])).code).toBe(0);
    copyFileSync(join(dir, 'straight.ckpt'), join(dir, 'other.ckpt')); // the first test's run, 784-40-10
    const before = readFileSync(model, 'utf8');
    const resume = await mnist(['train', '--resume', model, '--epochs', '8']);
    expect(resume.code).toBe(1);
    expect(lines(resume.stderr)).toEqual([
      expect.stringMatching(/^error: .*other\.ckpt: was saved with the model of \S+, but .*other\.json holds the model of \S+; the checkpoint is stale \(a model saved without one, e\.g\. by --no-checkpoint, cannot be resumed\)\. Start a new run\.$/),
    ]);
    expect(readFileSync(model, 'utf8')).toBe(before);
  });
});

describe('mnist train --preset, --early-stop and the recorded settings', () => {
  it('--help lists what each preset sets', async () => {
    const help = await mnist(['train', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}fast {5}--arch 784-\d+-10 --epochs \d+ /m);
    expect(help.stdout).toMatch(/^ {2}best {5}--arch 784-[\d-]+ /m);
  });

  it('an explicit option overrides the preset; the model file records the preset and evaluate prints the settings', async () => {
    const out = join(dir, 'preset.json');
    const run = await mnist(['train', '--preset', 'fast', '--epochs', '1', '--limit', '1000', '--val-size', '300', '--dropout', '0.1', '--early-stop', '2', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^training 784-128-10 relu, cross-entropy on 1000 images \(validation 300\), 1 epoch, batch 64, sgd, lr 0\.5 cosine, dropout 0\.1, early stop 2, preset fast, /m);
    const model = JSON.parse(readFileSync(out, 'utf8'));
    expect(model.training).toMatchObject({ preset: 'fast', epochs: 1, augment: false, dropout: 0.1, earlyStop: 2, bestEpoch: 1 });
    const evaluation = await mnist(['evaluate', out]);
    expect(evaluation.code).toBe(0);
    expect(evaluation.stderr).toMatch(/^model: 784-128-10 relu, cross-entropy; trained with preset fast: sgd, lr 0\.5 cosine, 1 epoch, batch 64, dropout 0\.1, early stop 2 \(best epoch 1\); /m);
  });

  it('--early-stop without a validation set is a usage error', async () => {
    const run = await mnist(['train', '--early-stop', '3', '--val-size', '0', '--out', join(dir, 'x.json')]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual(['error: --early-stop needs a validation set to watch; leave --val-size above 0 (the default holds out 5000 images).']);
  });
});
