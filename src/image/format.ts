/**
 * Which image format a file's first bytes announce, for the decoders' choice (digit.ts) and for
 * error messages that name what a user handed over (png.ts: "it looks like a GIF image").
 * The one place that knows the signatures; it decodes nothing.
 */

export type ImageFormat = 'PNG' | 'JPEG' | 'GIF' | 'BMP' | 'WebP' | 'TIFF' | 'HEIC';

/** What to do when the bytes are not an image predict reads. */
export const HINT_FORMAT = 'predict reads PNG and JPEG images; convert the image to one of them first';

/** The format a file's first bytes announce, or null when they announce none we know. */
export function sniffImageFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'PNG';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'JPEG';
  if (b.length >= 4 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'GIF';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'BMP';
  if (b.length >= 12 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'WebP';
  if (b.length >= 12 && b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) return 'HEIC';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d)) && (b[2] === 42 || b[3] === 42)) return 'TIFF';
  return null;
}
