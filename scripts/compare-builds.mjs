// Run: node scripts/compare-builds.mjs OTHER_ROOT [--threads N] [--rounds N] [--plain]
// Compares the fast engine of two builds of this project in one process: this checkout's dist/ and
// OTHER_ROOT's (another checkout, built with `npm run build`; e.g. `git worktree add ../old <commit>`,
// then `npm ci && npm run build` there). Each build trains its own 784-128-10 network (He init,
// batch 64, plain SGD lr 0.1, the 60,000 training images, augmented unless --plain, keepGrads
// false) and the two take turns epoch by epoch, ROUNDS times after a warm-up epoch each, so a spell
// of a busy shared machine falls on both sides alike. Prints each side's epochs, their medians and
// the median of the paired ratios (OTHER / this). A benchmark, not a test: the numbers depend on the
// machine and the moment; the ratio is what means something.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const other = args.find((a, i) => !a.startsWith('--') && !(i > 0 && ['--threads', '--rounds'].includes(args[i - 1])));
if (other === undefined) {
  process.stderr.write('usage: node scripts/compare-builds.mjs OTHER_ROOT [--threads N] [--rounds N] [--plain]\n');
  process.exit(2);
}
const threads = option('--threads', 2);
const rounds = option('--rounds', 8);
const augment = !args.includes('--plain');
const SPEC = { sizes: [784, 128, 10], activation: 'relu', loss: 'cross-entropy' };
const BATCH = 64;
const LR = 0.1;
const SCALE = 1 / 255;
const SEED = 42;

/** One build's network, with that build's own modules (each root is imported separately). */
async function side(root) {
  const dist = (path) => pathToFileURL(resolve(root, 'dist', path)).href;
  const { DEFAULT_AUGMENT } = await import(dist('data/augment.js'));
  const { augmentTransform } = await import(dist('training/train.js'));
  const { imageSeed } = await import(dist('model/transform.js'));
  const { loadSplit, locateMnist } = await import(dist('data/mnist.js'));
  const { createWasmNetwork } = await import(dist('engines/wasm/node.js'));
  const { initParams } = await import(dist('model/init.js'));
  const { Rng } = await import(dist('rng.js'));
  const transform = augmentTransform(DEFAULT_AUGMENT);
  const data = await loadSplit(locateMnist(), 'train');
  const net = await createWasmNetwork(SPEC, BATCH, { threads, transforms: [transform], keepGrads: false });
  const params = new Float32Array(net.params.length);
  initParams(params, SPEC, 'he', new Rng(SEED));
  net.importParams(params);
  return { root, net, data, transform, imageSeed, rng: new Rng(SEED), epoch: 0, times: [] };
}

/** One epoch as the training loop runs it; returns milliseconds. */
function runEpoch(s) {
  const n = s.data.count;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  s.rng.shuffle(order);
  const labels = new Uint8Array(BATCH);
  const t = augment ? { transform: s.transform, seed: s.imageSeed(SEED, s.epoch) } : null;
  const t0 = performance.now();
  for (let start = 0; start < n; start += BATCH) {
    const batch = Math.min(BATCH, n - start);
    s.net.loadBatch(s.data.images, order, start, batch, SCALE, t);
    for (let k = 0; k < batch; k++) labels[k] = s.data.labels[order[start + k]];
    s.net.forward(batch);
    s.net.loss(labels, batch);
    s.net.backward(labels, batch);
    s.net.step(LR);
  }
  s.epoch++;
  return performance.now() - t0;
}

const sides = [await side(resolve('.')), await side(resolve(other))];
for (const s of sides) runEpoch(s); // warm-up
for (let r = 0; r < rounds; r++) for (const s of sides) s.times.push(runEpoch(s));
for (const s of sides) await s.net.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${augment ? 'augmented' : 'plain'} epoch, ${threads} thread(s), ${rounds} alternating rounds:`);
for (const s of sides) console.log(`  ${s.root}: median ${median(s.times).toFixed(1)} ms; ${s.times.map((t) => t.toFixed(0)).join(', ')}`);
const ratios = sides[1].times.map((t, r) => t / sides[0].times[r]);
console.log(`  ${other} / this checkout, paired: median ${median(ratios).toFixed(3)} (${ratios.map((x) => x.toFixed(3)).join(', ')})`);
