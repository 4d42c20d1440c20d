/**
 * What a network is, independent of how it computes: the spec (layer sizes, activation, loss),
 * the layout of its one flat parameter buffer, and the `Network` interface that every engine
 * (the reference TypeScript one, and faster ones) implements. The training loop and the model
 * file speak only this interface. Not the arithmetic: that is the engine.
 */

export type Activation = 'relu' | 'sigmoid' | 'tanh';
export type Loss = 'cross-entropy' | 'mse';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh'];
export const LOSSES: readonly Loss[] = ['cross-entropy', 'mse'];

export interface NetworkSpec {
  /** Layer widths from input to output, e.g. [784, 128, 10]. At least two entries. */
  sizes: number[];
  /** Activation of every hidden layer; the output layer is always softmax. */
  activation: Activation;
  loss: Loss;
}

/** Where one dense layer's weight (outDim x inDim, row-major) and bias live in the flat buffer. */
export interface LayerLayout {
  inDim: number;
  outDim: number;
  weightOffset: number;
  biasOffset: number;
}

/** Offsets of every layer in the flat parameter buffer: weight then bias, layer after layer. */
export function paramLayout(sizes: readonly number[]): { layers: LayerLayout[]; count: number } {
  const layers: LayerLayout[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inDim = sizes[l];
    const outDim = sizes[l + 1];
    layers.push({ inDim, outDim, weightOffset: offset, biasOffset: offset + inDim * outDim });
    offset += inDim * outDim + outDim;
  }
  return { layers, count: offset };
}

/** Named views `layers.0.weight`, `layers.0.bias`, ... (tinygrad's state-dict naming) over a flat buffer. */
export function namedParams(sizes: readonly number[], params: Float32Array): Map<string, Float32Array> {
  const named = new Map<string, Float32Array>();
  paramLayout(sizes).layers.forEach((layer, l) => {
    named.set(`layers.${l}.weight`, params.subarray(layer.weightOffset, layer.biasOffset));
    named.set(`layers.${l}.bias`, params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim));
  });
  return named;
}

export function describeSpec(spec: NetworkSpec): string {
  return `${spec.sizes.join('-')} ${spec.activation}, ${spec.loss}`;
}

/**
 * A network that can be trained one minibatch at a time. Implementations preallocate every buffer
 * for `maxBatch` rows at construction; a smaller batch uses prefixes. Nothing here allocates.
 *
 * One step:  fill `input` and call forward(batch); loss(labels, batch); backward(labels, batch);
 * then an optimizer updates `params` from `grads`.
 *
 * `params` and `grads` are in the engine's own order (a fast engine may keep a layer transposed);
 * optimizers are elementwise, so they never need to know it. The canonical order, paramLayout's,
 * is what exportParams/importParams/exportGrads speak: the model file and the tests use those.
 */
export interface Network {
  readonly spec: NetworkSpec;
  readonly maxBatch: number;
  /** All weights and biases in the engine's order; same length as paramLayout(spec.sizes).count. */
  readonly params: Float32Array;
  /** Same length and order as params: d(mean loss)/d(params) after backward(). */
  readonly grads: Float32Array;
  /** (maxBatch, sizes[0]) input rows, written by the caller before forward(). */
  readonly input: Float32Array;
  /** Runs the batch in `input`; returns the (batch, classes) probabilities, a view valid until the next call. */
  forward(batch: number): Float32Array;
  /** Mean loss over the batch for the last forward(). */
  loss(labels: Uint8Array, batch: number): number;
  /** Overwrites `grads` with the gradient of the mean loss of the last forward(). */
  backward(labels: Uint8Array, batch: number): void;
  /** A copy of the parameters in canonical (paramLayout) order. */
  exportParams(): Float32Array;
  /** Sets the parameters from canonical (paramLayout) order. */
  importParams(values: Float32Array): void;
  /** A copy of the gradients in canonical order (for tests and diagnostics). */
  exportGrads(): Float32Array;
  /** Releases workers or other resources; the network is unusable afterwards. */
  close(): Promise<void>;
  /**
   * Optional fast path for plain SGD: params -= lr * grads, with the same float64 arithmetic as
   * kernels.ts's sgdUpdate (so the result is identical), run by the engine itself (e.g. on its
   * threads). optimizers.ts's Sgd calls it when present.
   */
  sgdStep?(lr: number): void;
  /**
   * Optional fast batch fill: input rows 0..batch-1 become images[order[start + n]] (or
   * images[start + n] when order is null), each pixel byte times `scale`, bit for bit what
   * data/batches.ts's fillBatch / fillRange write. A loop may call it instead of those when present;
   * the labels stay the loop's job.
   */
  loadBatch?(images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number): void;
}
