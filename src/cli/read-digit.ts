/**
 * Image bytes -> the classifier's answer, the one code path that `mnist predict` and
 * `mnist serve`'s /api/predict share, so the page and the command agree on every image by
 * construction. `digitFromImageBytes` is the single place that picks a decoder by the file's
 * signature (src/image/digit.ts reads PNG and JPEG).
 */

import { digitFromBytesBounded, type DigitDetails } from '../image/digit.js';
import type { Network } from '../model/network.js';

/**
 * PNG or JPEG bytes -> the MNIST-style 28x28 digit, decoded exactly as `mnist predict` decodes a
 * file (a huge PNG is averaged down while decoding). Throws DataError naming `name` otherwise.
 */
export function digitFromImageBytes(bytes: Uint8Array, name: string): Promise<DigitDetails> {
  return digitFromBytesBounded(bytes, name);
}

/** The network's probabilities for one MNIST-style image (inputs = pixel * scale), as plain numbers. */
export function classifyDigit(net: Network, pixels: Uint8Array, scale: number): number[] {
  const inputSize = net.spec.sizes[0];
  const classes = net.spec.sizes[net.spec.sizes.length - 1];
  for (let i = 0; i < inputSize; i++) net.input[i] = pixels[i] * scale;
  return Array.from(net.forward(1).subarray(0, classes));
}
