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
import { cpus } from 'node:os';
import { MnistError } from '../src/errors.js';
import { accuracyOf, loadClassifier, sweep, type KindScore } from '../test/image/accuracy-harness.js';
import { KIND_NOTES, KINDS, type Kind } from '../test/image/realistic.js';
import { parseSampleArgs } from './sample-args.js';

/** One line on stderr and the exit code for what the user can fix (a bad option, a bad model file). */
function fail(err: unknown): never {
  if (!(err instanceof MnistError)) throw err;
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(err.exitCode);
}

let args: ReturnType<typeof parseSampleArgs>;
try {
  args = parseSampleArgs(process.argv.slice(2), { mnist: 300, drawn: 100 });
} catch (err) {
  fail(err);
}
const { mnist: mnistCount, drawn: drawnCount, seed, rest: argv } = args;
const kindsAt = argv.indexOf('--kinds');
const kinds = kindsAt < 0 ? KINDS : (argv.splice(kindsAt, 2)[1] ?? '').split(',');
const unknown = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
if (unknown.length) {
  process.stderr.write(`error: --kinds: unknown kind ${JSON.stringify(unknown[0])}; kinds are ${KINDS.join(', ')}\n`);
  process.exit(2);
}
const json = argv.includes('--json');
const modelPath = argv.filter((a) => a !== '--json')[0] ?? 'model.json';

const started = process.hrtime.bigint();
let scores: KindScore[];
try {
  const classifier = await loadClassifier(modelPath);
  scores = await sweep(classifier, { mnist: mnistCount, drawn: drawnCount, seed, kinds: kinds as Kind[] });
  await classifier.close();
} catch (err) {
  fail(err);
}
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
