/**
 * Weight initialisation. Biases start at zero; weights are random with a variance chosen so that
 * activations neither shrink nor blow up from layer to layer. Uses the seeded Rng only, so a seed
 * fixes the starting weights. Not the training loop, not the file format.
 */

import type { Rng } from '../rng.js';
import { paramLayout, type NetworkSpec } from './network.js';

export type InitScheme = 'he' | 'xavier';
export const INIT_SCHEMES: readonly InitScheme[] = ['he', 'xavier'];

/**
 * he: normal with variance 2 / fanIn. ReLU zeroes half of its inputs on average, so the factor 2
 * keeps the variance of activations constant through depth (He et al. 2015, "Delving Deep into
 * Rectifiers", https://arxiv.org/abs/1502.01852).
 * xavier: uniform in +-sqrt(6 / (fanIn + fanOut)), variance 2 / (fanIn + fanOut), balancing the
 * forward and backward signal for tanh/sigmoid (Glorot & Bengio 2010, "Understanding the difficulty
 * of training deep feedforward neural networks", eq. 16).
 */
export function initParams(params: Float32Array, spec: NetworkSpec, scheme: InitScheme, rng: Rng): void {
  params.fill(0);
  for (const layer of paramLayout(spec.sizes).layers) {
    const { inDim, outDim, weightOffset } = layer;
    const count = inDim * outDim;
    if (scheme === 'he') {
      const std = Math.sqrt(2 / inDim);
      for (let i = 0; i < count; i++) params[weightOffset + i] = rng.normal() * std;
    } else {
      const limit = Math.sqrt(6 / (inDim + outDim));
      for (let i = 0; i < count; i++) params[weightOffset + i] = (2 * rng.uniform() - 1) * limit;
    }
  }
}
