/**
 * A seeded pseudo-random generator, so that the same --seed gives the same weights and the same
 * batch order on every machine. Math.random cannot be seeded, so nothing in training uses it.
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state; passes
 * PractRand), seeded through splitmix32 so that nearby seeds give unrelated streams.
 */

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** A spare normal from the Box-Muller pair, so no sample is wasted. */
  private spare: number | null = null;

  constructor(seed: number) {
    this.a = this.b = this.c = this.d = 0;
    this.reset(seed);
  }

  /**
   * Restarts the stream as `new Rng(seed)` would, without allocating: per-image streams
   * (model/transform.ts) reseed one generator for every image.
   */
  reset(seed: number): void {
    // splitmix32: a Weyl sequence from the seed, each value mixed.
    const s = seed >>> 0;
    this.a = mix32((s + 0x9e3779b9) >>> 0);
    this.b = mix32((s + 2 * 0x9e3779b9) >>> 0);
    this.c = mix32((s + 3 * 0x9e3779b9) >>> 0);
    this.d = mix32((s + 4 * 0x9e3779b9) >>> 0);
    this.spare = null;
    for (let i = 0; i < 12; i++) this.nextUint32(); // let the state mix before first use
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextUint32(); while (x >= limit);
    return x % n;
  }

  /** Standard normal (mean 0, variance 1) by the Box-Muller transform. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) is -Infinity
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place: every permutation equally likely. */
  shuffle(values: Uint32Array | Int32Array | number[]): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
  }

  /**
   * The generator's whole position: its four words and the spare normal. setState(getState())
   * continues the stream exactly where it was, which is what resuming a run needs.
   */
  getState(): RngState {
    return { words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0], spare: this.spare };
  }

  setState(state: RngState): void {
    const [a, b, c, d] = state.words;
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    this.spare = state.spare;
  }
}

/** A generator position as plain JSON: four unsigned 32-bit words and the spare normal (or null). */
export interface RngState {
  words: [number, number, number, number];
  spare: number | null;
}

/** splitmix32's output function: a bijection of 32-bit values that spreads every input bit. */
export function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
