/**
 * The image module's entry point: a PNG file on disk -> the 784 MNIST-style bytes the network
 * reads. Refuses what is not a regular, non-empty file before reading it (a FIFO would hang),
 * decodes (png.ts), flattens transparency, preprocesses (preprocess.ts). Every failure is a
 * one-line DataError naming the file. Never prints; the CLI decides what to show.
 */
import { stat, readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { choosePaperLevel, decodePng, flattenAlpha, type DecodedPng } from './png.js';
import { decodePngBounded } from './png-bands.js';
import { preprocessDigit, type DigitFound, type PreprocessOptions } from './preprocess.js';

/** A PNG larger than this on disk is refused unread (50 megapixels of noisy RGBA fit in it). */
export const MAX_PNG_BYTES = 256 * 1024 * 1024;

export interface DigitImage {
  /** 784 bytes, row-major 28x28, 0 = background, 255 = full ink (light ink on dark, as MNIST). */
  pixels: Uint8Array;
  /** Size of the source image in pixels. */
  width: number;
  height: number;
}

/** DigitImage plus what preprocessing found, for `--show`-style diagnostics and tests. */
export interface DigitDetails extends DigitImage {
  polarity: DigitFound['polarity'];
  box: DigitFound['box'];
  strokeWidth: number;
  strokeChange: number;
  /** Gray level transparent pixels were shown on, or null when the image is opaque. */
  paper: number | null;
}

/**
 * Decodes and preprocesses PNG bytes already in memory. `name` is used in error messages only;
 * `options` overrides preprocessing tunables (for experiments; the defaults are calibrated).
 * Throws DataError for anything that is not a usable PNG or holds no digit.
 */
export function digitFromPng(bytes: Uint8Array, name: string, options?: PreprocessOptions): DigitDetails {
  return digitFromDecoded(decodePng(bytes, name), name, options);
}

/** digitFromPng after decoding: flattens alpha onto the chosen paper and preprocesses. */
export function digitFromDecoded(decoded: DecodedPng, name: string, options?: PreprocessOptions): DigitDetails {
  const paper = decoded.alpha ? choosePaperLevel(decoded.gray, decoded.alpha) : null;
  const gray = flattenAlpha(decoded.gray, decoded.alpha, paper ?? 1);
  const result = preprocessDigit(gray, options);
  if (!result.found) {
    throw new DataError(`${name}: ${result.reason}; predict needs a digit that contrasts with its background`, 'ENOINK');
  }
  return {
    pixels: result.pixels,
    width: gray.width,
    height: gray.height,
    polarity: result.polarity,
    box: result.box,
    strokeWidth: result.strokeWidth,
    strokeChange: result.strokeChange,
    paper,
  };
}

/**
 * Reads a PNG file and returns the digit in MNIST's byte form.
 * @throws DataError (code EDATA, or ENOINK for a blank image) with a one-line message naming `path`.
 */
export async function loadDigitImage(path: string): Promise<DigitImage> {
  const { pixels, width, height } = await loadDigitDetails(path);
  return { pixels, width, height };
}

/** loadDigitImage with the preprocessing details (polarity, digit box, stroke width). */
export async function loadDigitDetails(path: string): Promise<DigitDetails> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new DataError(`${path}: is a directory, not an image file; give the path of a PNG file`);
    if (!info.isFile()) throw new DataError(`${path}: is not a regular file; give the path of a PNG file`);
    size = info.size;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${path}: ${describeFsError(err)}; give the path of a PNG file`);
  }
  if (size === 0) throw new DataError(`${path}: the file is empty; predict reads PNG images`);
  if (size > MAX_PNG_BYTES) {
    throw new DataError(`${path}: the file is ${Math.round(size / 2 ** 20)} MiB, larger than predict accepts (${MAX_PNG_BYTES / 2 ** 20} MiB); scale the image down first`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataError(`${path}: ${describeFsError(err)}; give the path of a PNG file`);
  }
  // Large images are averaged down while decoding, so memory stays bounded (png-bands.ts).
  return digitFromDecoded(await decodePngBounded(bytes, path), path);
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not an image file';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'ELOOP') return 'too many symbolic links';
  return `cannot read the file (${err instanceof Error ? err.message : String(err)})`;
}
