/**
 * Option parsers and options shared by several commands. Parsers validate at the boundary and
 * throw commander's InvalidArgumentError, so actions receive valid numbers and enums and a bad
 * value becomes one usage line and exit code 2.
 */

import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { CLASSES, IMAGE_SIZE, PIXELS } from '../data/mnist.js';
import { ENGINE_CHOICES } from '../engines/index.js';
import { MAX_DROPOUT } from '../model/dropout.js';
import { MAX_LAYER_WIDTH } from '../model/network.js';

/** A plain decimal such as 0.1, 5, 1e-3: not hex (0x10), binary or octal, which Number() also reads. */
const DECIMAL = /^\s*\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/** A finite number > 0, e.g. a learning rate. */
export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number, e.g. 0.1.');
  return n;
}

/** A finite number >= 0, e.g. a weight decay. */
export function parseNonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of at least 0, e.g. 0.0005.');
  return n;
}

/** A number in [0, 1), e.g. a momentum, Adam's betas, a label smoothing. */
export function parseFraction(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('expected a number from 0 up to (not including) 1, e.g. 0.9.');
  return n;
}

/** A finite number of seconds > 0, e.g. a timeout (decimal only, as above). */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds, e.g. 30.');
  return n;
}

/** A transfer rate in kB/s, e.g. download's --min-rate; 0 means no minimum. */
export function parseMinRate(value: string): number {
  const n = Number(value);
  if (!/^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number of kB per second, e.g. 1, or 0 for no minimum.');
  return n;
}

/** An integer >= 1, e.g. epochs or a batch size. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

/** An integer >= 0, e.g. a validation size. */
export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number of at least 0.');
  return n;
}

/** A seed: an integer in 0 .. 2^32-1. */
export function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new InvalidArgumentError('expected a whole number from 0 to 4294967295.');
  }
  return n;
}

/**
 * `784-128-10` or `784-256-128-10`: MNIST's 784 inputs, any number of hidden layers, 10 outputs.
 * Hidden widths are capped (MAX_LAYER_WIDTH) so a typo like 784-1280000-10 fails here instead of
 * exhausting memory.
 */
export function parseArch(value: string): number[] {
  const parts = value.split('-');
  if (parts.length < 2 || parts.some((p) => !/^\d+$/.test(p.trim()))) {
    throw new InvalidArgumentError('expected layer sizes joined by dashes, e.g. 784-128-10.');
  }
  const sizes = parts.map((p) => Number(p));
  if (sizes[0] !== PIXELS) throw new InvalidArgumentError(`the first layer must be ${PIXELS} (${IMAGE_SIZE}x${IMAGE_SIZE} pixels), e.g. 784-128-10.`);
  if (sizes[sizes.length - 1] !== CLASSES) throw new InvalidArgumentError(`the last layer must be ${CLASSES} (the digits 0-9), e.g. 784-128-10.`);
  for (const size of sizes.slice(1, -1)) {
    if (size < 1 || size > MAX_LAYER_WIDTH) throw new InvalidArgumentError(`hidden layer sizes must be 1 to ${MAX_LAYER_WIDTH}, got ${size}.`);
  }
  return sizes;
}

/** A dropout rate: 0 (none) up to MAX_DROPOUT. */
export function parseDropout(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > MAX_DROPOUT) {
    throw new InvalidArgumentError(`expected a rate from 0 to ${MAX_DROPOUT}, e.g. 0.2 (the fraction of hidden units dropped in each training step).`);
  }
  return n;
}

/** `predict --top`: how many digits to list, 1 to the 10 classes. */
export function parseTop(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < 1 || n > CLASSES) throw new InvalidArgumentError(`expected a whole number from 1 to ${CLASSES}.`);
  return n;
}

export const engineOption = () =>
  new Option('--engine <name>', 'compute engine: fast (WebAssembly SIMD, multi-core), reference (plain TypeScript), or auto (fast when available)')
    .choices(ENGINE_CHOICES)
    .default('auto' as const);
/** The fast engine's limit (MAX_THREADS in its wasm layout): one plan slot per thread. */
export const MAX_THREADS = 64;
export function parseThreads(value: string): number {
  const n = parsePositiveInt(value);
  if (n > MAX_THREADS) throw new InvalidArgumentError(`expected 1 to ${MAX_THREADS} threads.`);
  return n;
}
export const threadsOption = () =>
  new Option('--threads <n>', `threads for the fast engine, 1 to ${MAX_THREADS} (default: the count, up to one per core, that measures fastest over the first steps)`).argParser(parseThreads);

export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'read the MNIST files from <dir> (default: ./data if complete, else the embedded copy)');
export const jsonOption = () => new Option('--json', 'print one JSON document on stdout instead of text');
export const quietOption = () => new Option('-q, --quiet', 'no progress or log lines on stderr');
export const noColorOption = () => new Option('--no-color', 'no colours (also when NO_COLOR is set or output is not a terminal)');
