/**
 * Resampling: box downsampling, exact area averaging (it must conserve ink), bilinear upscaling.
 */
import { describe, expect, it } from 'vitest';
import { areaResize, bilinearResize, cropPlane, downsampleBox, type Plane } from '../../src/image/plane.js';

function plane(width: number, height: number, f: (x: number, y: number) => number): Plane {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
}

const sum = (p: Plane) => p.data.reduce((a, v) => a + v, 0);

describe('downsampleBox', () => {
  it('averages k x k blocks, and partial edge blocks over the pixels they have', () => {
    const src = plane(5, 3, (x, y) => x + 10 * y);
    const out = downsampleBox(src, 2);
    expect(out.width).toBe(3);
    expect(out.height).toBe(2);
    expect(Array.from(out.data)).toEqual([5.5, 7.5, 9, 20.5, 22.5, 24]);
  });

  it('returns the plane itself for k = 1', () => {
    const src = plane(3, 3, () => 1);
    expect(downsampleBox(src, 1)).toBe(src);
  });
});

describe('areaResize', () => {
  it('averages exactly for an integer factor', () => {
    const src = plane(4, 4, (x, y) => (x < 2 && y < 2 ? 1 : 0));
    const out = areaResize(src, { x0: 0, y0: 0, x1: 4, y1: 4 }, 0.5, 2, 2);
    expect(Array.from(out.data)).toEqual([1, 0, 0, 0]);
  });

  it('conserves ink for fractional factors: the sum scales with the area', () => {
    const src = plane(37, 29, (x, y) => ((x * 7 + y * 13) % 11) / 10);
    for (const scale of [0.2, 0.37, 0.5, 0.71, 1]) {
      const outW = Math.ceil(37 * scale - 1e-9);
      const outH = Math.ceil(29 * scale - 1e-9);
      const out = areaResize(src, { x0: 0, y0: 0, x1: 37, y1: 29 }, scale, outW, outH);
      expect(sum(out)).toBeCloseTo(sum(src) * scale * scale, 3);
    }
  });

  it('keeps a one-pixel line as a faint line of the same total ink (not dropped, as sampling would)', () => {
    const src = plane(40, 40, (x) => (x === 17 ? 1 : 0));
    const out = areaResize(src, { x0: 0, y0: 0, x1: 40, y1: 40 }, 0.1, 4, 4);
    expect(Array.from(out.data.subarray(0, 4)).map((v) => +v.toFixed(6))).toEqual([0, 0.1, 0, 0]);
  });

  it('reads only inside the rectangle', () => {
    const src = plane(10, 10, (x, y) => (x >= 2 && x < 6 && y >= 3 && y < 7 ? 1 : 5));
    const out = areaResize(src, { x0: 2, y0: 3, x1: 6, y1: 7 }, 0.5, 2, 2);
    expect(Array.from(out.data)).toEqual([1, 1, 1, 1]);
  });
});

describe('bilinearResize and cropPlane', () => {
  it('enlarges a constant rectangle to the same constant inside, fading at its edges', () => {
    const src = plane(4, 4, () => 1);
    const out = bilinearResize(src, { x0: 0, y0: 0, x1: 4, y1: 4 }, 2, 8, 8);
    expect(out.data[3 * 8 + 3]).toBeCloseTo(1, 6);
    expect(out.data[0]).toBeCloseTo(0.5625, 6);
  });

  it('copies a rectangle', () => {
    const src = plane(5, 4, (x, y) => x + 10 * y);
    expect(Array.from(cropPlane(src, { x0: 1, y0: 2, x1: 3, y1: 4 }).data)).toEqual([21, 22, 31, 32]);
  });
});
