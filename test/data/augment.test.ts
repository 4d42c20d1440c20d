import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUGMENT_PLAN, augmentImage, DEFAULT_AUGMENT, inkBox, PLAN_IA, PLAN_IB, PLAN_IC, PLAN_ID, PLAN_FAINT, PLAN_TX, PLAN_TY, planAugment, warpImage,
  type AugmentSettings,
} from '../../src/data/augment.js';
import { loadSplit, locateMnist } from '../../src/data/mnist.js';
import { Rng } from '../../src/rng.js';
import { augmentCases, FILL_AUGMENT, STRONG_AUGMENT } from '../helpers/augment-cases.js';

const side = 28;
/** A 28x28 image with a filled 6x10 bar whose top-left corner is (x, y). */
function bar(x: number, y: number): Uint8Array {
  const img = new Uint8Array(side * side);
  for (let j = y; j < y + 10; j++) for (let i = x; i < x + 6; i++) img[j * side + i] = 200;
  return img;
}
const centreOfMass = (img: Uint8Array) => {
  let m = 0, mx = 0, my = 0;
  img.forEach((v, i) => {
    m += v;
    mx += v * (i % side);
    my += v * Math.floor(i / side);
  });
  return { x: mx / m, y: my / m, mass: m };
};
const none: AugmentSettings = { maxRotateDeg: 0, maxShear: 0, maxScale: 0, maxShift: 0 };

describe('augmentImage', () => {
  it('with no distortion allowed, copies the image exactly', () => {
    const src = bar(9, 7);
    const out = new Uint8Array(side * side);
    augmentImage(out, 0, src, 0, side, new Rng(1), none);
    expect(Array.from(out)).toEqual(Array.from(src));
  });

  it('the same seed gives the same distortions, and distortions change the image', () => {
    const src = bar(11, 9);
    const a = new Uint8Array(2 * side * side), b = new Uint8Array(2 * side * side);
    const rngA = new Rng(5), rngB = new Rng(5);
    for (let n = 0; n < 2; n++) {
      augmentImage(a, n * side * side, src, 0, side, rngA, DEFAULT_AUGMENT);
      augmentImage(b, n * side * side, src, 0, side, rngB, DEFAULT_AUGMENT);
    }
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a.subarray(0, side * side))).not.toEqual(Array.from(src));
    expect(Array.from(a.subarray(0, side * side))).not.toEqual(Array.from(a.subarray(side * side)));
  });

  it('keeps the ink near where it was and about as heavy, within the allowed distortion', () => {
    const src = bar(11, 9);
    const before = centreOfMass(src);
    const out = new Uint8Array(side * side);
    const rng = new Rng(8);
    for (let trial = 0; trial < 200; trial++) {
      augmentImage(out, 0, src, 0, side, rng, { ...DEFAULT_AUGMENT, fillChance: 0 });
      const after = centreOfMass(out);
      // shift <= 2 px, plus what rotation/shear/scale about the centre do to a point ~1 px from it
      expect(Math.hypot(after.x - before.x, after.y - before.y)).toBeLessThan(4);
      expect(after.mass / before.mass).toBeGreaterThan(0.7);
      expect(after.mass / before.mass).toBeLessThan(1.35);
    }
  });

  it('a shift-only distortion moves the centre of mass by at most the shift', () => {
    const src = bar(11, 9);
    const out = new Uint8Array(side * side);
    const rng = new Rng(3);
    for (let trial = 0; trial < 50; trial++) {
      augmentImage(out, 0, src, 0, side, rng, { ...none, maxShift: 2 });
      const after = centreOfMass(out), before = centreOfMass(src);
      expect(Math.abs(after.x - before.x)).toBeLessThanOrEqual(2.0001);
      expect(Math.abs(after.y - before.y)).toBeLessThanOrEqual(2.0001);
    }
  });

  it('a fill stretch widens a tall box towards a square along its shorter side only, never past the longer', () => {
    /** Ink box of an image: width and height in pixels. */
    const box = (img: Uint8Array) => {
      let x0 = side, x1 = -1, y0 = side, y1 = -1;
      img.forEach((v, i) => {
        if (v < 100) return;
        const x = i % side, y = Math.floor(i / side);
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      });
      return { w: x1 - x0 + 1, h: y1 - y0 + 1 };
    };
    const src = bar(11, 9); // 6 wide, 10 tall
    const out = new Uint8Array(side * side);
    const rng = new Rng(4);
    const widths: number[] = [];
    for (let trial = 0; trial < 100; trial++) {
      augmentImage(out, 0, src, 0, side, rng, { ...none, fillChance: 1 });
      const b = box(out);
      expect(b.h).toBe(10);
      expect(b.w).toBeGreaterThanOrEqual(6);
      expect(b.w).toBeLessThanOrEqual(11); // 10, plus one column the bilinear edge may reach
      widths.push(b.w);
    }
    // The stretch is a random part of the way: both slight and nearly full stretches occur.
    expect(Math.min(...widths)).toBeLessThanOrEqual(7);
    expect(Math.max(...widths)).toBeGreaterThanOrEqual(9);
    // With fillChance 0 the RNG draws, and so the image, are exactly as without the setting.
    const a = new Uint8Array(side * side), b = new Uint8Array(side * side);
    augmentImage(a, 0, src, 0, side, new Rng(9), { ...DEFAULT_AUGMENT, fillChance: 0 });
    const { fillChance: _unused, ...legacy } = DEFAULT_AUGMENT;
    augmentImage(b, 0, src, 0, side, new Rng(9), legacy);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('augmentImage on real digits', () => {
  let cases: Uint8Array;
  const COUNT = 4000;
  beforeAll(async () => {
    cases = augmentCases((await loadSplit(locateMnist(), 'test')).images, COUNT);
  });

  it('is within one level of exact bilinear sampling at each pixel\'s own source point, everywhere in the image', () => {
    // The reference maps every output pixel on its own, in float64, with no fixed point, no chained
    // steps and no output box: warpImage's coordinates (1/65536 pixel, weights to 1/1024) may round
    // a value the other way, never further. Below the faint level a value is 0; within a level of
    // it, either.
    const plan = new Float64Array(AUGMENT_PLAN);
    const out = new Uint8Array(side * side);
    const rng = new Rng(5);
    const variants = [DEFAULT_AUGMENT, FILL_AUGMENT, STRONG_AUGMENT];
    const at = (img: number, x: number, y: number) => (x < 0 || y < 0 || x >= side || y >= side ? 0 : cases[img * side * side + y * side + x]);
    let off = 0, ink = 0;
    const worst = { by: 0, where: '' };
    for (let n = 0; n < COUNT; n += 4) {
      const v = variants[n % 3];
      planAugment(plan, 0, inkBox(cases, n * side * side, side), side, rng, v);
      warpImage(out, 0, cases, n * side * side, side, plan, 0);
      const c = (side - 1) / 2;
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const u = x - c - plan[PLAN_TX], w = y - c - plan[PLAN_TY];
          const sx = plan[PLAN_IA] * u + plan[PLAN_IB] * w + c, sy = plan[PLAN_IC] * u + plan[PLAN_ID] * w + c;
          const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
          const top = at(n, x0, y0) * (1 - fx) + at(n, x0 + 1, y0) * fx;
          const bottom = at(n, x0, y0 + 1) * (1 - fx) + at(n, x0 + 1, y0 + 1) * fx;
          const sampled = top * (1 - fy) + bottom * fy;
          const got = out[y * side + x];
          const faint = plan[PLAN_FAINT];
          const exact = sampled < faint - 1 || (got === 0 && sampled < faint + 1) ? 0 : sampled;
          if (Math.abs(got - exact) > worst.by) Object.assign(worst, { by: Math.abs(got - exact), where: `image ${n} pixel (${x}, ${y}): ${got} for ${exact}` });
          if (got !== Math.round(exact)) off++;
          if (got !== 0) ink++;
        }
      }
    }
    expect(worst.by, worst.where).toBeLessThan(1.5);
    expect(ink).toBeGreaterThan((COUNT / 4) * 100);
    expect(off / ink).toBeLessThan(0.08); // most values are the exact ones, rounded (about 95%)
  });

  it('writes the bytes the default model was measured with (a checksum of 12,000 images)', () => {
    // Recorded when the default started dropping the faint halo (faintBelow 16; the default run's
    // figures in the README come from these bytes): real digits, the same digits against every border, blank, all-ink and
    // corner-pixel images, under the default, the always-stretched and stronger distortions, each
    // image with its own seed. A change here changes every augmented model.
    const hash = createHash('sha256');
    const out = new Uint8Array(3 + side * side);
    const rng = new Rng(0);
    const variants = [DEFAULT_AUGMENT, FILL_AUGMENT, STRONG_AUGMENT];
    let changed = 0;
    for (let n = 0; n < COUNT; n++) {
      for (let v = 0; v < variants.length; v++) {
        rng.reset(n * 3 + v + 1000);
        out.fill(77);
        augmentImage(out, 3, cases, n * side * side, side, rng, variants[v]);
        hash.update(out);
        for (let p = 0; p < side * side; p++) if (out[3 + p] !== cases[n * side * side + p]) changed++;
      }
    }
    expect(changed).toBeGreaterThan(COUNT * 3 * 20); // the images really are distorted
    expect(hash.digest('hex')).toBe('a9eb8ef39b2e8031f16bb3ab43d48575a6b4c378b72db0b513443779d2e1965c');
  });

  it('drops samples below faintBelow and leaves every other byte as it was', () => {
    const plan = new Float64Array(AUGMENT_PLAN);
    const all = new Uint8Array(side * side), dropped = new Uint8Array(side * side);
    const rng = new Rng(8);
    let faint = 0, kept = 0, wrong = 0;
    for (let n = 0; n < COUNT; n += 3) {
      planAugment(plan, 0, inkBox(cases, n * side * side, side), side, rng, { ...DEFAULT_AUGMENT, faintBelow: 16 });
      expect(plan[PLAN_FAINT]).toBe(16);
      warpImage(dropped, 0, cases, n * side * side, side, plan, 0);
      plan[PLAN_FAINT] = 0;
      warpImage(all, 0, cases, n * side * side, side, plan, 0);
      for (let p = 0; p < side * side; p++) {
        if (dropped[p] !== (all[p] < 16 ? 0 : all[p])) wrong++;
        if (all[p] > 0 && all[p] < 16) faint++;
        if (all[p] >= 16) kept++;
      }
    }
    expect(wrong).toBe(0);
    expect(faint).toBeGreaterThan(COUNT / 3); // there was a halo to drop
    expect(kept).toBeGreaterThan(faint);
    planAugment(plan, 0, inkBox(cases, 0, side), side, rng, STRONG_AUGMENT); // no faintBelow: none dropped
    expect(plan[PLAN_FAINT]).toBe(0);
  });
});
