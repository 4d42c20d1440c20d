/**
 * Stroke thickness: measuring it (twice the area over the perimeter, exact for a long band) and
 * changing it with grayscale dilation or erosion by a disk. MNIST strokes are about a tenth of the
 * digit's height; a ballpoint line on a big photo is a thirtieth and a marker a fifth, and the
 * network has only seen the former. Not here: deciding how much to change (preprocess.ts).
 */
import type { Plane } from './plane.js';

/**
 * Mean stroke width of a binary mask, 2 * area / perimeter, where the perimeter counts
 * mask/background pixel edges inside the image (edges on the image border are not stroke edges:
 * the stroke was cut there). For a band of width w and length L >> w this is w; for round blobs
 * it overestimates a little, which is fine for telling a hairline from a marker.
 */
export function strokeWidth(mask: Uint8Array, width: number, height: number): number {
  let area = 0;
  let perimeter = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      area++;
      if (x > 0 && !mask[i - 1]) perimeter++;
      if (x + 1 < width && !mask[i + 1]) perimeter++;
      if (y > 0 && !mask[i - width]) perimeter++;
      if (y + 1 < height && !mask[i + width]) perimeter++;
    }
  }
  if (area === 0) return 0;
  return perimeter === 0 ? Math.sqrt(area) : (2 * area) / perimeter;
}

/** Offsets of the pixels of a digital disk of radius r (dx^2 + dy^2 <= r^2 + r/2, a rounder disk). */
function diskOffsets(r: number): Int32Array {
  const out: number[] = [];
  const limit = r * r + r / 2;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= limit) out.push(dx, dy);
  return Int32Array.from(out);
}

function morph(src: Plane, r: number, takeMax: boolean): Plane {
  if (r <= 0) return { width: src.width, height: src.height, data: Float32Array.from(src.data) };
  const { width: w, height: h, data } = src;
  const off = diskOffsets(r);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = takeMax ? 0 : 1;
      for (let k = 0; k < off.length; k += 2) {
        const xx = x + off[k];
        const yy = y + off[k + 1];
        // Outside the plane is paper (0): dilation ignores it, erosion is bounded by it.
        const s = xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : data[yy * w + xx];
        if (takeMax ? s > v : s < v) v = s;
      }
      out[y * w + x] = v;
    }
  }
  return { width: w, height: h, data: out };
}

/** Grayscale dilation (maximum over a disk of radius r): strokes grow by r on each side. */
export function dilate(src: Plane, r: number): Plane {
  return morph(src, r, true);
}

/** Grayscale erosion (minimum over a disk of radius r): strokes shrink by r on each side. */
export function erode(src: Plane, r: number): Plane {
  return morph(src, r, false);
}

/**
 * Binary dilation of a mask by a disk of radius r. Paints the disk around each pixel on the
 * mask's boundary only (the disks around interior pixels lie inside the union of those), so the
 * cost follows the outline of the ink, not the image.
 */
export function dilateMask(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const out = Uint8Array.from(mask);
  if (r <= 0) return out;
  const off = diskOffsets(r);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const interior = x > 0 && y > 0 && x + 1 < width && y + 1 < height && mask[i - 1] && mask[i + 1] && mask[i - width] && mask[i + width];
      if (interior) continue;
      for (let k = 0; k < off.length; k += 2) {
        const xx = x + off[k];
        const yy = y + off[k + 1];
        if (xx >= 0 && yy >= 0 && xx < width && yy < height) out[yy * width + xx] = 1;
      }
    }
  }
  return out;
}
