// The safetensors export, read back by a reader written from the published format
// (test/helpers/exports.ts) and run through a plain forward pass on all 10,000 MNIST test images
// against the project's own (test/cli/export.test.ts does that for trained models of every
// activation). Python's real safetensors library checks it too, in .ci/run
// (scripts/check-safetensors.sh).
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddedDataDir, loadSplit } from '../../src/data/mnist.js';
import { toSafetensors, torchSequential } from '../../src/io/safetensors.js';
import type { NetworkSpec } from '../../src/model/network.js';
import type { Dataset } from '../../src/data/split.js';
import { expectClose, expectIdentical } from '../helpers/compare.js';
import { expectSameDigits, forwardFloat64, projectProbabilities, readSafetensors } from '../helpers/exports.js';
import { makeModel } from '../helpers/model-fixture.js';

let test: Dataset;
beforeAll(async () => {
  test = await loadSplit({ kind: 'embedded', dir: embeddedDataDir(), label: 'embedded' }, 'test');
});

describe('safetensors export: the file', () => {
  const spec: NetworkSpec = { sizes: [784, 12, 8, 10], activation: 'tanh', loss: 'cross-entropy' };
  const model = makeModel(spec, 3);
  const bytes = toSafetensors(model);
  const file = readSafetensors(bytes);

  it('names tensors as nn.Sequential(Linear, act, Linear, act, Linear) does, (out, in) F32, in layer order', () => {
    expect([...file.tensors.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    expect([...file.tensors.values()].map((t) => [t.dtype, t.shape])).toEqual([
      ['F32', [12, 784]], ['F32', [12]], ['F32', [8, 12]], ['F32', [8]], ['F32', [10, 8]], ['F32', [10]],
    ]);
  });

  it('holds exactly the model\'s float32 parameters, bit for bit', () => {
    const all = new Float32Array(model.params.length);
    let at = 0;
    for (const t of file.tensors.values()) {
      all.set(t.values, at);
      at += t.values.length;
    }
    expectIdentical(all, model.params, 'parameters');
  });

  it('carries the architecture, activation, input scale and the matching PyTorch module as string metadata', () => {
    expect(file.metadata).toMatchObject({
      format: 'pt',
      architecture: '784-12-8-10',
      activation: 'tanh',
      input_scale: String(1 / 255),
      input_width: '28',
      input_height: '28',
      partial: 'false',
      pytorch: 'nn.Sequential(nn.Linear(784, 12), nn.Tanh(), nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 10))',
    });
  });

  it('pads the JSON header with spaces to a multiple of 8 bytes, so the data is aligned', () => {
    expect(file.headerLength % 8).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + file.headerLength))).toMatch(/^\{.*\} *$/s);
  });

  it('the test reader rejects what the format forbids (so it can be trusted as the check)', () => {
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/cover \d+ bytes but the data section has/);
    expect(() => readSafetensors(bytes.subarray(0, 20))).toThrow(/runs past the end/);
    const bad = (edit: (header: Record<string, any>) => void) => {
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + file.headerLength)));
      edit(header);
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + bytes.length - 8 - file.headerLength);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(bytes.subarray(8 + file.headerLength), 8 + json.length);
      return () => readSafetensors(out);
    };
    expect(bad(() => undefined)).not.toThrow();
    expect(bad((h) => (h['0.bias'].data_offsets[1] += 4))).toThrow(/hold 52 bytes, shape \[12\] of F32 needs 48/);
    expect(bad((h) => (h.__metadata__.partial = false))).toThrow(/__metadata__.partial is not a string/);
    expect(bad((h) => ([h['0.bias'].data_offsets, h['2.bias'].data_offsets] = [h['2.bias'].data_offsets, h['0.bias'].data_offsets]))).toThrow(/needs|expected/);
  });
});

describe('safetensors export: a forward pass from the file alone, on the 10,000 test images', () => {
  const specs: NetworkSpec[] = [
    { sizes: [784, 10], activation: 'relu', loss: 'cross-entropy' },
  ];
  for (const spec of specs) {
    it(`${spec.sizes.join('-')} ${spec.activation}: same digit as the project for every image, probabilities within 1e-5`, async () => {
      const model = makeModel(spec, 7); // a seed without near-ties (see expectSameDigits)
      const file = readSafetensors(toSafetensors(model));
      // Everything comes from the file: the layers by name, the activation and scale from the metadata.
      const sizes = file.metadata.architecture.split('-').map(Number);
      const layers = sizes.slice(1).map((_, l) => ({ weight: file.tensors.get(`${2 * l}.weight`)!.values, bias: file.tensors.get(`${2 * l}.bias`)!.values }));
      const { probabilities } = forwardFloat64(layers, file.metadata.activation, test, Number(file.metadata.input_scale));
      const ours = await projectProbabilities(model, test);
      expectSameDigits(probabilities, ours, 10, 'safetensors forward digits');
      expectClose(probabilities, ours, { atol: 1e-5, rtol: 0 }, 'safetensors forward vs project probabilities');
    });
  }
});

describe('torchSequential', () => {
  it('puts an activation module between Linear layers and none after the last', () => {
    expect(torchSequential([784, 10], 'relu')).toBe('nn.Sequential(nn.Linear(784, 10))');
    expect(torchSequential([784, 128, 10], 'relu')).toBe('nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))');
    expect(torchSequential([784, 5, 10], 'sigmoid')).toBe('nn.Sequential(nn.Linear(784, 5), nn.Sigmoid(), nn.Linear(5, 10))');
  });
});
