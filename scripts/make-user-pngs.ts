/**
 * Writes the realistic test images (test/image/realistic.ts, the same generator the accuracy
 * gate and `npm run eval:images` use) as files, to try `mnist predict` on them by hand:
 *
 *   npm run make:user-images -- <out-dir> [--mnist N] [--drawn N] [--seed S]
 *   npx mnist predict model.json <out-dir> --json > answers.jsonl
 *
 * Defaults: 20 MNIST test digits (taken evenly across the 10,000) and 10 drawn digits per kind.
 * File names: <kind>-<source>-<index>-<label>.png (or .jpg); <out-dir>/labels.csv lists them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MnistError } from '../src/errors.js';
import { realisticSample } from '../test/image/realistic.js';
import { parseSampleArgs } from './sample-args.js';

const USAGE = 'usage: npm run make:user-images -- <out-dir> [--mnist N] [--drawn N] [--seed S]';

try {
  const { mnist, drawn, seed, rest } = parseSampleArgs(process.argv.slice(2), { mnist: 20, drawn: 10 });
  const outDir = rest[0];
  if (!outDir || rest.length > 1 || outDir.startsWith('--')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  mkdirSync(outDir, { recursive: true });
  const rows = ['file,label,kind,source'];
  for (const { kind, source, index, label, file } of realisticSample({ mnist, drawn, seed })) {
    const name = `${kind}-${source}-${String(index).padStart(5, '0')}-${label}${file.name.slice(file.name.lastIndexOf('.'))}`;
    writeFileSync(join(outDir, name), file.bytes);
    rows.push(`${name},${label},${kind},${source}`);
  }
  writeFileSync(join(outDir, 'labels.csv'), rows.join('\n') + '\n');
  process.stdout.write(`wrote ${rows.length - 1} image files and labels.csv to ${outDir}\n`);
} catch (err) {
  if (err instanceof MnistError) {
    process.stderr.write(`error: ${err.message}\n${USAGE}\n`);
    process.exit(err.exitCode);
  }
  // The folder cannot be made or written (permissions, a file in the way, a full disk): Node's own line.
  if (!(err as NodeJS.ErrnoException).code) throw err;
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
