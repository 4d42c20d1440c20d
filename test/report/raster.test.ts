import { describe, expect, it } from 'vitest';
import { createRaster, drawGray, drawText, fillRect, GLYPH_HEIGHT, GRID, gridShape, mistakesGrid, textWidth, type Rgb } from '../../src/report/raster.js';

const at = (r: { width: number; rgba: Uint8Array }, x: number, y: number) => Array.from(r.rgba.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4));

describe('pictures', () => {
  it('a digit pixel becomes a scale x scale block blended from paper to ink', () => {
    const r = createRaster(6, 6, [0, 0, 0]);
    const pixels = new Uint8Array(9);
    pixels[4] = 255; // the centre of a 3x3 image
    pixels[0] = 51; // one fifth ink
    drawGray(r, pixels, 3, 0, 0, 2, [0, 0, 0], [255, 255, 255]);
    expect(at(r, 2, 2)).toEqual([255, 255, 255, 255]);
    expect(at(r, 3, 3)).toEqual([255, 255, 255, 255]);
    expect(at(r, 4, 4)).toEqual([0, 0, 0, 255]);
    expect(at(r, 1, 1)).toEqual([51, 51, 51, 255]);
  });

  it('a digit drawn partly outside the picture matches one fillRect block per pixel, clipped the same on every side', () => {
    const pixels = Uint8Array.from({ length: 49 }, (_, i) => (i * 37) % 256);
    const paper: Rgb = [250, 240, 10], ink: Rgb = [3, 60, 200];
    for (const [x, y, scale] of [[-5, -4, 3], [8, 9, 3], [-2, 6, 2], [0, 0, 1], [30, 0, 2]]) {
      const fast = createRaster(20, 17, [1, 2, 3]);
      drawGray(fast, pixels, 7, x, y, scale, paper, ink);
      const plain = createRaster(20, 17, [1, 2, 3]);
      for (let i = 0; i < 49; i++) {
        const t = pixels[i] / 255;
        const c: Rgb = [0, 1, 2].map((k) => Math.round(paper[k] + (ink[k] - paper[k]) * t)) as unknown as Rgb;
        fillRect(plain, x + (i % 7) * scale, y + Math.floor(i / 7) * scale, scale, scale, c);
      }
      expect(Array.from(fast.rgba), `at (${x}, ${y}) x${scale}`).toEqual(Array.from(plain.rgba));
    }
  });

  it('text draws its glyphs where textWidth says and nowhere else', () => {
    const r = createRaster(20, 7, [0, 0, 0]);
    drawText(r, '1', 1, 1, 1, [255, 0, 0]);
    // The glyph for 1: 010 / 110 / 010 / 010 / 111
    const lit = (x: number, y: number) => at(r, x, y)[0] === 255;
    expect([lit(1, 1), lit(2, 1), lit(3, 1)]).toEqual([false, true, false]);
    expect([lit(1, 5), lit(2, 5), lit(3, 5)]).toEqual([true, true, true]);
    expect(lit(4, 1)).toBe(false);
    expect(textWidth('7>2', 2)).toBe((3 * 4 - 1) * 2);
    expect(() => drawText(r, 'x', 0, 0, 1, [0, 0, 0])).toThrow(/no glyph/);
  });

  it('the mistakes grid has one cell per digit, ten to a row', () => {
    expect(gridShape(1)).toEqual({ columns: 1, rows: 1 });
    expect(gridShape(10)).toEqual({ columns: 10, rows: 1 });
    expect(gridShape(11)).toEqual({ columns: 10, rows: 2 });
    const digits = Array.from({ length: 12 }, (_, k) => ({ pixels: new Uint8Array(784).fill(k === 11 ? 255 : 0), truth: 3, predicted: 5, confidence: 0.93 }));
    const r = mistakesGrid(digits);
    expect(r.width).toBe(10 * (GRID.cellWidth + 1) + 1);
    expect(r.height).toBe(2 * (GRID.cellHeight + 1) + 1);
    // The 12th digit is all ink: the middle of its cell is white.
    const x = 1 + 1 * (GRID.cellWidth + 1) + GRID.pad + 28;
    const y = 1 + 1 * (GRID.cellHeight + 1) + GRID.pad + 28;
    expect(at(r, x, y)).toEqual([255, 255, 255, 255]);
    // Its label row holds coloured text: the true label green, the prediction red.
    const labelY = 1 + (GRID.cellHeight + 1) + GRID.pad * 2 + 56;
    const row = Array.from({ length: GRID.cellWidth }, (_, i) => at(r, 1 + (GRID.cellWidth + 1) + i, labelY + GLYPH_HEIGHT));
    expect(row.some(([red, green]) => green > 200 && red < 150)).toBe(true);
    expect(row.some(([red, green]) => red > 200 && green < 180)).toBe(true);
  });
});
