/**
 * The whole preprocessing on images built in the test: MNIST digits redrawn dark on light, off
 * centre, tiny in a big photo, with hairline or marker strokes, speckle, shadows, ruled lines,
 * and blank pages. Each result is compared with what MNIST itself would contain.
 */
import { describe, expect, it } from 'vitest';
import { centreOfMass } from '../../src/image/layout.js';
import type { Plane } from '../../src/image/plane.js';
import { preprocessDigit, type DigitFound } from '../../src/image/preprocess.js';
import { strokeWidth } from '../../src/image/stroke.js';
import { seededRandom } from './realistic.js';
import { readMnist, upscale } from './user-variants.js';

const mnist = readMnist('t10k', 60);
const digit = (i: number) => mnist.images.subarray(i * 784, (i + 1) * 784);

/** Places ink (n x n, 0..1) on a page: gray = paper - (paper - inkLevel) * ink, times a light falloff. */
function page(
  W: number,
  H: number,
  ink: Float32Array,
  n: number,
  at: { x: number; y: number },
  look: { paper?: number; inkLevel?: number; ramp?: number; noise?: number; extra?: (x: number, y: number) => number } = {},
): Plane {
  const { paper = 0.95, inkLevel = 0.1, ramp = 0, noise = 0, extra } = look;
  const random = seededRandom(11);
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - at.x;
      const dy = y - at.y;
      let a = dx >= 0 && dy >= 0 && dx < n && dy < n ? ink[dy * n + dx] : 0;
      if (extra) a = Math.max(a, extra(x, y));
      const light = 1 - ramp * (x / W);
      data[y * W + x] = (paper - (paper - inkLevel) * a) * light + noise * (random() - 0.5) * 3.46;
    }
  }
  return { width: W, height: H, data };
}

function found(p: Plane): DigitFound {
  const r = preprocessDigit(p);
  if (!r.found) throw new Error(`no digit: ${r.reason}`);
  return r;
}

/** Mean absolute difference (0..255) of two 28x28 images, allowing a shift of up to one pixel. */
function distance(a: Uint8Array, b: Uint8Array): number {
  let best = Infinity;
  for (let sy = -1; sy <= 1; sy++) {
    for (let sx = -1; sx <= 1; sx++) {
      let d = 0;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const xx = x + sx;
          const yy = y + sy;
          const v = xx >= 0 && yy >= 0 && xx < 28 && yy < 28 ? b[yy * 28 + xx] : 0;
          d += Math.abs(a[y * 28 + x] - v);
        }
      }
      best = Math.min(best, d / 784);
    }
  }
  return best;
}

const asPlane = (bytes: Uint8Array): Plane => ({ width: 28, height: 28, data: Float32Array.from(bytes, (v) => v / 255) });

/** The box [x0, x1) x [y0, y1) of the pixels of a side x side plane that are ink (0.2 or more). */
function inkBox(ink: Float32Array, side: number): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = side, y0 = side, x1 = 0, y1 = 0;
  ink.forEach((v, p) => {
    if (v < 0.2) return;
    x0 = Math.min(x0, p % side); x1 = Math.max(x1, (p % side) + 1);
    y0 = Math.min(y0, Math.floor(p / side)); y1 = Math.max(y1, Math.floor(p / side) + 1);
  });
  return { x0, y0, x1, y1 };
}

describe('preprocessDigit', () => {
  it('gives back an MNIST digit almost unchanged (MNIST is already in its own layout)', () => {
    const distances = Array.from({ length: 60 }, (_, i) => distance(found(asPlane(digit(i))).pixels, digit(i)));
    distances.sort((a, b) => a - b);
    expect(distances[Math.floor(0.9 * distances.length)]).toBeLessThan(8);
  });

  it("produces MNIST's byte form: background 0, full-ink cores, a 20-pixel box, centre of mass at (14, 14)", () => {
    const ink = upscale(digit(3), 6);
    const { pixels } = found(page(400, 300, ink, 168, { x: 150, y: 80 }));
    expect(pixels).toBeInstanceOf(Uint8Array);
    expect(pixels).toHaveLength(784);
    expect(pixels.filter((v) => v === 255).length).toBeGreaterThan(20);
    let x0 = 28;
    let x1 = -1;
    let y0 = 28;
    let y1 = -1;
    pixels.forEach((v, i) => {
      if (v === 0) return;
      x0 = Math.min(x0, i % 28);
      x1 = Math.max(x1, i % 28);
      y0 = Math.min(y0, Math.floor(i / 28));
      y1 = Math.max(y1, Math.floor(i / 28));
    });
    expect(Math.max(x1 - x0 + 1, y1 - y0 + 1)).toBe(20);
    const c = centreOfMass(asPlane(pixels));
    expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.6);
    expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.6);
  });

  it('reads dark ink on grey paper under uneven light the same as the light-on-dark original', () => {
    for (const i of [0, 1, 2, 7, 11]) {
      const reference = found(asPlane(digit(i))).pixels;
      const photo = found(page(300, 300, upscale(digit(i), 8), 224, { x: 40, y: 30 }, { paper: 0.5, inkLevel: 0.2, ramp: 0.35, noise: 0.02 }));
      expect(photo.polarity).toBe('dark-on-light');
      expect(distance(photo.pixels, reference)).toBeLessThan(12);
    }
  });

  it('finds a small digit in a large photo, reading it from full resolution', () => {
    const reference = found(asPlane(digit(5))).pixels;
    const small = found(page(1800, 1400, upscale(digit(5), 4), 112, { x: 1300, y: 200 }, { noise: 0.01 }));
    expect(small.box.x0).toBeGreaterThanOrEqual(1300);
    expect(small.box.y1).toBeLessThanOrEqual(312);
    expect(distance(small.pixels, reference)).toBeLessThan(12);
  });

  it('ignores speckle, a shadow along the edge and a ruled line through the digit', () => {
    const reference = found(asPlane(digit(4))).pixels;
    const random = seededRandom(3);
    const specks = new Set(Array.from({ length: 40 }, () => Math.floor(random() * 320 * 320)));
    const extra = (x: number, y: number) => (x < 25 ? 0.8 : specks.has(y * 320 + x) ? 1 : y === 160 || y === 161 ? 0.7 : 0);
    const messy = found(page(320, 320, upscale(digit(4), 7), 196, { x: 70, y: 60 }, { extra }));
    expect(distance(messy.pixels, reference)).toBeLessThan(14);
  });

  it('reads the digit beside a dark desk that fills a third or nearly half of the photo, under uneven light', () => {
    for (const [i, share] of [[2, 0.35], [5, 0.35], [40, 0.35], [40, 0.45], [7, 0.45]]) {
      const reference = found(asPlane(digit(i))).pixels;
      const desk = (x: number) => (x > (1 - share) * 400 ? 1 : 0);
      const photo = found(page(400, 300, upscale(digit(i), 5), 140, { x: 60, y: 80 }, { ramp: 0.3, noise: 0.01, extra: desk }));
      expect(photo.box.x1).toBeLessThanOrEqual(210);
      expect(distance(photo.pixels, reference)).toBeLessThan(12);
    }
  });

  it('reads digits cropped to their strokes, where the border shows little paper', () => {
    for (const i of [0, 3, 8]) {
      const ink = upscale(digit(i), 6);
      // The ink's box, cropped: every edge touches a stroke.
      const { x0, y0, x1, y1 } = inkBox(ink, 168);
      const w = x1 - x0, h = y1 - y0;
      const crop = page(w, h, ink, 168, { x: -x0, y: -y0 }, { paper: 0.95, inkLevel: 0.05 });
      const read = found(crop);
      expect(read.polarity).toBe('dark-on-light');
      expect(distance(read.pixels, found(asPlane(digit(i))).pixels)).toBeLessThan(14);
    }
  });

  it('reads digits shrunk to fill a 16x16 frame, as a 16x16 scanner makes them', () => {
    for (const i of [0, 3, 8, 11, 15, 21]) {
      // The digit 4x larger (its ink fits 80 px, MNIST's 20-pixel box) in a 96x96 frame around
      // its ink's centre, each 6x6 block averaged: a 16x16 scan with 1-2 pixels of paper around.
      const ink = upscale(digit(i), 4);
      const { x0, y0, x1, y1 } = inkBox(ink, 112);
      const frame = page(96, 96, ink, 112, { x: 48 - Math.round((x0 + x1) / 2), y: 48 - Math.round((y0 + y1) / 2) }, { paper: 0.95, inkLevel: 0.05 });
      const scan = new Float32Array(16 * 16);
      for (let y = 0; y < 96; y++) for (let x = 0; x < 96; x++) scan[Math.floor(y / 6) * 16 + Math.floor(x / 6)] += frame.data[y * 96 + x] / 36;
      const read = found({ width: 16, height: 16, data: scan });
      expect(read.polarity).toBe('dark-on-light');
      expect(Math.max(read.box.x1 - read.box.x0, read.box.y1 - read.box.y0)).toBeGreaterThanOrEqual(13); // the whole digit, not a part
      // Measured 11-19: a 16x16 scan keeps less than a 28x28 digit.
      expect(distance(read.pixels, found(asPlane(digit(i))).pixels)).toBeLessThan(24);
    }
  });

  it('thickens hairline strokes and thins marker strokes into the range MNIST has', () => {
    const w = 400;
    const ring = (thickness: number) => {
      const ink = new Float32Array(w * w);
      for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) ink[y * w + x] = Math.abs(Math.hypot((x - 200) / 110, (y - 200) / 160) - 1) * 130 < thickness / 2 ? 1 : 0;
      return ink;
    };
    const widthAt28 = (pixels: Uint8Array) => strokeWidth(Uint8Array.from(pixels, (v) => (v >= 128 ? 1 : 0)), 28, 28);
    const hairline = found(page(w, w, ring(4), w, { x: 0, y: 0 }));
    expect(hairline.strokeWidth).toBeLessThan(1);
    expect(hairline.strokeChange).toBeGreaterThan(0);
    const marker = found(page(w, w, ring(90), w, { x: 0, y: 0 }));
    expect(marker.strokeWidth).toBeGreaterThan(3);
    expect(marker.strokeChange).toBeLessThan(0);
    // MNIST's strokes at 28x28, measured the same way: 5th percentile 1.3, 95th 3.1.
    for (const r of [hairline, marker]) {
      expect(widthAt28(r.pixels)).toBeGreaterThan(1.3);
      expect(widthAt28(r.pixels)).toBeLessThan(3.3);
    }
    const normal = found(page(w, w, ring(40), w, { x: 0, y: 0 }));
    expect(normal.strokeChange).toBe(0);
  });

  it('finds no digit on a blank page, a noisy page, or a page with only a lighting gradient', () => {
    const blank = { width: 50, height: 40, data: new Float32Array(2000).fill(0.8) };
    expect(preprocessDigit(blank)).toMatchObject({ found: false, reason: expect.stringMatching(/^no ink found: the image is blank/) });
    expect(preprocessDigit(page(200, 150, new Float32Array(1), 1, { x: -5, y: -5 }, { noise: 0.03 })).found).toBe(false);
    expect(preprocessDigit(page(200, 150, new Float32Array(1), 1, { x: -5, y: -5 }, { ramp: 0.5 })).found).toBe(false);
    expect(preprocessDigit({ width: 1, height: 1, data: Float32Array.of(0.5) }).found).toBe(false);
  });
});
