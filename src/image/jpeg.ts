/**
 * JPEG bytes -> a grayscale plane, upright. We walk the marker segments ourselves first: the frame
 * header (SOFn) gives the size, so absurd dimensions are refused before anything is decoded; APP1
 * gives the EXIF orientation, which phones use instead of rotating the pixels; a scan with no end
 * (EOI) is a truncated file. jpeg-js (pure JS) then decodes the pixels, with its own memory bounds.
 * Every failure is one DataError line naming the file. Not here: finding the digit.
 */
import jpeg from 'jpeg-js';
import { DataError } from '../errors.js';
import type { Plane } from './plane.js';

/** The same bounds as for PNG: a phone photo is 12-48 megapixels. */
export const MAX_JPEG_SIDE = 20000;
export const MAX_JPEG_PIXELS = 50_000_000;
/** jpeg-js's own ceiling on what it allocates (50 MP of RGBA plus its component buffers). */
const MAX_DECODER_MB = 1024;

const HINT_CORRUPT = 'the file is damaged; save or export the image again';

/** What the marker walk finds before decoding. */
export interface JpegInfo {
  width: number;
  height: number;
  /** EXIF orientation 1-8 (1: stored upright; 6: turn 90 degrees clockwise to view). */
  orientation: number;
  /** Colour components in the frame (1 gray, 3 YCbCr, 4 CMYK). */
  components: number;
}

export interface DecodedJpeg {
  info: JpegInfo;
  /** Luma, 0 black .. 1 white, already turned upright. */
  gray: Plane;
  alpha: null;
}

function fail(name: string, problem: string, hint = HINT_CORRUPT): never {
  throw new DataError(`${name}: ${problem}; ${hint}`);
}

/** SOF markers C0-CF carry the frame size, except C4 (DHT), C8 (reserved) and CC (DAC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Walks the marker segments from SOI to the first scan (SOS), then checks that the scan data ends
 * with EOI. Entropy-coded data never holds 0xFF 0xD9 (a 0xFF there is followed by 0x00 or a
 * restart marker), so the first FFD9 after SOS is the end of the image; bytes after it (phones
 * append thumbnails and videos) are ignored.
 */
export function readJpegInfo(bytes: Uint8Array, name: string): JpegInfo {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) fail(name, 'not a JPEG file (no start-of-image marker)');
  let at = 2;
  let frame: { width: number; height: number; components: number } | null = null;
  let orientation = 1;
  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes.
    while (at < bytes.length && bytes[at] === 0xff && bytes[at + 1] === 0xff) at++;
    if (at + 4 > bytes.length) fail(name, `the JPEG file is truncated (it ends at byte ${bytes.length} before the image data)`);
    if (bytes[at] !== 0xff) fail(name, `the JPEG file is corrupt at byte ${at} (expected a marker)`);
    const marker = bytes[at + 1];
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2) fail(name, `the JPEG file is corrupt at byte ${at} (segment length ${length})`);
    if (at + 2 + length > bytes.length) fail(name, `the JPEG file is truncated (a segment at byte ${at} needs ${length + 2} bytes, only ${bytes.length - at} remain)`);
    const body = bytes.subarray(at + 4, at + 2 + length);
    if (isStartOfFrame(marker)) {
      if (body.length < 6) fail(name, 'the JPEG frame header is too short');
      frame = { height: (body[1] << 8) | body[2], width: (body[3] << 8) | body[4], components: body[5] };
    } else if (marker === 0xe1 && orientation === 1) {
      orientation = exifOrientation(body);
    } else if (marker === 0xda) {
      if (!frame) fail(name, 'the JPEG has image data before its frame header');
      if (!hasEndOfImage(bytes, at + 2 + length)) fail(name, 'the JPEG file is truncated (its image data has no end marker)');
      break;
    } else if (marker === 0xd9) {
      fail(name, 'the JPEG file holds no image data (it ends before any scan)');
    }
    at += 2 + length;
  }
  const { width, height, components } = frame;
  if (width === 0 || height === 0) fail(name, `the JPEG declares a zero-sized image (${width}x${height} pixels)`, 'there is nothing to read; export the image again');
  if (width > MAX_JPEG_SIDE || height > MAX_JPEG_SIDE || width * height > MAX_JPEG_PIXELS) {
    fail(
      name,
      `the JPEG declares ${width}x${height} pixels, more than predict accepts (at most ${MAX_JPEG_SIDE} per side and ${MAX_JPEG_PIXELS / 1e6} megapixels)`,
      'scale the image down first',
    );
  }
  return { width, height, components, orientation };
}

function hasEndOfImage(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  return false;
}

/**
 * The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" segment, or 1 when there is none or the
 * block is malformed (a broken EXIF block should not stop the picture being read).
 */
export function exifOrientation(app1: Uint8Array): number {
  // "Exif\0\0", then a TIFF header: byte order (II little, MM big), 42, offset of IFD0.
  if (app1.length < 14 || String.fromCharCode(...app1.subarray(0, 4)) !== 'Exif' || app1[4] !== 0 || app1[5] !== 0) return 1;
  const tiff = app1.subarray(6);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return 1;
  const u16 = (i: number) => (i + 2 > tiff.length ? -1 : little ? tiff[i] | (tiff[i + 1] << 8) : (tiff[i] << 8) | tiff[i + 1]);
  const u32 = (i: number) => (i + 4 > tiff.length ? -1 : little ? (u16(i) | (u16(i + 2) << 16)) >>> 0 : ((u16(i) << 16) | u16(i + 2)) >>> 0);
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  const entries = u16(ifd);
  if (ifd < 8 || entries < 0) return 1;
  for (let e = 0; e < entries; e++) {
    const entry = ifd + 2 + 12 * e;
    if (entry + 12 > tiff.length) return 1;
    if (u16(entry) !== 0x0112) continue;
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * Turns a plane stored with EXIF `orientation` upright. Display pixel (X, Y) comes from stored
 * pixel (x, y) of a w x h plane as: 2 mirror (w-1-x, y), 3 turn 180 (w-1-x, h-1-y), 4 flip
 * (x, h-1-y), 5 transpose (y, x), 6 turn 90 clockwise (h-1-y, x), 7 transverse (h-1-y, w-1-x),
 * 8 turn 90 anticlockwise (y, w-1-x). The plain version, kept as the reference that the tests
 * hold decodeJpeg's one-pass writing (orientedLayout) to.
 */
export function applyOrientation(plane: Plane, orientation: number): Plane {
  if (orientation <= 1 || orientation > 8) return plane;
  const { width: w, height: h, data } = plane;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let X: number;
      let Y: number;
      switch (orientation) {
        case 2: [X, Y] = [w - 1 - x, y]; break;
        case 3: [X, Y] = [w - 1 - x, h - 1 - y]; break;
        case 4: [X, Y] = [x, h - 1 - y]; break;
        case 5: [X, Y] = [y, x]; break;
        case 6: [X, Y] = [h - 1 - y, x]; break;
        case 7: [X, Y] = [h - 1 - y, w - 1 - x]; break;
        default: [X, Y] = [y, w - 1 - x]; break;
      }
      out[Y * W + X] = data[y * w + x];
    }
  }
  return { width: W, height: H, data: out };
}

/**
 * Where stored pixel (x, y) of a w x h image goes in the upright plane, as one linear formula:
 * index = start + x * stepX + y * stepY (applyOrientation's table, with Y * W + X multiplied out;
 * W = h when the orientation swaps the sides, 5-8). Lets the decoder write each value straight to
 * its upright place, with no second plane.
 */
export function orientedLayout(w: number, h: number, orientation: number): { width: number; height: number; start: number; stepX: number; stepY: number } {
  switch (orientation) {
    case 2: return { width: w, height: h, start: w - 1, stepX: -1, stepY: w }; // (w-1-x, y)
    case 3: return { width: w, height: h, start: (h - 1) * w + w - 1, stepX: -1, stepY: -w }; // (w-1-x, h-1-y)
    case 4: return { width: w, height: h, start: (h - 1) * w, stepX: 1, stepY: -w }; // (x, h-1-y)
    case 5: return { width: h, height: w, start: 0, stepX: h, stepY: 1 }; // (y, x)
    case 6: return { width: h, height: w, start: h - 1, stepX: h, stepY: -1 }; // (h-1-y, x)
    case 7: return { width: h, height: w, start: (w - 1) * h + h - 1, stepX: -h, stepY: -1 }; // (h-1-y, w-1-x)
    case 8: return { width: h, height: w, start: (w - 1) * h, stepX: -h, stepY: 1 }; // (y, w-1-x)
    default: return { width: w, height: h, start: 0, stepX: 1, stepY: w }; // 1 (or a value EXIF does not define): as stored
  }
}

/**
 * Decodes a baseline or progressive JPEG into an upright luma plane (Rec. 601 weights on the
 * decoded RGB, as for PNG). Each luma value is written straight to its upright place, so a large
 * photo holds jpeg-js's RGB bytes and one float plane, never a second plane for the turn (8000x6000
 * stored sideways: see scripts/jpeg-memory.mjs). Throws DataError naming the file for anything
 * unreadable.
 */
export function decodeJpeg(bytes: Uint8Array, name: string): DecodedJpeg {
  const info = readJpegInfo(bytes, name);
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false, // RGB: the alpha byte would always be 255
      tolerantDecoding: false,
      maxResolutionInMP: MAX_JPEG_PIXELS / 1e6,
      maxMemoryUsageInMB: MAX_DECODER_MB,
    });
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    if (/color mode/i.test(message)) fail(name, `the JPEG uses a colour model predict cannot read (${message})`, 'save it as an ordinary RGB or grayscale JPEG or PNG');
    if (/memory|allocate/i.test(message)) fail(name, `the JPEG needs more memory to decode than predict allows (${message})`, 'scale the image down first');
    fail(name, `cannot decode the JPEG image data (${message})`);
  }
  if (image.width !== info.width || image.height !== info.height) fail(name, 'cannot decode the JPEG image data (its size changed while decoding)');
  const { width: w, height: h, data: d } = image;
  const upright = orientedLayout(w, h, info.orientation);
  const gray = new Float32Array(w * h);
  for (let y = 0, p = 0; y < h; y++) {
    let at = upright.start + y * upright.stepY;
    for (let x = 0; x < w; x++, p += 3, at += upright.stepX) gray[at] = (0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2]) / 255;
  }
  return { info, gray: { width: upright.width, height: upright.height, data: gray }, alpha: null };
}
