/**
 * `mnist download` end to end: the built binary (bin/mnist.js -> dist/, so run `npm run build`
 * first) as a child process against a local mirror serving gzip copies of the embedded data,
 * checking stdout, stderr and exit codes. The failure modes themselves are covered in
 * test/data/download.test.ts; here we check what the user sees.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_ORDER, MNIST_SHA256 } from '../../src/data/download.js';
import { embeddedDataDir } from '../../src/data/mnist.js';
import { mnist as runCli, ROOT, type CliRun } from '../helpers/cli.js';
import { gzip, snapshot, startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';

/** The built CLI in the test's work folder (the shared helper, with this file's cwd). */
function mnist(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { cwd: work, env, timeoutMs: 30_000 });
}

let server: MirrorServer;
let work: string;
let good: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'commands', 'download.js'))) {
    throw new Error('dist/ has no download command; run `npm run build` before the CLI tests');
  }
  server = await startMirrorServer();
  const files: Record<string, Uint8Array> = {};
  for (const f of DOWNLOAD_ORDER) files[f] = gzip(readFileSync(join(embeddedDataDir(), f)));
  good = server.serve('/good/', files);
  work = mkdtempSync(join(tmpdir(), 'mnist-cli-download-'));
}, 30_000);

afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('mnist download', () => {
  it('downloads from the second mirror after a 404, then train-ready files are reported and skipped', { timeout: 30_000 }, async () => {
    const dead = `${server.origin}/dead/`;
    const run = await mnist(['download', '--no-builtin-mirrors', '--mirror', dead, '--mirror', good]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    DOWNLOAD_ORDER.forEach((f, i) => {
      expect(lines[i]).toBe(`${f.padEnd(25)}downloaded (verified, sha256 ${MNIST_SHA256[f].slice(0, 12)}…) from ${good}`);
    });
    expect(run.stderr).toContain(`warning: train-images-idx3-ubyte.gz from ${dead}: HTTP 404 Not Found; trying the next mirror\n`);
    expect(run.stderr).toMatch(/^train-images-idx3-ubyte\.gz: \d+\.\d MB in .* from http:\/\/127\.0\.0\.1:\d+\/good\/, verified$/m);
    expect(run.stderr).toMatch(/4 files verified in data\/; `mnist train` and `mnist evaluate` now use them/);
    expect(Object.keys(snapshot(join(work, 'data'))!)).toEqual([...DOWNLOAD_ORDER].sort());

    server.requests.length = 0;
    const again = await mnist(['download', '--no-builtin-mirrors', '--mirror', good]);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(`train-images-idx3-ubyte  ok (already there, verified, sha256 ba891046e650…)`);
    expect(server.requests).toEqual([]);

    const verify = await mnist(['download', '--verify', '--json']);
    expect(verify.code).toBe(0);
    const doc = JSON.parse(verify.stdout) as { ok: boolean; files: { file: string; status: string }[] };
    expect(doc.ok).toBe(true);
    expect(doc.files.map((f) => f.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('--verify names a corrupt file and exits 1', { timeout: 20_000 }, async () => {
    const dir = join(work, 'corrupt');
    const quiet = await mnist(['download', '--quiet', '--no-builtin-mirrors', '--mirror', good, '--data-dir', dir]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const labels = join(dir, 't10k-labels-idx1-ubyte');
    const bytes = readFileSync(labels);
    bytes[100] = (bytes[100] + 1) % 10;
    writeFileSync(labels, bytes);
    const run = await mnist(['download', '--verify', '--data-dir', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^t10k-labels-idx1-ubyte   wrong checksum \(sha256 [0-9a-f]{12}…, expected ff7bcfd416de…\) in /m);
    expect(run.stdout).toMatch(/^train-images-idx3-ubyte  ok \(verified, sha256 ba891046e650…\)$/m);
    expect(run.stderr).toBe(`error: 1 of 4 files in corrupt/ are missing or not the official MNIST files; run \`mnist download --data-dir ${dir}\` to fetch them.\n`);
  });

  it('a dead mirror fails with exit 1, one line per attempt and nothing left in the folder', { timeout: 20_000 }, async () => {
    server.routes.set('/html/train-images-idx3-ubyte.gz', { kind: 'file', body: Buffer.from('<html>gone</html>'), contentType: 'text/html' });
    const run = await mnist(['download', '--no-builtin-mirrors', '--mirror', `${server.origin}/html/`, '--data-dir', 'fresh']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `warning: train-images-idx3-ubyte.gz from ${server.origin}/html/: the server sent an HTML page (Content-Type: text/html), not gzip data; the mirror is probably gone; no more mirrors\n` +
        `error: could not download train-images-idx3-ubyte from the only mirror (last: ${server.origin}/html/: the server sent an HTML page (Content-Type: text/html), not gzip data; the mirror is probably gone). Check your connection, or pass --mirror URL.\n`,
    );
    expect(existsSync(join(work, 'fresh'))).toBe(false);
  });

  it('rejects bad option values with exit 2 before touching the network', async () => {
    const ftp = await mnist(['download', '--mirror', 'ftp://x/']);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toMatch(/^error: option '--mirror <url>' argument 'ftp:\/\/x\/' is invalid\. mirror 'ftp:\/\/x\/' uses ftp; only http and https mirrors are supported/);
    const env = await mnist(['download', '--data-dir', 'x'], { MNIST_MIRROR: 'file:///tmp' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^error: MNIST_MIRROR: mirror 'file:\/\/\/tmp' uses file/);
    const conflict = await mnist(['download', '--verify', '--force']);
    expect(conflict.code).toBe(2);
    const timeout = await mnist(['download', '--timeout', 'soon']);
    expect(timeout.code).toBe(2);
    expect(server.requests.filter((p) => p.startsWith('/x'))).toEqual([]);
  });

  it('--help shows the mirror order and examples', async () => {
    const run = await mnist(['download', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('https://ossci-datasets.s3.amazonaws.com/mnist/');
    expect(run.stdout).toContain('$ mnist download --verify');
  });
});
