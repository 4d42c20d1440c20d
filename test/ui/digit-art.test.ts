/**
 * renderDigit: the 28x28 input drawn as plain text, two characters per pixel, in a frame.
 */
import { describe, expect, it } from 'vitest';
import { renderDigit, shadeOf, SHADE_RAMP } from '../../src/ui/digit-art.js';

describe('renderDigit', () => {
  it('draws 28 framed rows of 56 characters for a 28x28 image', () => {
    const lines = renderDigit(new Uint8Array(784));
    expect(lines).toHaveLength(30);
    expect(lines[0]).toBe(`+${'-'.repeat(56)}+`);
    expect(lines[29]).toBe(lines[0]);
    for (const line of lines.slice(1, 29)) expect(line).toBe(`|${' '.repeat(56)}|`);
  });

  it('doubles each pixel horizontally so the digit keeps its shape', () => {
    const pixels = new Uint8Array(784);
    pixels[2 * 28 + 5] = 255;
    const lines = renderDigit(pixels, 28, 28, { frame: false });
    expect(lines).toHaveLength(28);
    expect(lines[2]).toBe(`${' '.repeat(10)}@@${' '.repeat(44)}`);
  });

  it('shows every non-zero pixel, darker for more ink, using plain ASCII', () => {
    expect(shadeOf(0)).toBe(' ');
    expect(shadeOf(1)).toBe('.');
    expect(shadeOf(128)).toBe(SHADE_RAMP[5]);
    expect(shadeOf(255)).toBe('@');
    const ramp = Array.from({ length: 256 }, (_, v) => SHADE_RAMP.indexOf(shadeOf(v)));
    expect(ramp.every((level, v) => v === 0 || level >= ramp[v - 1])).toBe(true);
    expect(/^[\x20-\x7e]+$/.test(SHADE_RAMP)).toBe(true);
  });

  it('draws other sizes, and refuses pixels that do not match the size', () => {
    expect(renderDigit(Uint8Array.of(0, 255, 255, 0), 2, 2, { frame: false })).toEqual(['  @@', '@@  ']);
    expect(() => renderDigit(new Uint8Array(10))).toThrow(/expected 28x28 = 784 pixels, got 10/);
  });
});
