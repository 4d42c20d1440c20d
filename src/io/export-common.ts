/**
 * What the ONNX and safetensors exports share: the subset of a model file they read, the
 * metadata both files carry (architecture, activation, input scaling, provenance), and float32
 * tensors as little-endian bytes. Pure: no files, no terminal; the CLI writes the bytes.
 */

import { MnistError } from '../errors.js';
import { paramLayout } from '../model/network.js';
import type { ModelFile } from './model-file.js';

/** The parts of a loaded model file that an export needs. */
export type ExportableModel = Pick<ModelFile, 'architecture' | 'input' | 'params' | 'partial' | 'generator' | 'createdAt' | 'metrics'>;

/**
 * Throws a one-line MnistError for a model the exports cannot express: they write softmax
 * classifiers (a binary-cross-entropy network ends in one sigmoid unit instead), and the
 * parameters must fit the architecture. loadModel already refuses both, so `mnist export` never
 * gets here with them; the checks stay for callers that build the value in memory (the type
 * allows a binary-cross-entropy loss), which would otherwise get a wrong graph, not an error.
 */
export function checkExportable(model: ExportableModel, format: string): void {
  const { sizes, loss } = model.architecture;
  if (loss === 'binary-cross-entropy') {
    throw new MnistError(`cannot export to ${format}: the model ends in one sigmoid unit (binary cross-entropy); export writes softmax classifiers such as those \`mnist train\` makes.`, 'EEXPORT');
  }
  const count = paramLayout(sizes).count;
  if (model.params.length !== count) {
    throw new MnistError(`cannot export: the model has ${model.params.length} parameters, expected ${count} for ${sizes.join('-')}.`, 'EEXPORT');
  }
}

/**
 * Key/value strings describing the model, for ONNX `metadata_props` and safetensors
 * `__metadata__` (both formats allow only string values). The input scale is what a user must
 * multiply raw 0-255 pixels by before feeding either file.
 */
export function exportMetadata(model: ExportableModel): Record<string, string> {
  const { sizes, activation, loss } = model.architecture;
  const test = model.metrics.test;
  return {
    architecture: sizes.join('-'),
    activation,
    output: 'softmax',
    loss,
    input_width: String(model.input.width),
    input_height: String(model.input.height),
    input_scale: String(model.input.scale),
    input: `float32 [N, ${sizes[0]}]: ${model.input.width}x${model.input.height} pixels row by row, each 0-255 pixel (0 = background, 255 = ink) times input_scale`,
    partial: String(model.partial),
    generator: `${model.generator.name} ${model.generator.version}`,
    created_at: model.createdAt,
    ...(test !== null ? { test_accuracy: String(test.accuracy) } : {}),
  };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The values as IEEE 754 float32, little-endian, 4 bytes each (a copy, never a view). */
export function float32LittleEndian(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  }
  return bytes;
}
