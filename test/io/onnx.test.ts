// The ONNX export: its structure read back with an independent protobuf reader, and the file run
// by the real ONNX Runtime on all 10,000 MNIST test images against the project's own forward pass,
// here for the depths the trained models of test/cli/export.test.ts (every activation) leave out.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddedDataDir, loadSplit } from '../../src/data/mnist.js';
import { toOnnx } from '../../src/io/onnx.js';
import { toSafetensors } from '../../src/io/safetensors.js';
import type { NetworkSpec } from '../../src/model/network.js';
import type { Dataset } from '../../src/data/split.js';
import { expectClose } from '../helpers/compare.js';
import { type DenseLayer, expectSameDigits, forwardFloat64, loadOnnxRuntime, projectProbabilities, runOnnx, scaledInputs } from '../helpers/exports.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { makeModel } from '../helpers/model-fixture.js';
import { decodeMessage, messageFields, stringFields, uintField } from '../helpers/protobuf-reader.js';

const ort = loadOnnxRuntime();
let test: Dataset;
let dir: string;
beforeAll(async () => {
  test = await loadSplit({ kind: 'embedded', dir: embeddedDataDir(), label: 'embedded' }, 'test');
  dir = tempDir('mnist-onnx-');
});

describe('ONNX export: the protobuf', () => {
  const model = makeModel({ sizes: [784, 16, 10], activation: 'relu', loss: 'cross-entropy' });
  const file = decodeMessage(toOnnx(model));

  it('is IR version 7 with opset 13 of the default domain, and documents the input scaling', () => {
    expect(uintField(file, 1)).toBe(7);
    const [opset] = messageFields(file, 8);
    expect(stringFields(opset, 1)).toEqual(['']);
    expect(uintField(opset, 2)).toBe(13);
    expect(stringFields(file, 2)).toEqual(['mnist-mlp']);
    expect(stringFields(file, 6)[0]).toMatch(/float32 \[N, 784\].*multiplied by 0\.00392156862745098/);
    const props = Object.fromEntries(messageFields(file, 14).map((p) => [stringFields(p, 1)[0], stringFields(p, 2)[0]]));
    expect(props).toMatchObject({ architecture: '784-16-10', activation: 'relu', input_scale: String(1 / 255), partial: 'false' });
  });

  it('is Gemm(transB=1) + activation per layer, then Softmax(axis=1), wired input -> logits -> probabilities', () => {
    const [graph] = messageFields(file, 7);
    const nodes = messageFields(graph, 1).map((n) => ({
      inputs: stringFields(n, 1),
      outputs: stringFields(n, 2),
      op: stringFields(n, 4)[0],
      attributes: Object.fromEntries(messageFields(n, 5).map((a) => [stringFields(a, 1)[0], { i: uintField(a, 3), type: uintField(a, 20) }])),
    }));
    expect(nodes.map((n) => n.op)).toEqual(['Gemm', 'Relu', 'Gemm', 'Softmax']);
    expect(nodes[0]).toMatchObject({ inputs: ['input', 'layers.0.weight', 'layers.0.bias'], attributes: { transB: { i: 1, type: 2 } } });
    expect(nodes[1].inputs).toEqual(nodes[0].outputs);
    expect(nodes[2]).toMatchObject({ inputs: [nodes[1].outputs[0], 'layers.1.weight', 'layers.1.bias'], outputs: ['logits'] });
    expect(nodes[3]).toMatchObject({ inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: { i: 1, type: 2 } } });
  });

  it('stores each weight as a float32 initializer with the layer\'s (out, in) dims and the exact bits', () => {
    const [graph] = messageFields(file, 7);
    const initializers = messageFields(graph, 5);
    expect(initializers.map((t) => stringFields(t, 8)[0])).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    expect(initializers.map((t) => t.get(1))).toEqual([[16, 784], [16], [10, 16], [10]]);
    expect(initializers.every((t) => uintField(t, 2) === 1)).toBe(true); // FLOAT
    const raw = Buffer.concat(initializers.map((t) => t.get(9)![0] as Uint8Array));
    expect(Buffer.compare(raw, Buffer.from(model.params.buffer, model.params.byteOffset, model.params.byteLength))).toBe(0);
  });

  it('declares input [N, 784] and outputs probabilities, logits [N, 10], all float32', () => {
    const [graph] = messageFields(file, 7);
    const describe = (v: ReturnType<typeof decodeMessage>) => {
      const [tensorType] = messageFields(messageFields(v, 2)[0], 1);
      const dims = messageFields(messageFields(tensorType, 2)[0], 1).map((d) => (d.has(2) ? stringFields(d, 2)[0] : uintField(d, 1)));
      return { name: stringFields(v, 1)[0], elemType: uintField(tensorType, 1), dims };
    };
    expect(messageFields(graph, 11).map(describe)).toEqual([{ name: 'input', elemType: 1, dims: ['N', 784] }]);
    expect(messageFields(graph, 12).map(describe)).toEqual([
      { name: 'probabilities', elemType: 1, dims: ['N', 10] },
      { name: 'logits', elemType: 1, dims: ['N', 10] },
    ]);
  });
});

describe('ONNX export: ONNX Runtime on the 10,000 test images, no hidden layer and three', () => {
  // Seeds whose random weights leave no near-tie between two digits (see expectSameDigits).
  const cases: [NetworkSpec, number][] = [
    [{ sizes: [784, 10], activation: 'relu', loss: 'cross-entropy' }, 7],
    [{ sizes: [784, 10, 9, 8, 10], activation: 'tanh', loss: 'cross-entropy' }, 10],
  ];
  for (const [spec, seed] of cases) {
    it(`${spec.sizes.join('-')} ${spec.activation}: same digit for every image, probabilities within 1e-5, logits as a float64 forward pass`, async () => {
      const model = makeModel(spec, seed);
      const path = join(dir, `${spec.sizes.join('-')}-${spec.activation}.onnx`);
      writeFileSync(path, toOnnx(model));
      const { probabilities, logits, session } = await runOnnx(ort, path, scaledInputs(test, 784, model.input.scale), test.count, 784);
      expect(session.inputNames).toEqual(['input']);
      expect(session.outputNames).toEqual(['probabilities', 'logits']);

      const ours = await projectProbabilities(model, test);
      expectSameDigits(probabilities, ours, 10, 'ONNX Runtime digits');
      expectClose(probabilities, ours, { atol: 1e-5, rtol: 0 }, 'ONNX Runtime vs project probabilities');
      const layers: DenseLayer[] = [];
      let offset = 0;
      for (let l = 0; l + 1 < spec.sizes.length; l++) {
        const [inDim, outDim] = [spec.sizes[l], spec.sizes[l + 1]];
        layers.push({ weight: model.params.subarray(offset, offset + outDim * inDim), bias: model.params.subarray(offset + outDim * inDim, offset + outDim * inDim + outDim) });
        offset += outDim * inDim + outDim;
      }
      expectClose(logits, forwardFloat64(layers, spec.activation, test, model.input.scale).logits, { atol: 1e-4, rtol: 1e-5 }, 'ONNX Runtime logits vs float64');
    });
  }
});

describe('ONNX export: what cannot be exported', () => {
  it('names an activation that has no ONNX operator', () => {
    const model = makeModel();
    (model.architecture as { activation: string }).activation = 'gelu';
    expect(() => toOnnx(model)).toThrow(/cannot export activation "gelu" to ONNX.*supported: relu, sigmoid, tanh/);
  });

  it('refuses, for both formats, a binary-cross-entropy network (one sigmoid output, not a softmax classifier)', () => {
    const model = makeModel({ sizes: [784, 4, 1], activation: 'tanh', loss: 'binary-cross-entropy' });
    expect(() => toOnnx(model)).toThrow(/^cannot export to ONNX: the model ends in one sigmoid unit \(binary cross-entropy\); export writes softmax classifiers/);
    expect(() => toSafetensors(model)).toThrow(/^cannot export to safetensors: the model ends in one sigmoid unit/);
  });

  it('refuses parameters that do not match the architecture', () => {
    const model = makeModel();
    model.params = model.params.subarray(1);
    expect(() => toOnnx(model)).toThrow(/has 12729 parameters, expected 12730 for 784-16-10/);
  });
});
