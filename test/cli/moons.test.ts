// `mnist moons` end to end: the built binary with its defaults learns the two moons and writes
// the picture; bad options are usage errors.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMoonsArch } from '../../src/cli/commands/moons.js';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';

let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir('mnist-moons-');
});

describe('mnist moons', () => {
  it('reaches at least 95% test accuracy with its defaults (2-16-1, sigmoid output, binary cross-entropy) and draws the boundary', async () => {
    const out = join(dir, 'moons.svg');
    const run = await mnist(['moons', '-o', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^training 2-16-1 tanh, binary-cross-entropy on 800 points \(test 200\), noise 0\.2, 300 epochs/m);
    const [train, test, picture] = lines(run.stdout);
    expect(train).toMatch(/^train accuracy: \d+\/800 \(\d+\.\d\d%\)  loss \d\.\d{4}$/);
    const [, correct] = test.match(/^test accuracy:  (\d+)\/200 /)!;
    expect(Number(correct) / 200).toBeGreaterThanOrEqual(0.95);
    expect(picture).toBe(`picture written to ${out}`);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<circle /g)!.length).toBe(1000); // every point, once (loss curves of more than 40 epochs have no markers)
    expect(svg).toContain('href="data:image/png;base64,');
  });

  it('--json reports both accuracies and the per-epoch losses; --arch 2-8-2 uses a softmax output', async () => {
    const out = join(dir, 'two.svg');
    const run = await mnist(['moons', '--arch', '2-8-2', '--epochs', '20', '--samples', '200', '--json', '-o', out]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ trainTotal: 160, testTotal: 40, picture: out });
    expect(result.epochs).toHaveLength(20);
    expect(result.testAccuracy).toBe(result.testCorrect / 40);
    expect(run.stderr).toMatch(/2-8-2 tanh, cross-entropy/);
  });

  it('sizes its buffers by the batch, not the data set: a million points and 16384 hidden units start training', async () => {
    // Buffers for all 800,000 training points at once would need 800,000 x 16384 floats per layer;
    // the run is stopped with Ctrl-C as soon as it starts training (a full epoch takes minutes).
    const out = join(dir, 'big.svg');
    const run = await mnist(['moons', '--samples', '1000000', '--arch', '2-16384-1', '--epochs', '1', '-o', out], {
      onSpawn: (child, output) => {
        const poll = setInterval(() => {
          if (!/^training /m.test(output.stderr())) return;
          clearInterval(poll);
          child.kill('SIGINT');
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.stderr).toMatch(/^training 2-16384-1 tanh, binary-cross-entropy on 800000 points \(test 200000\)/m);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/stopped after 0 epochs; no picture written/);
    expect(existsSync(out)).toBe(false);
  });

  it('with --noise 1 draws every point inside the plot', async () => {
    const out = join(dir, 'noisy.svg');
    const run = await mnist(['moons', '--noise', '1', '--samples', '300', '--epochs', '3', '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    const svg = readFileSync(out, 'utf8');
    const [, width, height] = svg.match(/<rect width="(\d+)" height="(\d+)" fill="none" stroke="#888"\/>/)!.map(Number);
    const points = [...svg.matchAll(/<circle cx="(-?[\d.]+)" cy="(-?[\d.]+)" r="(?:3\.2|4)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points).toHaveLength(300);
    const outside = points.filter(([x, y]) => !(x > 0 && x < width && y > 0 && y < height));
    expect(outside).toEqual([]);
  });

  it('refuses a split that leaves no training points, naming both options, as a usage error', async () => {
    const out = join(dir, 'empty.svg');
    const run = await mnist(['moons', '--samples', '10', '--test-fraction', '0.95', '-o', out]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual(['error: --samples 10 with --test-fraction 0.95 holds out all 10 points for testing and leaves none to train on; use more --samples or a smaller --test-fraction.']);
    expect(run.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an architecture that does not fit two-class points, as a usage error', async () => {
    expect(parseMoonsArch('2-16-1')).toEqual([2, 16, 1]);
    expect(parseMoonsArch('2-4-4-2')).toEqual([2, 4, 4, 2]);
    expect(() => parseMoonsArch('2-16-3')).toThrow(/the last layer must be 1 .* or 2/);
    expect(() => parseMoonsArch('3-16-1')).toThrow(/the first layer must be 2/);
    expect(() => parseMoonsArch('2-x-1')).toThrow(/joined by dashes/);
    const run = await mnist(['moons', '--arch', '2-16-3', '-o', join(dir, 'bad.svg')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/option '--arch <sizes>' argument '2-16-3' is invalid/);
  });
});
