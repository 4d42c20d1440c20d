/**
 * The sweep's plumbing, without a trained model: the sample generator (which files, bounded by
 * the MNIST test set), the shared --mnist/--drawn/--seed parser of `npm run eval:images` and
 * `npm run make:user-images`, and the harness refusing a file that is no model with predict's
 * one-line error. The accuracy itself is accuracy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MnistError, UsageError } from '../../src/errors.js';
import { parseSampleArgs } from '../../scripts/sample-args.js';
import { loadClassifier } from './accuracy-harness.js';
import { MNIST_TEST_DIGITS, realisticSample } from './realistic.js';

describe('realisticSample', () => {
  it('takes MNIST digits evenly across the test set, drawn digits cycling 0-9, none drawn for MNIST-only kinds', () => {
    const files = [...realisticSample({ mnist: 3, drawn: 2, kinds: ['original', 'sixteenBit'] })];
    expect(files.map((f) => `${f.kind}/${f.source}/${f.index}`)).toEqual([
      'original/mnist/0', 'original/mnist/3333', 'original/mnist/6666', 'original/drawn/0', 'original/drawn/1',
      'sixteenBit/mnist/0', 'sixteenBit/mnist/3333', 'sixteenBit/mnist/6666',
    ]);
    expect(files.filter((f) => f.source === 'drawn').map((f) => f.label)).toEqual([0, 1]);
    expect(files.every((f) => f.file.bytes.length > 0)).toBe(true);
  });

  it('refuses more MNIST digits than the test set holds (past it there are only blank images)', () => {
    expect(() => realisticSample({ mnist: MNIST_TEST_DIGITS + 1, drawn: 0 }).next()).toThrow(RangeError);
    expect(() => realisticSample({ mnist: -1, drawn: 0 }).next()).toThrow(RangeError);
    // The whole test set is allowed (no kinds here, so nothing is generated).
    expect([...realisticSample({ mnist: MNIST_TEST_DIGITS, drawn: 0, kinds: [] })]).toEqual([]);
  });
});

describe('parseSampleArgs', () => {
  const usage = (argv: string[]) => {
    try {
      parseSampleArgs(argv, { mnist: 300, drawn: 100 });
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  it('takes the three options out and leaves the rest in order', () => {
    expect(parseSampleArgs(['m.json', '--mnist', '10000', '--json', '--seed', '7'], { mnist: 300, drawn: 100 })).toEqual({
      mnist: 10000, drawn: 100, seed: 7, rest: ['m.json', '--json'],
    });
    expect(parseSampleArgs([], { mnist: 20, drawn: 10 })).toEqual({ mnist: 20, drawn: 10, seed: 1, rest: [] });
  });

  it('refuses an MNIST count past the 10,000 test digits, and values that are not whole numbers, in one line', () => {
    expect(usage(['--mnist', '10003'])).toBe('--mnist needs a whole number from 0 to 10000 (the MNIST test set has 10,000 digits), got "10003"');
    expect(usage(['--drawn', '1.5'])).toMatch(/^--drawn needs a whole number from 0 to \d+, got "1\.5"$/);
    expect(usage(['--seed', '-3'])).toMatch(/^--seed needs a whole number/);
    expect(usage(['--mnist'])).toBe('--mnist needs a value (--mnist N)');
    expect(usage(['--mnist', '5', '--mnist', '6'])).toBe('--mnist is given twice; give it once');
  });
});

describe('loadClassifier', () => {
  it("refuses a file that is not a model with predict's one-line error, not a TypeError", async () => {
    const error = await loadClassifier('package.json').then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(MnistError);
    expect((error as Error).message).toMatch(/^package\.json: /);
    expect((error as Error).message).not.toContain('\n');
  });
});
