/**
 * `mnist download`: fetch the four MNIST files from mirrors into a folder (or `--verify` what is
 * there). Results go to stdout (one line per file, or one JSON document); progress and mirror
 * failures go to stderr (a bar on a TTY, plain lines otherwise, nothing with --quiet). The work
 * itself is src/data/download.ts; this file only parses options and displays events. Errors
 * are thrown for main.ts to print.
 */

import { relative, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import {
  DEFAULT_MIN_RATE,
  DEFAULT_MIRRORS,
  DEFAULT_TIMEOUT_MS,
  MIRROR_ENV,
  downloadMnist,
  normalizeMirror,
  resolveMirrors,
  verifyDataDir,
  type VerifiedFile,
} from '../../data/download.js';
import { short } from '../../data/verify.js';
import { DataError, InterruptedError } from '../../errors.js';
import { out as outColor } from '../../ui/colors.js';
import { DownloadProgress, FILE_COLUMN } from '../../ui/progress.js';
import { listenForInterrupt } from '../interrupt.js';
import { jsonOption, noColorOption, parseMinRate, parseSeconds, quietOption } from '../options.js';

const EXAMPLES = `
Mirrors are tried in this order: each --mirror, then ${MIRROR_ENV} (comma or space separated),
then the built-in list (unless --no-builtin-mirrors):
${DEFAULT_MIRRORS.map((m) => `  ${m}`).join('\n')}
Each file is checked (SHA-256 of the decompressed content, and its IDX header) before it is
renamed into place; files already there and verified are skipped.

Examples:
  $ mnist download                          # into ./data, which train and evaluate then use
  $ mnist download --data-dir ~/mnist       # elsewhere; then: mnist train --data-dir ~/mnist
  $ mnist download --mirror https://example.org/mnist/
  $ ${MIRROR_ENV}=http://cache.local/mnist/ mnist download
  $ mnist download --verify                 # check ./data without the network
  $ mnist download --force                  # fetch again even if the files are fine`;

/**
 * `--mirror` may be repeated; each value must be an http(s) URL. The one parser kept beside its
 * command rather than in ../options.ts: it needs data/download.ts, which every other command
 * would then load (the HTTP stack, about 80 ms) for nothing.
 */
function collectMirror(value: string, previous: string[]): string[] {
  try {
    return [...previous, normalizeMirror(value)];
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

export function makeDownloadCommand() {
  return new Command('download')
    .description('download the MNIST files from public mirrors into a folder, verified, never half-written')
    .option('--data-dir <dir>', 'folder to put the files in', 'data')
    .option('--mirror <url>', 'a mirror to try first: base URL holding the .gz files (repeatable)', collectMirror, [] as string[])
    .option('--no-builtin-mirrors', `use only --mirror and ${MIRROR_ENV}, never the built-in list`)
    .option('--force', 'download again even if verified files are present')
    .addOption(new Option('--verify', 'check the files already there, without the network').conflicts(['force', 'mirror', 'builtinMirrors']))
    .option('--timeout <seconds>', 'give up on a mirror after this many seconds without data', parseSeconds, DEFAULT_TIMEOUT_MS / 1000)
    .option(
      '--min-rate <kB/s>',
      'give up on a mirror that sends less than this many kB per second, averaged over each --timeout window (0: no minimum)',
      parseMinRate,
      DEFAULT_MIN_RATE / 1000,
    )
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', EXAMPLES)
    .action(async (options) => {
      if (options.verify) await runVerify(options.dataDir, Boolean(options.json));
      else await runDownload(options);
    });
}

type DownloadCommandOptions = ReturnType<ReturnType<typeof makeDownloadCommand>['opts']>;


async function runDownload(options: DownloadCommandOptions): Promise<void> {
  const mirrors = resolveMirrors({ cli: options.mirror, builtins: options.builtinMirrors });
  const dir = resolve(options.dataDir);
  const progress = new DownloadProgress({ stream: process.stderr, quiet: Boolean(options.quiet) });
  const interrupt = listenForInterrupt((line) => progress.log(`${line}; the partial download is removed`));
  // A second signal exits at once; the interrupt module removes the live temp files on the way out.
  const unregister = interrupt.onForcedExit(() => progress.stop());
  let files;
  try {
    files = await downloadMnist({
      dataDir: dir,
      mirrors,
      force: Boolean(options.force),
      timeoutMs: options.timeout * 1000,
      minBytesPerSecond: options.minRate * 1000,
      signal: interrupt.signal,
      onEvent: (e) => progress.event(e),
    });
  } catch (e) {
    if (interrupt.signal.aborted) {
      const message = e instanceof InterruptedError ? e.message : 'download interrupted; no partial file was left';
      const signal = interrupt.received();
      throw new InterruptedError(signal === null || signal === 'SIGINT' ? message : message.replace(/^download interrupted/, `download stopped by ${signal}`), interrupt.exitCode());
    }
    throw e;
  } finally {
    progress.stop();
    unregister();
    interrupt.dispose();
  }

  if (options.json) {
    process.stdout.write(JSON.stringify({ dataDir: dir, files }, null, 2) + '\n');
  } else {
    for (const f of files) {
      const what =
        f.status === 'skipped'
          ? `${outColor.green('ok')} (already there, verified, sha256 ${short(f.sha256)})`
          : `${outColor.green('downloaded')} (verified, sha256 ${short(f.sha256)}) from ${f.mirror}`;
      process.stdout.write(`${f.file.padEnd(FILE_COLUMN)}${what}\n`);
    }
  }
  progress.log(`${files.length} files verified in ${displayDir(dir)}; ${useHint(dir)}`);
}

async function runVerify(dataDir: string, json: boolean): Promise<void> {
  const dir = resolve(dataDir);
  const results = await verifyDataDir(dir);
  const bad = results.filter((r) => r.status !== 'ok');
  if (json) {
    process.stdout.write(JSON.stringify({ dataDir: dir, ok: bad.length === 0, files: results }, null, 2) + '\n');
  } else {
    for (const r of results) process.stdout.write(`${r.file.padEnd(FILE_COLUMN)}${describeVerified(r)}\n`);
  }
  if (bad.length > 0) {
    const flag = dataDir === 'data' ? '' : ` --data-dir ${dataDir}`;
    throw new DataError(
      `${bad.length} of ${results.length} files in ${displayDir(dir)} are ${bad.every((r) => r.status === 'missing') ? 'missing' : 'missing or not the official MNIST files'}; run \`mnist download${flag}\` to fetch them.`,
      'EVERIFY',
    );
  }
}

function describeVerified(r: VerifiedFile): string {
  switch (r.status) {
    case 'ok':
      return `${outColor.green('ok')} (verified, sha256 ${short(r.sha256 ?? '')})`;
    case 'missing':
      return outColor.red('missing');
    case 'checksum':
      return `${outColor.red('wrong checksum')} (sha256 ${short(r.sha256 ?? '')}, expected ${short(r.expected)}) in ${r.path}`;
    case 'structure':
      return `${outColor.red('bad file')}: ${r.message}`;
  }
}

/** `data/` for the default folder, else the path relative to the working directory when that is shorter. */
function displayDir(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel !== '' && !rel.startsWith('..') && rel.length < dir.length ? `${rel}/` : dir;
}

function useHint(dir: string): string {
  return dir === resolve('data') ? '`mnist train` and `mnist evaluate` now use them instead of the embedded copy.' : `use them with \`mnist train --data-dir ${displayDir(dir)}\`.`;
}
