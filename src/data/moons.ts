/**
 * The two-moons toy dataset (as scikit-learn's make_moons): two interleaving half circles, one per
 * class, with Gaussian noise, seeded so the same --seed gives the same points. The training loop
 * reads examples as bytes times a scale (it was built for pixels), so the points are also given on
 * a 256 x 256 byte grid over a window of the plane that holds every point (moonsWindow): in the
 * default window one step is 1/51 in x and 1/85 in y, well below the noise; a window grown by
 * large noise has steps as coarse as that noise is wide, and stays far below it.
 */

import { Rng } from '../rng.js';

export interface Moons {
  count: number;
  /** (count, 2) coordinates in the plane. */
  points: Float64Array;
  /** count labels: 0 = the upper moon, 1 = the lower one. */
  labels: Uint8Array;
}

export interface PlaneWindow {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/**
 * The smallest window of the plane the grid and the picture use: the noiseless moons span x in
 * [-1, 2] and y in [-0.5, 1], and this leaves room around them (noise 0.2 keeps nearly every point
 * inside; moonsWindow grows it for the rest).
 */
export const MOONS_WINDOW: Readonly<PlaneWindow> = { xMin: -2, xMax: 3, yMin: -1.5, yMax: 1.5 };

/** Room left between the outermost point and the window's edge, so no point sits on the grid's last byte. */
const WINDOW_MARGIN = 0.1;

/**
 * MOONS_WINDOW grown to hold every point of `m` with WINDOW_MARGIN to spare, so that no point is
 * clamped onto the grid's edge for training or drawn outside the picture, however large the noise.
 */
export function moonsWindow(m: Moons): PlaneWindow {
  const w = { ...MOONS_WINDOW };
  for (let i = 0; i < m.count; i++) {
    const x = m.points[2 * i], y = m.points[2 * i + 1];
    w.xMin = Math.min(w.xMin, x - WINDOW_MARGIN);
    w.xMax = Math.max(w.xMax, x + WINDOW_MARGIN);
    w.yMin = Math.min(w.yMin, y - WINDOW_MARGIN);
    w.yMax = Math.max(w.yMax, y + WINDOW_MARGIN);
  }
  return w;
}

/**
 * `count` points, half on each moon (the upper one gets the odd one out), each moon's angles evenly
 * spaced over [0, pi] as in scikit-learn, plus noise ~ N(0, noise^2) on both coordinates, then
 * shuffled.
 */
export function makeMoons(count: number, noise: number, seed: number): Moons {
  const rng = new Rng(seed);
  const upper = Math.ceil(count / 2), lower = count - upper;
  const raw: { x: number; y: number; label: number }[] = [];
  for (let i = 0; i < upper; i++) {
    const t = upper === 1 ? 0 : (Math.PI * i) / (upper - 1);
    raw.push({ x: Math.cos(t), y: Math.sin(t), label: 0 });
  }
  for (let i = 0; i < lower; i++) {
    const t = lower === 1 ? 0 : (Math.PI * i) / (lower - 1);
    raw.push({ x: 1 - Math.cos(t), y: 0.5 - Math.sin(t), label: 1 });
  }
  for (const p of raw) {
    p.x += noise * rng.normal();
    p.y += noise * rng.normal();
  }
  const order = Uint32Array.from(raw.keys());
  rng.shuffle(order);
  const points = new Float64Array(count * 2);
  const labels = new Uint8Array(count);
  order.forEach((from, to) => {
    points[2 * to] = raw[from].x;
    points[2 * to + 1] = raw[from].y;
    labels[to] = raw[from].label;
  });
  return { count, points, labels };
}

/** A coordinate -> its byte on the grid (clamped to the window). */
export function toGrid(v: number, min: number, max: number): number {
  return Math.max(0, Math.min(255, Math.round(((v - min) / (max - min)) * 255)));
}

/** The points as (count, 2) bytes on the grid over `window`, the form the training loop reads. */
export function moonsToBytes(m: Moons, window: PlaneWindow = moonsWindow(m)): Uint8Array {
  const bytes = new Uint8Array(m.count * 2);
  for (let i = 0; i < m.count; i++) {
    bytes[2 * i] = toGrid(m.points[2 * i], window.xMin, window.xMax);
    bytes[2 * i + 1] = toGrid(m.points[2 * i + 1], window.yMin, window.yMax);
  }
  return bytes;
}
