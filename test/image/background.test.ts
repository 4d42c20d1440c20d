/**
 * Paper model, polarity, ink map and contrast levels, each on small hand-made images: grey
 * paper, uneven light, light ink on dark, blank pages.
 */
import { describe, expect, it } from 'vitest';
import {
  backgroundAt,
  backgroundGrid,
  contrastLevels,
  decidePolarity,
  fitBackground,
  inkHistogram,
  inkMap,
  MIN_INK_CONTRAST,
  neighbourCorrelation,
  normaliseContrast,
  pixelNoise,
  populationSeparation,
  renderBackground,
  splitPopulations,
  unexplainedBySmoothPaper,
} from '../../src/image/background.js';
import type { Plane } from '../../src/image/plane.js';
import { seededRandom } from './realistic.js';

function plane(width: number, height: number, f: (x: number, y: number) => number): Plane {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
}

/** A "7": a bar and a diagonal, as 0/1 ink on a w x h page, in the middle half of the page. */
function seven(w: number, h: number): (x: number, y: number) => number {
  return (x, y) => {
    const u = x / w;
    const v = y / h;
    const bar = v > 0.25 && v < 0.3 && u > 0.3 && u < 0.7;
    const diag = v >= 0.3 && v < 0.75 && Math.abs(u - (0.7 - (v - 0.3) * 0.6)) < 0.03;
    return bar || diag ? 1 : 0;
  };
}

/** Light falling off across the page: 1 at the left edge, 0.6 at the right. */
const light = (x: number, w: number) => 1 - 0.4 * (x / w);

describe('fitBackground', () => {
  it('recovers a smooth lighting gradient exactly when there is no ink', () => {
    const page = plane(120, 90, (x, y) => 0.3 + 0.4 * (x / 120) + 0.2 * (y / 90) ** 2);
    const bg = fitBackground(page);
    const rendered = renderBackground(bg, 120, 90);
    let worst = 0;
    for (let i = 0; i < page.data.length; i++) worst = Math.max(worst, Math.abs(rendered.data[i] - page.data[i]));
    expect(worst).toBeLessThan(0.01);
  });

  it('fits the paper, not the strokes, even when ink covers a good part of the page', () => {
    const ink = seven(120, 120);
    const thick = (x: number, y: number) => Math.max(ink(x, y), ink(x - 3, y), ink(x + 3, y), ink(x, y - 3), ink(x, y + 3));
    const page = plane(120, 120, (x, y) => 0.75 * light(x, 120) * (1 - 0.8 * thick(x, y)));
    const bg = fitBackground(page, 'dark-on-light');
    for (const [x, y] of [
      [10, 10],
      [60, 60],
      [110, 100],
    ]) {
      const u = (2 * (x + 0.5)) / 120 - 1;
      const v = (2 * (y + 0.5)) / 120 - 1;
      expect(backgroundAt(bg, u, v)).toBeCloseTo(0.75 * light(x + 0.5, 120), 1);
    }
  });

  it('gives a tiny image a constant paper level', () => {
    const bg = fitBackground(plane(4, 4, (x) => (x === 1 ? 0 : 0.8)));
    expect(bg.coeffs[0]).toBeCloseTo(0.8, 6);
    expect(Array.from(bg.coeffs.subarray(1))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('decidePolarity', () => {
  const check = (page: Plane) => {
    const grid = backgroundGrid(page);
    return decidePolarity(grid, fitBackground(grid)).polarity;
  };

  it('finds dark ink on white, on grey paper in a dim photo, and under uneven light', () => {
    const ink = seven(200, 200);
    expect(check(plane(200, 200, (x, y) => 1 - 0.9 * ink(x, y)))).toBe('dark-on-light');
    expect(check(plane(200, 200, (x, y) => 0.42 - 0.2 * ink(x, y)))).toBe('dark-on-light');
    expect(check(plane(200, 200, (x, y) => 0.8 * light(x, 200) * (1 - 0.6 * ink(x, y))))).toBe('dark-on-light');
  });

  it('finds light ink on a dark ground, including MNIST itself', () => {
    const ink = seven(200, 200);
    expect(check(plane(200, 200, (x, y) => 0.1 + 0.8 * ink(x, y)))).toBe('light-on-dark');
    expect(check(plane(28, 28, (x, y) => ink(x * 7, y * 7)))).toBe('light-on-dark');
  });

  it('reports no evidence either way for a blank page', () => {
    const grid = backgroundGrid(plane(50, 50, () => 0.7));
    const evidence = decidePolarity(grid, fitBackground(grid));
    expect(evidence.darkMass).toBe(0);
    expect(evidence.lightMass).toBe(0);
  });
});

describe('inkMap', () => {
  it('measures dark ink as the fraction of the paper it removes, so uneven light does not change it', () => {
    const page = plane(100, 100, (x, y) => 0.9 * light(x, 100) * ((x === 10 || x === 90) && y > 20 && y < 80 ? 0.3 : 1));
    const { ink } = inkMap(page, fitBackground(page, 'dark-on-light'), 'dark-on-light');
    expect(ink.data[50 * 100 + 10]).toBeCloseTo(0.7, 1);
    expect(ink.data[50 * 100 + 90]).toBeCloseTo(0.7, 1);
    expect(ink.data[50 * 100 + 50]).toBeCloseTo(0, 1);
  });

  it('measures light ink towards white, and never goes negative', () => {
    const page = plane(60, 60, (x, y) => (x === 30 && y > 10 && y < 50 ? 0.8 : x === 5 ? 0.1 : 0.2));
    const { ink } = inkMap(page, fitBackground(page, 'light-on-dark'), 'light-on-dark');
    expect(ink.data[30 * 60 + 30]).toBeCloseTo(0.75, 2);
    expect(Math.min(...ink.data)).toBe(0);
  });

  it('measures the noise of the paper in ink units, and histograms the ink on the way', () => {
    const random = seededRandom(7);
    const page = plane(100, 100, () => 0.5 + 0.02 * (random() + random() + random() + random() - 2) * Math.sqrt(3));
    const bg = fitBackground(page);
    const { noise, histogram, ink } = inkMap(page, bg, 'dark-on-light');
    expect(noise).toBeGreaterThan(0.02);
    expect(noise).toBeLessThan(0.06);
    expect(noise).toBeCloseTo(pixelNoise(page, renderBackground(bg, 100, 100)) / 0.5, 2);
    expect(Array.from(histogram)).toEqual(Array.from(inkHistogram(ink)));
  });

  it('applies to a crop of a larger image through its frame', () => {
    const whole = plane(80, 40, (x) => 0.4 + 0.5 * (x / 80));
    const bg = fitBackground(whole);
    const crop = plane(10, 10, (x, y) => whole.data[(y + 20) * 80 + x + 60]);
    const { ink } = inkMap(crop, bg, 'dark-on-light', { width: 80, height: 40, x0: 60, y0: 20 });
    expect(Math.max(...ink.data)).toBeLessThan(0.01);
  });
});

describe('contrastLevels and normaliseContrast', () => {
  it('puts the peak at the stroke cores and the floor a few noise deviations above paper', () => {
    const raw = plane(50, 50, (x) => (x >= 20 && x < 24 ? 0.5 : x === 24 ? 0.25 : 0.01));
    const levels = contrastLevels(inkHistogram(raw), 0.01)!;
    expect(levels.peak).toBeCloseTo(0.5, 2);
    expect(levels.floor).toBeCloseTo(0.03, 6);
    const ink = normaliseContrast(raw, levels);
    expect(ink.data[21]).toBeCloseTo(1, 2);
    expect(ink.data[24]).toBeCloseTo(0.5, 2);
    expect(ink.data[0]).toBe(0);
  });

  it('ramps softly from the floor, so noise just above it stays near 0', () => {
    const raw = plane(10, 1, (x) => [0.03, 0.045, 0.06, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5][x]);
    const ink = normaliseContrast(raw, { floor: 0.03, peak: 0.5 });
    expect(ink.data[0]).toBe(0);
    expect(ink.data[1]).toBeCloseTo(0.045, 3);
    expect(ink.data[2]).toBeCloseTo(0.12, 3);
  });

  it('finds no ink on a blank page, or when the marks are fainter than the noise or the minimum contrast', () => {
    expect(contrastLevels(inkHistogram(plane(40, 40, () => 0)), 0)).toBeNull();
    expect(contrastLevels(inkHistogram(plane(40, 40, (x) => (x === 5 ? MIN_INK_CONTRAST * 0.8 : 0))), 0.001)).toBeNull();
    expect(contrastLevels(inkHistogram(plane(40, 40, (x) => (x === 5 ? 0.2 : 0))), 0.05)).toBeNull();
    expect(contrastLevels(inkHistogram(plane(40, 40, (x) => (x === 5 ? 0.2 : 0))), 0.01)).not.toBeNull();
  });
});

describe('the two brightness populations (the paper model when the border shows no paper)', () => {
  const random = seededRandom(31);
  // A ring 6 pixels wide filling a 40x40 picture, touching all four edges: ink is 40% of it.
  const ring = plane(40, 40, (x, y) => (Math.abs(Math.hypot(x - 19.5, y - 19.5) - 17) < 3.2 ? 0.1 : 0.9));

  it('splits ink from paper even where the ink touches every edge, and counts the border', () => {
    const p = splitPopulations(ring)!;
    expect(p.threshold).toBeGreaterThan(0.1);
    expect(p.threshold).toBeLessThan(0.9);
    expect(p.dark.median).toBeCloseTo(0.1, 2);
    expect(p.light.median).toBeCloseTo(0.9, 2);
    expect(p.dark.share).toBeGreaterThan(0.3);
    expect(p.light.borderShare).toBeGreaterThan(0.5); // the corners are paper
    expect(p.dark.mad).toBeLessThan(0.01);
    expect(populationSeparation(p)).toBeGreaterThan(50);
    expect(splitPopulations(plane(5, 5, () => 0.4))).toBeNull();
  });

  it('tells noise and shading from strokes: separation, coherence, and what a smooth paper leaves', () => {
    const noise = plane(120, 100, () => random());
    const ramp = plane(120, 100, (x, y) => (x + y) / 220);
    const blurredRing = plane(40, 40, (x, y) => 0.5 + 0.4 * Math.tanh((Math.abs(Math.hypot(x - 19.5, y - 19.5) - 13) - 4) / 3));
    expect(populationSeparation(splitPopulations(noise)!)).toBeLessThan(3.6);
    expect(populationSeparation(splitPopulations(ramp)!)).toBeLessThan(3.6);
    expect(neighbourCorrelation(noise)).toBeLessThan(0.1);
    expect(neighbourCorrelation(ramp)).toBeGreaterThan(0.9);
    expect(neighbourCorrelation(blurredRing)).toBeGreaterThan(0.9);
    expect(unexplainedBySmoothPaper(ramp)).toBeLessThan(0.02);
    expect(unexplainedBySmoothPaper(ring)).toBeGreaterThan(0.1);
    expect(unexplainedBySmoothPaper(blurredRing)).toBeGreaterThan(0.1);
  });
});
