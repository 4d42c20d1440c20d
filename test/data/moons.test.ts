import { describe, expect, it } from 'vitest';
import { makeMoons, moonsToBytes, MOONS_WINDOW, moonsWindow, toGrid } from '../../src/data/moons.js';

describe('two moons', () => {
  it('without noise puts every point on its half circle, half the points on each', () => {
    const m = makeMoons(101, 0, 7);
    expect(m.count).toBe(101);
    let upper = 0;
    for (let i = 0; i < m.count; i++) {
      const x = m.points[2 * i], y = m.points[2 * i + 1];
      if (m.labels[i] === 0) {
        upper++;
        expect(Math.hypot(x, y)).toBeCloseTo(1, 12); // centre (0, 0), upper half
        expect(y).toBeGreaterThanOrEqual(-1e-12);
      } else {
        expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 12); // centre (1, 0.5), lower half
        expect(y).toBeLessThanOrEqual(0.5 + 1e-12);
      }
    }
    expect(upper).toBe(51);
  });

  it('is the same for the same seed, different for another, and shuffled', () => {
    const a = makeMoons(200, 0.2, 1), b = makeMoons(200, 0.2, 1), c = makeMoons(200, 0.2, 2);
    expect(Array.from(a.points)).toEqual(Array.from(b.points));
    expect(Array.from(a.points)).not.toEqual(Array.from(c.points));
    // Not all of one class first.
    expect(Array.from(a.labels.subarray(0, 100)).filter((l) => l === 1).length).toBeGreaterThan(20);
  });

  it('noise has the requested spread', () => {
    const clean = makeMoons(4000, 0, 3), noisy = makeMoons(4000, 0.3, 3);
    // Same seed, same shuffle order of the same clean points: the differences are the noise.
    let sum = 0, sq = 0;
    for (let i = 0; i < noisy.points.length; i++) {
      const d = noisy.points[i] - clean.points[i];
      sum += d;
      sq += d * d;
    }
    const n = noisy.points.length;
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.sqrt(sq / n)).toBeCloseTo(0.3, 1);
  });

  it('maps the window onto bytes 0..255, clamping outside it', () => {
    expect(toGrid(MOONS_WINDOW.xMin, MOONS_WINDOW.xMin, MOONS_WINDOW.xMax)).toBe(0);
    expect(toGrid(MOONS_WINDOW.xMax, MOONS_WINDOW.xMin, MOONS_WINDOW.xMax)).toBe(255);
    expect(toGrid(99, 0, 1)).toBe(255);
    expect(toGrid(-99, 0, 1)).toBe(0);
    const m = makeMoons(10, 0, 1);
    const bytes = moonsToBytes(m);
    expect(bytes.length).toBe(20);
    expect(bytes[0]).toBe(toGrid(m.points[0], MOONS_WINDOW.xMin, MOONS_WINDOW.xMax));
  });

  it('grows the window to hold every point, so none is clamped onto the grid\'s edge, however large the noise', () => {
    expect(moonsWindow(makeMoons(500, 0, 1))).toEqual(MOONS_WINDOW); // the default window holds the clean moons
    for (const noise of [0.2, 0.5, 1]) {
      const m = makeMoons(20_000, noise, 5);
      const w = moonsWindow(m);
      const bytes = moonsToBytes(m);
      expect(Array.from(moonsToBytes(m, w))).toEqual(Array.from(bytes));
      const outside: string[] = [];
      for (let i = 0; i < m.count; i++) {
        const x = m.points[2 * i], y = m.points[2 * i + 1];
        if (!(x > w.xMin && x < w.xMax && y > w.yMin && y < w.yMax)) outside.push(`noise ${noise}: point ${i} (${x}, ${y})`);
      }
      expect(outside).toEqual([]);
      expect(bytes.every((b) => b > 0 && b < 255), `noise ${noise}: a point on the grid's edge`).toBe(true);
      // Wider only as far as the points reach, and still far finer than the noise.
      expect((w.xMax - w.xMin) / 255).toBeLessThan(Math.max(noise, 0.2) / 2);
    }
  });
});
