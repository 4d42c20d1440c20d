/**
 * Per-image transforms of pixel bytes applied while a batch is loaded (Network.loadBatch), such as
 * training-time augmentation (data/augment.ts). The definition every engine follows: row n of a
 * batch is fn(image order[start + n]) with its own random stream, seeded from the batch's seed and
 * the row's position start + n alone, so the result never depends on how many threads share the
 * rows or in which order they run. Not the transform itself: engines receive it from their caller.
 */

import { mix32, Rng } from '../rng.js';

/** Writes a transformed copy of the side x side image at src[srcOffset..] into out[outOffset..]. */
// Settings default to any: engines pass them through untouched, whatever the transform's own type.
export type ImageTransformFn<S = any> = (
  out: Uint8Array, outOffset: number, src: Uint8Array, srcOffset: number, side: number, rng: Rng, settings: S,
) => void;

/**
 * A transform and where it comes from. An engine with worker threads imports `module` (a URL) in
 * each thread and calls its export `exportName` there, so the function must be a top-level export
 * of that module and `settings` must survive structured cloning.
 */
export interface ImageTransform<S = any> {
  fn: ImageTransformFn<S>;
  module: string;
  exportName: string;
  settings: S;
  /**
   * The same transform split so that an engine can do the pixel work itself (the wasm engine's
   * warp, assembly/warp.ts); absent for transforms that only `fn` can run. Engines that do not
   * know `native.kind` call fn.
   */
  native?: AffineWarp<S>;
}

/**
 * fn as two steps, an affine warp: `plan` draws the random numbers from rng exactly as fn does and
 * writes a record of `recordLength` float64s (for augmentation, data/augment.ts's PLAN_* layout);
 * warping the image through that record (bilinear sampling) gives fn's bytes exactly. All `plan`
 * needs of the image is its ink's bounding box `box`: -1 for a blank image, else
 * minX + side * (maxX + side * (minY + side * maxY)) (data/augment.ts inkBox).
 */
export interface AffineWarp<S = any> {
  kind: 'affine';
  plan: (record: Float64Array, recordOffset: number, box: number, side: number, rng: Rng, settings: S) => void;
  recordLength: number;
  /**
   * The name under which ImageTransform.module exports `plan` (a top-level function, like fn), so
   * that an engine's worker threads can draw the records of the rows they warp; absent: the
   * calling thread draws every record.
   */
  planExport?: string;
  /**
   * 'augment': `plan` is data/augment.ts planAugment and the settings are its AugmentSettings, so an
   * engine may draw the records itself, bit for bit as `plan` would (the wasm engine's threads do,
   * in assembly/augment.ts). Absent: only `plan` draws them.
   */
  builtIn?: 'augment';
}

/** One batch's use of a transform: `seed` with each row's position gives that row's stream (imageSeed). */
export interface BatchTransform {
  transform: ImageTransform;
  seed: number;
}

/** The seed of the image at `position` (start + n) of a batch drawn with `seed`. */
export function imageSeed(seed: number, position: number): number {
  return mix32((mix32(seed >>> 0) + Math.imul(position + 1, 0x9e3779b9)) >>> 0);
}

/**
 * The definition of a transformed load: row n of `out` (pixels bytes each) becomes the transformed
 * image `index` of `images`, where `index` is order[position] and `position` is start + n of the
 * batch (Network.loadBatch). `rng` is reseeded for the row, so rows can run on any thread in any order.
 */
export function transformRow(
  out: Uint8Array, n: number, images: Uint8Array, index: number, position: number,
  pixels: number, side: number, t: BatchTransform, rng: Rng,
): void {
  rng.reset(imageSeed(t.seed, position));
  t.transform.fn(out, n * pixels, images, index * pixels, side, rng, t.transform.settings);
}

/** transformRow for rows r0..r1-1 of a batch of images[order[start + n]] (images[start + n] when order is null). */
export function transformRows(
  out: Uint8Array, images: Uint8Array, order: ArrayLike<number> | null, start: number, r0: number, r1: number,
  pixels: number, side: number, t: BatchTransform, rng: Rng,
): void {
  for (let n = r0; n < r1; n++) {
    transformRow(out, n, images, order === null ? start + n : order[start + n], start + n, pixels, side, t, rng);
  }
}

/** The side of a square image of `pixels` pixels; throws for a non-square count. */
export function imageSide(pixels: number): number {
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) throw new RangeError(`image transforms need square images, got ${pixels} pixels`);
  return side;
}
