/**
 * The IDX file format (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS FOR THE MNIST DATABASE"):
 * a big-endian header (magic 0x0000TTDD: type byte TT, number of dimensions DD, then DD uint32
 * sizes) followed by the data. We read only unsigned-byte IDX (type 0x08), which is all MNIST uses.
 * Streaming: chunks go into one preallocated Uint8Array sized from the header, never one array
 * per item. Raw or gzip (by the `.gz` suffix). Not MNIST-specific: `mnist.ts` checks 28x28 etc.
 */

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { specialFileKind } from '../files/atomic.js';

/** Magic numbers of the two kinds of MNIST file: unsigned bytes, 3 dims (images) and 1 dim (labels). */
export const IMAGES_MAGIC = 0x00000803;
export const LABELS_MAGIC = 0x00000801;

/** Refuse headers that would make us allocate more than this (MNIST's largest file is 47 MB). */
const MAX_DATA_BYTES = 1 << 30;

export interface IdxFile {
  magic: number;
  /** Sizes from the header, e.g. [60000, 28, 28]. */
  dims: number[];
  /** All items, row-major, exactly product(dims) bytes. */
  data: Uint8Array;
  /** SHA-256 (hex) of the uncompressed file content, header included. */
  sha256: string;
}

const hex8 = (n: number) => '0x' + n.toString(16).padStart(8, '0');

/**
 * Incremental IDX parser: feed chunks of the uncompressed file with `push`, then `finish`.
 * Validates the header as soon as it is complete, before allocating, so a corrupt header
 * never causes a huge allocation. Shared by the file reader and the downloader.
 */
export class IdxParser {
  private readonly name: string;
  private readonly expectedMagic: number | undefined;
  private readonly hash: Hash = createHash('sha256');
  private header: Uint8Array = new Uint8Array(0);
  private dims: number[] | null = null;
  private magic = 0;
  private data: Uint8Array | null = null;
  private filled = 0;
  private headerLength = 4;

  /** `name` is used in error messages; `expectedMagic` rejects the other kind of IDX file. */
  constructor(name: string, expectedMagic?: number) {
    this.name = name;
    this.expectedMagic = expectedMagic;
  }

  push(chunk: Uint8Array): void {
    this.hash.update(chunk);
    let offset = 0;
    if (this.data === null) offset = this.takeHeader(chunk);
    if (this.data === null || offset >= chunk.length) return;
    const rest = chunk.length - offset;
    if (this.filled + rest > this.data.length) {
      throw new DataError(
        `${this.name}: more data than the header declares (${this.describeDims()} = ${this.data.length} bytes after the header); the file is corrupt. Replace it, e.g. with \`mnist download --force\`.`,
        'EIDXLENGTH',
      );
    }
    this.data.set(chunk.subarray(offset), this.filled);
    this.filled += rest;
  }

  finish(): IdxFile {
    if (this.data === null || this.dims === null) {
      const got = this.header.length;
      throw new DataError(
        got === 0
          ? `${this.name}: the file is empty; it should be an IDX file. Replace it, e.g. with \`mnist download --force\`.`
          : `${this.name}: truncated IDX header (${got} bytes); the file is incomplete. Replace it, e.g. with \`mnist download --force\`.`,
        'EIDXTRUNCATED',
      );
    }
    if (this.filled !== this.data.length) {
      throw new DataError(
        `${this.name}: truncated: the header declares ${this.describeDims()} (${this.data.length} bytes of data) but the file holds ${this.filled}; the file is incomplete. Replace it, e.g. with \`mnist download --force\`.`,
        'EIDXTRUNCATED',
      );
    }
    return { magic: this.magic, dims: this.dims, data: this.data, sha256: this.hash.digest('hex') };
  }

  /** Consumes header bytes from `chunk`; returns the offset where item data starts (or chunk.length). */
  private takeHeader(chunk: Uint8Array): number {
    const need = this.headerLength - this.header.length;
    const take = Math.min(need, chunk.length);
    this.header = concat(this.header, chunk.subarray(0, take));
    let used = take;
    if (this.header.length < this.headerLength) return used;

    if (this.headerLength === 4) {
      // First four bytes: 0, 0, type, number of dimensions.
      this.magic = readU32(this.header, 0);
      const type = this.header[2];
      const ndims = this.header[3];
      if (this.header[0] !== 0 || this.header[1] !== 0 || type !== 0x08 || ndims < 1 || ndims > 4) {
        throw new DataError(
          `${this.name}: bad magic number ${hex8(this.magic)}${this.expectedMagic ? ` (expected ${hex8(this.expectedMagic)})` : ''}; the file is not an MNIST IDX file${looksGzip(this.header) ? ' (it looks gzip-compressed: name it with a .gz suffix)' : ''}. Replace it, e.g. with \`mnist download --force\`.`,
          'EIDXMAGIC',
        );
      }
      if (this.expectedMagic !== undefined && this.magic !== this.expectedMagic) {
        const what = (m: number) => (m === IMAGES_MAGIC ? 'an image file' : m === LABELS_MAGIC ? 'a label file' : `IDX type ${hex8(m)}`);
        throw new DataError(
          `${this.name}: bad magic number ${hex8(this.magic)} (expected ${hex8(this.expectedMagic)}); this is ${what(this.magic)}, not ${what(this.expectedMagic)}. Check which file is which.`,
          'EIDXMAGIC',
        );
      }
      this.headerLength = 4 + 4 * ndims;
      if (used < chunk.length) used += this.takeHeader(chunk.subarray(used));
      return used;
    }

    const ndims = this.header[3];
    const dims: number[] = [];
    let total = 1;
    for (let d = 0; d < ndims; d++) {
      const size = readU32(this.header, 4 + 4 * d);
      dims.push(size);
      total *= size;
    }
    this.dims = dims;
    if (total > MAX_DATA_BYTES) {
      throw new DataError(
        `${this.name}: the header declares ${this.describeDims()} = ${total} bytes, more than any MNIST file; the file is corrupt. Replace it, e.g. with \`mnist download --force\`.`,
        'EIDXLENGTH',
      );
    }
    this.data = new Uint8Array(total);
    return used;
  }

  private describeDims(): string {
    return (this.dims ?? []).join('x');
  }
}

/**
 * Reads a whole IDX file (raw, or gzip when the name ends in `.gz`) by streaming it through
 * an IdxParser. Errors name the file; a missing file says so.
 */
export async function readIdxFile(path: string, expectedMagic?: number): Promise<IdxFile> {
  const name = basename(path);
  // Checked before opening: a FIFO named like an IDX file would block the read forever.
  const kind = specialFileKind(path);
  if (kind !== null && kind !== 'a folder') {
    throw new DataError(`${path}: is ${kind}, not a regular file; MNIST data must be regular IDX files. Run \`mnist download\` to fetch them.`, 'ENOTREG');
  }
  const parser = new IdxParser(name, expectedMagic);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const source = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  // pipe() does not forward the file's errors to the gunzip stream: surface them ourselves.
  const fileError = new Promise<never>((_, reject) => file.once('error', reject));
  fileError.catch(() => undefined);
  try {
    const consume = (async () => {
      for await (const chunk of source) parser.push(chunk as Buffer);
    })();
    await Promise.race([consume, fileError]);
  } catch (err) {
    file.destroy();
    throw toDataError(err, path, name);
  }
  return parser.finish();
}

function toDataError(err: unknown, path: string, name: string): unknown {
  if (err instanceof DataError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DataError(`${path}: no such file. Check the path, or run \`mnist download\`.`, 'ENOENT');
  if (code === 'EISDIR') return new DataError(`${path}: is a directory, expected an IDX file.`, 'EISDIR');
  if (code === 'EACCES') return new DataError(`${path}: permission denied; check the file's permissions.`, 'EACCES');
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'Z_NEED_DICT') {
    return new DataError(
      `${name}: not valid gzip data (${(err as Error).message}); the file is corrupt or not compressed. Replace it, e.g. with \`mnist download --force\`.`,
      'EGZIP',
    );
  }
  if (err instanceof Error && /unexpected end of file/i.test(err.message)) {
    return new DataError(`${name}: the gzip stream ends early; the file is truncated. Replace it, e.g. with \`mnist download --force\`.`, 'EGZIP');
  }
  return err;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

function looksGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
