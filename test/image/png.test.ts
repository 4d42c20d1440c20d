/**
 * PNG decoding: every colour type and bit depth, palettes and tRNS, Adam7, pngjs's own encoder
 * output, the alpha/paper decision, and every kind of broken file asserting its one-line message.
 * Fixtures are made here with test/helpers/png-writer.ts, never committed as binaries.
 */
import { describe, expect, it } from 'vitest';
import pngjs from 'pngjs';
import { deflateSync } from 'node:zlib';
import { DataError } from '../../src/errors.js';
import { choosePaperLevel } from '../../src/image/background.js';
import { decodePng, expectedDataLength, flattenAlpha, readPngHeader } from '../../src/image/png.js';
import { chunk, encodePng, ihdr, PNG_SIGNATURE, rawImageData, type BitDepth, type ColorType, type PngSpec } from '../helpers/png-writer.js';

const { PNG } = pngjs;

/** A w x h test pattern: sample value at pixel i, channel c, for a given bit depth. */
function pattern(w: number, h: number, channels: number, depth: number): number[] {
  const max = 2 ** depth - 1;
  const out: number[] = [];
  for (let i = 0; i < w * h; i++) for (let c = 0; c < channels; c++) out.push((i * 7 + c * 3 + 1) % (max + 1));
  return out;
}

const CHANNELS: Record<ColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED: Record<ColorType, BitDepth[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** The gray and alpha a correct decoder must produce for a spec (Rec. 601 luma). */
function expected(spec: PngSpec): { gray: number[]; alpha: number[] } {
  const max = 2 ** spec.bitDepth - 1;
  const ch = CHANNELS[spec.colorType];
  const gray: number[] = [];
  const alpha: number[] = [];
  for (let i = 0; i < spec.width * spec.height; i++) {
    const s = (c: number) => spec.samples[i * ch + c];
    if (spec.colorType === 3) {
      const [r, g, b] = spec.palette![s(0)];
      gray.push((0.299 * r + 0.587 * g + 0.114 * b) / 255);
      alpha.push(spec.transparency ? (spec.transparency[s(0)] ?? 255) / 255 : 1);
    } else if (spec.colorType === 0 || spec.colorType === 4) {
      gray.push(s(0) / max);
      alpha.push(spec.colorType === 4 ? s(1) / max : 1);
    } else {
      gray.push((0.299 * s(0) + 0.587 * s(1) + 0.114 * s(2)) / max);
      alpha.push(spec.colorType === 6 ? s(3) / max : 1);
    }
  }
  return { gray, alpha };
}

function expectPlane(actual: Float32Array, wanted: number[], tolerance: number): void {
  expect(actual.length).toBe(wanted.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < wanted.length; i++) {
    const d = Math.abs(actual[i] - wanted[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `worst at ${at}: got ${actual[at]}, want ${wanted[at]}`).toBeLessThanOrEqual(tolerance);
}

function specFor(colorType: ColorType, bitDepth: BitDepth, interlace = false): PngSpec {
  const w = 13;
  const h = 11;
  if (colorType === 3) {
    const entries = 2 ** bitDepth;
    const palette = Array.from({ length: entries }, (_, i) => [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256] as const);
    return { width: w, height: h, colorType, bitDepth, interlace, palette, samples: pattern(w, h, 1, bitDepth) };
  }
  return { width: w, height: h, colorType, bitDepth, interlace, samples: pattern(w, h, CHANNELS[colorType], bitDepth) };
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    const text = (err as Error).message;
    expect(text).not.toContain('\n');
    return text;
  }
  throw new Error('expected a DataError');
}

describe('decodePng', () => {
  for (const colorType of [0, 2, 3, 4, 6] as ColorType[]) {
    for (const bitDepth of ALLOWED[colorType]) {
      for (const interlace of [false, true]) {
        it(`decodes colour type ${colorType} at ${bitDepth} bits${interlace ? ', Adam7 interlaced' : ''} to Rec. 601 luma`, () => {
          const spec = specFor(colorType, bitDepth, interlace);
          const png = encodePng(spec);
          const { header, gray, alpha } = decodePng(png, 't.png');
          expect(header).toEqual({ width: 13, height: 11, bitDepth, colorType, interlaced: interlace });
          const want = expected(spec);
          // 8-bit and palette data arrive as bytes; 16-bit keeps its precision.
          expectPlane(gray.data, want.gray, bitDepth === 16 ? 1e-6 : 1 / 255 + 1e-6);
          if (colorType === 4 || colorType === 6) expectPlane(alpha!.data, want.alpha, bitDepth === 16 ? 1e-6 : 1e-6);
        });
      }
    }
  }

  it('keeps 16-bit precision: samples one step apart decode to different grays', () => {
    const png = encodePng({ width: 2, height: 1, colorType: 0, bitDepth: 16, samples: [30000, 30001] });
    const { gray } = decodePng(png, 't.png');
    expect(gray.data[1] - gray.data[0]).toBeCloseTo(1 / 65535, 9);
  });

  it('weights red, green and blue 0.299, 0.587 and 0.114', () => {
    const png = encodePng({ width: 3, height: 1, colorType: 2, bitDepth: 8, samples: [255, 0, 0, 0, 255, 0, 0, 0, 255] });
    const { gray, alpha } = decodePng(png, 't.png');
    expect(Array.from(gray.data)).toEqual([0.299, 0.587, 0.114].map((v) => Math.fround(v)));
    expect(alpha).toBeNull();
  });

  it('reads a palette tRNS chunk as alpha', () => {
    const png = encodePng({
      width: 3,
      height: 1,
      colorType: 3,
      bitDepth: 2,
      samples: [0, 1, 2],
      palette: [
        [255, 255, 255],
        [0, 0, 0],
        [128, 128, 128],
      ],
      transparency: [0, 255, 64],
    });
    const { alpha } = decodePng(png, 't.png');
    expectPlane(alpha!.data, [0, 1, 64 / 255], 1e-6);
  });

  it('reads a gray tRNS value as fully transparent pixels, at low and high bit depths', () => {
    const low = decodePng(encodePng({ width: 4, height: 1, colorType: 0, bitDepth: 2, samples: [0, 1, 2, 3], transparency: [2] }), 't.png');
    expect(Array.from(low.alpha!.data)).toEqual([1, 1, 0, 1]);
    const high = decodePng(encodePng({ width: 2, height: 1, colorType: 0, bitDepth: 16, samples: [500, 40000], transparency: [40000] }), 't.png');
    expect(Array.from(high.alpha!.data)).toEqual([1, 0]);
  });

  it('reads an RGB tRNS colour as fully transparent pixels', () => {
    const png = encodePng({ width: 2, height: 1, colorType: 2, bitDepth: 8, samples: [10, 20, 30, 40, 50, 60], transparency: [40, 50, 60] });
    expect(Array.from(decodePng(png, 't.png').alpha!.data)).toEqual([1, 0]);
  });

  it("decodes what pngjs's own encoder writes (8- and 16-bit, RGB, RGBA and gray)", () => {
    const src = new PNG({ width: 5, height: 4 });
    for (let i = 0; i < 20; i++) src.data.set([i * 12, 255 - i * 12, (i * 50) % 256, i === 7 ? 0 : 255], 4 * i);
    // For 16-bit output pngjs reads its data buffer as 16-bit samples (v * 257 maps 8 to 16 bits exactly).
    const src16 = new PNG({ width: 5, height: 4 });
    src16.data = Buffer.from(Uint16Array.from(src.data, (v) => v * 257).buffer);
    for (const options of [{ colorType: 6 as const }, { colorType: 2 as const }, { colorType: 0 as const }, { colorType: 6 as const, bitDepth: 16 as const }]) {
      const png = PNG.sync.write(options.bitDepth === 16 ? src16 : src, options);
      const { gray, alpha } = decodePng(png, 't.png');
      const want = Array.from({ length: 20 }, (_, i) =>
        options.colorType === 0
          ? // pngjs's own RGB -> gray conversion is the channel mean, rounded to a byte.
            Math.round((i * 12 + 255 - i * 12 + ((i * 50) % 256)) / 3) / 255
          : (0.299 * i * 12 + 0.587 * (255 - i * 12) + 0.114 * ((i * 50) % 256)) / 255,
      );
      // Without an alpha channel pngjs's encoder composites the transparent pixel onto white.
      if (options.colorType !== 6) want[7] = 1;
      expectPlane(gray.data, want, options.colorType === 0 ? 1 / 255 : 1e-5);
      if (options.colorType === 6) expect(alpha!.data[7]).toBe(0);
    }
  });

  it('ignores bytes after the IEND chunk', () => {
    const png = Buffer.concat([encodePng(specFor(0, 8)), Buffer.from('trailing junk')]);
    expect(decodePng(png, 't.png').gray.width).toBe(13);
  });
});

describe('expectedDataLength', () => {
  it('counts filter bytes and packed bits per row, and the seven Adam7 passes', () => {
    expect(expectedDataLength({ width: 13, height: 11, bitDepth: 1, colorType: 0, interlaced: false })).toBe(11 * (2 + 1));
    for (const [ct, depth] of [
      [0, 1],
      [2, 16],
      [3, 4],
      [6, 8],
    ] as const) {
      const spec = specFor(ct, depth, true);
      expect(expectedDataLength({ width: 13, height: 11, bitDepth: depth, colorType: ct, interlaced: true })).toBe(rawImageData(spec).length);
    }
  });
});

describe('bad PNG files', () => {
  const good = encodePng(specFor(2, 8));

  it('refuses an empty file', () => {
    expect(message(() => decodePng(new Uint8Array(0), 'digit.png'))).toBe('digit.png: the file is empty; predict reads PNG and JPEG images; convert the image to one of them first');
  });

  it('refuses a file that is not a PNG, naming a JPEG when it sees one', () => {
    expect(message(() => decodePng(Buffer.from('hello, world'), 'digit.png'))).toBe(
      'digit.png: not a PNG file (bad signature); predict reads PNG and JPEG images; convert the image to one of them first',
    );
    // The first four bytes of a PNG and a damaged rest: a bad signature, not "it looks like a PNG".
    const damaged = Buffer.from(good);
    damaged[6] = 0;
    expect(message(() => decodePng(damaged, 'digit.png'))).toMatch(/^digit\.png: not a PNG file \(bad signature\);/);
    expect(message(() => decodePng(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), 'photo.jpg'))).toMatch(/^photo\.jpg: not a PNG file \(it looks like a JPEG image\)/);
  });

  it('refuses a truncated file, wherever it is cut', () => {
    for (const cut of [20, 40, good.length - 30, good.length - 5]) {
      expect(message(() => decodePng(good.subarray(0, cut), 'digit.png'))).toMatch(/^digit\.png: the PNG file is truncated \(/);
    }
  });

  it('refuses a chunk whose CRC does not match', () => {
    const bad = Buffer.from(good);
    bad[good.length - 20] ^= 0x40; // inside the IDAT data
    expect(message(() => decodePng(bad, 'digit.png'))).toMatch(/^digit\.png: PNG chunk IDAT at byte \d+ fails its CRC check \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
    const badHeader = Buffer.from(good);
    badHeader[17] ^= 1; // the width
    expect(message(() => decodePng(badHeader, 'digit.png'))).toMatch(/IHDR fails its CRC check/);
  });

  it('refuses a zero-sized image', () => {
    const png = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(0, 10, 8, 0)), chunk('IEND')]);
    expect(message(() => decodePng(png, 'digit.png'))).toBe(
      'digit.png: the PNG declares a zero-sized image (0x10 pixels); there is nothing to read; export the image again',
    );
  });

  it('refuses a small file declaring 100000x100000 pixels at once, before allocating anything', () => {
    const png = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(100000, 100000, 8, 6)), chunk('IDAT', deflateSync(Buffer.alloc(100))), chunk('IEND')]);
    const start = performance.now();
    const text = message(() => decodePng(png, 'huge.png'));
    expect(performance.now() - start).toBeLessThan(50);
    expect(text).toBe(
      'huge.png: the PNG declares 100000x100000 pixels, more than predict accepts (at most 20000 per side and 50 megapixels); scale the image down first',
    );
    expect(message(() => readPngHeader(Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(20001, 10, 8, 0))]), 'wide.png'))).toMatch(/20001x10 pixels/);
    expect(message(() => readPngHeader(Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(8000, 8000, 8, 0))]), 'big.png'))).toMatch(/50 megapixels/);
  });

  it('refuses impossible headers: bit depth for the colour type, unknown colour type, methods', () => {
    const header = (depth: number, ct: number, interlace = 0) => Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(4, 4, depth, ct, interlace))]);
    expect(message(() => readPngHeader(header(4, 2), 'a.png'))).toMatch(/bit depth 4 is not allowed with colour type 2/);
    expect(message(() => readPngHeader(header(16, 3), 'a.png'))).toMatch(/bit depth 16 is not allowed with colour type 3/);
    expect(message(() => readPngHeader(header(8, 5), 'a.png'))).toMatch(/colour type 5 does not exist/);
    expect(message(() => readPngHeader(header(8, 0, 2), 'a.png'))).toMatch(/interlace method 2/);
    const notIhdr = Buffer.concat([PNG_SIGNATURE, chunk('IDAT', Buffer.alloc(13)), chunk('IEND')]);
    expect(message(() => readPngHeader(notIhdr, 'a.png'))).toMatch(/first chunk is "IDAT" of 13 bytes, expected IHDR of 13/);
  });

  it('refuses files without image data, without IEND, or a palette image without a palette', () => {
    const head = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(2, 2, 8, 0))]);
    expect(message(() => decodePng(Buffer.concat([head, chunk('IEND')]), 'a.png'))).toMatch(/no image data \(no IDAT chunk\)/);
    const data = chunk('IDAT', deflateSync(Buffer.alloc(6)));
    expect(message(() => decodePng(Buffer.concat([head, data]), 'a.png'))).toMatch(/truncated \(it ends at byte \d+ before the IEND chunk\)/);
    const pal = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(2, 2, 8, 3)), data, chunk('IEND')]);
    expect(message(() => decodePng(pal, 'a.png'))).toMatch(/palette PNG has no palette/);
  });

  it('refuses image data that is not a valid zlib stream, or too short for the header', () => {
    const head = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(4, 4, 8, 0))]);
    const garbage = Buffer.concat([head, chunk('IDAT', Buffer.from('definitely not zlib data')), chunk('IEND')]);
    expect(message(() => decodePng(garbage, 'a.png'))).toMatch(/^a\.png: the PNG image data cannot be decompressed \(/);
    const short = Buffer.concat([head, chunk('IDAT', deflateSync(Buffer.alloc(7))), chunk('IEND')]);
    expect(message(() => decodePng(short, 'a.png'))).toBe(
      'a.png: the PNG image data is incomplete (7 of 20 bytes); the file is damaged; save or export the image again',
    );
    const cut = deflateSync(Buffer.alloc(20));
    const unfinished = Buffer.concat([head, chunk('IDAT', cut.subarray(0, cut.length - 6)), chunk('IEND')]);
    expect(message(() => decodePng(unfinished, 'a.png'))).toMatch(/^a\.png: the PNG image data cannot be decompressed \(/);
  });

  it('refuses an interlaced image whose data inflates to far more than its size allows', () => {
    const head = Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(8, 8, 8, 0, 1))]);
    const bomb = Buffer.concat([head, chunk('IDAT', deflateSync(Buffer.alloc(10_000_000))), chunk('IEND')]);
    expect(message(() => decodePng(bomb, 'a.png'))).toBe(
      'a.png: the PNG image data decompresses to more bytes than its header declares; the file is damaged; save or export the image again',
    );
  });

  it('refuses a broken palette: bad length, more alphas than colours, an index past its end', () => {
    const spec = { width: 2, height: 1, colorType: 3 as const, bitDepth: 8 as const, samples: [0, 1] };
    const withPalette = (plte: Buffer, extra: Buffer[] = []) =>
      Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(2, 1, 8, 3)), chunk('PLTE', plte), ...extra, chunk('IDAT', deflateSync(rawImageData(spec))), chunk('IEND')]);
    expect(message(() => decodePng(withPalette(Buffer.alloc(7)), 'a.png'))).toMatch(/palette has a bad length \(7 bytes\)/);
    expect(message(() => decodePng(withPalette(Buffer.alloc(6), [chunk('tRNS', Buffer.alloc(3))]), 'a.png'))).toMatch(/more transparency entries than palette colours/);
    expect(message(() => decodePng(withPalette(Buffer.alloc(3)), 'a.png'))).toBe(
      'a.png: cannot decode the PNG image data (index 1 not in palette); the file is damaged; save or export the image again',
    );
  });

  it('refuses an unknown critical chunk', () => {
    const png = encodePng(specFor(0, 8));
    const iend = png.length - 12;
    const odd = Buffer.concat([png.subarray(0, iend), chunk('ABCD', Buffer.alloc(4)), png.subarray(iend)]);
    expect(message(() => decodePng(odd, 'a.png'))).toBe(
      'a.png: the PNG uses a critical chunk ABCD that is not part of the PNG standard; re-save it as a standard PNG',
    );
  });
});

describe('choosePaperLevel and flattenAlpha', () => {
  const w = 20;
  const h = 20;
  const plane = (f: (x: number, y: number) => number) => {
    const data = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
    return { width: w, height: h, data };
  };
  const stroke = (x: number, y: number) => (x >= 8 && x < 12 && y >= 3 && y < 17 ? 1 : 0);

  it('puts dark strokes on a transparent canvas on white paper, and light strokes on black', () => {
    expect(choosePaperLevel(plane(() => 0.1), plane(stroke))).toBe(1);
    expect(choosePaperLevel(plane(() => 0.9), plane(stroke))).toBe(0);
  });

  it('reads the pen colour from stroke cores, not from rims blended towards another background', () => {
    // Palette-style anti-aliasing: opaque rims two pixels wide, light, around a dark core.
    const gray = plane((x) => (x >= 9 && x < 11 ? 0.05 : 0.85));
    const alpha = plane((x, y) => (x >= 7 && x < 13 && y >= 3 && y < 17 ? 1 : 0));
    expect(choosePaperLevel(gray, alpha)).toBe(1);
  });

  it('extends the paper of a picture with transparent margins into the margins', () => {
    const gray = plane((x, y) => (stroke(x, y) ? 0.1 : 0.7));
    const alpha = plane((x, y) => (y >= 1 && y < 19 ? 1 : 0));
    expect(choosePaperLevel(gray, alpha)).toBeCloseTo(0.7, 2);
  });

  it('composites gray over the paper by alpha', () => {
    const out = flattenAlpha(plane(() => 0.2), plane((x) => x / (w - 1)), 0.9);
    expect(out.data[0]).toBeCloseTo(0.9, 6);
    expect(out.data[w - 1]).toBeCloseTo(0.2, 6);
    expect(out.data[10]).toBeCloseTo(0.2 * (10 / 19) + 0.9 * (9 / 19), 6);
    const opaque = plane(() => 0.3);
    expect(flattenAlpha(opaque, null, 1)).toBe(opaque);
  });
});
