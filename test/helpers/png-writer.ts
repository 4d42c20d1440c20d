/**
 * A tiny PNG encoder for tests: every colour type, bit depths 1-16, palettes with tRNS, Adam7
 * interlacing, and raw chunk access for making broken files. pngjs's encoder writes only 8/16-bit
 * RGB(A)/gray without interlace, so fixtures it cannot make are made here, in the test, instead
 * of being committed as binaries. Not an image library: no filters beyond "none", no ancillary chunks.
 */
import { crc32, deflateSync } from 'node:zlib';

export type ColorType = 0 | 2 | 3 | 4 | 6;
export type BitDepth = 1 | 2 | 4 | 8 | 16;

export interface PngSpec {
  width: number;
  height: number;
  colorType: ColorType;
  bitDepth: BitDepth;
  /**
   * Samples in row-major pixel order, channels interleaved (gray | gray,alpha | r,g,b | r,g,b,a),
   * each already in 0..2^bitDepth-1; for colour type 3 one palette index per pixel.
   */
  samples: ArrayLike<number>;
  /** Colour type 3: the palette as [r, g, b] triples (8-bit). */
  palette?: ReadonlyArray<readonly [number, number, number]>;
  /**
   * tRNS: for colour type 3 the alpha of each palette entry; for type 0 the one transparent gray
   * sample value; for type 2 the transparent [r, g, b] sample values.
   */
  transparency?: ReadonlyArray<number>;
  interlace?: boolean;
  /** zlib level; 1 is fast and plenty for tests. */
  level?: number;
}

const CHANNELS: Record<ColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One chunk: length, type, data, CRC over type and data. */
export function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** The 13-byte IHDR payload (values are written as given, valid or not, for broken-file tests). */
export function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width >>> 0, 0);
  d.writeUInt32BE(height >>> 0, 4);
  d[8] = bitDepth;
  d[9] = colorType;
  d[12] = interlace;
  return d;
}

/** Packs the rows of one (sub)image into filter-type-0 scanlines. */
function scanlines(spec: PngSpec, xs: number[], ys: number[]): Buffer {
  const ch = CHANNELS[spec.colorType];
  const bits = spec.bitDepth;
  const rowBytes = Math.ceil((xs.length * ch * bits) / 8);
  const out = Buffer.alloc((rowBytes + 1) * ys.length);
  let o = 0;
  for (const y of ys) {
    out[o++] = 0;
    if (bits === 16) {
      for (const x of xs) {
        for (let c = 0; c < ch; c++) {
          out.writeUInt16BE(spec.samples[(y * spec.width + x) * ch + c], o);
          o += 2;
        }
      }
    } else if (bits === 8) {
      for (const x of xs) for (let c = 0; c < ch; c++) out[o++] = spec.samples[(y * spec.width + x) * ch + c];
    } else {
      // Sub-byte samples are packed most significant bits first.
      let acc = 0;
      let used = 0;
      for (const x of xs) {
        for (let c = 0; c < ch; c++) {
          acc = (acc << bits) | spec.samples[(y * spec.width + x) * ch + c];
          used += bits;
          if (used === 8) {
            out[o++] = acc;
            acc = 0;
            used = 0;
          }
        }
      }
      if (used > 0) out[o++] = acc << (8 - used);
    }
  }
  return out;
}

function range(start: number, end: number, step: number): number[] {
  const r: number[] = [];
  for (let i = start; i < end; i += step) r.push(i);
  return r;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** The zlib stream's uncompressed content: all scanlines (of all Adam7 passes when interlaced). */
export function rawImageData(spec: PngSpec): Buffer {
  if (!spec.interlace && spec.bitDepth === 8 && spec.samples instanceof Uint8Array) {
    // The common case, by rows: a filter byte, then the row's samples as they are.
    const row = spec.width * CHANNELS[spec.colorType];
    const out = Buffer.alloc((row + 1) * spec.height);
    for (let y = 0; y < spec.height; y++) out.set(spec.samples.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
    return out;
  }
  if (!spec.interlace) return scanlines(spec, range(0, spec.width, 1), range(0, spec.height, 1));
  const parts: Buffer[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    const xs = range(x0, spec.width, dx);
    const ys = range(y0, spec.height, dy);
    if (xs.length && ys.length) parts.push(scanlines(spec, xs, ys));
  }
  return Buffer.concat(parts);
}

/** Encodes a complete, valid PNG file. */
export function encodePng(spec: PngSpec): Buffer {
  const chunks: Buffer[] = [PNG_SIGNATURE, chunk('IHDR', ihdr(spec.width, spec.height, spec.bitDepth, spec.colorType, spec.interlace ? 1 : 0))];
  if (spec.palette) chunks.push(chunk('PLTE', Buffer.from(spec.palette.flat())));
  if (spec.transparency) {
    if (spec.colorType === 3) chunks.push(chunk('tRNS', Buffer.from(spec.transparency)));
    else {
      const t = Buffer.alloc(2 * spec.transparency.length);
      spec.transparency.forEach((v, i) => t.writeUInt16BE(v, 2 * i));
      chunks.push(chunk('tRNS', t));
    }
  }
  chunks.push(chunk('IDAT', deflateSync(rawImageData(spec), { level: spec.level ?? 1 })));
  chunks.push(chunk('IEND'));
  return Buffer.concat(chunks);
}

/**
 * Encodes a grayscale float image (0 black .. 1 white, row-major) as 8-bit gray, optionally
 * with an alpha plane (then as gray+alpha).
 */
export function grayPng(width: number, height: number, gray: ArrayLike<number>, alpha?: ArrayLike<number>): Buffer {
  const ch = alpha ? 2 : 1;
  const samples = new Uint8Array(width * height * ch);
  for (let i = 0; i < width * height; i++) {
    samples[i * ch] = Math.max(0, Math.min(255, Math.round(gray[i] * 255)));
    if (alpha) samples[i * ch + 1] = Math.max(0, Math.min(255, Math.round(alpha[i] * 255)));
  }
  return encodePng({ width, height, colorType: alpha ? 4 : 0, bitDepth: 8, samples });
}
