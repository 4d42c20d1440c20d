/**
 * Images that exercise every branch of the augmentation's warp (data/augment.ts): real MNIST digits,
 * the same digits moved so their ink touches each border and corner, blank images, an all-ink
 * image and single pixels in the corners. Shared by the augmentation's byte-exact checksum test and
 * the fast engine's native warp tests.
 */

import type { AugmentSettings } from '../../src/data/augment.js';
import { DEFAULT_AUGMENT } from '../../src/data/augment.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Stronger distortions than the default, so that more ink is pushed over the borders. */
export const STRONG_AUGMENT: AugmentSettings = { maxRotateDeg: 30, maxShear: 0.5, maxScale: 0.3, maxShift: 6, fillChance: 0.5 };
/** The default distortions with the fill stretch on every image. */
export const FILL_AUGMENT: AugmentSettings = { ...DEFAULT_AUGMENT, fillChance: 1 };

/** Image `index` of `images` with its ink moved by (dx, dy) (what leaves the image is lost). */
function moved(images: Uint8Array, index: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sy >= 0 && sx < SIDE && sy < SIDE) out[y * SIDE + x] = images[index * PIXELS + sy * SIDE + sx];
    }
  }
  return out;
}

/** The ink's bounding box of image `index`. */
function inkBox(images: Uint8Array, index: number): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = SIDE, x1 = -1, y0 = SIDE, y1 = -1;
  for (let p = 0; p < PIXELS; p++) {
    if (images[index * PIXELS + p] === 0) continue;
    const x = p % SIDE, y = Math.floor(p / SIDE);
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return { x0, x1, y0, y1 };
}

/**
 * `count` images (count >= 40): the first real images of `mnist` (28 x 28 bytes each), then as
 * many again moved to touch the borders (left, right, top, bottom, and the four corners in turn),
 * with blank images, an all-ink image and corner pixels mixed in.
 */
export function augmentCases(mnist: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * PIXELS);
  const real = Math.floor(count / 2);
  out.set(mnist.subarray(0, real * PIXELS));
  for (let n = real; n < count; n++) {
    const k = n - real;
    const at = n * PIXELS;
    if (k % 17 === 3) continue; // blank
    if (k % 17 === 7) {
      out.fill(255, at, at + PIXELS); // ink everywhere
      continue;
    }
    if (k % 17 === 11) {
      const corner = [0, SIDE - 1, PIXELS - SIDE, PIXELS - 1][(k >> 4) & 3];
      out[at + corner] = 200 + (k & 31); // one pixel in a corner
      continue;
    }
    const b = inkBox(mnist, k);
    if (b.x1 < 0) continue;
    const left = -b.x0, right = SIDE - 1 - b.x1, top = -b.y0, bottom = SIDE - 1 - b.y1;
    const [dx, dy] = [[left, 0], [right, 0], [0, top], [0, bottom], [left, top], [right, top], [left, bottom], [right, bottom]][k % 8];
    out.set(moved(mnist, k, dx, dy), at);
  }
  return out;
}
