/**
 * Stroke width measurement and the dilation/erosion that change it.
 */
import { describe, expect, it } from 'vitest';
import type { Plane } from '../../src/image/plane.js';
import { dilate, dilateMask, erode, strokeWidth } from '../../src/image/stroke.js';

function mask(width: number, height: number, f: (x: number, y: number) => boolean): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) m[y * width + x] = f(x, y) ? 1 : 0;
  return m;
}

const asPlane = (m: Uint8Array, width: number, height: number): Plane => ({ width, height, data: Float32Array.from(m) });

describe('strokeWidth', () => {
  it('measures a long straight band as its width', () => {
    for (const w of [1, 3, 6]) {
      const m = mask(200, 30, (x, y) => x >= 10 && x < 190 && y >= 5 && y < 5 + w);
      expect(strokeWidth(m, 200, 30)).toBeCloseTo((2 * 180 * w) / (2 * 180 + 2 * w), 6);
    }
  });

  it('tells a hairline ring from a marker ring of the same size', () => {
    const ring = (thickness: number) => mask(100, 100, (x, y) => Math.abs(Math.hypot(x - 50, y - 50) - 35) < thickness / 2);
    expect(strokeWidth(ring(2), 100, 100)).toBeLessThan(2.5);
    expect(strokeWidth(ring(12), 100, 100)).toBeGreaterThan(8);
  });

  it('does not count the image border as stroke edge, and is 0 without ink', () => {
    expect(strokeWidth(mask(10, 4, () => true), 10, 4)).toBe(Math.sqrt(40)); // no edge at all: sqrt(area)
    expect(strokeWidth(mask(10, 10, () => false), 10, 10)).toBe(0);
  });
});

describe('dilate and erode', () => {
  it('grows a stroke by r on each side and shrinks it back', () => {
    const m = mask(40, 40, (x, y) => x >= 18 && x < 21 && y >= 5 && y < 35);
    const grown = dilate(asPlane(m, 40, 40), 2);
    const width = (p: Plane) => Array.from({ length: 40 }, (_, x) => p.data[20 * 40 + x]).filter((v) => v > 0.5).length;
    expect(width(grown)).toBe(7);
    expect(width(erode(grown, 2))).toBe(3);
  });

  it('keeps gray levels: the maximum of a disk, not a binary mask', () => {
    const p: Plane = { width: 5, height: 5, data: new Float32Array(25) };
    p.data[12] = 0.4;
    const out = dilate(p, 1);
    expect(out.data[7]).toBeCloseTo(0.4, 6);
    expect(out.data[0]).toBe(0);
  });

  it('erodes from the image edge too, and r = 0 copies', () => {
    const full: Plane = { width: 6, height: 6, data: new Float32Array(36).fill(1) };
    expect(erode(full, 1).data[0]).toBe(0);
    expect(erode(full, 1).data[14]).toBe(1);
    expect(Array.from(dilate(full, 0).data)).toEqual(Array.from(full.data));
  });

  it('dilateMask paints a disk (dx^2 + dy^2 <= r^2 + r/2) around every set pixel', () => {
    const m = mask(9, 9, (x, y) => x === 4 && y === 4);
    const out = dilateMask(m, 9, 9, 2);
    expect(out.reduce((a, v) => a + v, 0)).toBe(21);
    expect(out[4 * 9 + 2]).toBe(1);
    expect(out[2 * 9 + 2]).toBe(0);
  });
});
