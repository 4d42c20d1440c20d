/**
 * What a network is, independent of how it computes: the spec (layer sizes, activation, loss),
 * the layout of its one flat parameter buffer, and the `Network` interface that every engine
 * (the reference TypeScript one, and faster ones) implements. The training loop and the model
 * file speak only this interface. Not the arithmetic: that is each engine's, under src/engines/.
 */

import type { Rng } from '../rng.js';
import { stateBuffers, type OptimizerSpec } from './optimizers.js';
import type { BatchTransform } from './transform.js';

export type Activation = 'relu' | 'sigmoid' | 'tanh';
export type Loss = 'cross-entropy' | 'mse' | 'binary-cross-entropy';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh'];
/** The losses on a softmax output (MNIST's ten classes): what `train --loss` and model files take. */
export const LOSSES: readonly Loss[] = ['cross-entropy', 'mse'];
/**
 * Binary classification: one output unit through a sigmoid, p = P(label 1), with binary
 * cross-entropy -[y log p + (1 - y) log(1 - p)]. Labels are 0 or 1.
 */
export const BINARY_LOSS = 'binary-cross-entropy' satisfies Loss;

export type Output = 'softmax' | 'sigmoid';

/** The output layer a spec implies: one sigmoid unit for binary cross-entropy, else softmax. */
export function outputOf(spec: Pick<NetworkSpec, 'loss'>): Output {
  return spec.loss === BINARY_LOSS ? 'sigmoid' : 'softmax';
}

/** Why a spec's output layer cannot work (binary cross-entropy needs exactly one unit), or null. */
export function outputProblem(spec: Pick<NetworkSpec, 'loss' | 'sizes'>): string | null {
  const outputs = spec.sizes[spec.sizes.length - 1];
  if (spec.loss === BINARY_LOSS) {
    return outputs === 1 ? null : `binary cross-entropy needs one output unit (a sigmoid), got ${outputs}`;
  }
  return outputs >= 2 ? null : `a softmax output needs at least two classes, got ${outputs}; for binary data use one unit with binary cross-entropy`;
}

/**
 * The widest layer the project builds (train --arch) or loads (a model file). 784-16384-10 already
 * has 13 million parameters: 52 MB each for weights and gradients, a model file of about 150 MB.
 * The cap turns a typo such as 784-1280000-10 into a clear error instead of an out-of-memory crash.
 */
export const MAX_LAYER_WIDTH = 16384;

export interface NetworkSpec {
  /** Layer widths from input to output, e.g. [784, 128, 10]. At least two entries. */
  sizes: number[];
  /** Activation of every hidden layer; the output layer is softmax, or one sigmoid unit for binary cross-entropy. */
  activation: Activation;
  loss: Loss;
  /**
   * Inverted dropout rate on every hidden layer's output while training (model/dropout.ts); 0 or
   * absent for none. Evaluation never drops.
   */
  dropout?: number;
  /**
   * Label smoothing e of the cross-entropy loss, 0 <= e < 1 (absent means 0): the target row is
   * (1 - e) onehot + e / classes, as PyTorch's CrossEntropyLoss(label_smoothing=e).
   */
  labelSmoothing?: number;
}

/** The spec's label smoothing, 0 when absent. */
export function labelSmoothingOf(spec: NetworkSpec): number {
  return spec.labelSmoothing ?? 0;
}

/** Throws unless the label smoothing is in [0, 1) and, when nonzero, the loss is cross-entropy. */
export function checkLabelSmoothing(spec: NetworkSpec): void {
  const e = labelSmoothingOf(spec);
  if (!(e >= 0 && e < 1)) throw new RangeError(`label smoothing must be in [0, 1), got ${e}`);
  if (e !== 0 && spec.loss !== 'cross-entropy') throw new RangeError(`label smoothing applies to the cross-entropy loss, not ${spec.loss}`);
}

/**
 * Checks an optimizer state from exportOptimizerState for a network of `count` parameters with
 * this optimizer, and returns its step count.
 */
export function checkOptimizerState(values: Float32Array, optimizer: OptimizerSpec, count: number): number {
  const expected = 1 + stateBuffers(optimizer.name) * count;
  if (values.length !== expected) {
    throw new RangeError(`optimizer state for ${optimizer.name} with ${count} parameters has ${expected} values, got ${values.length}`);
  }
  const steps = values[0];
  if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`optimizer state: step count must be a whole number >= 0, got ${steps}`);
  for (let i = 1; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`optimizer state: value ${i} is ${values[i]}`);
  }
  return steps;
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
  const smoothing = labelSmoothingOf(spec);
  return `${spec.sizes.join('-')} ${spec.activation}, ${spec.loss}${smoothing !== 0 ? ` (label smoothing ${smoothing})` : ''}`;
}

/** Throws unless 1 <= batch <= maxBatch: every engine's public entry points check this, no hot loop does. */
export function checkBatch(batch: number, maxBatch: number): void {
  if (!Number.isInteger(batch) || batch < 1 || batch > maxBatch) {
    throw new RangeError(`batch ${batch} outside 1..${maxBatch}`);
  }
}

/**
 * Throws unless every row a loadBatch reads exists: order[start .. start+batch) (or the rows
 * start .. start+batch-1 themselves) must be indices below `count`.
 */
export function checkRows(count: number, order: Uint32Array | null, start: number, batch: number): void {
  if (order === null) {
    if (!(start >= 0 && start + batch <= count)) throw new RangeError(`images ${start}..${start + batch - 1} outside 0..${count - 1}`);
    return;
  }
  if (!(start >= 0 && start + batch <= order.length)) throw new RangeError(`order[${start}..${start + batch - 1}] outside its ${order.length} entries`);
  for (let n = 0; n < batch; n++) {
    const index = order[start + n];
    if (!(index < count)) throw new RangeError(`order[${start + n}] = ${index} is not an image index (0..${count - 1})`);
  }
}

/**
 * A network that can be trained one minibatch at a time: what the training loop, evaluation and
 * the model file see of an engine. Every engine (engines/reference/, engines/wasm/) implements all
 * of it; nothing is optional, so a loop never asks which engine it has. Implementations preallocate
 * every buffer for `maxBatch` rows at construction; a smaller batch uses prefixes. Nothing allocates.
 *
 * One training step, llm.c style:
 *   loadBatch(images, order, start, batch, scale); forward(batch); loss(labels, batch);
 *   backward(labels, batch); step(lr)
 *
 * `params` and `grads` are in the engine's own order (the wasm engine keeps layer 0 transposed);
 * update rules are elementwise, so they never need to know it. The canonical order, paramLayout's,
 * is what exportParams/importParams/exportGrads speak: the model file and the tests use those.
 *
 * Where the next features go, in each engine:
 * - Optimizers (model/optimizers.ts): state as flat arrays of params' length allocated at
 *   construction, one `case` per rule in step(). The spec is fixed at creation; step() takes only lr.
 * - Dropout on hidden layers is in: spec.dropout, a mask buffer and a dropped copy h = a * mask per
 *   hidden layer, drawn in forward(batch, rng) (model/dropout.ts) and undone in backward().
 * - A 1-unit sigmoid output with binary cross-entropy: an `output` field in NetworkSpec; forward()
 *   and loss()/backward() switch on it where they now apply softmax and its losses.
 */
export interface Network {
  readonly spec: NetworkSpec;
  /** The update rule step() applies; fixed when the engine is created. */
  readonly optimizer: OptimizerSpec;
  readonly maxBatch: number;
  /** All weights and biases in the engine's order; same length as paramLayout(spec.sizes).count. */
  readonly params: Float32Array;
  /**
   * Same length and order as params: d(mean loss)/d(params) after backward(). The fast engine
   * created with keepGrads: false (what `mnist train` does) lets step() use them up: reading them
   * after step() then throws, until the next backward().
   */
  readonly grads: Float32Array;
  /** (maxBatch, sizes[0]) input rows: loadBatch() fills them, or a caller writes them directly. */
  readonly input: Float32Array;
  /**
   * Input rows 0..batch-1 become images[order[start + n]] (or images[start + n], consecutive rows,
   * when order is null), each pixel byte times `scale` rounded once to float32. `images` holds whole
   * rows of sizes[0] bytes. Labels stay the caller's: they go to loss() and backward().
   * With `transform`, each row is first transformed as model/transform.ts's transformRows defines
   * (an engine may run the rows on several threads: the result is the same).
   * An engine may keep a copy of `images` from one call to the next (the wasm engine keeps whole
   * datasets in its memory), so an array must not change once batches have been loaded from it:
   * pass a new array instead.
   */
  loadBatch(
    images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number,
    transform?: BatchTransform | null,
  ): void;
  /**
   * Runs the batch in `input`; returns the (batch, classes) probabilities, a view valid until the
   * next call. With `dropout` (a training step, when spec.dropout > 0) it first draws a fresh mask
   * for every hidden layer from that generator (model/dropout.ts: layer by layer, row by row) and
   * backward() then goes through the same mask; without it nothing is dropped (evaluation).
   */
  forward(batch: number, dropout?: Rng | null): Float32Array;
  /** Mean loss over the batch for the last forward(). */
  loss(labels: Uint8Array, batch: number): number;
  /** Overwrites `grads` with the gradient of the mean loss of the last forward(). */
  backward(labels: Uint8Array, batch: number): void;
  /** One update of `params` from `grads` by the `optimizer` rule, with learning rate lr. */
  step(lr: number): void;
  /**
   * The optimizer's state, for saving a run and resuming it exactly: element 0 is the number of
   * steps taken (exact as a float32 up to 2^24 steps), then each state buffer (momentum: the
   * velocity; adam/adamw: the first moment, then the second) in canonical (paramLayout) order.
   * Length 1 + buffers * params.length (just [steps] for sgd).
   */
  exportOptimizerState(): Float32Array;
  /** Restores what exportOptimizerState returned, from a network of the same spec and optimizer. */
  importOptimizerState(values: Float32Array): void;
  /** A copy of the parameters in canonical (paramLayout) order. */
  exportParams(): Float32Array;
  /** Sets the parameters from canonical (paramLayout) order. */
  importParams(values: Float32Array): void;
  /** A copy of the gradients in canonical order (for tests and diagnostics). */
  exportGrads(): Float32Array;
  /** Releases workers or other resources; the network is unusable afterwards. */
  close(): Promise<void>;
}
