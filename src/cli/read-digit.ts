/**
 * Image bytes -> the classifier's answer, the one code path that `mnist predict` and
 * `mnist serve`'s /api/predict share, so the page and the command agree on every image by
 * construction. `digitFromImageBytes` is the single place that picks a decoder by the file's
 * signature; when src/image/ gains a bytes-level entry point with JPEG (issue 8), only it changes.
 */

import { DataError } from '../errors.js';
import { digitFromPng, type DigitDetails } from '../image/digit.js';
import type { Network } from '../model/network.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, signature: number[]) => bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);

/** PNG or JPEG bytes -> the MNIST-style 28x28 digit. Throws DataError naming `name` otherwise. */
export function digitFromImageBytes(bytes: Uint8Array, name: string): DigitDetails {
  if (startsWith(bytes, PNG_SIGNATURE)) return digitFromPng(bytes, name);
  if (startsWith(bytes, JPEG_SIGNATURE)) {
    throw new DataError(`${name}: JPEG images are not readable by this build yet; save the image as PNG and try again`);
  }
  throw new DataError(`${name}: not a PNG or JPEG image (it starts with bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}); send a PNG or JPEG photo or drawing`);
}

/** The network's probabilities for one MNIST-style image (inputs = pixel * scale), as plain numbers. */
export function classifyDigit(net: Network, pixels: Uint8Array, scale: number): number[] {
  const inputSize = net.spec.sizes[0];
  const classes = net.spec.sizes[net.spec.sizes.length - 1];
  for (let i = 0; i < inputSize; i++) net.input[i] = pixels[i] * scale;
  return Array.from(net.forward(1).subarray(0, classes));
}
