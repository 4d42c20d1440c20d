/**
 * The image module's entry point: a PNG or JPEG file (or its bytes) -> the 784 MNIST-style bytes
 * the network reads. Refuses what is not a regular, non-empty file before reading it (a FIFO
 * would hang), picks the decoder by the file's signature (png.ts, jpeg.ts), flattens
 * transparency, preprocesses (preprocess.ts). Every failure is a one-line DataError naming the
 * file. Never prints; the CLI decides what to show.
 */
import { stat, readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { choosePaperLevel } from './background.js';
import { HINT_FORMAT, sniffImageFormat } from './format.js';
import { decodeJpeg } from './jpeg.js';
import { decodePngBounded } from './png-bands.js';
import { decodePng, flattenAlpha } from './png.js';
import type { Plane } from './plane.js';
import { preprocessDigit, type DigitFound, type PreprocessOptions } from './preprocess.js';

/** An image file larger than this is refused unread (50 megapixels of noisy RGBA fit in it). */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;

/** File name endings predict reads when given a folder. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

const HINT_PATH = 'give the path of a PNG or JPEG file';

/** What any decoder hands on: luma 0 black .. 1 white, and alpha 0..1 when not fully opaque. */
export interface DecodedImage {
  gray: Plane;
  alpha: Plane | null;
}

export interface DigitImage {
  /** 784 bytes, row-major 28x28, 0 = background, 255 = full ink (light ink on dark, as MNIST). */
  pixels: Uint8Array;
  /**
   * Size of the plane preprocessing read, in pixels: the source image's size (upright, for a JPEG
   * with an EXIF turn), except a PNG over DECODE_MAX_SIDE (2048) per side read by loadDigitImage or
   * digitFromBytesBounded: that is averaged down while decoding and reports the averaged size
   * (png-bands.ts).
   */
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
 * Decodes and preprocesses image bytes already in memory, PNG or JPEG, chosen by the bytes'
 * signature (not the name: a renamed file still works). `name` is used in error messages only;
 * `options` overrides preprocessing tunables (for experiments; the defaults are calibrated).
 * Throws DataError for anything that is not a usable image or holds no digit.
 */
export function digitFromBytes(bytes: Uint8Array, name: string, options?: PreprocessOptions): DigitDetails {
  const format = sniffImageFormat(bytes);
  if (format === 'JPEG') return digitFromDecoded(decodeJpeg(bytes, name), name, options);
  if (format === 'PNG') return digitFromDecoded(decodePng(bytes, name), name, options);
  if (bytes.length === 0) throw new DataError(`${name}: the file is empty; ${HINT_FORMAT}`);
  const what = format ? `it looks like a ${format} image` : 'neither a PNG nor a JPEG signature';
  throw new DataError(`${name}: not a PNG or JPEG file (${what}); ${HINT_FORMAT}`);
}

/**
 * digitFromBytes for bytes that may hold a huge PNG: it is averaged down while decoding, in bands,
 * so memory stays bounded near the working size (png-bands.ts). JPEG's dimensions are bounded
 * before decoding (jpeg.ts).
 */
export async function digitFromBytesBounded(bytes: Uint8Array, name: string, options?: PreprocessOptions): Promise<DigitDetails> {
  if (sniffImageFormat(bytes) === 'PNG') return digitFromDecoded(await decodePngBounded(bytes, name), name, options);
  return digitFromBytes(bytes, name, options);
}

/** Decodes and preprocesses PNG bytes (PNG only: anything else is reported as not a PNG). */
export function digitFromPng(bytes: Uint8Array, name: string, options?: PreprocessOptions): DigitDetails {
  return digitFromDecoded(decodePng(bytes, name), name, options);
}

/** After decoding: flattens alpha onto the chosen paper and preprocesses. */
export function digitFromDecoded(decoded: DecodedImage, name: string, options?: PreprocessOptions): DigitDetails {
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
 * Reads a PNG or JPEG file and returns the digit in MNIST's byte form.
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
    if (info.isDirectory()) throw new DataError(`${path}: is a directory, not an image file; ${HINT_PATH}`);
    if (!info.isFile()) throw new DataError(`${path}: is not a regular file; ${HINT_PATH}`);
    size = info.size;
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${path}: ${describeFsError(err)}; ${HINT_PATH}`);
  }
  if (size === 0) throw new DataError(`${path}: the file is empty; predict reads PNG and JPEG images`);
  if (size > MAX_IMAGE_BYTES) {
    throw new DataError(`${path}: the file is ${Math.round(size / 2 ** 20)} MiB, larger than predict accepts (${MAX_IMAGE_BYTES / 2 ** 20} MiB); scale the image down first`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DataError(`${path}: ${describeFsError(err)}; ${HINT_PATH}`);
  }
  return digitFromBytesBounded(bytes, path);
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
