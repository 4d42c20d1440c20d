/**
 * Optimizers: each updates a network's flat `params` from its flat `grads` in one loop, keeping any
 * state in arrays of the same length. Only plain minibatch SGD for now; the option and this
 * interface exist so that momentum and Adam slot in without touching the training loop.
 */

import { sgdUpdate } from '../engine/kernels.js';
import type { Network } from './network.js';

export type OptimizerName = 'sgd';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd'];

export interface Optimizer {
  readonly name: OptimizerName;
  /** One update with learning rate `lr` from the gradients currently in the network. */
  step(lr: number): void;
}

/** Plain SGD: w <- w - lr * dL/dw. */
class Sgd implements Optimizer {
  readonly name = 'sgd' as const;
  constructor(private readonly net: Network) {}
  step(lr: number): void {
    // An engine's own sgdStep computes exactly this (faster, on its threads); else the plain loop.
    if (this.net.sgdStep !== undefined) this.net.sgdStep(lr);
    else sgdUpdate(this.net.params, this.net.grads, lr, this.net.params.length);
  }
}

export function createOptimizer(name: OptimizerName, net: Network): Optimizer {
  switch (name) {
    case 'sgd':
      return new Sgd(net);
  }
}
