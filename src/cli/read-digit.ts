/**
 * A model file -> the network that reads digits, and one 28x28 image -> its probabilities: the
 * code that `mnist predict`, `mnist serve`'s /api/predict and the image accuracy sweep
 * (test/image/accuracy-harness.ts) share, so they agree on every image by construction. The
 * image side (PNG or JPEG -> 28x28, the decoder picked by the file's signature) is
 * src/image/digit.ts; nothing here decodes images.
 */

import { createReferenceNetwork } from '../engines/reference/mlp.js';
import { loadModel, type ModelFile } from '../io/model-file.js';
import type { Network } from '../model/network.js';

/**
 * Loads and validates a model file (loadModel: a bad file is one MnistError line) and builds the
 * reference network for one image at a time with its weights. Close the network when done.
 */
export async function loadDigitReader(path: string): Promise<{ model: ModelFile; net: Network }> {
  const model = await loadModel(path);
  const net = createReferenceNetwork(model.architecture, 1);
  net.importParams(model.params);
  return { model, net };
}

/** The network's probabilities for one MNIST-style image (inputs = pixel * scale), as plain numbers. */
export function classifyDigit(net: Network, pixels: Uint8Array, scale: number): number[] {
  const inputSize = net.spec.sizes[0];
  const classes = net.spec.sizes[net.spec.sizes.length - 1];
  for (let i = 0; i < inputSize; i++) net.input[i] = pixels[i] * scale;
  return Array.from(net.forward(1).subarray(0, classes));
}
