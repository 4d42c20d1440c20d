/**
 * Choosing the wasm engine's thread count by measuring it. How many threads make a step fastest
 * depends on the machine (cores, caches, how busy it is) and on the network: past some count the
 * barriers of each phase cost more than the extra cores give (on a 16-core Xeon the 784-128-10 epoch
 * was fastest at 8 threads and slower at 16). So the engine starts one thread per core and, after
 * TUNE_WARMUP steps on all of them, times whole steps at each candidate count in turn, then keeps
 * the count whose median step was shortest. It measures again every REMEASURE_AFTER steps (about an epoch of
 * MNIST), since a shared machine's other work comes and goes: then only the chosen count and its
 * neighbours among the candidates, so that the far ones (one thread on 16 cores, say) cost no
 * steps, and a changed load moves the choice a step at a time. Any count gives bit-identical weights
 * (assembly/threads.ts), so the measurement changes how fast a run is, never what it computes.
 */

/** Steps timed per candidate count. The counts take turns, so a slow spell of the machine hits all of them. */
export const TUNE_ROUNDS = 12;
/**
 * Steps run on all threads, untimed, before the first measurement: the first steps measure V8
 * rather than the threads. Each thread's code (its JavaScript, and the wasm it runs) is compiled
 * to optimised code only after it has run a while, the workers' later than the calling thread's:
 * on 2 cores a 2-thread step took 0.66-0.87 ms for about the first 75 steps and 0.40 ms after,
 * a 1-thread step 1.1 ms for the first 25 and 0.57-0.85 ms after. Timed from the first step, the
 * tuner chose 1 thread in 6 of 8 runs of `mnist train`, and kept it for the next 1000 steps.
 */
export const TUNE_WARMUP = 128;
/** Steps run on the chosen count before it is measured again. */
export const REMEASURE_AFTER = 1000;

/** The counts worth trying with `max` threads: 1, 2, 4, ... below max, then max itself. */
export function threadCandidates(max: number): number[] {
  const counts: number[] = [];
  for (let t = 1; t < max; t *= 2) counts.push(t);
  counts.push(max);
  return counts;
}

/**
 * Feeds on the time between consecutive training steps. step(now) is called as each step starts
 * and returns the thread count for the step that starts now: the candidates in turn while
 * measuring, then the chosen one for good.
 */
export class ThreadTuner {
  private readonly times: number[][];
  /** Indices of the candidates measured now: all of them at first, then the chosen one and its neighbours. */
  private trying: number[];
  private current = 0;
  private last = -1;
  private taken = 0;
  /** Steps run on the chosen count since it was chosen. */
  private kept = 0;
  /** The chosen count once a measurement is over; null before the first. */
  chosen: number | null = null;
  /** Warm-up steps still to run before the first measurement. */
  private warming: number;

  constructor(
    readonly candidates: readonly number[], private readonly rounds = TUNE_ROUNDS, private readonly remeasureAfter = REMEASURE_AFTER,
    warmup = TUNE_WARMUP,
  ) {
    this.warming = candidates.length > 1 ? warmup : 0;
    if (candidates.length === 0) throw new RangeError('no thread counts to choose from');
    this.times = candidates.map(() => []);
    this.trying = candidates.map((_, k) => k);
    if (candidates.length === 1) this.chosen = candidates[0];
  }

  /** Whether the steps are being timed now (else the chosen count, or during the warm-up all threads, simply runs). */
  get measuring(): boolean {
    return this.candidates.length > 1 && this.warming === 0 && this.taken < this.rounds * this.trying.length;
  }

  /** The count to use first. */
  get first(): number {
    return this.chosen ?? (this.warming > 0 ? this.candidates[this.candidates.length - 1] : this.candidates[0]);
  }

  /** `now` in milliseconds (performance.now()); returns the count for the step starting now. */
  step(now: number): number {
    if (this.warming > 0) {
      this.warming--;
      return this.candidates[this.candidates.length - 1];
    }
    if (!this.measuring) {
      if (this.candidates.length === 1 || ++this.kept < this.remeasureAfter) return this.chosen!;
      this.kept = 0;
      this.taken = 0;
      this.last = -1;
      const k = this.candidates.indexOf(this.chosen!);
      this.trying = [k - 1, k, k + 1].filter((i) => i >= 0 && i < this.candidates.length);
      for (const i of this.trying) this.times[i].length = 0;
    }
    if (this.last >= 0) {
      this.times[this.current].push(now - this.last);
      this.taken++;
    }
    this.last = now;
    if (this.taken === this.rounds * this.trying.length) {
      this.chosen = this.fastest();
      return this.chosen;
    }
    // The first interval (before any step) is not counted: it holds the loop's start-up.
    this.current = this.trying[this.taken % this.trying.length];
    return this.candidates[this.current];
  }

  /** The candidate measured last time with the shortest median step; on a tie, the fewer threads. */
  private fastest(): number {
    let best = this.trying[0];
    let bestMedian = Infinity;
    for (const k of this.trying) {
      const sorted = [...this.times[k]].sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1];
      if (median < bestMedian) {
        bestMedian = median;
        best = k;
      }
    }
    return this.candidates[best];
  }

  /** Median step time (ms) of each candidate at its latest measurement, for reports and tests. */
  medians(): { threads: number; ms: number | null }[] {
    return this.candidates.map((threads, k) => {
      const sorted = [...this.times[k]].sort((a, b) => a - b);
      return { threads, ms: sorted.length === 0 ? null : sorted[sorted.length >> 1] };
    });
  }
}
