// `mnist predict` end to end: the built binary on PNGs made from MNIST test digits the way users'
// files look (large, dark ink on light paper, off-centre), plus bad files mixed in. The model is
// trained with the fast engine, which gives an equally good model in a fraction of the reference engine's time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddedDataDir } from '../../src/data/mnist.js';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { jpegWithOrientation, turnForExif } from '../image/realistic.js';

let dir: string;
let model: string;
const labels: number[] = [];

/** Test digit i as a 5x scaled, dark-on-light, off-centre RGB PNG on a 200x180 grey page. */
function userPng(i: number, images: Buffer): Buffer {
  const W = 200, H = 180, scale = 5, ox = 30, oy = 25;
  const png = new PNG({ width: W, height: H });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = Math.floor((x - ox) / scale), sy = Math.floor((y - oy) / scale);
      const v = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? images[16 + i * 784 + sy * 28 + sx] : 0;
      const g = 215 - Math.round(v * 0.75);
      const o = (y * W + x) * 4;
      png.data[o] = g; png.data[o + 1] = g; png.data[o + 2] = g + 5; png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

beforeAll(async () => {
  assertBuilt();
  dir = tempDir('mnist-predict-');
  model = join(dir, 'model.json');
  // One thread: any count gives the same weights, and a second one only competes with the other test worker.
  const train = await mnist(['train', '--limit', '6000', '--val-size', '0', '--epochs', '2', '--batch-size', '32', '--engine', 'fast', '--threads', '1', '--quiet', '--out', model]);
  expect(train.code).toBe(0);
  const images = readFileSync(join(embeddedDataDir(), 't10k-images-idx3-ubyte'));
  const labelBytes = readFileSync(join(embeddedDataDir(), 't10k-labels-idx1-ubyte'));
  mkdirSync(join(dir, 'photos'));
  for (let i = 0; i < 12; i++) {
    labels.push(labelBytes[8 + i]);
    writeFileSync(join(dir, 'photos', `digit-${i}.png`), userPng(i, images));
  }
});

describe('mnist predict', () => {
  it('prints the digit, its probability and the runners-up for one image', async () => {
    const run = await mnist(['predict', model, join(dir, 'photos', 'digit-0.png')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(lines(run.stdout)).toEqual([expect.stringMatching(/^7  \(\d+\.\d%\)   then \d \(\d+\.\d%\), \d \(\d+\.\d%\)$/)]);
  });

  it('reads a folder in natural name order and gets most user-style digits right', async () => {
    const run = await mnist(['predict', model, join(dir, 'photos'), '--top', '1']);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.map((l) => l.split(':')[0])).toEqual(labels.map((_, i) => join(dir, 'photos', `digit-${i}.png`)));
    const predicted = out.map((l) => Number(l.match(/: (\d)  /)![1]));
    const correct = predicted.filter((d, i) => d === labels[i]).length;
    expect(correct).toBeGreaterThanOrEqual(10);
  });

  it('--json gives one object per image per line, errors included, and exits 1 if any failed', async () => {
    const notPng = join(dir, 'notes.png');
    writeFileSync(notPng, 'hello');
    const run = await mnist(['predict', model, join(dir, 'photos', 'digit-1.png'), notPng, join(dir, 'missing.png'), '--json']);
    expect(run.code).toBe(1);
    const results = lines(run.stdout).map((l) => JSON.parse(l));
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ file: join(dir, 'photos', 'digit-1.png'), digit: labels[1] });
    expect(results[0].probabilities).toHaveLength(10);
    expect(results[0].probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
    expect(results[1]).toEqual({ file: notPng, error: expect.stringMatching(/not a PNG or JPEG file/) });
    expect(results[2]).toEqual({ file: join(dir, 'missing.png'), error: expect.stringMatching(/no such file/) });
    expect(run.stderr).toMatch(/^error: 2 of 3 images could not be read$/m);
  });

  it('reads JPEG files and folders of them, upright by their EXIF orientation, with --json and --show', async () => {
    const images = readFileSync(join(embeddedDataDir(), 't10k-images-idx3-ubyte'));
    mkdirSync(join(dir, 'phone'));
    for (const [i, orientation] of [[0, 1], [1, 6], [2, 8]] as const) {
      const png = PNG.sync.read(userPng(i, images));
      const turned = turnForExif(png.data, png.width, png.height, orientation);
      writeFileSync(join(dir, 'phone', `IMG_${i}.${i === 2 ? 'jpeg' : 'JPG'}`), jpegWithOrientation(turned.data, turned.width, turned.height, 80, orientation));
    }
    const run = await mnist(['predict', model, join(dir, 'phone'), '--json']);
    expect(run.code).toBe(0);
    const results = lines(run.stdout).map((l) => JSON.parse(l));
    expect(results.map((r) => r.file)).toEqual([0, 1, 2].map((i) => join(dir, 'phone', `IMG_${i}.${i === 2 ? 'jpeg' : 'JPG'}`)));
    expect(results.map((r) => r.digit)).toEqual(labels.slice(0, 3));
    const shown = await mnist(['predict', model, join(dir, 'phone', 'IMG_1.JPG'), '--show']);
    expect(shown.code).toBe(0);
    expect(lines(shown.stdout)).toHaveLength(1 + 30);
    const cut = join(dir, 'cut.jpg');
    const whole = readFileSync(join(dir, 'phone', 'IMG_0.JPG'));
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const broken = await mnist(['predict', model, cut]);
    expect(broken.code).toBe(1);
    expect(lines(broken.stderr)).toEqual([`error: ${cut}: the JPEG file is truncated (its image data has no end marker); the file is damaged; save or export the image again`, 'error: 1 of 1 image could not be read']);
  });

  it('--show draws the 28x28 input the network saw', async () => {
    const run = await mnist(['predict', model, join(dir, 'photos', 'digit-0.png'), '--show']);
    const out = lines(run.stdout);
    expect(out).toHaveLength(1 + 30);
    expect(out[1]).toBe(`+${'-'.repeat(56)}+`);
    expect(out.slice(2, 30).every((l) => l.length === 58 && l.startsWith('|') && l.endsWith('|'))).toBe(true);
    expect(out.slice(2, 30).join('')).toMatch(/@/);
  });

  it('refuses a model file that is not a model, and bad options, with one line', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[]');
    const run = await mnist(['predict', bad, join(dir, 'photos', 'digit-0.png')]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`error: ${bad}: the file must hold a JSON object; expected a model file written by \`mnist train\``]);
    const text = join(dir, 'hello.json');
    writeFileSync(text, 'hello\n');
    const notJson = await mnist(['predict', text, join(dir, 'photos', 'digit-0.png')]);
    expect(notJson.code).toBe(1);
    expect(lines(notJson.stderr)).toEqual([expect.stringMatching(/^error: .*hello\.json: not valid JSON \(.*\); expected a model file written by `mnist train`\.$/)]);
    const usage = await mnist(['predict', model, join(dir, 'photos'), '--top', '11']);
    expect(usage.code).toBe(2);
    expect(lines(usage.stderr)).toHaveLength(1);
  });
});
