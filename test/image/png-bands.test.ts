/**
 * The banded decoder for large PNGs: for every colour type and bit depth, and for each of the
 * five scanline filters on every row, it must equal decoding the whole image with
 * decodePng and box-averaging the result (premultiplied by alpha); images up to
 * DECODE_MAX_SIDE are decoded exactly as before; and a child process decoding a large,
 * highly compressed 16-bit RGBA PNG stays within a small, fixed peak memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createDeflate, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECODE_MAX_SIDE, decodePngBounded } from '../../src/image/png-bands.js';
import { decodePng, type DecodedPng } from '../../src/image/png.js';
import { assertBuilt, ROOT } from '../helpers/cli.js';
import { chunk, encodePng, ihdr, PNG_SIGNATURE, type BitDepth, type ColorType } from '../helpers/png-writer.js';

/** decodePng's planes averaged over k x k boxes, alpha premultiplied: what the banded decoder promises. */
function boxAverage(d: DecodedPng, k: number): { gray: Float64Array; alpha: Float64Array; w: number; h: number } {
  const { width, height } = d.gray;
  const w = Math.ceil(width / k);
  const h = Math.ceil(height / k);
  const gray = new Float64Array(w * h);
  const alpha = new Float64Array(w * h);
  for (let oy = 0; oy < h; oy++) {
    for (let ox = 0; ox < w; ox++) {
      let sa = 0;
      let sag = 0;
      let n = 0;
      for (let y = oy * k; y < Math.min(height, oy * k + k); y++) {
        for (let x = ox * k; x < Math.min(width, ox * k + k); x++) {
          const a = d.alpha ? d.alpha.data[y * width + x] : 1;
          sa += a;
          sag += a * d.gray.data[y * width + x];
          n++;
        }
      }
      alpha[oy * w + ox] = sa / n;
      gray[oy * w + ox] = sa > 0 ? sag / sa : 0;
    }
  }
  return { gray, alpha, w, h };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `${what}: worst at ${at}: ${actual[at]} vs ${expected[at]}`).toBeLessThan(1e-5);
}

/** The concatenated IDAT chunks' data: the zlib stream of a PNG's filtered rows. */
function idatOf(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

const W = DECODE_MAX_SIDE * 2 + 3; // k = 3 and a partial box at the right edge
const H = 7;

function samplesFor(colorType: ColorType, depth: BitDepth, paletteSize = 0): number[] {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  const max = colorType === 3 ? paletteSize - 1 : 2 ** depth - 1;
  const out: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < channels; c++) out.push((x * 7 + y * 13 + c * 29 + ((x * y) % 5)) % (max + 1));
    }
  }
  return out;
}

describe('decodePngBounded', () => {
  it.each([
    [0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [3, 1], [3, 4], [3, 8], [4, 8], [4, 16], [6, 8], [6, 16],
  ] as [ColorType, BitDepth][])('colour type %i, %i-bit: equals the whole-image decode, box-averaged', async (colorType, bitDepth) => {
    const paletteSize = colorType === 3 ? Math.min(2 ** bitDepth, 12) : 0;
    const palette = Array.from({ length: paletteSize }, (_, i) => [(i * 40) % 256, (i * 90) % 256, (i * 20) % 256] as const);
    const transparency = colorType === 3 ? palette.map((_, i) => (i * 60) % 256) : colorType === 0 ? [3] : colorType === 2 ? [7, 36, 65] : undefined;
    const png = encodePng({ width: W, height: H, colorType, bitDepth, samples: samplesFor(colorType, bitDepth, paletteSize), palette: colorType === 3 ? palette : undefined, transparency });
    const banded = await decodePngBounded(png, 'big.png');
    const whole = boxAverage(decodePng(png, 'big.png'), 3);
    expect([banded.gray.width, banded.gray.height]).toEqual([whole.w, whole.h]);
    expect(banded.header.width).toBe(W);
    expectClose(banded.gray.data, whole.gray, 'gray');
    if (banded.alpha) expectClose(banded.alpha.data, whole.alpha, 'alpha');
    else expect(whole.alpha.every((a) => a === 1)).toBe(true);
  });

  it.each([
    [0, 'None'], [1, 'Sub'], [2, 'Up'], [3, 'Average'], [4, 'Paeth'],
  ])('undoes scanline filter %i (%s) on every row', async (filterType) => {
    const png = new PNG({ width: W, height: 24 });
    for (let i = 0; i < W * 24; i++) {
      const x = i % W;
      const y = Math.floor(i / W);
      png.data[4 * i] = (x * 3 + y * y) & 255;
      png.data[4 * i + 1] = (x ^ y) & 255;
      png.data[4 * i + 2] = Math.round(127 + 120 * Math.sin(x / 50 + y));
      png.data[4 * i + 3] = x % 97 === 0 ? 0 : 255;
    }
    const bytes = PNG.sync.write(png, { filterType });
    // Every row of the image data starts with the filter asked for (8-bit RGBA: 4 bytes a pixel).
    const data = inflateSync(idatOf(bytes));
    for (let y = 0; y < 24; y++) expect(data[y * (1 + 4 * W)]).toBe(filterType);
    const banded = await decodePngBounded(bytes, 'filters.png');
    const whole = boxAverage(decodePng(bytes, 'filters.png'), 3);
    expectClose(banded.gray.data, whole.gray, 'gray');
    expectClose(banded.alpha!.data, whole.alpha, 'alpha');
  });

  it('decodes images up to DECODE_MAX_SIDE exactly as decodePng', async () => {
    const png = encodePng({ width: 40, height: 30, colorType: 0, bitDepth: 8, samples: Array.from({ length: 1200 }, (_, i) => i % 256) });
    expect(await decodePngBounded(png, 'small.png')).toEqual(decodePng(png, 'small.png'));
  });

  it('refuses truncated image data and a second IHDR in one line', async () => {
    const good = encodePng({ width: W, height: H, colorType: 0, bitDepth: 8, samples: samplesFor(0, 8) });
    const idat = chunk('IDAT', Buffer.from([0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff])); // an empty stored block, then nothing
    const short = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(W, H, 8, 0)), idat, chunk('IEND')]);
    await expect(decodePngBounded(short, 'short.png')).rejects.toThrow(/^short\.png: the PNG image data .*(incomplete|cannot be decompressed)/);
    const twice = Buffer.concat([good.subarray(0, 33), chunk('IHDR', ihdr(W, H, 8, 0)), good.subarray(33)]);
    await expect(decodePngBounded(twice, 'twice.png')).rejects.toThrow(/^twice\.png: the PNG file has a second IHDR chunk at byte 33;/);
    expect(() => decodePng(twice, 'twice.png')).toThrow(/second IHDR chunk/);
  });
});

describe('memory of a large PNG', () => {
  let dir: string;
  let path: string;
  const SIDE = 5000;

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'mnist-bigpng-'));
    path = join(dir, 'big.png');
    // 5000x5000 16-bit RGBA (200 MB of samples) compresses to well under a megabyte: white paper
    // with a thick black bar, streamed through deflate so the test itself stays small too.
    const blank = Buffer.alloc(1 + SIDE * 8, 0xff);
    blank[0] = 0;
    const bar = Buffer.from(blank);
    bar.fill(0, 1 + 2200 * 8, 1 + 2800 * 8);
    for (let x = 2200; x < 2800; x++) {
      bar[1 + x * 8 + 6] = 0xff; // alpha stays opaque
      bar[1 + x * 8 + 7] = 0xff;
    }
    const deflate = createDeflate({ level: 1 });
    const parts: Buffer[] = [];
    deflate.on('data', (d: Buffer) => parts.push(d));
    for (let y = 0; y < SIDE; y++) {
      if (!deflate.write(y >= 1000 && y < 4000 ? bar : blank)) await once(deflate, 'drain');
    }
    deflate.end();
    await once(deflate, 'end');
    writeFileSync(path, Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(SIDE, SIDE, 16, 6)), chunk('IDAT', Buffer.concat(parts)), chunk('IEND')]));
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a child decoding 5000x5000 16-bit RGBA reads the digit with a peak RSS under 250 MB', () => {
    // The peak is the child's own: on Linux, /proc/self/status's VmHWM (kB) starts afresh at exec,
    // whereas getrusage's maxRSS keeps the peak of the process it was forked from (the test
    // worker, which may be large after running other files); elsewhere maxRSS is all there is.
    const script = `
      const { readFileSync } = await import('node:fs');
      const peakKb = () => {
        try {
          return Number(readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\\s*(\\d+) kB$/m)[1]);
        } catch {
          return process.resourceUsage().maxRSS;
        }
      };
      const { loadDigitImage } = await import(${JSON.stringify(join(ROOT, 'dist', 'image', 'digit.js'))});
      const before = peakKb();
      const { pixels } = await loadDigitImage(${JSON.stringify(path)});
      console.log(JSON.stringify({ before, peak: peakKb(), ink: pixels.reduce((s, v) => s + v, 0) }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    const { peak, ink } = JSON.parse(child.stdout);
    // Decoded whole, this image needs over 1 GB (200 MB of samples, unfiltered, expanded, as floats).
    expect(peak / 1024).toBeLessThan(250);
    expect(ink).toBeGreaterThan(0);
  });
});
