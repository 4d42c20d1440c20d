/**
 * Choosing the digit's ink: connected components, ruled-line removal, and the selection that
 * keeps the digit's strokes and drops speckle, page edges and other marks.
 */
import { describe, expect, it } from 'vitest';
import type { Plane } from '../../src/image/plane.js';
import { BOTTOM, findRuledLines, inkMask, labelComponents, LEFT, RIGHT, selectDigit, TOP } from '../../src/image/segment.js';

/** A mask drawn from rows of text: '#' ink, anything else paper. */
function draw(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const height = rows.length;
  const mask = new Uint8Array(width * height);
  rows.forEach((row, y) => [...row].forEach((c, x) => (mask[y * width + x] = c === '#' ? 1 : 0)));
  return { mask, width, height };
}

function fill(width: number, height: number, f: (x: number, y: number) => boolean): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) m[y * width + x] = f(x, y) ? 1 : 0;
  return m;
}

function choose(mask: Uint8Array, width: number, height: number) {
  const { labels, components } = labelComponents(mask, width, height);
  const selection = selectDigit(components, width, height);
  const chosen = new Uint8Array(mask.length);
  if (selection) for (let i = 0; i < mask.length; i++) chosen[i] = selection.labels.includes(labels[i]) ? 1 : 0;
  return { selection, chosen };
}

describe('inkMask', () => {
  it('thresholds the normalised ink', () => {
    const ink: Plane = { width: 4, height: 1, data: Float32Array.from([0, 0.34, 0.36, 1]) };
    expect(Array.from(inkMask(ink))).toEqual([0, 0, 1, 1]);
  });
});

describe('labelComponents', () => {
  it('joins pixels that touch diagonally (8-connectivity) and separates the rest', () => {
    const { mask, width, height } = draw([
      '#....#', //
      '.#..#.',
      '..##..',
      '......',
      '#....#',
    ]);
    const { components, labels } = labelComponents(mask, width, height);
    expect(components.map((c) => c.area)).toEqual([6, 1, 1]);
    expect(labels[0]).toBe(labels[5]);
    expect(labels[4 * 6]).not.toBe(labels[4 * 6 + 5]);
  });

  it('merges branches that only meet further down (a U, a V, a W)', () => {
    const { mask, width, height } = draw([
      '#.#.#.#', //
      '#.#.#.#',
      '#.#.#.#',
      '#######',
    ]);
    expect(labelComponents(mask, width, height).components).toHaveLength(1);
  });

  it('records area, ink mass, box, centroid and the image edges touched', () => {
    const { mask, width, height } = draw([
      '##......', //
      '##...##.',
      '.....##.',
      '........',
    ]);
    const ink: Plane = { width, height, data: Float32Array.from(mask, (m) => m * 0.5) };
    const [a, b] = labelComponents(mask, width, height, ink).components;
    expect(a).toMatchObject({ area: 4, mass: 2, box: { x0: 0, y0: 0, x1: 2, y1: 2 }, cx: 0.5, cy: 0.5, touches: LEFT | TOP, edgePixels: 3 });
    expect(b).toMatchObject({ area: 4, box: { x0: 5, y0: 1, x1: 7, y1: 3 }, touches: 0 });
    expect(RIGHT | BOTTOM).toBe(12);
  });
});

describe('selectDigit', () => {
  const W = 100;
  const H = 100;
  const digit = (x: number, y: number) => x >= 40 && x < 60 && y >= 25 && y < 75 && (x < 44 || y < 29 || y >= 71);

  it('ignores speckle around the digit', () => {
    const mask = fill(W, H, (x, y) => digit(x, y) || (x === 10 && y === 10) || (x === 85 && y === 90) || (x === 62 && y === 50));
    const { selection } = choose(mask, W, H);
    expect(selection!.box).toEqual({ x0: 40, y0: 25, x1: 60, y1: 75 });
  });

  it('ignores a shadow or a page edge along the image border, even a large one', () => {
    const mask = fill(W, H, (x, y) => digit(x, y) || x < 15 || y >= 92);
    expect(choose(mask, W, H).selection!.box).toEqual({ x0: 40, y0: 25, x1: 60, y1: 75 });
  });

  it('prefers a small digit to a dark table filling a corner of the photo, many times its mass', () => {
    const mask = fill(W, H, (x, y) => digit(x, y) || (x > 65 && y > 55) || (x < 30 && y < 12));
    expect(choose(mask, W, H).selection!.box).toEqual({ x0: 40, y0: 25, x1: 60, y1: 75 });
  });

  it('joins a separate stroke close to the digit (a 5 drawn with its bar lifted)', () => {
    const mask = fill(W, H, (x, y) => digit(x, y) || (y >= 18 && y < 21 && x >= 42 && x < 66));
    const { selection } = choose(mask, W, H);
    expect(selection!.labels).toHaveLength(2);
    expect(selection!.box).toEqual({ x0: 40, y0: 18, x1: 66, y1: 75 });
  });

  it('leaves out a second mark far away, and a small mark that would stretch the box', () => {
    const mask = fill(W, H, (x, y) => digit(x, y) || (x >= 80 && x < 95 && y >= 80 && y < 95) || (x >= 62 && x < 64 && y >= 40 && y < 42));
    expect(choose(mask, W, H).selection!.box).toEqual({ x0: 40, y0: 25, x1: 60, y1: 75 });
  });

  it('still takes a digit that fills a tight crop and touches every edge', () => {
    const mask = fill(20, 30, (x, y) => x < 3 || x >= 17 || y < 3 || y >= 27);
    expect(choose(mask, 20, 30).selection!.box).toEqual({ x0: 0, y0: 0, x1: 20, y1: 30 });
  });

  it('has nothing to choose on an empty mask', () => {
    expect(selectDigit(labelComponents(new Uint8Array(100), 10, 10).components, 10, 10)).toBeNull();
  });
});

describe('findRuledLines', () => {
  const W = 120;
  const H = 100;
  const one = (x: number, y: number) => x >= 58 && x < 62 && y >= 20 && y < 80;
  const oval = (x: number, y: number) => Math.abs(Math.hypot((x - 60) / 18, (y - 50) / 28) - 1) < 0.12;

  it('erases a ruled line that crosses the page and the digit, but keeps the strokes that cross it', () => {
    const line = (y: number) => y === 50 || y === 51;
    const mask = fill(W, H, (x, y) => oval(x, y) || line(y));
    const erase = findRuledLines(mask, W, H)!;
    expect(erase).not.toBeNull();
    expect(erase[50 * W + 5]).toBe(1);
    expect(erase[50 * W + 100]).toBe(1);
    // Where the oval's sides cross the line, the stroke survives.
    expect(erase[50 * W + 42]).toBe(0);
    expect(erase[50 * W + 78]).toBe(0);
  });

  it('erases vertical lines (a margin rule) the same way', () => {
    const mask = fill(W, H, (x, y) => oval(x, y) || x === 10);
    expect(findRuledLines(mask, W, H)![50 * W + 10]).toBe(1);
  });

  it("keeps a 7's top bar and a 2's base in a tight crop: they end where the digit ends", () => {
    const seven = fill(40, 60, (x, y) => y < 4 || Math.abs(x - (38 - (y - 4) * 0.5)) < 2);
    expect(findRuledLines(seven, 40, 60)).toBeNull();
    const two = fill(40, 60, (x, y) => y >= 56 || (y < 56 && Math.abs(x - (2 + (56 - y) * 0.6)) < 2));
    expect(findRuledLines(two, 40, 60)).toBeNull();
  });

  it('keeps the bar of a 4 in a tight crop, though the 4 has a tall vertical stroke', () => {
    const four = fill(40, 60, (x, y) => (y >= 36 && y < 40) || (x >= 28 && x < 32) || (y < 38 && Math.abs(x - (22 - y * 0.55)) < 2));
    expect(findRuledLines(four, 40, 60)).toBeNull();
  });

  it('erases a line that runs into a shadow along the page edge', () => {
    const mask = fill(W, H, (x, y) => oval(x, y) || x < 12 || y === 50);
    expect(findRuledLines(mask, W, H)![50 * W + 100]).toBe(1);
  });

  it('keeps a lone 1 that runs the full height of its crop', () => {
    expect(findRuledLines(fill(30, 60, (x) => x >= 13 && x < 16), 30, 60)).toBeNull();
  });

  it('returns null for a page without lines', () => {
    expect(findRuledLines(fill(W, H, one), W, H)).toBeNull();
  });
});
