// The reference network as a whole: gradients of small networks against finite differences for
// every activation and loss (in float64, tightly, and in the float32 that training uses), batch
// loading, and the behaviour of a training step.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/rng.js';
import { initParams } from '../../../src/model/init.js';
import { createReferenceNetwork, ReferenceMlp } from '../../../src/engines/reference/mlp.js';
import { SGD } from '../../../src/model/optimizers.js';
import { ACTIVATIONS, LOSSES, namedParams, paramLayout, type NetworkSpec } from '../../../src/model/network.js';
import { expectClose } from '../../helpers/compare.js';
import { expectNetworkGradients } from '../../helpers/gradcheck.js';

function makeNet(spec: NetworkSpec, batch: number, seed = 1) {
  const net = createReferenceNetwork(spec, batch);
  const rng = new Rng(seed);
  initParams(net.params, spec, spec.activation === 'relu' ? 'he' : 'xavier', rng);
  // Non-zero biases so their gradients are exercised away from the symmetric start.
  for (const [name, view] of namedParams(spec.sizes, net.params)) {
    if (name.endsWith('bias')) for (let i = 0; i < view.length; i++) view[i] = rng.normal() * 0.1;
  }
  for (let i = 0; i < net.input.length; i++) net.input[i] = rng.uniform();
  return net;
}

/** The same network computed in float64 (every buffer a Float64Array), from makeNet's values. */
function makeNet64(spec: NetworkSpec, batch: number, seed = 1) {
  const net32 = makeNet(spec, batch, seed);
  const net = new ReferenceMlp(spec, batch, SGD, Float64Array);
  net.importParams(net32.params);
  net.input.set(net32.input);
  return net;
}

/**
 * Central differences of the mean loss. In float64 a step of 1e-6 leaves truncation (~eps^2) and
 * rounding (~1e-16/eps) errors near 1e-10, so the match is tight; in float32, the precision the
 * engine trains in, rounding forces a step of 1e-2 and a loose tolerance.
 */
const PRECISIONS = [
  { name: 'float64', make: makeNet64, eps: 1e-6, tolerance: { atol: 1e-9, rtol: 1e-7 } },
  { name: 'float32', make: makeNet, eps: 1e-2, tolerance: { atol: 2e-3, rtol: 2e-2 } },
] as const;

describe.each(ACTIVATIONS.flatMap((activation) => LOSSES.map((loss) => [activation, loss] as const)))(
  'a 4-5-6-3 network with %s and %s',
  (activation, loss) => {
    it.each(PRECISIONS)('has gradients that match finite differences in $name', ({ name, make, eps, tolerance }) => {
      const spec: NetworkSpec = { sizes: [4, 5, 6, 3], activation, loss };
      const batch = 3;
      const labels = Uint8Array.from([0, 2, 1]);
      expectNetworkGradients(make(spec, batch), labels, batch, { eps, tolerance, what: `${activation}/${loss} grads (${name})` });
    });
  },
);

describe('ReferenceMlp', () => {
  const spec: NetworkSpec = { sizes: [6, 8, 4], activation: 'relu', loss: 'cross-entropy' };

  it('returns probabilities that sum to 1 per row', () => {
    const net = makeNet(spec, 5);
    const probs = net.forward(5);
    expect(probs.length).toBe(5 * 4);
    for (let n = 0; n < 5; n++) expect(probs.subarray(n * 4, n * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('gives each row the same output whatever the batch size', () => {
    const net = makeNet(spec, 5);
    const all = net.forward(5).slice();
    const first = net.forward(1).slice();
    expect(Array.from(first)).toEqual(Array.from(all.subarray(0, 4)));
  });

  it('one SGD step raises the target class probability', () => {
    const net = makeNet(spec, 1);
    const labels = Uint8Array.from([2]);
    const before = net.forward(1)[2];
    net.loss(labels, 1);
    net.backward(labels, 1);
    net.step(0.5);
    const after = net.forward(1)[2];
    expect(after).toBeGreaterThan(before);
  });

  it('backward overwrites the gradients instead of accumulating across steps', () => {
    const net = makeNet(spec, 2);
    const labels = Uint8Array.from([1, 3]);
    net.forward(2);
    net.backward(labels, 2);
    const first = net.exportGrads();
    net.forward(2);
    net.backward(labels, 2);
    expectClose(net.exportGrads(), first, { atol: 0, rtol: 0 }, 'grads');
  });

  it('refuses a batch larger than it was built for', () => {
    expect(() => makeNet(spec, 2).forward(3)).toThrow(/outside 1..2/);
  });

  it('loadBatch writes the scaled pixels of the ordered rows, or of consecutive rows', () => {
    // Row r of 20 holds bytes that encode r, so every row that lands in the batch can be checked.
    const pixels = 6;
    const images = new Uint8Array(20 * pixels);
    for (let r = 0; r < 20; r++) for (let p = 0; p < pixels; p++) images[r * pixels + p] = (r * 13 + p * 41) & 255;
    const net = createReferenceNetwork(spec, 4);
    net.input.fill(-1);
    net.loadBatch(images, Uint32Array.from([5, 17, 2, 9, 0]), 1, 3, 1 / 255);
    [17, 2, 9].forEach((r, n) => {
      for (let p = 0; p < pixels; p++) expect(net.input[n * pixels + p]).toBe(Math.fround(images[r * pixels + p] * (1 / 255)));
    });
    expect(net.input[3 * pixels]).toBe(-1); // rows past the batch are left alone
    net.loadBatch(images, null, 4, 2, 1);
    expect(Array.from(net.input.subarray(0, 2 * pixels))).toEqual(Array.from(images.subarray(4 * pixels, 6 * pixels)));
    expect(() => net.loadBatch(images, null, 19, 2, 1)).toThrow(/images 19..20 outside 0..19/);
    expect(() => net.loadBatch(images, Uint32Array.from([3, 20]), 0, 2, 1)).toThrow(/order\[1\] = 20 is not an image index/);
  });

  it('exports and imports parameters in the canonical layout', () => {
    const net = makeNet(spec, 1);
    const params = net.exportParams();
    expect(params.length).toBe(paramLayout(spec.sizes).count);
    const other = createReferenceNetwork(spec, 1);
    other.importParams(params);
    other.input.set(net.input);
    expect(Array.from(other.forward(1))).toEqual(Array.from(net.forward(1)));
  });
});

describe('SGD', () => {
  it('follows an independently computed trajectory step by step', () => {
    // A 1-1-2 linear-ish network (relu on a positive pre-activation): the gradients are easy by hand.
    const spec: NetworkSpec = { sizes: [1, 1, 2], activation: 'relu', loss: 'cross-entropy' };
    const net = createReferenceNetwork(spec, 1);
    // layout: W1 (1x1), b1 (1), W2 (2x1), b2 (2)
    net.importParams(Float32Array.from([0.5, 0.1, 0.3, -0.2, 0, 0]));
    net.input[0] = 1;
    const labels = Uint8Array.from([0]);
    let [w1, b1, w2a, w2b, b2a, b2b] = [0.5, 0.1, 0.3, -0.2, 0, 0];
    const lr = 0.5;
    for (let step = 0; step < 3; step++) {
      // By hand, in float64: h = relu(w1*1 + b1); z = [w2a h + b2a, w2b h + b2b]; p = softmax(z); label 0.
      const h = Math.max(0, w1 + b1);
      const za = w2a * h + b2a, zb = w2b * h + b2b;
      const pa = 1 / (1 + Math.exp(zb - za));
      const dza = pa - 1, dzb = 1 - pa;
      const dh = dza * w2a + dzb * w2b;
      const dpre = h > 0 ? dh : 0;
      [w2a, w2b, b2a, b2b] = [w2a - lr * dza * h, w2b - lr * dzb * h, b2a - lr * dza, b2b - lr * dzb];
      [w1, b1] = [w1 - lr * dpre, b1 - lr * dpre];
      net.forward(1);
      net.loss(labels, 1);
      net.backward(labels, 1);
      net.step(lr);
      expectClose(net.exportParams(), [w1, b1, w2a, w2b, b2a, b2b], { atol: 1e-6, rtol: 1e-5 }, `params after step ${step + 1}`);
    }
  });
});
