/**
 * Atomic file writing, whole-file and streaming, for every writer in the program (model files,
 * downloads): a temp file in the target's own folder, written, fsynced, then renamed over the
 * target, so a crash or a signal leaves either the old file or the new one, never half of one.
 * Every live temp file is kept in a registry that signal handlers empty synchronously on the way
 * out (`removeLiveTempFilesSync`). Also here: the one-line description of a failed write, and
 * the pre-flight check that a path can be written. Not here: what the bytes are.
 */

import { randomBytes } from 'node:crypto';
import { close, closeSync, fsync, openSync, statSync, statfsSync, unlinkSync, write } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { MnistError } from '../errors.js';

/** Most file systems (ext4, xfs, btrfs, tmpfs, APFS, NTFS) allow 255 bytes per name. */
export const NAME_MAX = 255;

/** A write that failed for a reason outside the program (full disk, permissions, read-only). */
export class FileWriteError extends MnistError {
  constructor(message: string, code = 'EWRITE') {
    super(message, code, 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Temp files and their registry

const live = new Set<string>();

/** The temp files this process has created and not yet renamed or removed. */
export function liveTempFiles(): ReadonlySet<string> {
  return live;
}

/**
 * Removes every live temp file, synchronously: for signal handlers and forced exits, where no
 * promise will ever settle. Never throws.
 */
export function removeLiveTempFilesSync(): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone, or the folder vanished: nothing left to clean.
    }
  }
  live.clear();
}

const TEMP_SUFFIX = '.tmp';
/** `.<name>.<pid>.<8 hex>.tmp`: hidden, unique, recognisable as ours (stale ones can be swept). */
const TEMP_PATTERN = /^\.(.*)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * A temp path beside `target`. When the target's name is so long that the temp name would pass
 * NAME_MAX, the name part is shortened (the temp name only has to be unique, not readable).
 */
export function tempPathFor(target: string): string {
  const tail = `.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  let name = basename(target);
  const room = NAME_MAX - 1 - Buffer.byteLength(tail);
  if (Buffer.byteLength(name) > room) {
    // Cut by bytes, then drop a split multi-byte character at the end.
    name = Buffer.from(name).subarray(0, room).toString('utf8').replace(/\uFFFD+$/, '');
  }
  return join(dirname(target), `.${name}${tail}`);
}

/** Whether `name` (a file name, no folder) is one of our temp files, and the pid that made it. */
export function parseTempName(name: string): { pid: number } | null {
  const m = TEMP_PATTERN.exec(name);
  return m ? { pid: Number(m[2]) } : null;
}

/** True if a process with this id is running (ours or not). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files in `dir` for `target` left by processes that no longer run (killed with
 * SIGKILL, power loss). Returns the names removed. Never throws.
 */
export async function sweepStaleTempFiles(target: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const dir = dirname(target);
  const prefix = tempPathFor(target).slice(dir.length + 1).replace(/\.\d+\.[0-9a-f]{8}\.tmp$/, '.');
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const parsed = parseTempName(name);
    if (parsed === null || processAlive(parsed.pid)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch {
      // Someone else removed it first, or it is not ours to remove.
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** An open temp file that becomes `target` on `commit()`, or disappears on `abort()`. */
export interface AtomicFile {
  readonly target: string;
  readonly tempPath: string;
  write(chunk: string | Uint8Array): Promise<void>;
  /** fsync, close, rename over the target. After a failure the temp file is gone. */
  commit(): Promise<void>;
  /** Closes and removes the temp file; safe to call more than once, and after commit (no-op). */
  abort(): Promise<void>;
}

/**
 * Opens a temp file beside `target` for streaming writes. Errors (here and from write/commit)
 * are FileWriteError naming `target` and the reason.
 */
export async function openAtomic(target: string): Promise<AtomicFile> {
  const temp = tempPathFor(target);
  let fd: number | null;
  try {
    // Created synchronously, so the registry is exact whenever a signal handler reads it (an
    // open still running in the thread pool could create the file after the handler cleaned up).
    fd = openSync(temp, 'wx', 0o644);
  } catch (err) {
    throw describeWriteError(err, target);
  }
  live.add(temp);
  let done = false;
  const abort = async () => {
    if (done) return;
    done = true;
    if (fd !== null) await closeFd(fd).catch(() => undefined);
    fd = null;
    await unlink(temp).catch(() => undefined);
    live.delete(temp);
  };
  const guard = async <T>(work: (fd: number) => Promise<T>): Promise<T> => {
    try {
      if (fd === null) throw new Error(`${target}: the temp file was already closed`);
      return await work(fd);
    } catch (err) {
      await abort();
      throw describeWriteError(err, target);
    }
  };
  return {
    target,
    tempPath: temp,
    write: (chunk) =>
      guard(async (f) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        for (let at = 0; at < bytes.length; ) at += await writeFd(f, bytes, at, bytes.length - at);
      }),
    commit: () =>
      guard(async (f) => {
        await fsyncFd(f);
        fd = null;
        await closeFd(f);
        await rename(temp, target);
        done = true;
        live.delete(temp);
      }),
    abort,
  };
}

const writeFd = promisify((fd: number, buffer: Uint8Array, offset: number, length: number, cb: (err: Error | null, written: number) => void) =>
  write(fd, buffer, offset, length, null, cb),
);
const fsyncFd = promisify(fsync);
const closeFd = promisify(close);

/** Writes `data` (or the chunks it yields) to `target` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array | Iterable<string | Uint8Array>): Promise<void> {
  const file = await openAtomic(target);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await file.write(data);
    } else {
      // Many small chunks: batch them into ~1 MB writes.
      let pending: string[] = [];
      let size = 0;
      for (const chunk of data) {
        if (typeof chunk === 'string') {
          pending.push(chunk);
          size += chunk.length;
        } else {
          if (pending.length > 0) await file.write(pending.join(''));
          pending = [];
          size = 0;
          await file.write(chunk);
        }
        if (size >= 1 << 20) {
          await file.write(pending.join(''));
          pending = [];
          size = 0;
        }
      }
      if (pending.length > 0) await file.write(pending.join(''));
    }
    await file.commit();
  } finally {
    await file.abort();
  }
}

// ---------------------------------------------------------------------------------------------
// Errors and pre-flight checks

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space or write elsewhere',
  EDQUOT: 'disk quota exceeded; free some space or write elsewhere',
  EROFS: 'the file system is read-only; write somewhere else',
  EACCES: 'permission denied; check the folder\'s permissions or write somewhere else',
  EPERM: 'operation not permitted; check the permissions or write somewhere else',
  ENAMETOOLONG: `the file name is too long (at most ${NAME_MAX} bytes); choose a shorter name`,
  ENOENT: 'the folder does not exist; create it first or write somewhere else',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder; give a file name',
  EIO: 'input/output error from the device',
  EFBIG: 'the file is too large for this file system',
  EXDEV: 'cannot rename across file systems',
};

/** One line for a failed write to `path`: FileWriteError, or the error itself if it already is one of ours. */
export function describeWriteError(err: unknown, path: string): unknown {
  if (err instanceof MnistError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return err;
  const reason = REASONS[code] ?? (err as Error).message;
  return new FileWriteError(`cannot write ${path}: ${reason} (${code}).`, code);
}

/** What is at `path`, in words, when it is not a regular file (or null when it is one, or absent). */
export function specialFileKind(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface WritableCheck {
  /** Bytes the file will take, to compare with the free space (0: do not check). */
  expectedBytes?: number;
  /** A file name to suggest when the target is a FIFO or a device (default model.json). */
  example?: string;
}

/**
 * Checks before long work that `target` can be written at the end: the folder exists and takes
 * a new file (probed by creating and removing a temp file), the target is a regular file or
 * absent (never a device or FIFO, which a rename would replace), the name fits, and the free
 * space holds `expectedBytes` (an old file is freed only after the rename, so it does not count).
 * Throws FileWriteError naming `label` (what the user typed) and the reason.
 */
export function checkWritable(target: string, label = target, check: WritableCheck = {}): void {
  const dir = dirname(target);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new FileWriteError(`cannot write ${label}: the folder ${dir} does not exist; create it first or choose another path.`, 'ENOENT');
  }
  if (!dirStat.isDirectory()) throw new FileWriteError(`cannot write ${label}: ${dir} is not a folder.`, 'ENOTDIR');
  const kind = specialFileKind(target);
  if (kind !== null) {
    throw new FileWriteError(`cannot write ${label}: it is ${kind}, not a regular file; give a file name such as ${check.example ?? 'model.json'}.`, 'ENOTREG');
  }
  const nameBytes = Buffer.byteLength(basename(target));
  if (nameBytes > NAME_MAX) {
    throw new FileWriteError(`cannot write ${label}: the file name is ${nameBytes} bytes long, more than the ${NAME_MAX} file systems allow; choose a shorter name.`, 'ENAMETOOLONG');
  }
  const probe = tempPathFor(target);
  try {
    closeSync(openSync(probe, 'wx', 0o644));
    unlinkSync(probe);
  } catch (err) {
    try {
      unlinkSync(probe);
    } catch {
      // It was never created.
    }
    throw describeWriteError(err, label);
  }
  if (check.expectedBytes !== undefined && check.expectedBytes > 0) {
    let free: number | null = null;
    try {
      const fs = statfsSync(dir);
      free = fs.bavail * fs.bsize;
    } catch {
      // statfs is not available everywhere; the write itself will still report ENOSPC.
    }
    if (free !== null && free < check.expectedBytes) {
      throw new FileWriteError(
        `cannot write ${label}: it will take about ${formatMb(check.expectedBytes)} and only ${formatMb(free)} is free on that file system; free some space or write elsewhere.`,
        'ENOSPC',
      );
    }
  }
}

function formatMb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;
}
