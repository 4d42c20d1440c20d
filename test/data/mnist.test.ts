import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillLabels, shuffledOrder } from '../../src/data/batches.js';
import { createReferenceNetwork } from '../../src/engines/index.js';
import { loadSplit, locateMnist } from '../../src/data/mnist.js';
import { Rng } from '../../src/rng.js';
import { fakeMnistDir, idxImages, idxLabels, tempDir } from '../helpers/idx-fixtures.js';

describe('locateMnist', () => {
  it('uses --data-dir when given, ./data when complete, else the embedded copy', () => {
    const cwd = tempDir();
    expect(locateMnist({ cwd }).kind).toBe('embedded');
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'data', 'train-images-idx3-ubyte'), idxImages(1));
    expect(locateMnist({ cwd }).kind).toBe('embedded'); // incomplete ./data never shadows the embedded copy
    cpSync(fakeMnistDir(2, 2, { gzip: true }), join(cwd, 'data'), { recursive: true });
    expect(locateMnist({ cwd })).toMatchObject({ kind: 'local', label: './data' });
    expect(locateMnist({ cwd, dataDir: fakeMnistDir() }).kind).toBe('data-dir');
  });

  it('names the missing files of an incomplete --data-dir and how to fix it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxImages(1));
    expect(() => locateMnist({ dataDir: dir })).toThrow(
      /missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte \(raw or \.gz\)\. Run `mnist download --data-dir/,
    );
    expect(() => locateMnist({ dataDir: join(dir, 'nope') })).toThrow(/no such directory/);
  });
});

describe('loadSplit', () => {
  it('loads the embedded MNIST with 60,000 training and 10,000 test images and the official hashes', async () => {
    const source = locateMnist({ cwd: tempDir() });
    const test = await loadSplit(source, 'test');
    expect(test.count).toBe(10_000);
    expect(test.images.length).toBe(10_000 * 784);
    expect(test.labels[0]).toBe(7); // the first test digit is a 7
    expect(test.files.images.sha256).toBe('0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7');
    expect(test.files.labels.sha256).toBe('ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2');
  });

  it('loads .gz files from a folder', async () => {
    const split = await loadSplit(locateMnist({ dataDir: fakeMnistDir(20, 10, { gzip: true }) }), 'train');
    expect(split.count).toBe(20);
    expect(split.labels[13]).toBe(3);
  });

  it('rejects images that are not 28x28, mismatched counts and labels above 9', async () => {
    const dir = fakeMnistDir();
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(10, 20, 20));
    await expect(loadSplit(locateMnist({ dataDir: dir }), 'test')).rejects.toThrow(/images are 20x20, expected 28x28/);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(9));
    await expect(loadSplit(locateMnist({ dataDir: dir }), 'test')).rejects.toThrow(/10 labels for 9 images/);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(10));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxLabels([0, 1, 2, 3, 4, 5, 6, 7, 8, 12]));
    await expect(loadSplit(locateMnist({ dataDir: dir }), 'test')).rejects.toThrow(/label 12 at index 9, expected 0-9/);
  });
});

describe('batches', () => {
  it('a shuffled order holds every index exactly once per epoch, and differs between epochs', () => {
    const rng = new Rng(9);
    const order = new Uint32Array(500);
    const first = Array.from(shuffledOrder(order, rng));
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(Array.from(shuffledOrder(order, rng))).not.toEqual(first);
  });

  it('a batch (pixels loaded by an engine, labels by fillLabels) holds exactly the ordered examples', async () => {
    const split = await loadSplit(locateMnist({ dataDir: fakeMnistDir(20, 10) }), 'train');
    const order = Uint32Array.from([5, 17, 2, 9]);
    const net = createReferenceNetwork({ sizes: [784, 2, 10], activation: 'relu', loss: 'cross-entropy' }, 3);
    const input = net.input.fill(-1);
    const labels = new Uint8Array(3);
    net.loadBatch(split.images, order, 1, 3, 1 / 255);
    fillLabels(labels, split.labels, order, 1, 3);
    [17, 2, 9].forEach((index, n) => {
      expect(input[n * 784]).toBeCloseTo(((index & 0xff) ^ 0xaa) / 255, 6);
      expect(input[n * 784 + 400]).toBeCloseTo(index / 255, 6);
      expect(labels[n]).toBe(index % 10);
    });
    net.loadBatch(split.images, null, 4, 2, 1);
    expect(input[784 + 1]).toBe(5);
  });
});
