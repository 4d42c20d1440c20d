/**
 * Draws a small grayscale image (the 28x28 input the network saw) as plain terminal text:
 * two characters per pixel so it keeps its square shape, a 10-step shade ramp, and a frame that
 * shows where the 28x28 field ends. No colours, no Unicode: it reads the same in any terminal,
 * in a log file and after `| cat`. Returns lines; printing is the caller's job.
 */

/** Light to dark ink: ' ' is exactly 0; every non-zero pixel shows at least '.'. */
export const SHADE_RAMP = ' .:-=+*#%@';

export interface DigitArtOptions {
  /** Draw a +--+ frame around the field (default true). */
  frame?: boolean;
}

/** The ramp character for one byte (0 background .. 255 full ink). */
export function shadeOf(value: number): string {
  if (value <= 0) return SHADE_RAMP[0];
  const steps = SHADE_RAMP.length - 1;
  return SHADE_RAMP[1 + Math.min(steps - 1, Math.floor(((Math.min(255, value) - 1) * steps) / 255))];
}

/**
 * Lines of text drawing `pixels` (row-major, width x height bytes, 0 = background, 255 = ink:
 * the MNIST form). With the frame: height + 2 lines of 2 * width + 2 characters.
 */
export function renderDigit(pixels: Uint8Array, width = 28, height = 28, options: DigitArtOptions = {}): string[] {
  if (pixels.length !== width * height) {
    throw new Error(`renderDigit: expected ${width}x${height} = ${width * height} pixels, got ${pixels.length}`);
  }
  const frame = options.frame ?? true;
  const lines: string[] = [];
  const border = `+${'-'.repeat(2 * width)}+`;
  if (frame) lines.push(border);
  for (let y = 0; y < height; y++) {
    let row = '';
    for (let x = 0; x < width; x++) {
      const c = shadeOf(pixels[y * width + x]);
      row += c + c;
    }
    lines.push(frame ? `|${row}|` : row);
  }
  if (frame) lines.push(border);
  return lines;
}
