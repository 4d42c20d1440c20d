/**
 * Reading a file that mnist wrote (a model file, a checkpoint) as text, for loadModel and
 * loadCheckpoint alike: what is not a regular file is refused before it is opened (a FIFO or a
 * device would block the read forever or never end; a folder would fail with a bare EISDIR), and
 * a file too large to be one of ours is refused before it is read. Not a parser: each caller
 * validates the text it gets.
 */

import { readFile, stat } from 'node:fs/promises';
import { ModelFileError } from '../errors.js';
import { specialFileKind } from '../files/atomic.js';

export interface ExpectedFile {
  /** What the file should be, ending each message: 'a model file (.json) written by `mnist train`'. */
  what: string;
  /** The whole message when nothing is at the path. */
  missing: string;
  /** Larger files cannot be one that mnist wrote. */
  maxBytes: number;
  /** The whole message for a file over maxBytes. */
  tooLarge: (bytes: number) => string;
}

export async function readOwnFile(path: string, expected: ExpectedFile): Promise<string> {
  const kind = specialFileKind(path);
  if (kind === 'a folder') throw new ModelFileError(`${path}: is a directory, expected ${expected.what}.`);
  if (kind !== null) throw new ModelFileError(`${path}: is ${kind}, not a regular file; give ${expected.what}.`);
  try {
    const { size } = await stat(path);
    if (size > expected.maxBytes) throw new ModelFileError(expected.tooLarge(size));
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof ModelFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new ModelFileError(`${path}: permission denied; check the file's permissions.`);
    if (code === 'ENOENT') throw new ModelFileError(expected.missing);
    if (code === 'EISDIR') throw new ModelFileError(`${path}: is a directory, expected ${expected.what}.`);
    throw new ModelFileError(`${path}: cannot read (${(err as Error).message.replace(/\s+/g, ' ')}).`);
  }
}
