/**
 * The downloader where the outside world misbehaves on purpose: a server that trickles bytes
 * (never silent, so only the minimum rate stops it), temp files left by a killed earlier run,
 * and MNIST files that are not regular files. Tiny fixtures and a local server; each case well
 * under a second.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadMnist, verifyDataDir, type ChecksumTable } from '../../src/data/download.js';
import { DataError } from '../../src/errors.js';
import { startMirrorServer, tinyMnist, type MirrorServer } from '../helpers/mirror-server.js';
import { mountTmpfs, tmpfsAvailable, unmount } from '../helpers/tmpfs.js';

const tiny = tinyMnist();
const checksums = tiny.checksums as unknown as ChecksumTable;
const TRAIN_IMAGES = 'train-images-idx3-ubyte';

let server: MirrorServer;
let root: string;
let dir: string;

beforeAll(async () => {
  server = await startMirrorServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.routes.clear();
  root = mkdtempSync(join(tmpdir(), 'mnist-download-robust-'));
  dir = join(root, 'data');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('download against hostile servers and folders', () => {
  it('gives up on a server that trickles bytes below the minimum rate, leaving no temp file', async () => {
    // 16 bytes every 50 ms = 320 B/s: the connection is never idle for the 0.4 s timeout.
    server.routes.set(`/trickle/${TRAIN_IMAGES}.gz`, { kind: 'trickle', body: tiny.gz[TRAIN_IMAGES], chunk: 16, everyMs: 50 });
    const reasons: string[] = [];
    const t0 = Date.now();
    const err = await downloadMnist({
      dataDir: dir,
      mirrors: [`${server.origin}/trickle/`],
      checksums,
      timeoutMs: 400,
      minBytesPerSecond: 2000,
      onEvent: (e) => {
        if (e.type === 'mirror-failed') reasons.push(e.reason);
      },
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toBeInstanceOf(DataError);
    expect(reasons).toEqual([expect.stringMatching(/^too slow: \d+ B\/s over the last 0\.\d s after \d+ of \d+ bytes, below the minimum 2\.0 kB\/s \(--min-rate changes it\)$/)]);
    expect(existsSync(dir)).toBe(false);
  });

  it('a trickle above the minimum rate still completes', async () => {
    const body = tiny.gz[TRAIN_IMAGES];
    server.serve('/ok/', tiny.gz);
    server.routes.set(`/ok/${TRAIN_IMAGES}.gz`, { kind: 'trickle', body, chunk: Math.ceil(body.length / 4), everyMs: 30 });
    const files = await downloadMnist({ dataDir: dir, mirrors: [`${server.origin}/ok/`], checksums, timeoutMs: 400, minBytesPerSecond: 100 });
    expect(files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
  });

  it('removes temp files left by a process that no longer runs, and keeps those of live ones', async () => {
    mkdirSync(dir);
    // A pid that cannot be running: above the kernel's pid_max (4194304 at most).
    const stale = `.${TRAIN_IMAGES}.4999999.0123abcd.tmp`;
    const alive = `.${TRAIN_IMAGES}.${process.pid}.89abcdef.tmp`;
    writeFileSync(join(dir, stale), 'partial');
    writeFileSync(join(dir, alive), 'in progress elsewhere');
    writeFileSync(join(dir, '.unrelated.4999999.0123abcd.tmp'), 'not ours to judge');
    await downloadMnist({ dataDir: dir, mirrors: [server.serve('/good/', tiny.gz)], checksums, timeoutMs: 2000 });
    const names = readdirSync(dir);
    expect(names).not.toContain(stale);
    expect(names).toContain(alive);
    expect(names).toContain('.unrelated.4999999.0123abcd.tmp');
  });

  it('--verify refuses a FIFO named like an MNIST file instead of waiting on it forever', async () => {
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, TRAIN_IMAGES)]);
    const results = await verifyDataDir(dir, { checksums });
    expect(results[0]).toMatchObject({ status: 'structure', message: expect.stringMatching(/train-images-idx3-ubyte: is a named pipe \(FIFO\), not a regular file/) });
  });

  it.runIf(tmpfsAvailable)('a data folder under a read-only mount is one line saying so', async () => {
    const mount = join(root, 'ro');
    mountTmpfs(mount, 'ro,size=64k');
    try {
      const err = await downloadMnist({ dataDir: join(mount, 'a', 'b'), mirrors: ['http://127.0.0.1:1/'], checksums }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(/ro\/a\/b: cannot write here \(EROFS\); check the folder's permissions or pass --data-dir DIR\./);
    } finally {
      unmount(mount);
    }
  });
});
