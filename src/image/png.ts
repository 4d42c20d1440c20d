/**
 * PNG bytes -> a grayscale float plane plus an alpha plane, and the flattening of alpha onto
 * a paper colour. We read the container ourselves (signature, IHDR, every chunk's length and CRC,
 * PLTE, tRNS, the zlib stream) so absurd sizes are refused before anything is allocated and each
 * failure becomes one DataError line naming the file; pngjs's own stages then decode the pixels
 * (unfiltering, bit unpacking, Adam7, palette and tRNS). Not here: finding or normalising the digit.
 */
import { crc32, inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { DataError } from '../errors.js';
import { HINT_FORMAT, sniffImageFormat } from './format.js';
import type { Plane } from './plane.js';

/**
 * What pngjs's decoding stages need to know about the image (the object its parser builds from
 * IHDR, PLTE and tRNS).
 */
interface BitmapInfo {
  width: number;
  height: number;
  depth: number;
  interlace: boolean;
  palette: boolean | number[][];
  color: boolean;
  alpha: boolean;
  bpp: number;
  colorType: number;
  transColor?: number[];
}

/**
 * pngjs's decoding stages, called directly rather than through PNG.sync.read: that wrapper
 * inflates with a synchronous shim that, on Node 20, lets a corrupt zlib stream through as an
 * all-black image and does not bound interlaced data. We inflate with node:zlib (bounded, errors
 * reported), which also spares pngjs's second CRC pass in JavaScript: about 30 ms less for a
 * 1000x1000 photo. pngjs is pinned at 7.0.0 in package.json; the tests decode every colour type,
 * bit depth, palette, tRNS and interlace through this path.
 */
const requirePngjs = createRequire(import.meta.url);
const unfilter = requirePngjs('pngjs/lib/filter-parse-sync.js') as { process(data: Buffer, info: BitmapInfo): Buffer };
const bitmapper = requirePngjs('pngjs/lib/bitmapper.js') as { dataToBitMap(data: Buffer, info: BitmapInfo): Buffer | Uint16Array };
const normaliseFormat = requirePngjs('pngjs/lib/format-normaliser.js') as (
  data: Buffer | Uint16Array,
  info: BitmapInfo,
  skipRescale: boolean,
) => Buffer | Uint16Array;

/** Refuse images larger than this before decoding: a phone photo is 12-48 megapixels. */
export const MAX_PNG_SIDE = 20000;
export const MAX_PNG_PIXELS = 50_000_000;

/** What the IHDR chunk declares. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

/** A decoded PNG: luma in 0..1 (0 black) and, when any pixel is not fully opaque, alpha in 0..1. */
export interface DecodedPng {
  header: PngHeader;
  gray: Plane;
  alpha: Plane | null;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const HINT_CORRUPT = 'the file is damaged; save or export the image again';

/** Bit depths the PNG specification allows for each colour type. */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
export const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const CRITICAL = ['IHDR', 'PLTE', 'IDAT', 'IEND'];

export function fail(name: string, problem: string, hint: string): never {
  throw new DataError(`${name}: ${problem}; ${hint}`);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function chunkName(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

/**
 * Reads and validates the signature and the IHDR chunk (the first 33 bytes) without
 * allocating anything proportional to the declared size.
 */
export function readPngHeader(bytes: Uint8Array, name: string): PngHeader {
  if (bytes.length === 0) fail(name, 'the file is empty', HINT_FORMAT);
  for (let i = 0; i < SIGNATURE.length; i++) {
    if (i >= bytes.length || bytes[i] !== SIGNATURE[i]) {
      const other = sniffImageFormat(bytes);
      fail(name, other && other !== 'PNG' ? `not a PNG file (it looks like a ${other} image)` : 'not a PNG file (bad signature)', HINT_FORMAT);
    }
  }
  if (bytes.length < 33) {
    fail(name, `the PNG file is truncated (${bytes.length} bytes, too short to hold its header)`, HINT_CORRUPT);
  }
  const length = readU32(bytes, 8);
  const type = chunkName(bytes, 12);
  if (type !== 'IHDR' || length !== 13) {
    fail(name, `bad PNG header (first chunk is ${JSON.stringify(type)} of ${length} bytes, expected IHDR of 13)`, HINT_CORRUPT);
  }
  const stored = readU32(bytes, 29);
  const computed = crc32(bytes.subarray(12, 29)) >>> 0;
  if (stored !== computed) {
    fail(name, `PNG header chunk IHDR fails its CRC check (stored 0x${hex(stored)}, computed 0x${hex(computed)})`, HINT_CORRUPT);
  }
  const width = readU32(bytes, 16);
  const height = readU32(bytes, 20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  if (width === 0 || height === 0) {
    fail(name, `the PNG declares a zero-sized image (${width}x${height} pixels)`, 'there is nothing to read; export the image again');
  }
  if (width > MAX_PNG_SIDE || height > MAX_PNG_SIDE || width * height > MAX_PNG_PIXELS) {
    fail(
      name,
      `the PNG declares ${width}x${height} pixels, more than predict accepts (at most ${MAX_PNG_SIDE} per side and ${MAX_PNG_PIXELS / 1e6} megapixels)`,
      'scale the image down first',
    );
  }
  if (!(colorType in DEPTHS)) fail(name, `bad PNG header (colour type ${colorType} does not exist)`, HINT_CORRUPT);
  if (!DEPTHS[colorType].includes(bitDepth)) {
    fail(name, `bad PNG header (bit depth ${bitDepth} is not allowed with colour type ${colorType})`, HINT_CORRUPT);
  }
  if (bytes[26] !== 0 || bytes[27] !== 0) {
    fail(name, `bad PNG header (compression method ${bytes[26]}, filter method ${bytes[27]}; only 0 exists)`, HINT_CORRUPT);
  }
  if (bytes[28] > 1) fail(name, `bad PNG header (interlace method ${bytes[28]}; only 0 and 1 exist)`, HINT_CORRUPT);
  return { width, height, bitDepth, colorType, interlaced: bytes[28] === 1 };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * Walks every chunk after IHDR: lengths inside the file, CRCs, an IDAT, a PLTE for palette
 * images, and an IEND (bytes some tools append after it are ignored). Returns the IDAT payloads
 * and the PLTE and tRNS contents.
 */
export function checkChunks(bytes: Uint8Array, header: PngHeader, name: string): { idat: Uint8Array[]; plte: Uint8Array | null; trns: Uint8Array | null } {
  let at = 33;
  const idat: Uint8Array[] = [];
  let plte: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  for (;;) {
    if (at + 12 > bytes.length) {
      fail(name, `the PNG file is truncated (it ends at byte ${bytes.length} before the IEND chunk)`, HINT_CORRUPT);
    }
    const length = readU32(bytes, at);
    const type = chunkName(bytes, at + 4);
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) {
      fail(name, `the PNG file is corrupt at byte ${at} (not a valid chunk header)`, HINT_CORRUPT);
    }
    if (at + 12 + length > bytes.length) {
      fail(
        name,
        `the PNG file is truncated (chunk ${type} at byte ${at} needs ${length + 12} bytes, only ${bytes.length - at} remain)`,
        HINT_CORRUPT,
      );
    }
    const stored = readU32(bytes, at + 8 + length);
    const computed = crc32(bytes.subarray(at + 4, at + 8 + length)) >>> 0;
    if (stored !== computed) {
      fail(name, `PNG chunk ${type} at byte ${at} fails its CRC check (stored 0x${hex(stored)}, computed 0x${hex(computed)})`, HINT_CORRUPT);
    }
    // A second header could describe another image size than the one memory was checked for.
    if (type === 'IHDR') fail(name, `the PNG file has a second IHDR chunk at byte ${at}`, HINT_CORRUPT);
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'PLTE') plte = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'tRNS') trns = bytes.subarray(at + 8, at + 8 + length);
    // Bit 5 of the first letter clear means critical: a decoder must understand it to draw the image.
    if (!(bytes[at + 4] & 0x20) && !CRITICAL.includes(type)) {
      fail(name, `the PNG uses a critical chunk ${type} that is not part of the PNG standard`, 're-save it as a standard PNG');
    }
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (idat.length === 0) fail(name, 'the PNG file has no image data (no IDAT chunk)', HINT_CORRUPT);
  if (header.colorType === 3 && !plte) fail(name, 'the palette PNG has no palette (PLTE chunk)', HINT_CORRUPT);
  return { idat, plte, trns };
}

/** Size of the zlib-decompressed image data the header implies (filter bytes included). */
export function expectedDataLength(h: PngHeader): number {
  const bitsPerPixel = CHANNELS[h.colorType] * h.bitDepth;
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8) + 1;
  if (!h.interlaced) return rowBytes(h.width) * h.height;
  // Adam7 passes: x start, y start, x step, y step.
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0;
    const ph = h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0;
    if (pw > 0 && ph > 0) total += rowBytes(pw) * ph;
  }
  return total;
}

/**
 * Decodes a PNG of any colour type, bit depth 1-16, palette, tRNS or interlace into luma
 * and alpha planes. Luma uses the Rec. 601 weights (0.299, 0.587, 0.114) on the stored
 * (gamma-encoded) values, as libpng, PIL's convert('L') and OpenCV do, so the gray we see
 * is the gray other tools show; Rec. 709 weights would only matter for linear-light values.
 */
export function decodePng(bytes: Uint8Array, name: string): DecodedPng {
  const header = readPngHeader(bytes, name);
  const { idat, plte, trns } = checkChunks(bytes, header, name);
  const expected = expectedDataLength(header);

  // Bounded, so a small file cannot expand into gigabytes; a little slack tolerates encoders
  // that pad the stream.
  let inflated: Buffer;
  try {
    inflated = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + Math.max(1024, expected >> 6) });
  } catch (err) {
    zlibFailure(name, err);
  }
  if (inflated.length < expected) {
    fail(name, `the PNG image data is incomplete (${inflated.length} of ${expected} bytes)`, HINT_CORRUPT);
  }

  const info = bitmapInfo(header, plte, trns, name);
  const n = header.width * header.height;
  let unfiltered: Buffer;
  try {
    unfiltered = unfilter.process(inflated.subarray(0, expected), info);
  } catch (err) {
    fail(name, `cannot decode the PNG image data (${err instanceof Error ? err.message : String(err)})`, HINT_CORRUPT);
  }

  // Samples as RGBA: for the commonest files (8-bit gray or colour, not interlaced, no palette
  // or tRNS) the unfiltered scanlines already are the samples, in order; everything else goes
  // through pngjs's bit unpacking, de-interlacing and palette/tRNS expansion.
  let data: Uint8Array | Uint16Array;
  let stride: number;
  const keep16 = header.bitDepth === 16;
  if (header.bitDepth === 8 && !header.interlaced && header.colorType !== 3 && !trns) {
    data = unfiltered;
    stride = CHANNELS[header.colorType];
  } else {
    try {
      data = normaliseFormat(bitmapper.dataToBitMap(unfiltered, info), info, keep16);
    } catch (err) {
      fail(name, `cannot decode the PNG image data (${err instanceof Error ? err.message : String(err)})`, HINT_CORRUPT);
    }
    stride = 4;
  }
  // Which sample of a pixel holds green, blue and alpha (gray images repeat their one sample).
  const colour = stride >= 3;
  const g = colour ? 1 : 0;
  const b = colour ? 2 : 0;
  const a = stride === 2 ? 1 : stride === 4 ? 3 : -1;
  const max = keep16 ? 65535 : 255;
  const gray = new Float32Array(n);
  const wr = 0.299 / max;
  const wg = 0.587 / max;
  const wb = 0.114 / max;
  let minAlpha = max;
  for (let i = 0, p = 0; i < n; i++, p += stride) {
    gray[i] = wr * data[p] + wg * data[p + g] + wb * data[p + b];
    if (a > 0 && data[p + a] < minAlpha) minAlpha = data[p + a];
  }
  let alpha: Plane | null = null;
  if (minAlpha < max) {
    const planeA = new Float32Array(n);
    for (let i = 0, p = a; i < n; i++, p += stride) planeA[i] = data[p] / max;
    alpha = { width: header.width, height: header.height, data: planeA };
  }
  return { header, gray: { width: header.width, height: header.height, data: gray }, alpha };
}

/** The BitmapInfo pngjs's parser would build, with PLTE and tRNS read as it reads them. */
export function bitmapInfo(header: PngHeader, plte: Uint8Array | null, trns: Uint8Array | null, name: string): BitmapInfo {
  const ct = header.colorType;
  const info: BitmapInfo = {
    width: header.width,
    height: header.height,
    depth: header.bitDepth,
    interlace: header.interlaced,
    palette: Boolean(ct & 1),
    color: Boolean(ct & 2),
    alpha: Boolean(ct & 4),
    bpp: CHANNELS[ct],
    colorType: ct,
  };
  if (ct === 3 && plte) {
    if (plte.length % 3 !== 0 || plte.length === 0 || plte.length > 768) {
      fail(name, `the PNG palette has a bad length (${plte.length} bytes)`, HINT_CORRUPT);
    }
    const entries: number[][] = [];
    for (let i = 0; i + 2 < plte.length; i += 3) entries.push([plte[i], plte[i + 1], plte[i + 2], 255]);
    if (trns) {
      if (trns.length > entries.length) fail(name, 'the PNG has more transparency entries than palette colours', HINT_CORRUPT);
      for (let i = 0; i < trns.length; i++) entries[i][3] = trns[i];
      info.alpha = true;
    }
    info.palette = entries;
  } else if (trns && (ct === 0 || ct === 2)) {
    // One transparent gray, or one transparent colour, as 16-bit sample values.
    const need = ct === 0 ? 2 : 6;
    if (trns.length < need) fail(name, `the PNG transparency chunk is too short (${trns.length} bytes)`, HINT_CORRUPT);
    const sample = (i: number) => (trns[2 * i] << 8) | trns[2 * i + 1];
    info.transColor = ct === 0 ? [sample(0)] : [sample(0), sample(1), sample(2)];
    info.alpha = true;
  }
  return info;
}

export function zlibFailure(name: string, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  if (/maxOutputLength|larger than|buffer/i.test(message)) {
    fail(name, 'the PNG image data decompresses to more bytes than its header declares', HINT_CORRUPT);
  }
  fail(name, `the PNG image data cannot be decompressed (${message})`, HINT_CORRUPT);
}

/** Composites gray over a uniform paper level: out = a * gray + (1 - a) * paper. */
export function flattenAlpha(gray: Plane, alpha: Plane | null, paper: number): Plane {
  if (!alpha) return gray;
  const out = new Float32Array(gray.data.length);
  const g = gray.data;
  const a = alpha.data;
  for (let i = 0; i < g.length; i++) out[i] = a[i] * g[i] + (1 - a[i]) * paper;
  return { width: gray.width, height: gray.height, data: out };
}
