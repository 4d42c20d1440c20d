/**
 * Atomic file replacement: write a temp file in the target's own folder, fsync it, then rename it
 * over the target. A crash or Ctrl-C at any point leaves either the old file or the new one, never
 * a half-written one. The temp file sits beside the target because rename() cannot cross file
 * systems (EXDEV from /tmp).
 */

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path beside `target`: hidden, unique, recognisable as ours. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(temp, 'wx', 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(temp, target);
  } catch (err) {
    if (handle !== null) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
