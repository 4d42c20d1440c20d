/**
 * Encodes pictures as PNG bytes (pngjs, already used for reading) and as data: URIs for the
 * self-contained HTML report. Not the PNG reader: that is image/png.ts.
 */

import pngjs from 'pngjs';
import type { Raster } from './raster.js';

const { PNG } = pngjs;

/** RGBA raster -> PNG file bytes. */
export function encodePng(r: Raster): Buffer {
  const png = new PNG({ width: r.width, height: r.height });
  png.data = Buffer.from(r.rgba.buffer, r.rgba.byteOffset, r.rgba.byteLength);
  return PNG.sync.write(png);
}

export function pngDataUri(r: Raster): string {
  return `data:image/png;base64,${encodePng(r).toString('base64')}`;
}
