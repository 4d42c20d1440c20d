// Run: npm run build && node scripts/presets.mjs [preset ...] [--seeds 42,1,2] [-- extra train options]
//      e.g. node scripts/presets.mjs fast best --seeds 42,1,2
// Measures `mnist train --preset NAME` (not a test): for each preset and seed it runs the built CLI
// as a user would, and prints test accuracy, epochs, wall time from start to finish, the CPU time
// of the process (all threads), and the machine (CPU model, SIMD level, cores, load average before
// each run), so a row can be compared only with rows from the same machine and load. Writes the
// models to a temp folder and removes it.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const seedsAt = own.indexOf('--seeds');
const seeds = seedsAt >= 0 ? own[seedsAt + 1].split(',').map(Number) : [42];
const presets = own.filter((a, i) => !a.startsWith('--') && i !== seedsAt + 1);
if (presets.length === 0) presets.push('fast');

function simdLevel() {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m)?.[1].split(' ') ?? [];
    return ['avx512f', 'avx2', 'avx', 'sse4_2'].find((f) => flags.includes(f)) ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${simdLevel()}, ${cpus().length} cores, node ${process.version}`);

/** Children's CPU seconds already counted (childUsage). */
let previous = 0;
const bin = new URL('../bin/mnist.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mnist-presets-'));
try {
  for (const preset of presets) {
    for (const seed of seeds) {
      const load = loadavg()[0].toFixed(1);
      const out = join(dir, `${preset}-${seed}.json`);
      const started = performance.now();
      const { code, stdout, cpu } = await run([bin, 'train', '--preset', preset, '--seed', String(seed), '--json', '--quiet', '--no-checkpoint', '--out', out, ...extra]);
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) {
        console.log(`${preset} seed ${seed}: exit ${code}`);
        continue;
      }
      const r = JSON.parse(stdout);
      console.log(
        `${preset.padEnd(8)} seed ${String(seed).padEnd(4)} test ${(100 * r.testAccuracy).toFixed(2)}%  epochs ${r.epochs.length}  ` +
        `wall ${wall.toFixed(1)} s (training ${r.trainingSeconds.toFixed(1)} s)  cpu ${cpu.toFixed(1)} s  load before ${load}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs node with args; resolves with the exit code, stdout and the child's CPU seconds (user + system, all threads). */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, cpu: childUsage() });
    });
  });
}

/** CPU seconds of all waited-for children so far, minus what earlier runs used. */
function childUsage() {
  const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // Fields 16 and 17 of /proc/PID/stat (cutime, cstime), in clock ticks (100 per second on Linux).
  const total = (Number(stat[13]) + Number(stat[14])) / 100;
  const used = total - previous;
  previous = total;
  return used;
}
