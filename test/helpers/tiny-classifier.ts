/**
 * A deliberately small, self-contained classifier for the image tests: multinomial logistic
 * regression on the 784 raw pixels (scaled by 1/255, like the trainer), fitted by plain SGD in
 * about a second. It is not the project's model; it only needs to be sensitive to the same
 * things an MLP is (position, size, polarity, stroke width) so preprocessing can be judged.
 */

export interface TinyClassifier {
  /** (10, 784) row-major weights and 10 biases. */
  weights: Float32Array;
  bias: Float32Array;
}

/** Deterministic xorshift32 in [0, 1), so the fit is the same on every run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Fits softmax regression by SGD over `epochs` shuffled passes with a learning rate that
 * decays linearly to 10% of `rate`. images holds count x 784 bytes, labels count bytes.
 */
export function fitTinyClassifier(images: Uint8Array, labels: Uint8Array, count: number, epochs = 6, rate = 0.05, seed = 1): TinyClassifier {
  const weights = new Float32Array(10 * 784);
  const bias = new Float32Array(10);
  const x = new Float32Array(784);
  const p = new Float64Array(10);
  const order = Array.from({ length: count }, (_, i) => i);
  const random = seededRandom(seed);
  const steps = epochs * count;
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const n of order) {
      const lr = rate * (1 - (0.9 * step++) / steps);
      for (let k = 0; k < 784; k++) x[k] = images[n * 784 + k] / 255;
      logits(weights, bias, x, p);
      softmaxInPlace(p);
      p[labels[n]] -= 1;
      for (let c = 0; c < 10; c++) {
        const g = lr * p[c];
        if (g === 0) continue;
        const row = c * 784;
        for (let k = 0; k < 784; k++) weights[row + k] -= g * x[k];
        bias[c] -= g;
      }
    }
  }
  return { weights, bias };
}

function logits(weights: Float32Array, bias: Float32Array, x: Float32Array, out: Float64Array): void {
  for (let c = 0; c < 10; c++) {
    let s = bias[c];
    const row = c * 784;
    for (let k = 0; k < 784; k++) s += weights[row + k] * x[k];
    out[c] = s;
  }
}

function softmaxInPlace(p: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < 10; c++) if (p[c] > max) max = p[c];
  let sum = 0;
  for (let c = 0; c < 10; c++) {
    p[c] = Math.exp(p[c] - max);
    sum += p[c];
  }
  for (let c = 0; c < 10; c++) p[c] /= sum;
}

/** The most likely digit for one 784-byte image. */
export function classify(model: TinyClassifier, pixels: Uint8Array): number {
  const x = new Float32Array(784);
  for (let k = 0; k < 784; k++) x[k] = pixels[k] / 255;
  const p = new Float64Array(10);
  logits(model.weights, model.bias, x, p);
  let best = 0;
  for (let c = 1; c < 10; c++) if (p[c] > p[best]) best = c;
  return best;
}

/** Percentage of images (count x 784 bytes) classified as their label. */
export function accuracy(model: TinyClassifier, images: ArrayLike<Uint8Array>, labels: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < images.length; i++) if (classify(model, images[i]) === labels[i]) right++;
  return (100 * right) / images.length;
}
