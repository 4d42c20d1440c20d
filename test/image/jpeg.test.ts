/**
 * JPEG input: luma as other tools see it, EXIF orientation (read from APP1 by us, applied to the
 * pixels), absurd sizes refused before decoding, truncated and corrupt files as one line naming
 * the file, and the bytes-level entry point choosing the decoder by signature, not by name.
 */
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { digitFromBytes } from '../../src/image/digit.js';
import { sniffImageFormat } from '../../src/image/format.js';
import { applyOrientation, decodeJpeg, exifOrientation, orientedLayout, readJpegInfo } from '../../src/image/jpeg.js';
import type { Plane } from '../../src/image/plane.js';
import { drawDigit, jpegWithOrientation, turnForExif } from './realistic.js';
import { seededRandom } from './realistic.js';

/** RGBA bytes of a gray plane (0..1). */
function rgba(plane: Plane): Uint8Array {
  const out = new Uint8Array(plane.data.length * 4);
  plane.data.forEach((v, i) => {
    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = Math.round(v * 255);
    out[4 * i + 3] = 255;
  });
  return out;
}

/** A 40x24 picture: white, with a black 8x6 block in the top-left corner (orientation shows). */
function marked(): Plane {
  const w = 40, h = 24;
  const data = new Float32Array(w * h).fill(1);
  for (let y = 2; y < 8; y++) for (let x = 2; x < 10; x++) data[y * w + x] = 0;
  return { width: w, height: h, data };
}

function failure(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).not.toContain('\n');
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('decodeJpeg', () => {
  it('gives the luma of the picture, within JPEG error', () => {
    const p = marked();
    const bytes = jpeg.encode({ data: rgba(p), width: p.width, height: p.height }, 95).data;
    const decoded = decodeJpeg(bytes, 'm.jpg');
    expect(decoded.alpha).toBeNull();
    expect([decoded.gray.width, decoded.gray.height]).toEqual([40, 24]);
    let worst = 0;
    p.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - decoded.gray.data[i]))));
    expect(worst).toBeLessThan(0.2);
    expect(decoded.gray.data[4 * 40 + 5]).toBeLessThan(0.1);
    expect(decoded.gray.data[20 * 40 + 30]).toBeGreaterThan(0.9);
  });

  it('turns a photo stored sideways upright by its EXIF orientation (6, 8 and 3)', () => {
    const p = marked();
    for (const orientation of [1, 6, 8, 3]) {
      const stored = turnForExif(rgba(p), p.width, p.height, orientation);
      const bytes = jpegWithOrientation(stored.data, stored.width, stored.height, 95, orientation);
      expect(readJpegInfo(bytes, 'x.jpg').orientation).toBe(orientation);
      const upright = decodeJpeg(bytes, 'x.jpg').gray;
      expect([upright.width, upright.height]).toEqual([40, 24]);
      expect(upright.data[4 * 40 + 5]).toBeLessThan(0.15); // the block is back at the top left
      expect(upright.data[20 * 40 + 35]).toBeGreaterThan(0.85);
    }
  });
});

describe('decodeJpeg and orientedLayout', () => {
  it('writes every EXIF orientation (1-8) upright in one pass exactly as applyOrientation turns the stored picture', () => {
    // Noise, so every pixel differs from its neighbours and a wrong index shows.
    const random = seededRandom(5);
    const p: Plane = { width: 37, height: 22, data: Float32Array.from({ length: 37 * 22 }, () => random()) };
    const stored = decodeJpeg(jpegWithOrientation(rgba(p), p.width, p.height, 90, 1), 'stored.jpg').gray;
    for (let orientation = 1; orientation <= 8; orientation++) {
      const upright = decodeJpeg(jpegWithOrientation(rgba(p), p.width, p.height, 90, orientation), 'x.jpg').gray;
      expect(upright).toEqual(applyOrientation(stored, orientation));
    }
  });

  it('maps the corners of a w x h image where applyOrientation puts them', () => {
    const w = 5, h = 3;
    const p: Plane = { width: w, height: h, data: Float32Array.from({ length: w * h }, (_, i) => i) };
    for (let orientation = 1; orientation <= 8; orientation++) {
      const turned = applyOrientation(p, orientation);
      const layout = orientedLayout(w, h, orientation);
      expect([layout.width, layout.height]).toEqual([turned.width, turned.height]);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(turned.data[layout.start + x * layout.stepX + y * layout.stepY]).toBe(y * w + x);
    }
  });
});

describe('applyOrientation', () => {
  // A 3x2 plane with distinct values: rows [0 1 2] and [3 4 5].
  const p: Plane = { width: 3, height: 2, data: Float32Array.of(0, 1, 2, 3, 4, 5) };
  const rows = (q: Plane) => Array.from({ length: q.height }, (_, y) => Array.from(q.data.subarray(y * q.width, (y + 1) * q.width)));

  it('applies the eight EXIF orientations as the EXIF specification draws them', () => {
    expect(rows(applyOrientation(p, 1))).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(rows(applyOrientation(p, 2))).toEqual([[2, 1, 0], [5, 4, 3]]); // mirrored
    expect(rows(applyOrientation(p, 3))).toEqual([[5, 4, 3], [2, 1, 0]]); // turned 180
    expect(rows(applyOrientation(p, 4))).toEqual([[3, 4, 5], [0, 1, 2]]); // flipped
    expect(rows(applyOrientation(p, 5))).toEqual([[0, 3], [1, 4], [2, 5]]); // transposed
    expect(rows(applyOrientation(p, 6))).toEqual([[3, 0], [4, 1], [5, 2]]); // turned 90 clockwise
    expect(rows(applyOrientation(p, 7))).toEqual([[5, 2], [4, 1], [3, 0]]); // transverse
    expect(rows(applyOrientation(p, 8))).toEqual([[2, 5], [1, 4], [0, 3]]); // turned 90 anticlockwise
  });
});

describe('exifOrientation', () => {
  const exif = (tiff: number[]) => Uint8Array.from([0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]);
  it('reads the tag in little- and big-endian blocks, and ignores a broken block', () => {
    // IFD0 at 8 with two entries: 0x010f (Make) first, then 0x0112 (Orientation).
    const le = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 2, 0, 0x0f, 0x01, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
    const be = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0];
    expect(exifOrientation(exif(le))).toBe(6);
    expect(exifOrientation(exif(be))).toBe(8);
    expect(exifOrientation(exif(be.slice(0, 12)))).toBe(1); // truncated IFD
    expect(exifOrientation(exif([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0]))).toBe(1); // 9 is no orientation
    expect(exifOrientation(Uint8Array.from([0x68, 0x74, 0x74, 0x70]))).toBe(1); // XMP, not EXIF
  });
});

describe('bad JPEG files', () => {
  const p = marked();
  const good = jpeg.encode({ data: rgba(p), width: p.width, height: p.height }, 90).data;

  it('refuses a truncated file with one line naming it', () => {
    for (const cut of [Math.floor(good.length * 0.7), 300, 40, 5]) {
      expect(failure(() => decodeJpeg(good.subarray(0, cut), 'cut.jpg')).message).toMatch(/^cut\.jpg: the JPEG file is truncated .*; the file is damaged; save or export the image again$/);
    }
  });

  it('refuses corrupt image data with one line naming it', () => {
    const broken = Uint8Array.from(good);
    const sos = broken.findIndex((b, i) => b === 0xff && broken[i + 1] === 0xda);
    for (let i = sos + 20; i < broken.length - 10; i += 7) broken[i] = 0xff;
    expect(failure(() => decodeJpeg(broken, 'bad.jpg')).message).toMatch(/^bad\.jpg: (cannot decode the JPEG image data|the JPEG file is corrupt)/);
  });

  it('refuses absurd dimensions from the frame header, before decoding anything', () => {
    const huge = Uint8Array.from(good);
    const sof = huge.findIndex((b, i) => b === 0xff && huge[i + 1] === 0xc0);
    huge[sof + 5] = 0xea; // height 60000
    huge[sof + 6] = 0x60;
    huge[sof + 7] = 0xea; // width 60000
    huge[sof + 8] = 0x60;
    const start = performance.now();
    expect(failure(() => decodeJpeg(huge, 'huge.jpg')).message).toBe(
      'huge.jpg: the JPEG declares 60000x60000 pixels, more than predict accepts (at most 20000 per side and 50 megapixels); scale the image down first',
    );
    expect(performance.now() - start).toBeLessThan(100);
  });
});

describe('digitFromBytes', () => {
  it('picks the decoder by signature, whatever the name says, and names other formats', () => {
    const ink = drawDigit(7, seededRandom(3), { side: 120 });
    const bytes = jpeg.encode({ data: rgba({ ...ink, data: ink.data.map((v) => 1 - v) }), width: 120, height: 120 }, 85).data;
    expect(sniffImageFormat(bytes)).toBe('JPEG');
    const digit = digitFromBytes(bytes, 'photo.png');
    expect(digit.pixels).toHaveLength(784);
    expect(digit.polarity).toBe('dark-on-light');
    const gif = Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0]);
    expect(failure(() => digitFromBytes(gif, 'a.jpg')).message).toBe(
      'a.jpg: not a PNG or JPEG file (it looks like a GIF image); predict reads PNG and JPEG images; convert the image to one of them first',
    );
  });
});
