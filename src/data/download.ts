/**
 * Fetches the four MNIST files from public mirrors into a folder, never leaving a half-written
 * or unverified file: response -> gunzip -> IdxParser (structure + SHA-256) -> temp file in the
 * target folder (files/atomic.ts) -> fsync -> compare with the official hash -> rename. No
 * printing and no process.exit: progress and per-mirror failures go to an `onEvent` callback, and
 * the CLI (src/cli/commands/download.ts) decides what to show. The mirrors (mirrors.ts), the HTTP
 * client (http.ts) and the offline check (verify.ts) live beside it and are re-exported here.
 */

import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, open, readdir, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DataError, InterruptedError, MnistError, UsageError } from '../errors.js';
import { openAtomic, sweepStaleTempFiles, type AtomicFile } from '../files/atomic.js';
import {
  DEFAULT_MIN_RATE, DEFAULT_TIMEOUT_MS, FetchFailure, RateWindow, classify, decoderFor, openUrl,
  type FetchContext, type FetchEvent, type RequestState,
} from './http.js';
import { IdxParser } from './idx.js';
import { MIRROR_ENV, resolveMirrors } from './mirrors.js';
import { DOWNLOAD_ORDER, MNIST_SHA256, magicOf, short, verifyFile, type ChecksumTable, type MnistFileName } from './verify.js';

export { DEFAULT_MIN_RATE, DEFAULT_TIMEOUT_MS } from './http.js';
export { DEFAULT_MIRRORS, MIRROR_ENV, normalizeMirror, parseMirrorList, resolveMirrors } from './mirrors.js';
export {
  DOWNLOAD_ORDER, MNIST_SHA256, verifyDataDir, type ChecksumTable, type MnistFileName, type VerifiedFile, type VerifyStatus,
} from './verify.js';

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
