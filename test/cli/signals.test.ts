/**
 * Signals at set points of a `mnist train` run, through the built CLI: before training, during
 * an epoch (SIGINT, SIGTERM, SIGHUP), after the last batch, during the save, and twice during the
 * save. Whatever the moment: the exit code is 128 + the signal's number, no temp file is left,
 * a finished model is never replaced by a partial one, and completed work is saved. Points
 * that an outside `kill` cannot hit reliably use the documented MNIST_TEST_SIGNAL_AT hook
 * (src/cli/test-hooks.ts), which sends the same signal through the same handlers.
 */

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { startMirrorServer, tinyMnist } from '../helpers/mirror-server.js';
import { smallMnistDir } from '../helpers/small-mnist.js';

/** A run that takes well over a second with the reference engine, so a signal lands mid-epoch. */
let data: string;
const LONG = () => ['--data-dir', data, '--limit', '2000', '--val-size', '200', '--epochs', '500', '--arch', '784-16-10', '--engine', 'reference'];
/** A run that takes a few hundredths of a second. */
const QUICK = () => ['--data-dir', data, '--limit', '500', '--val-size', '100', '--epochs', '2', '--arch', '784-16-10', '--engine', 'reference', '--no-augment'];
const CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

let dir: string;
let finished: string;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mnist-signals-'));
  data = smallMnistDir();
  finished = join(dir, 'finished.json');
  const run = await mnist(['train', ...QUICK(), '--quiet', '--out', finished]);
  expect(run.code).toBe(0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
});

/** A folder of its own for one test (they run concurrently). */
function folder(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

/** A copy of the finished model at `path`, to check that it survives. */
function existingModel(path: string): { path: string; bytes: string } {
  copyFileSync(finished, path);
  return { path, bytes: readFileSync(path, 'utf8') };
}

const tempFiles = (at: string) => readdirSync(at).filter((f) => f.endsWith('.tmp'));

describe.concurrent('a signal during training', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s mid-epoch saves the partial model beside an existing finished one', async (signal) => {
    const at = folder(`mid-${signal}`);
    const model = existingModel(join(at, `mid-${signal}.json`));
    let sent = false;
    const run = await mnist(['train', ...LONG(), '--out', model.path], {
      onSpawn(child, output) {
        const timer = setInterval(() => {
          if (!sent && /^epoch\s+1\/500\s/m.test(output.stderr())) {
            sent = true;
            child.kill(signal);
            clearInterval(timer);
          }
        }, 10);
      },
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(CODES[signal]);
    const word = signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`;
    expect(lines(run.stderr).at(-1)).toMatch(
      new RegExp(`^${word} after \\d+ complete epochs? \\(\\d+ steps\\); saved the partial model to \\S*mid-${signal}\\.partial\\.json \\(.*mid-${signal}\\.json holds a finished model and is unchanged\\); continue it with \`mnist train --resume \\S*mid-${signal}\\.partial\\.json\`$`),
    );
    expect(run.stderr).not.toMatch(/internal error/);
    expect(readFileSync(model.path, 'utf8')).toBe(model.bytes);
    const partial = JSON.parse(readFileSync(join(at, `mid-${signal}.partial.json`), 'utf8'));
    expect(partial.partial).toBe(true);
    expect(partial.training.steps).toBeGreaterThan(0);
    expect(tempFiles(at)).toEqual([]);
  });

  it('SIGTERM while the data loads writes nothing and exits 143', async () => {
    const at = folder('start');
    const model = existingModel(join(at, 'start.json'));
    const run = await mnist(['train', ...LONG(), '--out', model.path], { env: { MNIST_TEST_SIGNAL_AT: 'before-data:SIGTERM' } });
    expect(run.code).toBe(143);
    expect(lines(run.stderr).at(-1)).toBe(`stopped by SIGTERM before training started; nothing was written (${model.path} is unchanged).`);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(readFileSync(model.path, 'utf8')).toBe(model.bytes);
    expect(readdirSync(at)).toEqual(['start.json']);
    expect(tempFiles(at)).toEqual([]);
  });
});

describe.concurrent('a signal after the last batch', () => {
  it.each([
    ['before the test pass', 'before-test:SIGINT', 130, 'interrupted'],
    ['as the save begins', 'before-save:SIGTERM', 143, 'stopped by SIGTERM'],
  ])('%s still saves the complete model, then exits with the signal code', async (_when, hook, code, word) => {
    const at = folder(`late-${code}`);
    const out = join(at, 'model.json');
    const run = await mnist(['train', ...QUICK(), '--quiet', '--out', out], { env: { MNIST_TEST_SIGNAL_AT: hook } });
    expect(run.code).toBe(code);
    expect(lines(run.stderr)).toEqual([`${word} after training had finished; the complete model was saved to ${out}`]);
    const model = JSON.parse(readFileSync(out, 'utf8'));
    expect(model.partial).toBe(false);
    expect(model.metrics.test.total).toBe(500);
    expect(tempFiles(at)).toEqual([]);
  });

  it('a second signal during the save quits at once, removes the temp file and leaves the old model', async () => {
    const at = folder('twice');
    const model = existingModel(join(at, 'twice.json'));
    const run = await mnist(['train', ...QUICK(), '--quiet', '--out', model.path], { env: { MNIST_TEST_SIGNAL_AT: 'before-save:SIGHUP:2' } });
    expect(run.code).toBe(129);
    expect(lines(run.stderr)).toEqual(['stopped by SIGHUP again: quitting at once (temp files removed, nothing else written)']);
    expect(readFileSync(model.path, 'utf8')).toBe(model.bytes);
    expect(tempFiles(at)).toEqual([]);
  });
});

describe('a signal during a download', () => {
  it('SIGTERM mid-transfer exits 143 and leaves no temp file', async () => {
    const server = await startMirrorServer();
    try {
      const tiny = tinyMnist();
      server.routes.set('/slow/train-images-idx3-ubyte.gz', { kind: 'stall', body: tiny.gz['train-images-idx3-ubyte'], sendBytes: 40 });
      const at = folder('download');
      let sent = false;
      const run = await mnist(['download', '--no-builtin-mirrors', '--mirror', `${server.origin}/slow/`, '--data-dir', at, '--timeout', '20'], {
        onSpawn(child) {
          // The stalled transfer has its temp file open once the first bytes arrived.
          const timer = setInterval(() => {
            if (!sent && server.requests.length > 0 && readdirSync(at).some((f) => f.endsWith('.tmp'))) {
              sent = true;
              clearInterval(timer);
              child.kill('SIGTERM');
            }
          }, 10);
        },
      });
      expect(sent).toBe(true);
      expect(run.code).toBe(143);
      expect(lines(run.stderr).at(-1)).toBe('download stopped by SIGTERM; no partial file was left. Run `mnist download` again to finish.');
      expect(readdirSync(at)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
