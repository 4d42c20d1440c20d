/**
 * loadDigitImage on real files in a temporary folder: the happy path, and every way a path can
 * be wrong (missing, a folder, empty, a FIFO, not a PNG, blank, absurd size), each one line
 * naming the file, none hanging.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { digitFromBytes, digitFromPng, loadDigitDetails, loadDigitImage } from '../../src/image/digit.js';
import { chunk, encodePng, grayPng, ihdr, PNG_SIGNATURE } from '../helpers/png-writer.js';
import { drawDigit, inkBounds, resample, seededRandom } from './realistic.js';
import { readMnist, upscale } from './user-variants.js';

let dir: string;
const mnist = readMnist('t10k', 1);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mnist-image-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(path: string): Promise<DataError> {
  try {
    await loadDigitImage(path);
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).not.toContain('\n');
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('loadDigitImage', () => {
  it("returns the 784 MNIST-style bytes and the source image's size", async () => {
    const ink = upscale(mnist.images.subarray(0, 784), 5);
    const path = join(dir, 'seven.png');
    writeFileSync(path, grayPng(140, 140, Float32Array.from(ink, (v) => 1 - v)));
    const image = await loadDigitImage(path);
    expect(image.width).toBe(140);
    expect(image.height).toBe(140);
    expect(image.pixels).toHaveLength(784);
    expect(Object.keys(image).sort()).toEqual(['height', 'pixels', 'width']);
    const details = await loadDigitDetails(path);
    expect(details.polarity).toBe('dark-on-light');
    expect(details.paper).toBeNull();
  });

  it('reads a digit drawn on a transparent canvas', async () => {
    const ink = upscale(mnist.images.subarray(0, 784), 4);
    const path = join(dir, 'drawn.png');
    writeFileSync(path, grayPng(112, 112, new Float32Array(112 * 112), ink));
    const details = await loadDigitDetails(path);
    expect(details.paper).toBe(1);
    expect(details.pixels.some((v) => v === 255)).toBe(true);
  });

  it('says so when the file does not exist, is a folder, or is empty', async () => {
    expect((await failure(join(dir, 'nope.png'))).message).toBe(`${join(dir, 'nope.png')}: no such file; give the path of a PNG or JPEG file`);
    const folder = join(dir, 'folder.png');
    mkdirSync(folder);
    expect((await failure(folder)).message).toBe(`${folder}: is a directory, not an image file; give the path of a PNG or JPEG file`);
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    expect((await failure(empty)).message).toBe(`${empty}: the file is empty; predict reads PNG and JPEG images`);
  });

  it('refuses a FIFO instead of waiting on it forever', async () => {
    const fifo = join(dir, 'pipe.png');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here: nothing to test
    }
    expect((await failure(fifo)).message).toBe(`${fifo}: is not a regular file; give the path of a PNG or JPEG file`);
  });

  it('names the file for a non-PNG, a truncated PNG, and a blank image', async () => {
    const text = join(dir, 'notes.png');
    writeFileSync(text, 'this is not an image');
    expect((await failure(text)).message).toBe(
      `${text}: not a PNG or JPEG file (neither a PNG nor a JPEG signature); predict reads PNG and JPEG images; convert the image to one of them first`,
    );
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, grayPng(50, 50, new Float32Array(2500).fill(0.5)).subarray(0, 60));
    expect((await failure(cut)).message).toMatch(/cut\.png: the PNG file is truncated/);
    const blank = join(dir, 'blank.png');
    writeFileSync(blank, grayPng(64, 48, new Float32Array(64 * 48).fill(0.93)));
    const noInk = await failure(blank);
    expect(noInk.code).toBe('ENOINK');
    expect(noInk.message).toBe(
      `${blank}: no ink found: the image is blank (one uniform gray level, no mark); predict needs a digit that contrasts with its background`,
    );
  });

  it('refuses a tiny file declaring 100000x100000 pixels at once', async () => {
    const huge = join(dir, 'huge.png');
    writeFileSync(huge, Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(100000, 100000, 8, 2)), chunk('IEND')]));
    const start = performance.now();
    expect((await failure(huge)).message).toMatch(/huge\.png: the PNG declares 100000x100000 pixels/);
    expect(performance.now() - start).toBeLessThan(100);
  });
});

describe('digitFromPng', () => {
  it('works on bytes in memory, and says when a fully transparent image has no ink', () => {
    const clear = encodePng({ width: 8, height: 8, colorType: 6, bitDepth: 8, samples: new Uint8Array(256) });
    expect(() => digitFromPng(clear, 'clear.png')).toThrow(/^clear\.png: no ink found/);
  });
});

describe('what predict refuses, and what it reads', () => {
  const random = seededRandom(21);
  const reason = (bytes: Uint8Array) => {
    try {
      digitFromBytes(bytes, 'x.png');
      return 'read';
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      return (err as Error).message;
    }
  };
  const gray = (w: number, h: number, f: (x: number, y: number) => number) => {
    const data = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
    return grayPng(w, h, data);
  };

  it('refuses a uniform picture as blank, at any gray level and any size', () => {
    for (const [w, h, level] of [[64, 48, 0.93], [8, 8, 0], [300, 200, 0.5], [1, 1, 1]]) {
      expect(reason(gray(w, h, () => level))).toMatch(/^x\.png: no ink found: the image is blank/);
    }
  });

  it('refuses noise and a lighting gradient without calling them blank', () => {
    const noise = gray(120, 90, () => 0.6 + 0.1 * (random() - 0.5));
    const gradient = gray(160, 120, (x, y) => 0.3 + (0.6 * (x + y)) / 280);
    const noisyGradient = gray(160, 120, (x) => 0.4 + (0.5 * x) / 160 + 0.05 * (random() - 0.5));
    for (const bytes of [noise, gradient, noisyGradient]) {
      expect(reason(bytes)).toBe(
        "x.png: no digit found: nothing stands out from the picture's noise or shading as a pen stroke; predict needs a digit that contrasts with its background",
      );
    }
  });

  it('reads a thick-pen 0, 1 and 8 cropped so that they touch all four edges (once refused as blank)', () => {
    for (const label of [0, 1, 8]) {
      const ink = drawDigit(label, random, { pen: 0.1 });
      const b = inkBounds(ink)!;
      const crop = resample(ink, b, b[2] - b[0], b[3] - b[1]);
      const digit = digitFromBytes(grayPng(crop.width, crop.height, crop.data.map((v) => 1 - v)), 'crop.png');
      expect(digit.polarity).toBe('dark-on-light');
      // The digit's box is the whole picture.
      expect(digit.box.x1 - digit.box.x0).toBeGreaterThan(0.9 * crop.width);
      expect(digit.box.y1 - digit.box.y0).toBeGreaterThan(0.9 * crop.height);
    }
  });

  it('reads heavy digits that fill a 16x16 or an 8x8 frame, in either polarity', () => {
    for (const side of [16, 8]) {
      for (const label of [0, 8, 5, 3]) {
        const ink = drawDigit(label, random, { pen: 0.09 });
        const small = resample(ink, inkBounds(ink)!, side, side);
        expect(reason(grayPng(side, side, small.data.map((v) => 1 - v)))).toBe('read');
        expect(reason(grayPng(side, side, small.data))).toBe('read');
      }
    }
  });
});
