/**
 * The reference multilayer perceptron: dense layers with one activation for every hidden layer and
 * a softmax output (or one sigmoid unit with binary cross-entropy, for two-class data), computed with the plain kernels of ./kernels.ts. It is the readable
 * definition of what the network computes, and the oracle that faster engines are tested against.
 * Parameters and gradients are one flat buffer each; every layer holds subarray views of them.
 * Runs anywhere JavaScript runs: no node:*, no threads.
 */

import {
  bytesToInputs, denseBackward, denseForward, mseBackward, mseForward, reluBackward, reluForward,
  sigmoidBackward, sigmoidBinaryCrossEntropyBackward, sigmoidBinaryCrossEntropyForward, sigmoidForward, softmaxBackward, softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward, softmaxForward, sgdUpdate, tanhBackward, tanhForward,
  adamUpdate, momentumUpdate, sgdL2Update, type Floats,
} from './kernels.js';
import { drawDropoutMask } from '../../model/dropout.js';
import {
  BINARY_LOSS, checkBatch, checkLabelSmoothing, checkOptimizerState, checkRows, labelSmoothingOf, outputProblem, paramLayout,
  type Activation, type Network, type NetworkSpec,
} from '../../model/network.js';
import { SGD, stateBuffers, stepScalars, type OptimizerSpec } from '../../model/optimizers.js';
import { imageSide, transformRows, type BatchTransform } from '../../model/transform.js';
import { Rng } from '../../rng.js';

type ActivationKernels = {
  forward: (out: Floats, x: Floats, n: number) => void;
  backward: (dIn: Floats, dOut: Floats, out: Floats, n: number) => void;
};

export const ACTIVATION_KERNELS: Record<Activation, ActivationKernels> = {
  relu: { forward: reluForward, backward: reluBackward },
  sigmoid: { forward: sigmoidForward, backward: sigmoidBackward },
  tanh: { forward: tanhForward, backward: tanhBackward },
};

interface Layer<A extends Floats> {
  inDim: number;
  outDim: number;
  W: A;
  b: A;
  dW: A;
  dB: A;
  /** This layer's input rows (the previous layer's activations, or the network input). */
  x: A;
  /** Pre-activation z = x W^T + b, and its gradient. */
  z: A;
  dZ: A;
  /** Post-activation a = f(z) (softmax probabilities for the last layer). */
  a: A;
  /**
   * Dropout on a hidden layer: the mask (0 or 1/(1-p) per unit) and h = a * mask, the next layer's
   * input; null without dropout, where the next layer reads `a` itself.
   */
  mask: A | null;
  h: A | null;
  /** Gradient of this layer's output as the next layer sees it (of h with dropout, else of a). */
  dA: A;
}

/** The array type of every buffer: Float32Array for training, Float64Array for exact gradient checks. */
export type FloatArrayType<A extends Floats> = new (length: number) => A;

/**
 * `ReferenceMlp` (float32) is a Network. `new ReferenceMlp(spec, batch, SGD, Float64Array)` computes
 * the same network in float64, which lets the tests check whole-network gradients against finite
 * differences far more tightly than float32 rounding allows.
 */
export class ReferenceMlp<A extends Floats = Float32Array> {
  readonly spec: NetworkSpec;
  readonly optimizer: OptimizerSpec;
  readonly maxBatch: number;
  readonly params: A;
  readonly grads: A;
  readonly input: A;
  private readonly layers: Layer<A>[];
  /** Every activation gradient lives in this one buffer, so zeroing them is one fill(0). */
  private readonly dActs: A;
  private readonly classes: number;
  private readonly dropout: number;
  /** Whether the last forward() dropped units (backward must then go through the same masks). */
  private masked = false;
  /** The optimizer's state buffers (a velocity, or Adam's two moments), each the params' length. */
  private readonly state: A[];
  /** Optimizer steps taken so far (Adam's bias correction counts from 1). */
  private steps = 0;
  private readonly smoothing: number;
  /** Transformed pixel bytes of a batch and the per-image generator (made on first use). */
  private stage: Uint8Array | null = null;
  private readonly rng = new Rng(0);

  constructor(
    spec: NetworkSpec, maxBatch: number, optimizer: OptimizerSpec = SGD,
    floats: FloatArrayType<A> = Float32Array as unknown as FloatArrayType<A>,
  ) {
    const problem = outputProblem(spec);
    if (problem !== null) throw new RangeError(problem);
    this.dropout = spec.dropout ?? 0;
    this.spec = { sizes: [...spec.sizes], activation: spec.activation, loss: spec.loss, dropout: this.dropout };
    checkLabelSmoothing(spec);
    this.smoothing = labelSmoothingOf(spec);
    if (this.smoothing !== 0) this.spec.labelSmoothing = this.smoothing;
    this.optimizer = { ...optimizer };
    this.maxBatch = maxBatch;
    const layout = paramLayout(spec.sizes);
    this.params = new floats(layout.count);
    this.grads = new floats(layout.count);
    this.state = Array.from({ length: stateBuffers(optimizer.name) }, () => new floats(layout.count));
    this.input = new floats(maxBatch * spec.sizes[0]);
    this.classes = spec.sizes[spec.sizes.length - 1];
    const view = (array: A, from: number, to: number) => array.subarray(from, to) as A;

    const actCount = layout.layers.reduce((sum, l) => sum + maxBatch * l.outDim, 0);
    this.dActs = new floats(2 * actCount);
    let dOffset = 0;
    let x = this.input;
    const last = layout.layers.length - 1;
    this.layers = layout.layers.map((l, index) => {
      const size = maxBatch * l.outDim;
      const dropped = this.dropout > 0 && index < last;
      const layer: Layer<A> = {
        inDim: l.inDim,
        outDim: l.outDim,
        W: view(this.params, l.weightOffset, l.biasOffset),
        b: view(this.params, l.biasOffset, l.biasOffset + l.outDim),
        dW: view(this.grads, l.weightOffset, l.biasOffset),
        dB: view(this.grads, l.biasOffset, l.biasOffset + l.outDim),
        x,
        z: new floats(size),
        a: new floats(size),
        mask: dropped ? new floats(size) : null,
        h: dropped ? new floats(size) : null,
        dZ: view(this.dActs, dOffset, dOffset + size),
        dA: view(this.dActs, dOffset + size, dOffset + 2 * size),
      };
      dOffset += 2 * size;
      x = layer.h ?? layer.a;
      return layer;
    });
  }

  loadBatch(
    images: Uint8Array, order: Uint32Array | null, start: number, batch: number, scale: number,
    transform: BatchTransform | null = null,
  ): void {
    checkBatch(batch, this.maxBatch);
    const pixels = this.spec.sizes[0];
    checkRows(images.length / pixels, order, start, batch);
    if (transform === null) {
      bytesToInputs(this.input, images, order, start, batch, pixels, scale);
      return;
    }
    // The transformed rows, one after another on this thread, then the same conversion.
    this.stage ??= new Uint8Array(this.maxBatch * pixels);
    transformRows(this.stage, images, order, start, 0, batch, pixels, imageSide(pixels), transform, this.rng);
    bytesToInputs(this.input, this.stage, null, 0, batch, pixels, scale);
  }

  forward(batch: number, dropout?: Rng | null): A {
    checkBatch(batch, this.maxBatch);
    const act = ACTIVATION_KERNELS[this.spec.activation];
    const last = this.layers.length - 1;
    this.masked = this.dropout > 0 && dropout != null;
    for (let l = 0; l <= last; l++) {
      const L = this.layers[l];
      denseForward(L.z, L.x, L.W, L.b, batch, L.inDim, L.outDim);
      if (l < last) act.forward(L.a, L.z, batch * L.outDim);
      else if (this.spec.loss === BINARY_LOSS) sigmoidForward(L.a, L.z, batch); // one unit: P(label 1)
      else softmaxForward(L.a, L.z, batch, L.outDim);
      if (L.mask !== null && L.h !== null) {
        const n = batch * L.outDim;
        if (this.masked) {
          drawDropoutMask(L.mask, n, this.dropout, dropout!);
          for (let i = 0; i < n; i++) L.h[i] = L.a[i] * L.mask[i]; // h = a * mask
        } else {
          L.h.set(L.a.subarray(0, n)); // evaluation: h = a
        }
      }
    }
    return this.layers[last].a.subarray(0, batch * this.classes) as A;
  }

  loss(labels: Uint8Array, batch: number): number {
    const L = this.layers[this.layers.length - 1];
    if (this.spec.loss === BINARY_LOSS) return sigmoidBinaryCrossEntropyForward(L.a, L.z, labels, batch);
    if (this.spec.loss === 'cross-entropy') {
      // Recomputes the softmax from the logits so the loss is log-sum-exp based (finite even when
      // a probability rounds to 0); the probabilities it writes are identical to forward()'s.
      return softmaxCrossEntropyForward(L.a, L.z, labels, batch, this.classes, this.smoothing);
    }
    return mseForward(L.a, labels, batch, this.classes);
  }

  backward(labels: Uint8Array, batch: number): void {
    checkBatch(batch, this.maxBatch);
    this.grads.fill(0);
    this.dActs.fill(0);
    const act = ACTIVATION_KERNELS[this.spec.activation];
    const last = this.layers.length - 1;
    const out = this.layers[last];
    // Undo the output: softmax (or the binary output's sigmoid) + loss -> d logits.
    if (this.spec.loss === BINARY_LOSS) {
      sigmoidBinaryCrossEntropyBackward(out.dZ, out.a, labels, batch);
    } else if (this.spec.loss === 'cross-entropy') {
      softmaxCrossEntropyBackward(out.dZ, out.a, labels, batch, this.classes, this.smoothing);
    } else {
      mseBackward(out.dA, out.a, labels, batch, this.classes);
      softmaxBackward(out.dZ, out.dA, out.a, batch, this.classes);
    }
    for (let l = last; l >= 0; l--) {
      const L = this.layers[l];
      // Undo a = f(z) for hidden layers (the output's softmax was undone above).
      if (l < last) act.backward(L.dZ, L.dA, L.a, batch * L.outDim);
      // Undo h = a * mask: dZ = (dH * f'(a)) * mask, the wasm engine's order of the same products.
      if (l < last && this.masked && L.mask !== null) {
        for (let i = 0, n = batch * L.outDim; i < n; i++) L.dZ[i] *= L.mask[i];
      }
      // Undo z = x W^T + b; the input gradient lands in the previous layer's dA.
      const dIn = l > 0 ? this.layers[l - 1].dA : null;
      denseBackward(dIn, L.dW, L.dB, L.dZ, L.x, L.W, batch, L.inDim, L.outDim);
    }
  }

  step(lr: number): void {
    const o = this.optimizer;
    const n = this.params.length;
    this.steps++;
    const k = stepScalars(o, this.steps, lr);
    switch (o.name) {
      case 'sgd':
        if (k.l2 === 0) sgdUpdate(this.params, this.grads, lr, n);
        else sgdL2Update(this.params, this.grads, lr, k.l2, n);
        return;
      case 'momentum':
      case 'nesterov':
        momentumUpdate(this.params, this.state[0], this.grads, lr, o.momentum, k.l2, o.name === 'nesterov', n);
        return;
      case 'adam':
      case 'adamw':
        adamUpdate(this.params, this.state[0], this.state[1], this.grads, k.decay, k.l2, o.beta1, o.beta2, o.eps, k.stepSize, k.bc2Sqrt, n);
        return;
    }
  }

  /** [steps taken, then each state buffer in canonical order]: see Network.exportOptimizerState. */
  exportOptimizerState(): Float32Array {
    const n = this.params.length;
    const out = new Float32Array(1 + this.state.length * n);
    out[0] = this.steps;
    this.state.forEach((buffer, b) => out.set(buffer, 1 + b * n));
    return out;
  }

  importOptimizerState(values: Float32Array): void {
    const n = this.params.length;
    this.steps = checkOptimizerState(values, this.optimizer, n);
    this.state.forEach((buffer, b) => buffer.set(values.subarray(1 + b * n, 1 + (b + 1) * n)));
  }

  exportParams(): A {
    return this.params.slice() as A;
  }

  importParams(values: ArrayLike<number>): void {
    if (values.length !== this.params.length) {
      throw new RangeError(`expected ${this.params.length} parameters, got ${values.length}`);
    }
    this.params.set(values);
  }

  exportGrads(): A {
    return this.grads.slice() as A;
  }

  async close(): Promise<void> {}
}

export function createReferenceNetwork(spec: NetworkSpec, maxBatch: number, optimizer: OptimizerSpec = SGD): Network {
  return new ReferenceMlp(spec, maxBatch, optimizer); // float32: the Network interface, checked here
}
