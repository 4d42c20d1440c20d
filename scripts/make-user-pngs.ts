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
import { KINDS, makeRealistic, MNIST_ONLY, streamFor } from '../test/image/realistic.js';
import { readMnist } from '../test/image/user-variants.js';

const argv = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 0 || value > 10000) {
    process.stderr.write(`error: ${name} needs a whole number from 0 to 10000, got ${JSON.stringify(argv[at + 1])}\n`);
    process.exit(2);
  }
  argv.splice(at, 2);
  return value;
}
const mnistCount = option('--mnist', 20);
const drawnCount = option('--drawn', 10);
const seed = option('--seed', 1);
const outDir = argv[0];
if (!outDir || argv.length > 1) {
  process.stderr.write('usage: npm run make:user-images -- <out-dir> [--mnist N] [--drawn N] [--seed S]\n');
  process.exit(2);
}

const test = readMnist('t10k', 10_000);
const stride = Math.max(1, Math.floor(test.count / Math.max(1, mnistCount)));
mkdirSync(outDir, { recursive: true });
const rows = ['file,label,kind,source'];
for (const kind of KINDS) {
  for (const source of ['mnist', 'drawn'] as const) {
    const n = source === 'mnist' ? mnistCount : MNIST_ONLY.includes(kind) ? 0 : drawnCount;
    const random = streamFor(kind, source, seed);
    for (let i = 0; i < n; i++) {
      const index = source === 'mnist' ? i * stride : i;
      const label = source === 'mnist' ? test.labels[index] : i % 10;
      const digit = source === 'mnist' ? test.images.subarray(index * 784, (index + 1) * 784) : null;
      const file = makeRealistic(kind, source, digit, label, random);
      const name = `${kind}-${source}-${String(index).padStart(5, '0')}-${label}${file.name.slice(file.name.lastIndexOf('.'))}`;
      writeFileSync(join(outDir, name), file.bytes);
      rows.push(`${name},${label},${kind},${source}`);
    }
  }
}
writeFileSync(join(outDir, 'labels.csv'), rows.join('\n') + '\n');
process.stdout.write(`wrote ${rows.length - 1} image files and labels.csv to ${outDir}\n`);
