// Run: npm run build && node scripts/bench-optimizers.mjs [--steps N] [--threads N]
// Benchmark (not a test) of the optimizer step alone, Network.step(lr), for every rule on the
// default 784-128-10 network (101,770 parameters), in the fast engine (wasm, assembly/optim.ts, on
// its threads) and the reference engine (plain TypeScript loops), side by side in one run, next to
// one whole training step (load, forward, backward, step) of plain SGD on a 64-image batch for
// scale. Prints the machine (CPU model, SIMD level, cores) first. Uses the built dist/.

import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ReferenceMlp } from '../dist/engines/reference/mlp.js';
import { createWasmNetwork, defaultThreads } from '../dist/engines/wasm/node.js';
import { initParams } from '../dist/model/init.js';
import { OPTIMIZERS, optimizerSpec } from '../dist/model/optimizers.js';
import { Rng } from '../dist/rng.js';

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const STEPS = value('--steps', 2000);
const THREADS = value('--threads', defaultThreads());
const SPEC = { sizes: [784, 128, 10], activation: 'relu', loss: 'cross-entropy' };
const BATCH = 64;

function machine() {
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  } catch {}
  const has = (f) => new RegExp(`\\b${f}\\b`).test(flags);
  const simd = has('avx512f') ? 'AVX-512' : has('avx2') ? `AVX2${has('fma') ? '+FMA' : ''}` : has('sse4_2') ? 'SSE4.2' : 'unknown';
  return `${cpus()[0]?.model ?? 'unknown CPU'}, ${simd}, ${availableParallelism()} cores; Node ${process.versions.node}`;
}

function prepare(net, seed) {
  const rng = new Rng(seed);
  const p = new Float32Array(net.params.length);
  initParams(p, SPEC, 'he', rng);
  net.importParams(p);
  for (let i = 0; i < net.grads.length; i++) net.grads[i] = rng.normal() * 0.01;
}

/** Microseconds per call of fn, over `steps` calls after a warm-up of a tenth as many. */
function time(fn, steps) {
  for (let i = 0; i < Math.ceil(steps / 10); i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) fn(i);
  return ((performance.now() - t0) * 1000) / steps;
}

console.log(`machine: ${machine()}`);
console.log(`network: 784-128-10 (101,770 parameters); fast engine on ${THREADS} thread(s); ${STEPS} steps each (reference: a tenth)`);
console.log('optimizer   fast step (us)   reference step (us)');
for (const name of OPTIMIZERS) {
  const optimizer = optimizerSpec(name, { weightDecay: 1e-4 });
  const fast = await createWasmNetwork(SPEC, BATCH, { threads: THREADS, optimizer });
  const ref = new ReferenceMlp(SPEC, BATCH, optimizer);
  prepare(fast, 1);
  prepare(ref, 1);
  const tf = time(() => fast.step(1e-4), STEPS);
  const tr = time(() => ref.step(1e-4), Math.ceil(STEPS / 10));
  await fast.close();
  console.log(`${name.padEnd(10)} ${tf.toFixed(1).padStart(16)} ${tr.toFixed(1).padStart(21)}`);
}
// One whole training step of plain SGD (no decay) for scale.
const net = await createWasmNetwork(SPEC, BATCH, { threads: THREADS });
prepare(net, 2);
const rng = new Rng(3);
const images = Uint8Array.from({ length: BATCH * 784 }, () => (rng.uniform() < 0.2 ? rng.int(256) : 0));
const labels = Uint8Array.from({ length: BATCH }, () => rng.int(10));
const whole = time(() => {
  net.loadBatch(images, null, 0, BATCH, 1 / 255);
  net.forward(BATCH);
  net.backward(labels, BATCH);
  net.step(1e-4);
}, Math.ceil(STEPS / 4));
await net.close();
console.log(`for scale: one whole fast training step (batch ${BATCH}, sgd): ${whole.toFixed(1)} us`);
