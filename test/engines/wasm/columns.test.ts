/**
 * Layer 0's inputs as the weight gradient sees them (assembly/sparse.ts): each parameter chunk
 * gathers its pixels' columns (gatherColumns) from the rows' pixel bytes or input floats. Checked
 * against plain JavaScript, and training from the bytes against training from the input floats,
 * bit for bit. Uses the built wasm (npm run build).
 */

import { describe, expect, it } from 'vitest';
import { ReferenceMlp } from '../../../src/engines/reference/mlp.js';
import { createWasmNetwork } from '../../../src/engines/wasm/node.js';
import type { WasmMlp } from '../../../src/engines/wasm/mlp.js';
import { initParams } from '../../../src/model/init.js';
import type { NetworkSpec } from '../../../src/model/network.js';
import { Rng } from '../../../src/rng.js';
import { expectIdentical } from '../../helpers/compare.js';

/** `bytes` of fresh memory past the engine's: its address. */
function room(net: WasmMlp, bytes: number): number {
  const at = net.exports.memory.buffer.byteLength;
  net.exports.memory.grow(Math.ceil(bytes / 65536));
  return at;
}

function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** MNIST-like bytes: about a fifth nonzero, some rows blank, some all ink. */
function images(count: number, pixels: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(count * pixels);
  for (let n = 0; n < count; n++) {
    for (let p = 0; p < pixels; p++) {
      const v = n % 9 === 4 ? 0 : n % 13 === 6 ? 1 + Math.floor(rng.uniform() * 255) : rng.uniform() < 0.2 ? Math.floor(rng.uniform() * 256) : 0;
      out[n * pixels + p] = v;
    }
  }
  return out;
}

describe('layer 0 columns', () => {
  it('gatherColumns sets bit n of pixel i for each nonzero input and keeps its value, from pixel bytes or input floats', async () => {
    // 80 rows: two mask words per pixel. 100 pixels: ranges wider than 64, and ranges ending at the row's end.
    const pixels = 100;
    const maxBatch = 80;
    const net = await createWasmNetwork({ sizes: [pixels, 8, 3], activation: 'relu', loss: 'cross-entropy' }, maxBatch, { threads: 1 });
    try {
      const rng = new Rng(5);
      const batch = 77;
      const bytes = images(batch, pixels, rng);
      const scale = 1 / 255;
      const maskStride = net.layout.maskStride;
      expect(maskStride).toBe(16);
      const base = room(net, bytes.length + 4 * batch + 4 * 16 + 4 * maxBatch * pixels + pixels * (maskStride + 4 * maxBatch));
      const mem = () => net.exports.memory.buffer;
      new Uint8Array(mem(), base, bytes.length).set(bytes);
      const rowBytes = base + bytes.length;
      const xValid = rowBytes + 4 * batch;
      const x = xValid + 4 * 16;
      const masks = x + 4 * maxBatch * pixels;
      const vals = masks + pixels * maskStride;
      // Rows are in reverse order in memory; chunks 1 and 4 (rows 8-15, 32-39) come from floats instead.
      new Int32Array(mem(), rowBytes, batch).set(Array.from({ length: batch }, (_, n) => base + (batch - 1 - n) * pixels));
      new Int32Array(mem(), xValid, 10).set([0, 1, 0, 0, 1, 0, 0, 0, 0, 0]);
      const floats = new Float32Array(mem(), x, maxBatch * pixels);
      const input = (n: number, i: number): number => {
        const chunk = Math.floor(n / 8);
        if (chunk === 1 || chunk === 4) return floats[n * pixels + i];
        return Math.fround(bytes[(batch - 1 - n) * pixels + i] * scale);
      };
      for (let n = 0; n < batch; n++) {
        for (let i = 0; i < pixels; i++) floats[n * pixels + i] = i % 5 === 0 ? 0 : rng.normal();
      }
      for (const [i0, i1] of [[0, 49], [49, 100], [30, 31], [0, 64], [10, 75], [0, 100], [36, 100]]) {
        new Uint8Array(mem(), masks, pixels * maskStride).fill(0xff);
        net.exports.gatherColumns(masks, vals, i0, i1, batch, maxBatch, maskStride, x, pixels, rowBytes, xValid, scale);
        const m = new BigUint64Array(mem(), masks, (pixels * maskStride) / 8);
        const v = new Float32Array(mem(), vals, pixels * maxBatch);
        for (let i = i0; i < i1; i++) {
          let expected = 0n;
          for (let n = 0; n < batch; n++) {
            const value = input(n, i);
            if (value !== 0) {
              expected |= 1n << BigInt(n);
              expect(v[(i - i0) * maxBatch + n], `value of row ${n}, pixel ${i}`).toBe(value);
            }
          }
          const got = m[(i - i0) * 2] | (m[(i - i0) * 2 + 1] << 64n);
          expect(got, `mask of pixel ${i}, range ${i0}..${i1}`).toBe(expected);
        }
      }
    } finally {
      await net.close();
    }
  });

  it('a batch trained from its pixel bytes gives the bits of the same batch trained from its input floats', async () => {
    // From the bytes: a dataset kept in the memory (read in place), a small array staged batch by
    // batch, and a batch whose middle chunk is all ink (that chunk's rows are converted for the dense
    // kernel, so its columns come from the floats). From the floats: the same loads with the input
    // read back first, which converts every row.
    const spec: NetworkSpec = { sizes: [784, 48, 10], activation: 'relu', loss: 'cross-entropy' };
    const rng = new Rng(31);
    const dataset = images(300, 784, rng);
    for (let p = 0; p < 8 * 784; p++) dataset[16 * 784 + p] = 1 + (p % 255);
    const small = dataset.slice(0, 40 * 784);
    const order = Uint32Array.from({ length: 300 }, (_, i) => i);
    const labels = Uint8Array.from({ length: 300 }, () => rng.int(10));
    const params = new Float32Array(new ReferenceMlp(spec, 1).params.length);
    initParams(params, spec, 'he', new Rng(32));
    const loads: [Uint8Array, Uint32Array | null, number, number][] = [
      [dataset, null, 0, 64], [dataset, order.map((i) => (i * 7) % 300), 64, 64], [small, null, 3, 37], [dataset, null, 299, 1],
    ];
    async function train(readInput: boolean, threads: number): Promise<{ grads: Float32Array[]; params: Float32Array }> {
      const net = await createWasmNetwork(spec, 64, { threads });
      try {
        net.importParams(params);
        const grads: Float32Array[] = [];
        for (const [images, rows, start, batch] of loads) {
          net.loadBatch(images, rows, start, batch, 1 / 255);
          if (readInput) void net.input;
          const rowLabels = Uint8Array.from({ length: batch }, (_, n) => labels[rows === null ? start + n : rows[start + n]]);
          net.forward(batch);
          net.backward(rowLabels, batch);
          grads.push(net.exportGrads());
          net.step(0.3);
        }
        return { grads, params: net.exportParams() };
      } finally {
        await net.close();
      }
    }
    const floats = await train(true, 1);
    for (const threads of [1, 2]) {
      const fromBytes = await train(false, threads);
      fromBytes.grads.forEach((g, k) => expectIdentical(bits(g), bits(floats.grads[k]), `gradients of load ${k}, ${threads} thread(s)`));
      expectIdentical(bits(fromBytes.params), bits(floats.params), `weights, ${threads} thread(s)`);
    }
  });
});
