/**
 * The downloader against a real HTTP server on 127.0.0.1 (test/helpers/mirror-server.ts): the
 * happy path, each way a mirror can fail, and the promise that a failure leaves the data folder
 * byte-for-byte as it was. Most cases use tiny IDX fixtures with injected checksums; one case
 * downloads the real embedded files to prove the official hashes. Not the CLI: see test/cli/.
 */

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MIRRORS,
  DOWNLOAD_ORDER,
  MNIST_SHA256,
  downloadMnist,
  normalizeMirror,
  parseMirrorList,
  resolveMirrors,
  verifyDataDir,
  type ChecksumTable,
  type DownloadEvent,
} from '../../src/data/download.js';
import { embeddedDataDir, loadSplit, locateMnist } from '../../src/data/mnist.js';
import { DataError, InterruptedError, UsageError } from '../../src/errors.js';
import { gzip, makeIdx, sha256, snapshot, startMirrorServer, tinyMnist, type MirrorServer } from '../helpers/mirror-server.js';

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
  server.requests.length = 0;
  root = mkdtempSync(join(tmpdir(), 'mnist-download-'));
  dir = join(root, 'data');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Runs a download with tiny fixtures and a short timeout, collecting the events. */
async function download(mirrors: string[], extra: { force?: boolean; timeoutMs?: number; signal?: AbortSignal; onEvent?: (e: DownloadEvent) => void } = {}) {
  const events: DownloadEvent[] = [];
  const files = await downloadMnist({
    dataDir: dir,
    mirrors,
    checksums,
    timeoutMs: extra.timeoutMs ?? 2000,
    force: extra.force,
    signal: extra.signal,
    onEvent: (e) => {
      events.push(e);
      extra.onEvent?.(e);
    },
  });
  return { files, events };
}

/** A data folder with a good file, a corrupt file and an unrelated file, to prove failures touch nothing. */
function seedFolder(): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), tiny.raw['t10k-labels-idx1-ubyte']);
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), Buffer.from('garbage'));
  writeFileSync(join(dir, 'README.md'), 'keep me\n');
  return snapshot(dir)!;
}

/** Expects the download to fail with one mirror and the folder to be exactly as before. */
async function expectFailureLeavesFolder(mirror: string, reason: RegExp, timeoutMs?: number) {
  const before = seedFolder();
  const events: DownloadEvent[] = [];
  const err = await downloadMnist({ dataDir: dir, mirrors: [mirror], checksums, timeoutMs: timeoutMs ?? 2000, onEvent: (e) => events.push(e) }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  expect((err as DataError).code).toBe('EDOWNLOAD');
  expect((err as Error).message).toMatch(/^could not download train-images-idx3-ubyte from the only mirror \(last: /);
  expect((err as Error).message).toMatch(reason);
  expect((err as Error).message).not.toContain('\n');
  const failed = events.filter((e) => e.type === 'mirror-failed');
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ file: TRAIN_IMAGES, mirror, mirrorsLeft: 0 });
  expect(snapshot(dir)).toEqual(before);
  return { err: err as DataError, reason: (failed[0] as { reason: string }).reason };
}

describe('downloadMnist', () => {
  it('downloads all four files, verified, with start/progress/done events and no temp file', async () => {
    const base = server.serve('/m/', tiny.gz);
    const { files, events } = await download([base]);
    expect(files.map((f) => [f.file, f.status, f.sha256])).toEqual(DOWNLOAD_ORDER.map((f) => [f, 'downloaded', tiny.checksums[f]]));
    for (const f of DOWNLOAD_ORDER) expect(readFileSync(join(dir, f))).toEqual(Buffer.from(tiny.raw[f]));
    expect(Object.keys(snapshot(dir)!)).toEqual([...DOWNLOAD_ORDER].sort());
    const first = events.filter((e) => e.file === TRAIN_IMAGES);
    expect(first[0]).toMatchObject({ type: 'start', mirror: base, url: `${base}${TRAIN_IMAGES}.gz`, totalBytes: tiny.gz[TRAIN_IMAGES].length });
    expect(first.at(-2)).toMatchObject({ type: 'progress', bytes: tiny.gz[TRAIN_IMAGES].length });
    expect(first.at(-1)).toMatchObject({ type: 'done', skipped: false, mirror: base, bytes: tiny.gz[TRAIN_IMAGES].length });
  });

  it('the official checksums match the embedded copy: real files download and then load', { timeout: 20_000 }, async () => {
    const embedded = embeddedDataDir();
    const real: Record<string, Uint8Array> = {};
    for (const f of DOWNLOAD_ORDER) real[f] = gzip(readFileSync(join(embedded, f)));
    const base = server.serve('/real/', real);
    const files = await downloadMnist({ dataDir: dir, mirrors: [base] });
    expect(files.map((f) => f.sha256)).toEqual(DOWNLOAD_ORDER.map((f) => MNIST_SHA256[f]));
    const source = locateMnist({ dataDir: dir });
    expect(source.kind).toBe('data-dir');
    const test = await loadSplit(source, 'test');
    expect(test.count).toBe(10_000);
    expect(test.files.images.sha256).toBe(MNIST_SHA256['t10k-images-idx3-ubyte']);
    expect((await verifyDataDir(dir)).map((v) => v.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('a 404 on the first mirror falls through to the second, saying why', async () => {
    const good = server.serve('/good/', tiny.gz);
    const dead = `${server.origin}/dead/`;
    const { files, events } = await download([dead, good]);
    expect(files.every((f) => f.mirror === good)).toBe(true);
    const failed = events.filter((e) => e.type === 'mirror-failed');
    expect(failed).toHaveLength(4);
    expect(failed[0]).toEqual({ type: 'mirror-failed', file: TRAIN_IMAGES, mirror: dead, url: `${dead}${TRAIN_IMAGES}.gz`, reason: 'HTTP 404 Not Found', mirrorsLeft: 1 });
  });

  it('follows a chain of redirects, relative Location included', async () => {
    const base = server.serve('/final/', tiny.gz);
    for (const f of DOWNLOAD_ORDER) {
      server.routes.set(`/r1/${f}.gz`, { kind: 'redirect', status: 301, location: `${server.origin}/r2/sub/${f}.gz` });
      server.routes.set(`/r2/sub/${f}.gz`, { kind: 'redirect', status: 302, location: `../../r3/${f}.gz` });
      server.routes.set(`/r3/${f}.gz`, { kind: 'redirect', status: 307, location: `/final/${f}.gz` });
    }
    const { files } = await download([`${server.origin}/r1/`]);
    expect(files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    expect(server.requests.slice(0, 4)).toEqual([`/r1/${TRAIN_IMAGES}.gz`, `/r2/sub/${TRAIN_IMAGES}.gz`, `/r3/${TRAIN_IMAGES}.gz`, `/final/${TRAIN_IMAGES}.gz`]);
    expect(base).toBe(`${server.origin}/final/`);
  });

  it('gives up after 5 redirects', async () => {
    server.routes.set(`/loop/${TRAIN_IMAGES}.gz`, { kind: 'redirect', location: `/loop/${TRAIN_IMAGES}.gz` });
    await expectFailureLeavesFolder(`${server.origin}/loop/`, /more than 5 redirects/);
    expect(server.requests).toHaveLength(6);
  });

  it('reports an HTTP error with its status', async () => {
    server.routes.set(`/err/${TRAIN_IMAGES}.gz`, { kind: 'status', status: 503, body: 'try later' });
    const { reason } = await expectFailureLeavesFolder(`${server.origin}/err/`, /HTTP 503 Service Unavailable/);
    expect(reason).toBe('HTTP 503 Service Unavailable');
  });

  it('rejects wrong content (one byte changed) as a checksum mismatch', async () => {
    const changed = Buffer.from(tiny.raw[TRAIN_IMAGES]);
    changed[100] ^= 1;
    server.serve('/bad/', { ...tiny.gz, [TRAIN_IMAGES]: gzip(changed) });
    const { reason } = await expectFailureLeavesFolder(`${server.origin}/bad/`, /checksum mismatch/);
    expect(reason).toContain(`sha256 ${sha256(changed).slice(0, 12)}`);
    expect(reason).toContain(`expected ${tiny.checksums[TRAIN_IMAGES].slice(0, 12)}`);
  });

  it('rejects a truncated body (Content-Length larger than what arrives)', async () => {
    const body = tiny.gz[TRAIN_IMAGES];
    server.routes.set(`/trunc/${TRAIN_IMAGES}.gz`, { kind: 'truncate', body, sendBytes: 100 });
    const { reason } = await expectFailureLeavesFolder(`${server.origin}/trunc/`, /after 100 of \d+ bytes/);
    expect(reason).toContain(`after 100 of ${body.length} bytes`);
  });

  it('rejects a connection reset mid-file', async () => {
    // A valid start of an images file (its header, then zero pixels): the reset is the only thing
    // wrong, so no bad-magic error from the 300 bytes can race it.
    const big = gzip(makeIdx([1300, 28, 28], new Uint8Array(1300 * 784)));
    server.routes.set(`/reset/${TRAIN_IMAGES}.gz`, { kind: 'reset', body: big, sendBytes: 300 });
    await expectFailureLeavesFolder(`${server.origin}/reset/`, /connection was (closed|reset)|ECONNRESET/);
  });

  it('rejects an HTML page served instead of gzip, before writing anything', async () => {
    server.routes.set(`/html/${TRAIN_IMAGES}.gz`, { kind: 'file', body: Buffer.from('<!DOCTYPE html><html><body>Moved</body></html>'), contentType: 'text/html; charset=utf-8' });
    const { reason } = await expectFailureLeavesFolder(`${server.origin}/html/`, /HTML page/);
    expect(reason).toBe('the server sent an HTML page (Content-Type: text/html; charset=utf-8), not gzip data; the mirror is probably gone');
  });

  it('rejects gzip that does not decompress to an IDX file of the right kind', async () => {
    server.serve('/kind/', { [TRAIN_IMAGES]: tiny.gz['train-labels-idx1-ubyte'] });
    const { reason } = await expectFailureLeavesFolder(`${server.origin}/kind/`, /not a valid MNIST file/);
    expect(reason).toMatch(/^not a valid MNIST file: bad magic number 0x00000801 \(expected 0x00000803\); this is a label file, not an image file$/);
  });

  it('rejects complete gzip data whose IDX content is cut short', async () => {
    server.serve('/short/', { [TRAIN_IMAGES]: gzip(tiny.raw[TRAIN_IMAGES].subarray(0, 1000)) });
    const { reason } = await expectFailureLeavesFolder(`${server.origin}/short/`, /not a valid MNIST file: truncated/);
    expect(reason).toBe('not a valid MNIST file: truncated: the header declares 3x28x28 (2352 bytes of data) but the file holds 984; the file is incomplete');
  });

  it('rejects corrupt gzip data (the CRC check fails)', async () => {
    const damaged = Buffer.from(tiny.gz[TRAIN_IMAGES]);
    damaged[damaged.length - 6] ^= 0xff;
    server.serve('/crc/', { [TRAIN_IMAGES]: damaged });
    await expectFailureLeavesFolder(`${server.origin}/crc/`, /corrupt gzip data after \d+ of \d+ bytes \(.*check/);
  });

  it('times out on a stalled connection', async () => {
    server.routes.set(`/stall/${TRAIN_IMAGES}.gz`, { kind: 'stall', body: tiny.gz[TRAIN_IMAGES], sendBytes: 10 });
    const t0 = Date.now();
    const { reason } = await expectFailureLeavesFolder(`${server.origin}/stall/`, /no data for 0.3 s after 10 of \d+ bytes \(stalled connection/, 300);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(reason).toContain('--timeout');
  });

  it('a refused connection moves on to the next mirror', async () => {
    const good = server.serve('/good/', tiny.gz);
    const { events } = await download(['http://127.0.0.1:1/', good]);
    expect(events.find((e) => e.type === 'mirror-failed')).toMatchObject({ reason: 'connection refused' });
  });

  it('a failure after some files keeps the completed ones and leaves no temp file', async () => {
    server.serve('/half/', { [TRAIN_IMAGES]: tiny.gz[TRAIN_IMAGES], 'train-labels-idx1-ubyte': tiny.gz['train-labels-idx1-ubyte'] });
    await expect(download([`${server.origin}/half/`])).rejects.toThrow(/could not download t10k-images-idx3-ubyte/);
    expect(Object.keys(snapshot(dir)!)).toEqual([TRAIN_IMAGES, 'train-labels-idx1-ubyte']);
  });

  it('removes the data folder it created when nothing could be downloaded', async () => {
    dir = join(root, 'new', 'data');
    await expect(download([`${server.origin}/nothing/`])).rejects.toThrow(DataError);
    expect(snapshot(root)).toEqual({});
  });

  it('Ctrl-C (abort) mid-transfer throws InterruptedError and leaves nothing behind', async () => {
    server.routes.set(`/slow/${TRAIN_IMAGES}.gz`, { kind: 'stall', body: tiny.gz[TRAIN_IMAGES], sendBytes: 20 });
    const before = seedFolder();
    const controller = new AbortController();
    const err = await download([`${server.origin}/slow/`], {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'progress') setTimeout(() => controller.abort(), 20);
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as InterruptedError).exitCode).toBe(130);
    expect(snapshot(dir)).toEqual(before);
  });

  it('skips files already verified, raw or .gz, without contacting any mirror', async () => {
    mkdirSync(dir);
    for (const f of DOWNLOAD_ORDER) {
      if (f.startsWith('t10k')) writeFileSync(join(dir, `${f}.gz`), tiny.gz[f]);
      else writeFileSync(join(dir, f), tiny.raw[f]);
    }
    const before = snapshot(dir);
    const { files, events } = await download([`${server.origin}/unused/`]);
    expect(files.map((f) => f.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(files[2].path).toBe(join(dir, 't10k-images-idx3-ubyte.gz'));
    expect(events.every((e) => e.type === 'done' && e.skipped)).toBe(true);
    expect(server.requests).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('replaces a corrupt file but keeps the verified ones', async () => {
    const base = server.serve('/m/', tiny.gz);
    seedFolder();
    const { files } = await download([base]);
    expect(files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'skipped']);
    expect(readFileSync(join(dir, 't10k-images-idx3-ubyte'))).toEqual(Buffer.from(tiny.raw['t10k-images-idx3-ubyte']));
  });

  it('force fetches everything again', async () => {
    const base = server.serve('/m/', tiny.gz);
    await download([base]);
    server.requests.length = 0;
    const { files } = await download([base], { force: true });
    expect(files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    expect(server.requests).toHaveLength(4);
  });

  it('accepts a mirror that serves the IDX bytes uncompressed', async () => {
    const raw: Record<string, Uint8Array> = {};
    for (const f of DOWNLOAD_ORDER) raw[f] = tiny.raw[f];
    const base = server.serve('/plain/', raw);
    const { files } = await download([base]);
    expect(files.map((f) => f.sha256)).toEqual(DOWNLOAD_ORDER.map((f) => tiny.checksums[f]));
  });
});

describe('verifyDataDir', () => {
  it('reports ok, missing, wrong checksum and bad structure per file, without the network', async () => {
    mkdirSync(dir);
    writeFileSync(join(dir, TRAIN_IMAGES), tiny.raw[TRAIN_IMAGES]);
    const other = makeIdx([3], Uint8Array.of(9, 9, 9));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzip(other));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), tiny.raw[TRAIN_IMAGES].subarray(0, 500));
    const result = await verifyDataDir(dir, { checksums });
    expect(result.map((r) => [r.file, r.status])).toEqual([
      [TRAIN_IMAGES, 'ok'],
      ['train-labels-idx1-ubyte', 'checksum'],
      ['t10k-images-idx3-ubyte', 'structure'],
      ['t10k-labels-idx1-ubyte', 'missing'],
    ]);
    expect(result[1]).toMatchObject({ path: join(dir, 'train-labels-idx1-ubyte.gz'), sha256: sha256(other) });
    expect(result[1].message).toMatch(/not the official MNIST file\. Run `mnist download --force`/);
    expect(result[2].message).toMatch(/^t10k-images-idx3-ubyte: truncated/);
    expect(result[3].message).toMatch(/^missing .*run `mnist download`$/);
  });

  it('finds the embedded copy valid with the official checksums', { timeout: 10_000 }, async () => {
    mkdirSync(dir);
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) copyFileSync(join(embeddedDataDir(), f), join(dir, f));
    const result = await verifyDataDir(dir);
    expect(result.map((r) => r.status)).toEqual(['missing', 'missing', 'ok', 'ok']);
  });
});

describe('mirrors', () => {
  it('orders --mirror, then MNIST_MIRROR, then the built-ins, without duplicates', () => {
    const env = `https://env.example/a, https://env.example/b/\nhttps://cli.example/x/`;
    expect(resolveMirrors({ cli: ['https://cli.example/x'], env })).toEqual([
      'https://cli.example/x/',
      'https://env.example/a/',
      'https://env.example/b/',
      ...DEFAULT_MIRRORS,
    ]);
    expect(resolveMirrors({ env: '' })).toEqual(DEFAULT_MIRRORS);
    expect(resolveMirrors({ cli: ['http://cache.local/m'], env: '', builtins: false })).toEqual(['http://cache.local/m/']);
  });

  it('accepts only http(s) URLs, naming the source of a bad one', () => {
    expect(normalizeMirror('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/');
    expect(() => normalizeMirror('ftp://x/')).toThrow(UsageError);
    expect(() => normalizeMirror('ftp://x/')).toThrow(/only http and https mirrors are supported/);
    expect(() => normalizeMirror('not a url')).toThrow(/is not a URL/);
    expect(() => parseMirrorList('https://ok/ file:///tmp')).toThrow(/^MNIST_MIRROR: mirror 'file:\/\/\/tmp' uses file/);
  });
});
