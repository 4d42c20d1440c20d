/**
 * Small RGBA pictures built in memory: MNIST digits scaled up by whole pixels, a 3x5 bitmap font
 * for labels like `7>2 93%`, and the labelled grid of misclassified digits that
 * `mnist evaluate --errors` writes. Pure arithmetic on typed arrays (no canvas, no Node), so the
 * same code serves files and the HTML report. Encoding to PNG is png-out.ts's job.
 */

export interface Raster {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA, row-major. */
  rgba: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export function createRaster(width: number, height: number, fill: Rgb): Raster {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = fill[0];
    rgba[i + 1] = fill[1];
    rgba[i + 2] = fill[2];
    rgba[i + 3] = 255;
  }
  return { width, height, rgba };
}

export function fillRect(r: Raster, x: number, y: number, w: number, h: number, c: Rgb): void {
  for (let yy = Math.max(0, y); yy < Math.min(r.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(r.width, x + w); xx++) {
      const i = (yy * r.width + xx) * 4;
      r.rgba[i] = c[0];
      r.rgba[i + 1] = c[1];
      r.rgba[i + 2] = c[2];
      r.rgba[i + 3] = 255;
    }
  }
}

/**
 * Draws a side x side byte image (0 = background, 255 = ink) at (x, y), each pixel a scale x scale
 * block, blending from `paper` to `ink` by the byte value.
 */
export function drawGray(r: Raster, pixels: ArrayLike<number>, side: number, x: number, y: number, scale: number, paper: Rgb, ink: Rgb): void {
  const { width, height, rgba } = r;
  for (let py = 0; py < side; py++) {
    // The block's rows and columns that fall inside the raster (as fillRect clips).
    const y0 = Math.max(0, y + py * scale), y1 = Math.min(height, y + (py + 1) * scale);
    for (let px = 0; px < side; px++) {
      const t = pixels[py * side + px] / 255;
      const red = Math.round(paper[0] + (ink[0] - paper[0]) * t);
      const green = Math.round(paper[1] + (ink[1] - paper[1]) * t);
      const blue = Math.round(paper[2] + (ink[2] - paper[2]) * t);
      const x0 = Math.max(0, x + px * scale), x1 = Math.min(width, x + (px + 1) * scale);
      for (let yy = y0; yy < y1; yy++) {
        for (let i = (yy * width + x0) * 4, end = (yy * width + x1) * 4; i < end; i += 4) {
          rgba[i] = red;
          rgba[i + 1] = green;
          rgba[i + 2] = blue;
          rgba[i + 3] = 255;
        }
      }
    }
  }
}

/** 3x5 glyphs, one string of 15 bits per character, top row first. */
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001010010',
  '8': '111101111101111',
  '9': '111101111001111',
  '>': '100010001010100',
  '%': '101001010100101',
  '.': '000000000000010',
  ' ': '000000000000000',
};
export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/** Width in pixels of `text` drawn at `scale` (one blank column between glyphs). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** Draws `text` (digits, `>`, `%`, `.`, space) with its top-left corner at (x, y). */
export function drawText(r: Raster, text: string, x: number, y: number, scale: number, c: Rgb): void {
  for (const [k, ch] of [...text].entries()) {
    const glyph = GLYPHS[ch];
    if (glyph === undefined) throw new Error(`drawText: no glyph for ${JSON.stringify(ch)}`);
    const left = x + k * (GLYPH_WIDTH + 1) * scale;
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (glyph[gy * GLYPH_WIDTH + gx] === '1') fillRect(r, left + gx * scale, y + gy * scale, scale, scale, c);
      }
    }
  }
}

export interface LabelledDigit {
  /** 784 bytes, MNIST style. */
  pixels: ArrayLike<number>;
  truth: number;
  predicted: number;
  /** Probability of the predicted digit, 0..1. */
  confidence: number;
}

/** The grid's geometry, exported so tests (and callers) can check a picture's size. */
export const GRID = {
  side: 28,
  scale: 2,
  pad: 3,
  labelScale: 2,
  get cellWidth() { return this.side * this.scale + 2 * this.pad; },
  get cellHeight() { return this.side * this.scale + 3 * this.pad + GLYPH_HEIGHT * this.labelScale; },
};

/** Columns and rows of the grid for `count` digits, at most `maxColumns` wide. */
export function gridShape(count: number, maxColumns = 10): { columns: number; rows: number } {
  const columns = Math.max(1, Math.min(maxColumns, count));
  return { columns, rows: Math.max(1, Math.ceil(count / columns)) };
}

const BACKGROUND: Rgb = [24, 24, 27];
const CELL: Rgb = [0, 0, 0];
const INK: Rgb = [255, 255, 255];
const TRUE_COLOUR: Rgb = [134, 239, 172];
const PRED_COLOUR: Rgb = [252, 165, 165];
const GREY: Rgb = [200, 200, 200];

/**
 * A grid of digits, `maxColumns` per row, each labelled `true>predicted confidence%` under it
 * (true label green, prediction red). Separated by 1-pixel gutters of the background colour.
 */
export function mistakesGrid(digits: readonly LabelledDigit[], maxColumns = 10): Raster {
  const { columns, rows } = gridShape(digits.length, maxColumns);
  const w = GRID.cellWidth, h = GRID.cellHeight;
  const r = createRaster(columns * (w + 1) + 1, rows * (h + 1) + 1, BACKGROUND);
  digits.forEach((d, k) => {
    const x = 1 + (k % columns) * (w + 1);
    const y = 1 + Math.floor(k / columns) * (h + 1);
    fillRect(r, x, y, w, h, CELL);
    drawGray(r, d.pixels, GRID.side, x + GRID.pad, y + GRID.pad, GRID.scale, CELL, INK);
    const labelY = y + GRID.pad * 2 + GRID.side * GRID.scale;
    const percent = `${Math.min(99, Math.round(d.confidence * 100))}%`;
    const s = GRID.labelScale;
    let lx = x + GRID.pad;
    drawText(r, String(d.truth), lx, labelY, s, TRUE_COLOUR);
    lx += textWidth(String(d.truth), s) + s;
    drawText(r, '>', lx, labelY, s, GREY);
    lx += textWidth('>', s) + s;
    drawText(r, String(d.predicted), lx, labelY, s, PRED_COLOUR);
    drawText(r, percent, x + w - GRID.pad - textWidth(percent, s), labelY, s, GREY);
  });
  return r;
}
