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
import { digitFromPng, loadDigitDetails, loadDigitImage } from '../../src/image/digit.js';
import { chunk, encodePng, grayPng, ihdr, PNG_SIGNATURE } from '../helpers/png-writer.js';
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
