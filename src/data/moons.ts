/**
 * The two-moons toy dataset (as scikit-learn's make_moons): two interleaving half circles, one per
 * class, with Gaussian noise, seeded so the same --seed gives the same points. The training loop
 * reads examples as bytes times a scale (it was built for pixels), so the points are also given on
 * a 256 x 256 byte grid over a fixed window of the plane: one step is 1/51 in x and 1/85 in y,
 * well below the noise, and inputs = byte / 255 land in [0, 1] as pixels do.
 */

import { Rng } from '../rng.js';

export interface Moons {
  count: number;
  /** (count, 2) coordinates in the plane. */
  points: Float64Array;
  /** count labels: 0 = the upper moon, 1 = the lower one. */
  labels: Uint8Array;
}

/** The plane window that the byte grid covers (the moons with noise up to about 0.3 fit inside). */
export const MOONS_WINDOW = { xMin: -2, xMax: 3, yMin: -1.5, yMax: 1.5 } as const;

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

/** The points as (count, 2) bytes on the grid, the form the training loop reads. */
export function moonsToBytes(m: Moons): Uint8Array {
  const bytes = new Uint8Array(m.count * 2);
  for (let i = 0; i < m.count; i++) {
    bytes[2 * i] = toGrid(m.points[2 * i], MOONS_WINDOW.xMin, MOONS_WINDOW.xMax);
    bytes[2 * i + 1] = toGrid(m.points[2 * i + 1], MOONS_WINDOW.yMin, MOONS_WINDOW.yMax);
  }
  return bytes;
}
