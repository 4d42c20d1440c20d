/**
 * Optimizers as data: the name and hyperparameters of the update rule an engine applies in
 * Network.step(lr). Each engine implements every rule here over its own flat buffers (the reference
 * engine in engines/reference/mlp.ts, the wasm engine in engines/wasm/mlp.ts and assembly/), so
 * this file says WHAT is computed and the engines say how. Only plain minibatch SGD for now.
 */

export type OptimizerName = 'sgd';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd'];

/**
 * Which update rule, with its hyperparameters. A discriminated union on `name`: a new optimizer
 * adds one member (e.g. `{ name: 'adam'; beta1: number; beta2: number; eps: number }`), one entry
 * in OPTIMIZERS and optimizerSpec(), and one `case` in each engine's step(). State a rule keeps
 * between steps (a velocity, Adam's two moments) lives in flat arrays as long as the parameters and
 * in the engine's parameter order, allocated once at construction beside params and grads (the wasm
 * engine: in its memory plan); an elementwise rule never needs to know that order.
 */
export type OptimizerSpec = { name: 'sgd' };

/** Plain SGD: w <- w - lr * dL/dw, with no state. */
export const SGD: OptimizerSpec = { name: 'sgd' };

/** The spec for a name given on the command line, with default hyperparameters. */
export function optimizerSpec(name: OptimizerName): OptimizerSpec {
  switch (name) {
    case 'sgd':
      return SGD;
  }
}
