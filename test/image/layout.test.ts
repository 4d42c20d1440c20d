/**
 * The MNIST layout steps: fit into 20x20 keeping the aspect ratio, centre of mass at (14, 14),
 * core stretch, bytes.
 */
import { describe, expect, it } from 'vitest';
import { centreOfMass, fitToBox, inkBox, MNIST_CENTRE, placeByCentreOfMass, stretchInk, toMnistBytes } from '../../src/image/layout.js';
import type { Plane } from '../../src/image/plane.js';

function plane(width: number, height: number, f: (x: number, y: number) => number): Plane {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
}

describe('inkBox', () => {
  it('is the end-exclusive extent of pixels at or above the threshold', () => {
    const p = plane(10, 8, (x, y) => (x >= 2 && x <= 6 && y >= 1 && y <= 3 ? 0.9 : x === 9 ? 0.1 : 0));
    expect(inkBox(p, 0.25)).toEqual({ x0: 2, y0: 1, x1: 7, y1: 4 });
    expect(inkBox(plane(3, 3, () => 0.1), 0.25)).toBeNull();
  });
});

describe('fitToBox', () => {
  it('makes the longer side 20 pixels and keeps the aspect ratio', () => {
    const tall = plane(100, 200, () => 1);
    const out = fitToBox(tall, { x0: 0, y0: 0, x1: 100, y1: 200 });
    expect([out.width, out.height]).toEqual([10, 20]);
    expect(out.data.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });

  it('keeps a 1 thin: a 12 x 160 stroke becomes 2 x 20, not a square blob', () => {
    const one = plane(12, 160, () => 1);
    const out = fitToBox(one, { x0: 0, y0: 0, x1: 12, y1: 160 });
    expect([out.width, out.height]).toEqual([2, 20]);
    // 12 * 0.125 = 1.5 pixels of ink per row: one full column and one half column.
    expect(out.data[0]).toBeCloseTo(1, 6);
    expect(out.data[1]).toBeCloseTo(0.5, 6);
  });

  it('enlarges a digit smaller than the box', () => {
    const out = fitToBox(plane(5, 10, () => 1), { x0: 0, y0: 0, x1: 5, y1: 10 });
    expect([out.width, out.height]).toEqual([10, 20]);
  });
});

describe('centre of mass placement', () => {
  it('finds the ink-weighted centre in pixel-index coordinates', () => {
    const p = plane(4, 3, (x, y) => (x === 3 && y === 0 ? 3 : x === 0 && y === 2 ? 1 : 0));
    expect(centreOfMass(p)).toEqual({ x: 2.25, y: 0.5 });
  });

  it('shifts by whole pixels so the centre of mass lands within half a pixel of (14, 14)', () => {
    for (const [w, h, cx, cy] of [
      [20, 20, 3, 17],
      [9, 20, 6, 2],
      [20, 7, 19, 6],
    ]) {
      const p = plane(w, h, (x, y) => 1 / (1 + (x - cx) ** 2 + (y - cy) ** 2));
      const field = placeByCentreOfMass(p);
      expect(field.width).toBe(28);
      const c = centreOfMass(field);
      expect(Math.abs(c.x - MNIST_CENTRE)).toBeLessThanOrEqual(0.5 + 0.2);
      expect(Math.abs(c.y - MNIST_CENTRE)).toBeLessThanOrEqual(0.5 + 0.2);
    }
    const dot = placeByCentreOfMass(plane(20, 20, (x, y) => (x === 5 && y === 9 ? 1 : 0)));
    expect(dot.data[14 * 28 + 14]).toBe(1);
  });
});

describe('stretchInk and toMnistBytes', () => {
  it("brings a faint digit's stroke cores to full ink and leaves the background at 0", () => {
    const faint = plane(10, 10, (x) => (x >= 3 && x < 6 ? 0.3 : x === 6 ? 0.15 : 0));
    const out = stretchInk(faint);
    expect(out.data[3]).toBe(1);
    expect(out.data[6]).toBeCloseTo(0.5, 6);
    expect(out.data[0]).toBe(0);
  });

  it('never amplifies by more than its limit, and leaves an empty plane empty', () => {
    expect(stretchInk(plane(4, 4, () => 0.001)).data[0]).toBeCloseTo(0.05, 6);
    expect(stretchInk(plane(4, 4, () => 0)).data.every((v) => v === 0)).toBe(true);
  });

  it('rounds to bytes, clamping to 0..255', () => {
    expect(Array.from(toMnistBytes(plane(5, 1, (x) => [-0.1, 0, 0.5, 1, 1.5][x])))).toEqual([0, 0, 128, 255, 255]);
  });
});
