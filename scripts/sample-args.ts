/**
 * The options `npm run eval:images` and `npm run make:user-images` share: --mnist N, --drawn N and
 * --seed S, taken out of the argument list with their bounds checked here (--mnist up to the
 * MNIST_TEST_DIGITS of the test set). A bad value is a UsageError, one line for the script to
 * print. Not a general option parser: each script reads its own remaining arguments.
 */
import { UsageError } from '../src/errors.js';
import { MNIST_TEST_DIGITS } from '../test/image/realistic.js';

export interface SampleArgs {
  mnist: number;
  drawn: number;
  seed: number;
  /** The arguments left over, in order. */
  rest: string[];
}

export function parseSampleArgs(argv: readonly string[], defaults: { mnist: number; drawn: number }): SampleArgs {
  const rest = [...argv];
  const take = (name: string, fallback: number, max: number, why: string): number => {
    const at = rest.indexOf(name);
    if (at < 0) return fallback;
    const text = rest[at + 1];
    if (text === undefined) throw new UsageError(`${name} needs a value (${name} N)`);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value > max) throw new UsageError(`${name} needs a whole number from 0 to ${max}${why}, got ${JSON.stringify(text)}`);
    rest.splice(at, 2);
    if (rest.includes(name)) throw new UsageError(`${name} is given twice; give it once`);
    return value;
  };
  const mnist = take('--mnist', defaults.mnist, MNIST_TEST_DIGITS, ` (the MNIST test set has ${MNIST_TEST_DIGITS.toLocaleString('en')} digits)`);
  const drawn = take('--drawn', defaults.drawn, 1_000_000, '');
  const seed = take('--seed', 1, 2 ** 32 - 1, '');
  return { mnist, drawn, seed, rest };
}
