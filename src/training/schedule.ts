/**
 * Learning-rate schedules: the rate of each optimizer step, from the peak rate, the step number and
 * the run's total steps. Pure arithmetic, no state, so a run resumed at step s gets the same rates.
 * The definitions are PyTorch's schedulers (checked against them in test/engines/optimizers.test.ts):
 * CosineAnnealingLR, LinearLR warm-up followed by another schedule (SequentialLR), OneCycleLR.
 */

export type LrSchedule = 'constant' | 'cosine' | 'onecycle';
export const LR_SCHEDULES: readonly LrSchedule[] = ['constant', 'cosine', 'onecycle'];

export interface ScheduleSettings {
  /** The peak learning rate (onecycle: max_lr). */
  lr: number;
  schedule: LrSchedule;
  /**
   * Linear warm-up steps in front of constant or cosine (0 or absent: none). Step s < W uses
   * lr (s + 1) / W (PyTorch's LinearLR(start_factor=1/W, total_iters=W-1)); the schedule then runs
   * over the remaining total - W steps as if they were the whole run. onecycle has its own warm-up.
   */
  warmupSteps?: number;
}

/** OneCycleLR's defaults: 30% of the steps rising, starting at max_lr / 25, ending at max_lr / 25 / 1e4. */
export const ONECYCLE = { pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 } as const;

/** The learning rate for optimizer step `step` (0-based) of `total`. */
export function learningRate(settings: ScheduleSettings, step: number, total: number): number {
  const { lr, schedule } = settings;
  if (schedule === 'onecycle') return oneCycle(lr, step, total);
  const warmup = settings.warmupSteps ?? 0;
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const s = step - warmup;
  const t = total - warmup;
  if (schedule === 'constant' || t <= 1) return lr;
  // Half a cosine from lr down to 0 (Loshchilov & Hutter 2017, SGDR; PyTorch's CosineAnnealingLR
  // with T_max = t, eta_min = 0): large steps early, fine steps at the end.
  return 0.5 * lr * (1 + Math.cos((Math.PI * s) / t));
}

/**
 * PyTorch's OneCycleLR (Smith & Topor 2017, https://arxiv.org/abs/1708.07120) with its defaults
 * and anneal_strategy 'cos', without momentum cycling (cycle_momentum=False): from lr/25 up to lr
 * over the first 30% of the steps, then down to lr/25/1e4 at the last step, along half cosines.
 * Phase ends are PyTorch's float step numbers (0.3 total - 1, total - 1).
 */
function oneCycle(lr: number, step: number, total: number): number {
  const initial = lr / ONECYCLE.divFactor;
  const final = initial / ONECYCLE.finalDivFactor;
  const end1 = ONECYCLE.pctStart * total - 1;
  const end2 = total - 1;
  if (step <= end1) return cosineAnneal(initial, lr, step / end1);
  return cosineAnneal(lr, final, (step - end1) / (end2 - end1));
}

/** From start (pct 0) to end (pct 1) along half a cosine. */
function cosineAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}
