/**
 * The accuracy sweep on realistic images (test/image/realistic.ts): for every kind of file, from
 * MNIST test digits and from digits drawn in code, how many `mnist predict` refuses and how many
 * it reads right with a given model, next to the same model on the untouched digits.
 *
 *   npm run eval:images -- [model.json] [--mnist N] [--drawn N] [--seed S] [--kinds a,b] [--json]
 *
 * Defaults: model.json, 300 MNIST digits and 100 drawn digits per kind (about a minute on two
 * cores). Train the default model first with `npx mnist train`. Prints a table by kind.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { accuracyOf, loadClassifier, sweep, type KindScore } from '../test/image/accuracy-harness.js';
import { KIND_NOTES, KINDS, type Kind } from '../test/image/realistic.js';

const argv = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`error: ${name} needs a whole number, got ${JSON.stringify(argv[at + 1])}\n`);
    process.exit(2);
  }
  argv.splice(at, 2);
  return value;
}
const mnistCount = option('--mnist', 300);
const drawnCount = option('--drawn', 100);
const seed = option('--seed', 1);
const kindsAt = argv.indexOf('--kinds');
const kinds = kindsAt < 0 ? KINDS : (argv.splice(kindsAt, 2)[1] ?? '').split(',');
const unknown = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
if (unknown.length) {
  process.stderr.write(`error: --kinds: unknown kind ${JSON.stringify(unknown[0])}; kinds are ${KINDS.join(', ')}\n`);
  process.exit(2);
}
const json = argv.includes('--json');
const modelPath = argv.filter((a) => a !== '--json')[0] ?? 'model.json';
if (!existsSync(modelPath)) {
  process.stderr.write(`error: ${modelPath}: no such file; train a model first (npx mnist train) or name one\n`);
  process.exit(1);
}

const started = process.hrtime.bigint();
const scores = sweep(loadClassifier(modelPath), { mnist: mnistCount, drawn: drawnCount, seed, kinds: kinds as Kind[] });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;

if (json) {
  process.stdout.write(JSON.stringify(scores.map((s) => ({ ...s, confusions: Object.fromEntries(s.confusions) }))) + '\n');
  process.exit(0);
}

const pct = (s: { total: number; correct: number } | undefined) => (s && s.total ? `${accuracyOf(s).toFixed(1)}%` : '-');
const refused = (s: KindScore | undefined) => (s && s.total ? `${s.refused}` : '-');
const find = (kind: string, source: string) => scores.find((s) => s.kind === kind && s.source === source);
const rows: string[][] = [['kind', 'mnist acc', 'refused', 'drawn acc', 'refused', 'what it imitates']];
const total = { mnist: { total: 0, correct: 0 }, drawn: { total: 0, correct: 0 } };
for (const kind of kinds as Kind[]) {
  const m = find(kind, 'mnist');
  const d = find(kind, 'drawn');
  rows.push([kind, pct(m), refused(m), pct(d), refused(d), KIND_NOTES[kind]]);
  for (const [key, s] of [['mnist', m], ['drawn', d]] as const) {
    if (s && kind !== 'original') {
      total[key].total += s.total;
      total[key].correct += s.correct;
    }
  }
}
rows.push(['all but original', pct(total.mnist), '', pct(total.drawn), '', '']);
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
const cpu = cpus();
process.stdout.write(`model ${modelPath}; ${mnistCount} MNIST test digits and ${drawnCount} drawn digits per kind, seed ${seed}\n`);
process.stdout.write(`machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; ${seconds.toFixed(1)} s\n\n`);
for (const r of rows) process.stdout.write(r.map((v, c) => (c === 0 || c === 5 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd() + '\n');
const worst = scores
  .flatMap((s) => [...s.confusions].map(([k, n]) => ({ k: `${s.kind}/${s.source} ${k}`, n })))
  .sort((a, b) => b.n - a.n)
  .slice(0, 8);
if (worst.length) process.stdout.write(`\ncommonest mistakes (true->read): ${worst.map((w) => `${w.k} x${w.n}`).join(', ')}\n`);
const reasons = scores.flatMap((s) => s.reasons.map((r) => `${s.kind}/${s.source}: ${r}`)).slice(0, 5);
if (reasons.length) process.stdout.write(`refusals, e.g.:\n  ${reasons.join('\n  ')}\n`);
