/**
 * The model as an ONNX file (IR version 7, opset 13) for ONNX Runtime and other ONNX tools:
 * one `Gemm` (transB = 1, so the weights keep our out x in layout) plus the activation per layer,
 * then `Softmax(axis = 1)`. Input `input` is float32 [N, 784] already scaled (pixel * input scale,
 * i.e. 0..1), the same input the safetensors/PyTorch export takes; outputs are `probabilities` and
 * `logits`, both [N, 10]. Field numbers are those of onnx/onnx.proto; the bytes are written by our
 * own small protobuf writer. Not an ONNX reader.
 */

import { MnistError } from '../errors.js';
import type { Activation } from '../model/network.js';
import { paramLayout } from '../model/network.js';
import { checkExportable, exportMetadata, float32LittleEndian, type ExportableModel } from './export-common.js';
import { ProtoWriter } from './protobuf.js';

export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;

/** The ONNX operator of each hidden activation. A new activation must be added here to export. */
const ONNX_ACTIVATIONS: Record<Activation, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

// onnx.proto enum values used here.
const TENSOR_FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT

/** Protobuf messages are limited to 2 GiB; ONNX keeps weights inside the file unless it uses external data. */
const MAX_PROTOBUF_BYTES = 2 ** 31 - 1;

/** The ONNX file's bytes. Throws MnistError for a model that ONNX cannot express in one file. */
export function toOnnx(model: ExportableModel): Uint8Array {
  const { sizes, activation } = model.architecture;
  const activationOp = ONNX_ACTIVATIONS[activation];
  if (activationOp === undefined) {
    throw new MnistError(`cannot export activation "${activation}" to ONNX: it has no ONNX operator here (supported: ${Object.keys(ONNX_ACTIVATIONS).join(', ')}).`, 'EEXPORT');
  }
  checkExportable(model, 'ONNX');
  const layout = paramLayout(sizes);
  if (layout.count * 4 + 65536 > MAX_PROTOBUF_BYTES) {
    throw new MnistError(`cannot export ${sizes.join('-')} to ONNX: its ${layout.count} weights take over 2 GiB, the most one ONNX (protobuf) file can hold; export to .safetensors instead.`, 'EEXPORT');
  }
  const classes = sizes[sizes.length - 1];
  const scale = model.input.scale;

  const graph = new ProtoWriter();
  let current = 'input';
  layout.layers.forEach((layer, l) => {
    const last = l === layout.layers.length - 1;
    const weight = `layers.${l}.weight`;
    const bias = `layers.${l}.bias`;
    const gemmOut = last ? 'logits' : `layers.${l}.linear`;
    // Gemm: Y = A * B^T + C with transB = 1, so B is our (out x in) weight as it is.
    graph.message(1, node('Gemm', `layers.${l}.gemm`, [current, weight, bias], [gemmOut], [intAttribute('transB', 1)]));
    if (last) {
      current = gemmOut;
    } else {
      current = `layers.${l}.${activation}`;
      graph.message(1, node(activationOp, `layers.${l}.activation`, [gemmOut], [current]));
    }
  });
  graph.message(1, node('Softmax', 'softmax', [current], ['probabilities'], [intAttribute('axis', 1)]));
  graph.string(2, 'mnist_mlp');
  layout.layers.forEach((layer, l) => {
    graph.message(5, tensor(`layers.${l}.weight`, [layer.outDim, layer.inDim], model.params.subarray(layer.weightOffset, layer.biasOffset)));
    graph.message(5, tensor(`layers.${l}.bias`, [layer.outDim], model.params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim)));
  });
  const inputDoc =
    `${model.input.width}x${model.input.height} pixels row by row, each 0-255 pixel (0 = background, 255 = ink) ` +
    `multiplied by ${scale} before it is fed (pixel / 255 gives 0..1)`;
  graph.message(11, valueInfo('input', [sizes[0]], inputDoc));
  graph.message(12, valueInfo('probabilities', [classes], 'softmax of the logits: the probability of each digit 0-9; each row sums to 1'));
  graph.message(12, valueInfo('logits', [classes], 'the last layer before softmax'));

  const metadata = exportMetadata(model);
  const modelProto = new ProtoWriter()
    .uint(1, ONNX_IR_VERSION)
    .string(2, model.generator.name)
    .string(3, model.generator.version)
    .uint(5, 1)
    .string(6, `${sizes.join('-')} ${activation} multilayer perceptron for MNIST digits, trained by mnist-mlp. ` +
      `Input "input": float32 [N, ${sizes[0]}], ${inputDoc}. Outputs "probabilities" and "logits": float32 [N, ${classes}].`)
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').uint(2, ONNX_OPSET));
  for (const [key, value] of Object.entries(metadata)) modelProto.message(14, new ProtoWriter().string(1, key).string(2, value));
  return modelProto.finish();
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. */
function node(opType: string, name: string, inputs: string[], outputs: string[], attributes: ProtoWriter[] = []): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of inputs) w.string(1, input);
  for (const output of outputs) w.string(2, output);
  w.string(3, name).string(4, opType);
  for (const attribute of attributes) w.message(5, attribute);
  return w;
}

/** AttributeProto: name = 1, i = 3, type = 20. */
function intAttribute(name: string, value: number): ProtoWriter {
  return new ProtoWriter().string(1, name).uint(3, value).uint(20, ATTRIBUTE_INT);
}

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian float32). */
function tensor(name: string, dims: number[], values: Float32Array): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.uint(1, d);
  return w.uint(2, TENSOR_FLOAT).string(8, name).bytes(9, float32LittleEndian(values));
}

/**
 * ValueInfoProto (name = 1, type = 2, doc_string = 3) for a float32 [N, width] tensor, N a symbolic
 * batch size: TypeProto.tensor_type = 1 -> elem_type = 1, shape = 2 -> dim = 1 -> dim_value = 1 | dim_param = 2.
 */
function valueInfo(name: string, width: number[], doc: string): ProtoWriter {
  const shape = new ProtoWriter().message(1, new ProtoWriter().string(2, 'N'));
  for (const d of width) shape.message(1, new ProtoWriter().uint(1, d));
  const tensorType = new ProtoWriter().uint(1, TENSOR_FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType)).string(3, doc);
}
