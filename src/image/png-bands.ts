/**
 * Decoding a large PNG in bands, with memory bounded by the output, not the image: the zlib
 * stream is inflated a piece at a time, each scanline is unfiltered against the previous one,
 * turned into luma and alpha, and box-averaged into a plane of at most DECODE_MAX_SIDE per side.
 * A 389 kB PNG of 7071x7071 16-bit RGBA needed 2 GB decoded whole; here it needs two scanlines
 * and the 2048-pixel result. Images at most DECODE_MAX_SIDE per side are decoded whole, as
 * png.ts decodes them; a larger one (a PNG from a 12-megapixel phone is 4000 pixels wide) comes
 * out averaged down to at most DECODE_MAX_SIDE per side. Not here: the container checks (png.ts)
 * and what happens to the plane next (preprocess.ts, which works at 224 pixels).
 */
import { createInflate } from 'node:zlib';
import { DataError } from '../errors.js';
import { CHANNELS, HINT_CORRUPT, bitmapInfo, checkChunks, decodePng, fail, readPngHeader, zlibFailure, type DecodedPng } from './png.js';

/** Larger images are box-averaged while decoding to at most this many pixels per side. */
export const DECODE_MAX_SIDE = 2048;
/** Interlaced images cannot be decoded in bands (Adam7 spreads each row over seven passes). */
export const MAX_INTERLACED_PIXELS = 16_000_000;

/**
 * Decodes `bytes` into luma and alpha planes of at most DECODE_MAX_SIDE per side. Same colour
 * handling as decodePng (Rec. 601 luma on the stored values; alpha from the alpha channel, the
 * palette's tRNS or a tRNS colour key). Transparency is averaged premultiplied, so flattening the
 * small planes onto paper equals averaging the flattened full-size image.
 */
export async function decodePngBounded(bytes: Uint8Array, name: string): Promise<DecodedPng> {
  const header = readPngHeader(bytes, name);
  const { width: w, height: h } = header;
  if (Math.max(w, h) <= DECODE_MAX_SIDE) return decodePng(bytes, name);
  if (header.interlaced) {
    if (w * h > MAX_INTERLACED_PIXELS) {
      fail(name, `the interlaced PNG has ${w}x${h} pixels, more than predict decodes interlaced (${MAX_INTERLACED_PIXELS / 1e6} megapixels)`, 'save it without interlacing, or scale it down first');
    }
    return decodePng(bytes, name);
  }
  const { idat, plte, trns } = checkChunks(bytes, header, name);
  const info = bitmapInfo(header, plte, trns, name);
  const pixel = pixelReader(header.colorType, header.bitDepth, info.palette, info.transColor);

  const k = Math.ceil(Math.max(w, h) / DECODE_MAX_SIDE);
  const ow = Math.ceil(w / k);
  const oh = Math.ceil(h / k);
  const gray = new Float32Array(ow * oh);
  const alpha = new Float32Array(ow * oh);
  const sumAG = new Float64Array(ow);
  const sumA = new Float64Array(ow);
  let transparent = false;

  const bitsPerPixel = CHANNELS[header.colorType] * header.bitDepth;
  const rowBytes = Math.ceil((w * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  let prev = new Uint8Array(rowBytes);
  let cur = new Uint8Array(rowBytes);
  const line = new Uint8Array(rowBytes + 1); // filter byte + the row as stored
  let filled = 0;
  let y = 0;
  const out = { g: 0, a: 0 };

  const finishBand = (oy: number, rows: number) => {
    for (let ox = 0; ox < ow; ox++) {
      const cols = Math.min(k, w - ox * k);
      const a = sumA[ox] / (cols * rows);
      alpha[oy * ow + ox] = a;
      gray[oy * ow + ox] = sumA[ox] > 0 ? sumAG[ox] / sumA[ox] : 0;
    }
    sumAG.fill(0);
    sumA.fill(0);
  };

  const row = () => {
    unfilterRow(cur, line, prev, bpp, name, y);
    for (let x = 0; x < w; x++) {
      pixel(cur, x, out);
      if (out.a < 1) transparent = true;
      const ox = (x / k) | 0;
      sumAG[ox] += out.a * out.g;
      sumA[ox] += out.a;
    }
    y++;
    if (y % k === 0 || y === h) finishBand(Math.ceil(y / k) - 1, y % k === 0 ? k : y % k);
    const t = prev;
    prev = cur;
    cur = t;
  };

  const inflater = createInflate({ chunkSize: 1 << 16 });
  inflater.end(Buffer.concat(idat));
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length && y < h) {
        const take = Math.min(line.length - filled, chunk.length - at);
        line.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === line.length) {
          row();
          filled = 0;
        }
      }
      // Bytes beyond the last row: encoders may pad a little; a flood is refused, not inflated.
      if (y >= h && at < chunk.length) {
        inflater.destroy();
        break;
      }
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    zlibFailure(name, err);
  }
  if (y < h) fail(name, `the PNG image data is incomplete (${y} of ${h} rows)`, HINT_CORRUPT);
  return {
    header,
    gray: { width: ow, height: oh, data: gray },
    alpha: transparent ? { width: ow, height: oh, data: alpha } : null,
  };
}

/** Undoes one scanline's filter (PNG spec, section 9): `line[0]` is the filter type. */
function unfilterRow(cur: Uint8Array, line: Uint8Array, prev: Uint8Array, bpp: number, name: string, y: number): void {
  const n = cur.length;
  const type = line[0];
  switch (type) {
    case 0:
      for (let i = 0; i < n; i++) cur[i] = line[i + 1];
      return;
    case 1: // Sub: the byte bpp to the left
      for (let i = 0; i < n; i++) cur[i] = (line[i + 1] + (i >= bpp ? cur[i - bpp] : 0)) & 0xff;
      return;
    case 2: // Up: the byte above
      for (let i = 0; i < n; i++) cur[i] = (line[i + 1] + prev[i]) & 0xff;
      return;
    case 3: // Average of left and above
      for (let i = 0; i < n; i++) cur[i] = (line[i + 1] + (((i >= bpp ? cur[i - bpp] : 0) + prev[i]) >> 1)) & 0xff;
      return;
    case 4: // Paeth predictor
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? cur[i - bpp] : 0;
        const b = prev[i];
        const c = i >= bpp ? prev[i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        cur[i] = (line[i + 1] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      fail(name, `the PNG image data is corrupt (row ${y} has filter type ${type}; only 0-4 exist)`, HINT_CORRUPT);
  }
}

type PixelReader = (row: Uint8Array, x: number, out: { g: number; a: number }) => void;

/** Reads pixel x of an unfiltered row as luma and alpha in 0..1, for any colour type and depth. */
function pixelReader(colorType: number, depth: number, palette: boolean | number[][], transColor: number[] | undefined): PixelReader {
  const channels = CHANNELS[colorType];
  const max = (1 << depth) - 1;
  const sample =
    depth === 16
      ? (row: Uint8Array, i: number) => (row[2 * i] << 8) | row[2 * i + 1]
      : depth === 8
        ? (row: Uint8Array, i: number) => row[i]
        : (row: Uint8Array, i: number) => (row[(i * depth) >> 3] >> (8 - depth - ((i * depth) & 7))) & max;
  const luma = (r: number, g: number, b: number, m: number) => (0.299 * r + 0.587 * g + 0.114 * b) / m;
  switch (colorType) {
    case 0:
      return (row, x, out) => {
        const v = sample(row, x);
        out.g = v / max;
        out.a = transColor !== undefined && v === transColor[0] ? 0 : 1;
      };
    case 2:
      return (row, x, out) => {
        const r = sample(row, 3 * x);
        const g = sample(row, 3 * x + 1);
        const b = sample(row, 3 * x + 2);
        out.g = luma(r, g, b, max);
        out.a = transColor !== undefined && r === transColor[0] && g === transColor[1] && b === transColor[2] ? 0 : 1;
      };
    case 3: {
      const entries = palette as number[][];
      return (row, x, out) => {
        // An index past the palette reads as black, opaque (as pngjs decodes it).
        const e = entries[sample(row, x)] ?? [0, 0, 0, 255];
        out.g = luma(e[0], e[1], e[2], 255);
        out.a = e[3] / 255;
      };
    }
    case 4:
      return (row, x, out) => {
        out.g = sample(row, 2 * x) / max;
        out.a = sample(row, 2 * x + 1) / max;
      };
    default:
      return (row, x, out) => {
        const i = channels * x;
        out.g = luma(sample(row, i), sample(row, i + 1), sample(row, i + 2), max);
        out.a = sample(row, i + 3) / max;
      };
  }
}
