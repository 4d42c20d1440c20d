/**
 * The MNIST layout, as the MNIST page (http://yann.lecun.com/exdb/mnist/) describes it: "size
 * normalized to fit in a 20x20 pixel box while preserving their aspect ratio" with anti-aliasing,
 * then "centered in a 28x28 image by computing the center of mass of the pixels, and translating
 * the image so as to position this point at the center of the 28x28 field". Plus the final
 * intensity stretch and the byte form of MNIST's IDX images. Not here: finding the digit.
 */
import { areaResize, bilinearResize, type Plane, type Rect } from './plane.js';

export const MNIST_SIDE = 28;
export const MNIST_BOX = 20;
/**
 * Where the centre of mass lands, in pixel-index coordinates. Measured on the 10000 MNIST test
 * images: mean 14.01 (x) and 13.99 (y), spread like a rounding error (sd 0.29), i.e. the digit
 * was shifted by whole pixels so that its centre of mass is as close as possible to index 14.
 */
export const MNIST_CENTRE = 14;

/** Bounding box of the pixels at or above threshold, or null if there are none. */
export function inkBox(plane: Plane, threshold: number): Rect | null {
  const { width: w, height: h, data } = plane;
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (data[row + x] < threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * Scales the box so its longer side becomes `size` pixels, keeping the aspect ratio (a 1 stays
 * thin). Shrinking averages areas; enlarging a digit smaller than the box interpolates bilinearly.
 * The shorter side is rounded up so a partly covered last column keeps its (partial) ink.
 */
export function fitToBox(ink: Plane, box: Rect, size = MNIST_BOX): Plane {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const scale = size / Math.max(bw, bh);
  const outW = Math.max(1, Math.min(size, Math.ceil(bw * scale - 1e-6)));
  const outH = Math.max(1, Math.min(size, Math.ceil(bh * scale - 1e-6)));
  return scale <= 1 ? areaResize(ink, box, scale, outW, outH) : bilinearResize(ink, box, scale, outW, outH);
}

/** Centre of mass in pixel-index coordinates ((0, 0) is the centre of the top-left pixel). */
export function centreOfMass(plane: Plane): { x: number; y: number } {
  let m = 0;
  let mx = 0;
  let my = 0;
  const { width: w, height: h, data } = plane;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = data[y * w + x];
      m += v;
      mx += v * x;
      my += v * y;
    }
  }
  return m > 0 ? { x: mx / m, y: my / m } : { x: (w - 1) / 2, y: (h - 1) / 2 };
}

/**
 * Pastes the plane into a side x side field, shifted by whole pixels (as MNIST did) so that its
 * centre of mass lands nearest to (centre, centre). Ink shifted outside the field is lost, as in MNIST.
 */
export function placeByCentreOfMass(plane: Plane, side = MNIST_SIDE, centre = MNIST_CENTRE): Plane {
  const c = centreOfMass(plane);
  const dx = Math.round(centre - c.x);
  const dy = Math.round(centre - c.y);
  const out = new Float32Array(side * side);
  for (let y = 0; y < plane.height; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= side) continue;
    for (let x = 0; x < plane.width; x++) {
      const tx = x + dx;
      if (tx < 0 || tx >= side) continue;
      out[ty * side + tx] = plane.data[y * plane.width + x];
    }
  }
  return { width: side, height: side, data: out };
}

/**
 * Scales ink so a stroke's core is full ink: the 90th percentile of the clearly-inked pixels
 * (above a tenth of the maximum) becomes 1, and values above are clamped. In MNIST that
 * percentile is 252-255 in 90% of images; a faint pencil digit should look the same to the network.
 * Never scales up by more than `maxGain` (a nearly empty plane stays nearly empty).
 */
export function stretchInk(plane: Plane, maxGain = 50): Plane {
  const d = plane.data;
  let max = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
  const out = new Float32Array(d.length);
  if (max <= 0) return { width: plane.width, height: plane.height, data: out };
  let count = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > 0.1 * max) count++;
  const inked = new Float32Array(count);
  for (let i = 0, j = 0; i < d.length; i++) if (d[i] > 0.1 * max) inked[j++] = d[i];
  inked.sort();
  const p90 = inked[Math.min(count - 1, Math.floor(0.9 * count))];
  const gain = Math.min(maxGain, 1 / p90);
  for (let i = 0; i < d.length; i++) {
    const v = d[i] * gain;
    out[i] = v >= 1 ? 1 : v;
  }
  return { width: plane.width, height: plane.height, data: out };
}

/** The byte form of an MNIST image: 0 background, 255 full ink, row-major. */
export function toMnistBytes(field: Plane): Uint8Array {
  const out = new Uint8Array(field.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = field.data[i];
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return out;
}
