/**
 * Tiny IDX files made in the test, never committed: image i has every pixel equal to i % 256 except
 * pixel 0, which holds i's low byte XOR 0xAA, so any batch can be checked exactly against its indices.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function idxImages(count: number, rows = 28, cols = 28): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(rows, 8);
  header.writeUInt32BE(cols, 12);
  const data = Buffer.alloc(count * rows * cols);
  for (let i = 0; i < count; i++) {
    data.fill(i % 256, i * rows * cols, (i + 1) * rows * cols);
    data[i * rows * cols] = (i & 0xff) ^ 0xaa;
  }
  return Buffer.concat([header, data]);
}

export function idxLabels(labels: number[]): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

export function tempDir(prefix = 'mnist-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a complete fake MNIST folder (train and test splits) and returns its path. */
export function fakeMnistDir(trainCount = 20, testCount = 10, options: { gzip?: boolean } = {}): string {
  const dir = tempDir();
  const write = (name: string, data: Buffer) =>
    options.gzip ? writeFileSync(join(dir, `${name}.gz`), gzipSync(data)) : writeFileSync(join(dir, name), data);
  write('train-images-idx3-ubyte', idxImages(trainCount));
  write('train-labels-idx1-ubyte', idxLabels(Array.from({ length: trainCount }, (_, i) => i % 10)));
  write('t10k-images-idx3-ubyte', idxImages(testCount));
  write('t10k-labels-idx1-ubyte', idxLabels(Array.from({ length: testCount }, (_, i) => (i * 3) % 10)));
  return dir;
}
