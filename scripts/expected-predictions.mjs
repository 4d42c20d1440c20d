#!/usr/bin/env node
// Run: node scripts/expected-predictions.mjs MODEL.json OUT_PREFIX   (after npm install / npm run build)
// Writes what `mnist evaluate` predicts for each of the 10,000 MNIST test images (the embedded copy),
// computed the way evaluate computes it (same engine choice, same input scaling):
//   OUT_PREFIX.digits.u8          10,000 bytes, the predicted digit of each image
//   OUT_PREFIX.probabilities.f32  10,000 x 10 little-endian float32 softmax probabilities
// scripts/check_safetensors.py compares an exported safetensors file against these.
import { writeFileSync } from 'node:fs';
import { createNetwork } from '../dist/engines/index.js';
import { embeddedDataDir, loadSplit } from '../dist/data/mnist.js';
import { loadModel } from '../dist/io/model-file.js';

const [modelPath, prefix] = process.argv.slice(2);
if (!modelPath || !prefix) {
  console.error('usage: node scripts/expected-predictions.mjs MODEL.json OUT_PREFIX');
  process.exit(2);
}
const model = await loadModel(modelPath);
const test = await loadSplit({ kind: 'embedded', dir: embeddedDataDir(), label: 'embedded' }, 'test');
const sizes = model.architecture.sizes;
const classes = sizes[sizes.length - 1];
const BATCH = 500;
const { net, engine } = await createNetwork(model.architecture, BATCH, { engine: 'auto', notice: (line) => console.error(line) });
const probabilities = new Float32Array(test.count * classes);
try {
  net.importParams(model.params);
  for (let start = 0; start < test.count; start += BATCH) {
    const batch = Math.min(BATCH, test.count - start);
    net.loadBatch(test.images, null, start, batch, model.input.scale);
    probabilities.set(net.forward(batch).subarray(0, batch * classes), start * classes);
  }
} finally {
  await net.close();
}
const digits = new Uint8Array(test.count);
let correct = 0;
for (let n = 0; n < test.count; n++) {
  let best = 0;
  for (let k = 1; k < classes; k++) if (probabilities[n * classes + k] > probabilities[n * classes + best]) best = k;
  digits[n] = best;
  if (best === test.labels[n]) correct++;
}
writeFileSync(`${prefix}.digits.u8`, digits);
// Float32Array bytes are little-endian on every platform Node runs on that this project supports.
writeFileSync(`${prefix}.probabilities.f32`, new Uint8Array(probabilities.buffer));
console.error(`${modelPath}: ${correct}/${test.count} correct (${engine} engine); wrote ${prefix}.digits.u8 and ${prefix}.probabilities.f32`);
