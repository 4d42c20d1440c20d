// Run: npm run bench            (builds, then times the default network; add -- --json for scripts)
//      node scripts/bench.mjs [--json] [--epochs N] [--threads N] [--ref-steps N] [--epoch-only]
// Benchmark (not a test) of one training epoch of 784-128-10 ReLU, softmax cross-entropy, He init,
// plain SGD lr 0.1, batch 64, shuffled, on the 60,000 MNIST training images: the same settings as
// scripts/numpy_mlp.py (compared by scripts/compare-numpy.sh). Prints the fast engine's seconds per epoch, images/s and achieved
// GFLOP/s (dense-equivalent: the arithmetic a dense engine does, ~24.5 GFLOP per epoch here), the
// time of each kernel (measured by running one single-thread epoch kernel by kernel), and the same
// for the reference engine (timed on --ref-steps steps and extrapolated: it takes ~30 s an epoch).
// Uses the built dist/: `npm run build` first (npm run bench does).

import { performance } from 'node:perf_hooks';
import { loadSplit, locateMnist } from '../dist/data/mnist.js';
import * as K from '../dist/engines/reference/kernels.js';
import { ReferenceMlp } from '../dist/engines/reference/mlp.js';
import { createWasmNetwork, defaultThreads } from '../dist/engines/wasm/node.js';
import { initParams } from '../dist/model/init.js';
import { Rng } from '../dist/rng.js';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const json = flag('--json');
const epochs = value('--epochs', 1);
const threads = value('--threads', defaultThreads());
const refSteps = value('--ref-steps', 200);
const epochOnly = flag('--epoch-only');

const SPEC = { sizes: [784, 128, 10], activation: 'relu', loss: 'cross-entropy' };
const BATCH = 64;
const LR = 0.1;
const SCALE = 1 / 255;
const SEED = 42;

const log = (line) => {
  if (!json) process.stdout.write(`${line}\n`);
};

/** Dense-equivalent flops of one image's step: forward and weight gradient of every layer, input gradient of layers 1.. */
function flopsPerImage(sizes) {
  let f = 0;
  for (let l = 0; l + 1 < sizes.length; l++) f += 2 * sizes[l] * sizes[l + 1] * (l === 0 ? 2 : 3);
  return f;
}

const train = await loadSplit(locateMnist(), 'train');
const N = train.count;
const steps = Math.ceil(N / BATCH);
const epochFlops = flopsPerImage(SPEC.sizes) * N;

function initialParams() {
  const p = new Float32Array(SPEC.sizes.reduce((s, n, i) => (i ? s + SPEC.sizes[i - 1] * n + n : 0), 0));
  initParams(p, SPEC, 'he', new Rng(SEED));
  return p;
}

/** One epoch the way the training loop runs it (fill, forward, loss, backward, step); returns seconds and mean loss. */
function runEpoch(net, order, rng, labels, maxSteps = steps) {
  for (let i = 0; i < N; i++) order[i] = i;
  rng.shuffle(order);
  let lossSum = 0;
  let seen = 0;
  const t0 = performance.now();
  for (let s = 0; s < maxSteps; s++) {
    const start = s * BATCH;
    const batch = Math.min(BATCH, N - start);
    net.loadBatch(train.images, order, start, batch, SCALE);
    for (let n = 0; n < batch; n++) labels[n] = train.labels[order[start + n]];
    net.forward(batch);
    lossSum += net.loss(labels, batch) * batch;
    net.backward(labels, batch);
    net.step(LR);
    seen += batch;
  }
  return { seconds: (performance.now() - t0) / 1000, loss: lossSum / seen, steps: maxSteps };
}

async function fastEpochs() {
  const net = await createWasmNetwork(SPEC, BATCH, { threads });
  net.importParams(initialParams());
  const order = new Uint32Array(N);
  const labels = new Uint8Array(BATCH);
  const rng = new Rng(SEED);
  const results = [];
  for (let e = 0; e < epochs; e++) results.push(runEpoch(net, order, rng, labels));
  await net.close();
  return results;
}

/**
 * One single-thread epoch (after a warm-up) computed kernel by kernel (the same calls, in the same order, as the
 * wasm's forwardRows/backwardRows/backwardParams for this 2-layer network), timing each.
 */
async function kernelProfile() {
  const net = await createWasmNetwork(SPEC, BATCH, { threads: 1 });
  net.importParams(initialParams());
  const x = net.exports;
  const L = net.layout;
  const [l0, l1] = L.layers;
  const in0 = l0.inDim, out0 = l0.outDim, classes = l1.outDim;
  const W0 = L.params + 4 * l0.weightOffset, b0 = L.params + 4 * l0.biasOffset;
  const W1 = L.params + 4 * l1.weightOffset, b1 = L.params + 4 * l1.biasOffset;
  const dW0 = L.grads + 4 * l0.weightOffset, dB0 = L.grads + 4 * l0.biasOffset;
  const dW1 = L.grads + 4 * l1.weightOffset, dB1 = L.grads + 4 * l1.biasOffset;
  const order = new Uint32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  new Rng(SEED).shuffle(order);
  const labels = new Uint8Array(BATCH);
  const names = [
    'loadBatch (bytes -> floats)', 'scan nonzeros (layer 0)', 'layer 0 forward (sparse, +bias, relu)',
    'layer 1 forward (dot, +bias)', 'softmax', 'loss (JS)', 'output gradient', 'layer 1 input grad (* relu\')',
    'layer 1 weight + bias grad', 'layer 0 weight grad (sparse)', 'layer 0 bias grad', 'SGD update',
  ];
  const ms = new Float64Array(names.length);
  const labelBytes = new Uint8Array(x.memory.buffer, L.labels, BATCH);
  let t = 0;
  const lap = (k) => {
    const now = performance.now();
    ms[k] += now - t;
    t = now;
  };
  // 100 untimed steps first, so every kernel runs optimised code (V8 tiers wasm up after a while).
  const warmup = 100;
  let t0 = 0;
  for (let s = -warmup; s < steps; s++) {
    if (s === 0) {
      ms.fill(0);
      t0 = performance.now();
    }
    const start = ((s + steps) % steps) * BATCH;
    const batch = Math.min(BATCH, N - start);
    for (let n = 0; n < batch; n++) labels[n] = labelBytes[n] = train.labels[order[start + n]];
    t = performance.now();
    net.loadBatch(train.images, order, start, batch, SCALE); lap(0);
    for (let c = 0; c * 8 < batch; c++) {
      x.scanRows(L.input, 8 * c, Math.min(8 * c + 8, batch), c, in0, out0, BATCH, L.csrPairs, L.csrPix, L.csrNnz, L.csrStride, L.colMask, L.maskStride, L.colVal, 2048);
    }
    lap(1);
    x.sparseForward(l0.a, W0, b0, 0, batch, out0, L.csrPairs, L.csrNnz, L.csrStride, 0); lap(2);
    x.gemmDot(L.logits, classes, l0.a, out0, W1, out0, batch, classes, b1); lap(3);
    x.softmaxRows(l1.a, L.logits, L.rowMax, L.rowSum, 0, batch, classes); lap(4);
    net.loss(labels, batch); lap(5);
    x.outputGradRows(l1.dZ, l1.a, L.labels, 0, batch, batch, classes, 0, 0); lap(6);
    x.gemmAxpy(l0.dZ, out0, l1.dZ, classes, 1, W1, out0, batch, out0, classes, 0, 2, 0, l0.a, out0); lap(7);
    x.gemmAxpy(dW1, out0, l1.dZ, 1, classes, l0.a, out0, classes, out0, batch, 0, 0, 0, 0, 0);
    x.biasGrad(dB1, l1.dZ, 0, classes, classes, batch); lap(8);
    x.sparseWeightGrad(dW0, l0.dZ, 0, out0, in0, out0, BATCH, L.colMask, L.maskStride, L.colVal, batch); lap(9);
    x.biasGrad(dB0, l0.dZ, 0, out0, out0, batch); lap(10);
    x.sgdRange(L.params, L.grads, 0, L.paramCount, LR); lap(11);
  }
  const total = (performance.now() - t0) / 1000;
  return { total, kernels: names.map((name, k) => ({ name, seconds: ms[k] / 1000 })) };
}

/**
 * The reference engine's kernels (engines/reference/kernels.ts, as ReferenceMlp calls them) timed one by one
 * over the first `refSteps` steps of an epoch, then scaled to the whole epoch.
 */
function referenceKernelProfile() {
  const [in0, hid, classes] = SPEC.sizes;
  const layout = paramLayoutOf(SPEC.sizes);
  const params = initialParams();
  const grads = new Float32Array(params.length);
  const W0 = params.subarray(0, in0 * hid), b0 = params.subarray(in0 * hid, layout.l1);
  const W1 = params.subarray(layout.l1, layout.l1 + hid * classes), b1 = params.subarray(layout.l1 + hid * classes);
  const dW0 = grads.subarray(0, in0 * hid), dB0 = grads.subarray(in0 * hid, layout.l1);
  const dW1 = grads.subarray(layout.l1, layout.l1 + hid * classes), dB1 = grads.subarray(layout.l1 + hid * classes);
  const x = new Float32Array(BATCH * in0), z0 = new Float32Array(BATCH * hid), a0 = new Float32Array(BATCH * hid);
  const z1 = new Float32Array(BATCH * classes), p = new Float32Array(BATCH * classes);
  const dA0 = new Float32Array(BATCH * hid), dZ0 = new Float32Array(BATCH * hid), dZ1 = new Float32Array(BATCH * classes);
  const labels = new Uint8Array(BATCH);
  const order = new Uint32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  new Rng(SEED).shuffle(order);
  const names = [
    'bytesToInputs (bytes -> floats)', 'layer 0 forward (denseForward)', 'relu', 'layer 1 forward (denseForward)',
    'softmax + cross-entropy', 'output gradient', 'layer 1 backward (denseBackward)', "relu'",
    'layer 0 backward (denseBackward)', 'SGD update (sgdUpdate)',
  ];
  const ms = new Float64Array(names.length);
  let t = 0;
  const lap = (k) => {
    const now = performance.now();
    ms[k] += now - t;
    t = now;
  };
  const measured = Math.min(refSteps, steps);
  const t0 = performance.now();
  for (let s = 0; s < measured; s++) {
    const batch = Math.min(BATCH, N - s * BATCH);
    t = performance.now();
    K.bytesToInputs(x, train.images, order, s * BATCH, batch, in0, SCALE);
    for (let n = 0; n < batch; n++) labels[n] = train.labels[order[s * BATCH + n]];
    lap(0);
    K.denseForward(z0, x, W0, b0, batch, in0, hid); lap(1);
    K.reluForward(a0, z0, batch * hid); lap(2);
    K.denseForward(z1, a0, W1, b1, batch, hid, classes); lap(3);
    K.softmaxCrossEntropyForward(p, z1, labels, batch, classes); lap(4);
    grads.fill(0); dZ1.fill(0); dA0.fill(0); dZ0.fill(0);
    K.softmaxCrossEntropyBackward(dZ1, p, labels, batch, classes); lap(5);
    K.denseBackward(dA0, dW1, dB1, dZ1, a0, W1, batch, hid, classes); lap(6);
    K.reluBackward(dZ0, dA0, a0, batch * hid); lap(7);
    K.denseBackward(null, dW0, dB0, dZ0, x, W0, batch, in0, hid); lap(8);
    K.sgdUpdate(params, grads, LR, params.length); lap(9);
  }
  const scale = steps / measured;
  return {
    measuredSteps: measured,
    epochSecondsEstimated: ((performance.now() - t0) / 1000) * scale,
    kernels: names.map((name, k) => ({ name, seconds: (ms[k] / 1000) * scale })),
  };
}

function paramLayoutOf(sizes) {
  return { l1: sizes[0] * sizes[1] + sizes[1] };
}

async function referenceEstimate() {
  const net = new ReferenceMlp(SPEC, BATCH);
  net.importParams(initialParams());
  const r = runEpoch(net, new Uint32Array(N), new Rng(SEED), new Uint8Array(BATCH), Math.min(refSteps, steps));
  return { seconds: (r.seconds * steps) / r.steps, measuredSteps: r.steps };
}

const fast = await fastEpochs();
const secs = fast.map((r) => r.seconds).sort((a, b) => a - b);
const median = secs[Math.floor(secs.length / 2)];
const report = {
  network: '784-128-10 relu, cross-entropy, He init, SGD lr 0.1, batch 64, 60,000 images',
  threads,
  fast: {
    epochSeconds: fast.map((r) => r.seconds),
    medianEpochSeconds: median,
    imagesPerSecond: N / median,
    denseEquivalentGflopPerEpoch: epochFlops / 1e9,
    gflopPerSecond: epochFlops / 1e9 / median,
    trainLoss: fast.map((r) => r.loss),
  },
};
log(`fast engine, ${threads} thread(s): ${fast.map((r) => r.seconds.toFixed(3)).join(', ')} s/epoch; median ${median.toFixed(3)} s`);
log(`  ${Math.round(N / median).toLocaleString('en-US')} images/s, ${(epochFlops / 1e9 / median).toFixed(1)} GFLOP/s dense-equivalent (${(epochFlops / 1e9).toFixed(1)} GFLOP/epoch if every product were dense)`);
if (!epochOnly) {
  const profile = await kernelProfile();
  report.kernelProfile = profile;
  log(`kernel profile (1 thread, one epoch kernel by kernel, total ${profile.total.toFixed(3)} s incl. timer overhead):`);
  for (const k of profile.kernels) log(`  ${k.name.padEnd(40)} ${(k.seconds * 1000).toFixed(1).padStart(7)} ms  ${((100 * k.seconds) / profile.total).toFixed(1).padStart(5)}%`);
  const ref = await referenceEstimate();
  report.reference = {
    epochSecondsEstimated: ref.seconds,
    measuredSteps: ref.measuredSteps,
    imagesPerSecond: N / ref.seconds,
    gflopPerSecond: epochFlops / 1e9 / ref.seconds,
  };
  log(`reference engine: ~${ref.seconds.toFixed(1)} s/epoch (${ref.measuredSteps} steps timed, extrapolated to ${steps}), ${Math.round(N / ref.seconds).toLocaleString('en-US')} images/s, ${(epochFlops / 1e9 / ref.seconds).toFixed(2)} GFLOP/s`);
  log(`fast / reference: ${(median / ref.seconds).toFixed(3)} (${(ref.seconds / median).toFixed(0)}x faster)`);
  const refProfile = referenceKernelProfile();
  report.reference.kernelProfile = refProfile;
  log(`reference kernel profile (${refProfile.measuredSteps} steps timed kernel by kernel, scaled to one epoch: ${refProfile.epochSecondsEstimated.toFixed(1)} s):`);
  for (const k of refProfile.kernels) log(`  ${k.name.padEnd(40)} ${k.seconds.toFixed(2).padStart(7)} s   ${((100 * k.seconds) / refProfile.epochSecondsEstimated).toFixed(1).padStart(5)}%`);
}
if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
