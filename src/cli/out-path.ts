/**
 * Checks an output path before any work: a name is given, its folder exists and it is not a
 * folder itself, and the file can be written there (checkWritable: not a device or FIFO, a name
 * that fits, room when `check` gives the expected size). Each failure is a usage error naming the option, or a FileWriteError saying why the path cannot be
 * written, so a long run never ends with "cannot write".
 */

import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { checkWritable, type WritableCheck } from '../files/atomic.js';

export function checkOutPath(option: string, given: string, example: string, check: WritableCheck = {}): void {
  // resolve('') is the current folder, which would be reported as "is a directory".
  if (given.trim() === '') throw new UsageError(`${option} is empty; give a file name such as ${example}.`);
  const path = resolve(given);
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`${option} ${given}: the folder ${dir} does not exist; create it first or choose another path.`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`${option} ${given}: is a directory; give a file name such as ${given.replace(/\/?$/, `/${example}`)}.`);
  }
  // Not a device or FIFO, a name that fits, a folder that takes a new file (FileWriteError, exit 1).
  checkWritable(path, given, { example, ...check });
}
