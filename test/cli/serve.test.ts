// `mnist serve`'s options, through the built binary: --max-upload's range. (The HTTP layer is
// test/web/server.test.ts; the page in a real browser is test/web/browser.test.ts.)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/io/model-file.js';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { makeModel } from '../helpers/model-fixture.js';
import { startServe } from '../helpers/serve.js';

let dir: string;
let model: string;
beforeAll(async () => {
  assertBuilt();
  dir = tempDir('mnist-serve-');
  model = join(dir, 'model.json');
  await saveModel(model, makeModel());
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('mnist serve --max-upload', () => {
  it('refuses sizes outside 0.01 to 1024 MiB as usage errors, before loading the model', async () => {
    const runs = await Promise.all(['0.0000001', '0.009', '0', '1025', 'lots'].map((size) => mnist(['serve', model, '--port', '0', '--max-upload', size], { timeoutMs: 10_000 })));
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(lines(run.stderr)).toEqual([expect.stringMatching(/^error: option '--max-upload <MiB>' argument '.*' is invalid\. expected a size in MiB from 0\.01 to 1024, e\.g\. 16\.$/)]);
      expect(run.stdout).toBe('');
    }
  });

  it('accepts the smallest size it names (0.01 MiB) and serves with it', async () => {
    const served = await startServe([model, '--port', '0', '--max-upload', '0.01']);
    try {
      const big = await fetch(new URL('/api/predict', served.url), { method: 'POST', body: new Uint8Array(10_487) });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: string }).error).toMatch(/larger than 0\.01 MiB/);
    } finally {
      const stopped = await served.stop();
      expect(stopped.code).toBe(130);
    }
  });
});
