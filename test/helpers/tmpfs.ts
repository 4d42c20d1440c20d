/**
 * Tiny tmpfs mounts for tests of full and read-only file systems. Mounting needs root and the
 * right to mount (not every container grants it): `tmpfsAvailable` tries once, and tests that
 * need a mount use `it.runIf(tmpfsAvailable)`; where it is missing they are skipped, and the
 * injected-error tests still cover the same code paths.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function mountTmpfs(at: string, options: string): void {
  mkdirSync(at, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { stdio: 'ignore' });
}

export function unmount(at: string): void {
  execFileSync('umount', [at], { stdio: 'ignore' });
}

function probe(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const at = mkdtempSync(join(tmpdir(), 'mnist-tmpfs-probe-'));
  try {
    mountTmpfs(at, 'size=16k');
    unmount(at);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
}

export const tmpfsAvailable = probe();
