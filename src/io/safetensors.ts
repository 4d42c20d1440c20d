/**
 * The model's weights as a safetensors file (https://github.com/huggingface/safetensors, "Format"):
 * an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the raw little-endian F32 data. Tensors are named the way PyTorch's
 * `nn.Sequential(nn.Linear, activation, nn.Linear, ...)` names them (`0.weight`, `0.bias`,
 * `2.weight`, ...), so `load_state_dict` takes them without renaming. `__metadata__` carries the
 * architecture, activation and input scale. Writing only; the tests hold an independent reader.
 */

import { MnistError } from '../errors.js';
import type { Activation } from '../model/network.js';
import { paramLayout } from '../model/network.js';
import { checkExportable, exportMetadata, float32LittleEndian, type ExportableModel } from './export-common.js';

/** The PyTorch module of each hidden activation, for the metadata's ready-to-paste nn.Sequential. */
const TORCH_ACTIVATIONS: Record<Activation, string> = { relu: 'nn.ReLU()', sigmoid: 'nn.Sigmoid()', tanh: 'nn.Tanh()' };

/** The PyTorch module that the exported state dict fits, e.g. `nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))`. */
export function torchSequential(sizes: readonly number[], activation: Activation): string {
  const torchActivation = TORCH_ACTIVATIONS[activation];
  if (torchActivation === undefined) {
    throw new MnistError(`cannot export activation "${activation}" to safetensors: it has no PyTorch module here (supported: ${Object.keys(TORCH_ACTIVATIONS).join(', ')}).`, 'EEXPORT');
  }
  const modules: string[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    if (l > 0) modules.push(torchActivation);
    modules.push(`nn.Linear(${sizes[l]}, ${sizes[l + 1]})`);
  }
  return `nn.Sequential(${modules.join(', ')})`;
}

/** The safetensors file's bytes. */
export function toSafetensors(model: ExportableModel): Uint8Array {
  const { sizes, activation } = model.architecture;
  checkExportable(model, 'safetensors');
  const layout = paramLayout(sizes);
  const header: Record<string, unknown> = {
    // All values must be strings. "format": "pt" tells Hugging Face loaders these are PyTorch tensors.
    __metadata__: { format: 'pt', ...exportMetadata(model), pytorch: torchSequential(sizes, activation) },
  };
  const tensors: Float32Array[] = [];
  let offset = 0;
  layout.layers.forEach((layer, l) => {
    // nn.Sequential numbers its modules, activations included: Linear layers are 0, 2, 4, ...
    const index = 2 * l;
    const parts: [string, number[], Float32Array][] = [
      [`${index}.weight`, [layer.outDim, layer.inDim], model.params.subarray(layer.weightOffset, layer.biasOffset)],
      [`${index}.bias`, [layer.outDim], model.params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim)],
    ];
    for (const [name, shape, values] of parts) {
      header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + values.length * 4] };
      tensors.push(values);
      offset += values.length * 4;
    }
  });
  // Pad the header with spaces to a multiple of 8 bytes (the format allows trailing spaces), so
  // the data starts aligned and a reader can view it as float32 without copying.
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const values of tensors) {
    out.set(float32LittleEndian(values), at);
    at += values.length * 4;
  }
  return out;
}
