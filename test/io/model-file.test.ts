import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.js';
import { writeFileAtomic } from '../../src/files/atomic.js';
import { float32ToString, loadModel, parseModel, saveModel, serializeModel } from '../../src/io/model-file.js';
import { createReferenceNetwork } from '../../src/engines/reference/mlp.js';
import { expectIdentical } from '../helpers/compare.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { makeModel } from '../helpers/model-fixture.js';

describe('float32ToString', () => {
  it('reads back to exactly the same float32 for random, tiny, huge and subnormal values', () => {
    const rng = new Rng(11);
    const values = new Float32Array(20_000);
    for (let i = 0; i < values.length; i++) values[i] = rng.normal() * 10 ** (rng.int(20) - 10);
    values.set([1.401298464324817e-45, 1.1754942106924411e-38, 3.4028234663852886e38, -0.1, 1 / 3, 0]);
    for (const v of values) expect(Math.fround(Number(float32ToString(v)))).toBe(v);
  });

  it('writes what rounding to 6, 7, 8 or 9 digits with toPrecision writes: random floats of every exponent, powers of 10 and their neighbours, trained-weight sizes', () => {
    // The definition, written the slow way (toPrecision for every digit count).
    const byToPrecision = (x: number): string => {
      if (x === 0) return '0';
      for (let p = 6; p < 9; p++) {
        const s = x.toPrecision(p);
        if (Math.fround(Number(s)) === x) return String(Number(s));
      }
      return String(Number(x.toPrecision(9)));
    };
    const rng = new Rng(12);
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    const values: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      bits[0] = rng.nextUint32(); // any float32: every exponent, both signs
      if (Number.isFinite(asFloat[0])) values.push(asFloat[0]);
    }
    for (let i = 0; i < 20_000; i++) values.push(Math.fround(rng.normal() * 0.05)); // weights
    for (let k = -45; k <= 38; k++) {
      const p = Math.fround(10 ** k);
      bits[0] = new Uint32Array(new Float32Array([p]).buffer)[0];
      for (let d = -3; d <= 3; d++) {
        const near = new Float32Array(new Uint32Array([bits[0] + d]).buffer)[0];
        values.push(near, -near);
      }
    }
    // Halfway cases, exact in float32, at 6, 7 and 8 significant digits (toPrecision rounds them
    // away from zero), both signs; and short exact values.
    for (const tie of [123456.5, 1234567.5, 1234567.25, 0.5, 0.125, 0.0625]) values.push(tie, -tie);
    for (const v of values) {
      const x = Math.fround(v);
      expect(float32ToString(x), `${x}`).toBe(byToPrecision(x));
    }
  });

  it('writes short decimals for short values', () => {
    expect(float32ToString(Math.fround(0.1))).toBe('0.1');
    expect(float32ToString(Math.fround(-2.5))).toBe('-2.5');
  });
});

describe('model file', () => {
  it('save -> load gives bit-identical parameters and identical predictions', async () => {
    const model = makeModel();
    const path = join(tempDir(), 'model.json');
    await saveModel(path, model);
    const loaded = await loadModel(path);
    expectIdentical(loaded.params, model.params, 'params');
    expect(loaded.architecture).toEqual(model.architecture);
    expect(loaded.metrics).toEqual(model.metrics);
    expect(loaded.training).toEqual(model.training);

    const a = createReferenceNetwork(model.architecture, 4);
    const b = createReferenceNetwork(loaded.architecture, 4);
    a.importParams(model.params);
    b.importParams(loaded.params);
    const rng = new Rng(2);
    for (let i = 0; i < a.input.length; i++) a.input[i] = b.input[i] = rng.uniform();
    expectIdentical(b.forward(4), a.forward(4), 'probabilities');
  });

  it('stores weights as named plain number arrays', () => {
    const doc = JSON.parse(serializeModel(makeModel()));
    expect(Object.keys(doc.weights)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    expect(doc.weights['layers.0.weight']).toHaveLength(16 * 784);
    expect(doc.format).toBe('mnist-mlp');
    expect(doc.version).toBe(1);
  });

  const corrupt = (mutate: (doc: any) => void): string => {
    const doc = JSON.parse(serializeModel(makeModel()));
    mutate(doc);
    return JSON.stringify(doc);
  };

  it.each([
    ['not JSON', '{"format": "mnist-mlp",', /m\.json: not valid JSON/],
    ['another format', corrupt((d) => (d.format = 'keras')), /m\.json: format is "keras", expected "mnist-mlp"/],
    ['a newer version', corrupt((d) => (d.version = 2)), /version is 2, newer than this mnist-mlp reads \(1\); upgrade/],
    ['a missing architecture', corrupt((d) => delete d.architecture), /architecture is missing/],
    ['an unknown activation', corrupt((d) => (d.architecture.activation = 'gelu')), /architecture\.activation is "gelu", expected one of relu, sigmoid, tanh/],
    ['a wrong weight length', corrupt((d) => d.weights['layers.1.bias'].pop()), /weights\["layers\.1\.bias"\] has 9 values, expected 10 \(10\) for architecture 784-16-10/],
    ['sizes that do not match the weights', corrupt((d) => (d.architecture.sizes = [784, 17, 10])), /weights\["layers\.0\.weight"\] has 12544 values, expected 13328 \(17x784\)/],
    ['a non-finite weight', corrupt((d) => (d.weights['layers.0.weight'][5] = null)), /weights\["layers\.0\.weight"\]\[5\] must be a finite float32 number .*, got null/],
    ['a weight finite as a double but not as float32', corrupt((d) => (d.weights['layers.0.weight'][7] = 1e39)), /weights\["layers\.0\.weight"\]\[7\] must be a finite float32 number .*, got 1e\+39/],
    ['an extra weight', corrupt((d) => (d.weights['layers.2.weight'] = [1])), /weights\["layers\.2\.weight"\] is not a layer of architecture/],
    ['a bad input size', corrupt((d) => (d.input.width = 20)), /input\.width is 20, expected 28 \(MNIST's images are 28x28\)/],
    ['an input of 3136 pixels', corrupt((d) => (d.architecture.sizes = [3136, 16, 10])), /architecture\.sizes\[0\] is 3136, expected 784 inputs \(28x28 pixels/],
    ['an input of 100 pixels', corrupt((d) => (d.architecture.sizes = [100, 16, 10])), /architecture\.sizes\[0\] is 100, expected 784 inputs/],
    ['an output layer of 3 units', corrupt((d) => (d.architecture.sizes = [784, 16, 3])), /architecture\.sizes\[2\] is 3, expected 10 outputs \(one per digit 0-9\)/],
    ['an output layer of 1000 units', corrupt((d) => (d.architecture.sizes = [784, 16, 1000])), /architecture\.sizes\[2\] is 1000, expected 10 outputs/],
    ['sizes 784-1000000-1000000-10', corrupt((d) => (d.architecture.sizes = [784, 1000000, 1000000, 10])), /architecture\.sizes\[1\] is 1000000, more than the 16384 units a hidden layer may have/],
    ['more parameters than the trainer allows', corrupt((d) => (d.architecture.sizes = [784, 16384, 16384, 10])), /architecture\.sizes 784-16384-16384-10 has 281,477,130 parameters, more than the 16,000,000/],
    ['an input.scale of 1e300', corrupt((d) => (d.input.scale = 1e300)), /input\.scale is 1e\+300, expected a pixel scale between 0\.000001 and 1/],
    ['an input.scale of 0', corrupt((d) => (d.input.scale = 0)), /input\.scale is 0, expected a pixel scale/],
    ['a value nested 100,000 arrays deep', corrupt((d) => (d.architecture.sizes[1] = 'DEEP')).replace('"DEEP"', '['.repeat(100_000) + ']'.repeat(100_000)), /architecture\.sizes\[1\] must be a positive integer, got an array of 1 item$/],
    ['a huge string where a name belongs', corrupt((d) => (d.architecture.activation = 'x'.repeat(100_000))), /architecture\.activation is "x{40}…", expected one of/],
    ['a bad checksum', corrupt((d) => (d.data.sha256.x = 'abc')), /data\.sha256\["x"\] must be a 64-digit hex SHA-256/],
    ['a bad epoch record', corrupt((d) => (d.metrics.epochs[0].trainLoss = 'low')), /metrics\.epochs\[0\]\.trainLoss must be a finite number/],
  ])('rejects %s and names the field', (_what, text, message) => {
    expect(() => parseModel(text as string, 'm.json')).toThrow(message as RegExp);
  });

  it('says when the file does not exist', async () => {
    await expect(loadModel(join(tempDir(), 'none.json'))).rejects.toThrow(/no such file\. Train a model first/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file behind', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('leaves the old file untouched and no temp file when writing fails', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old');
    // A value that cannot be written: writeFile rejects a non-string, non-buffer argument.
    await expect(writeFileAtomic(path, 42 as unknown as string)).rejects.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.json']);
  });
});
