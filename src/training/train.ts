/**
 * The training loop: epochs of seeded-shuffled minibatches through a Network (fill the batch,
 * forward, loss, backward, step), with validation after each epoch. It sees only the Network
 * interface, so every engine runs the same lines. It reports through a Reporter and never prints, never opens
 * files, never exits: the CLI decides what the user sees. Stops cleanly between batches when its
 * AbortSignal fires, and throws DivergedError as soon as the loss stops being a finite number.
 */

import { augmentImage, type AugmentSettings } from '../data/augment.js';
import { fillLabels, shuffledOrder } from '../data/batches.js';
import type { Dataset } from '../data/split.js';
import { DivergedError } from '../errors.js';
import type { Network } from '../model/network.js';
import { Rng } from '../rng.js';
import { evaluate } from './evaluate.js';
import { learningRate, type LrSchedule } from './schedule.js';

export { learningRate, LR_SCHEDULES, type LrSchedule } from './schedule.js';

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  /** Peak learning rate. */
  lr: number;
  /** 'constant' keeps lr; 'cosine' decays it from lr to 0 over the run; 'onecycle' (schedule.ts). */
  schedule: LrSchedule;
  /** Epochs of linear learning-rate warm-up in front of constant or cosine (0 or absent: none). */
  warmup?: number;
  seed: number;
  /** Inputs are bytes * inputScale (1/255 maps pixels to [0, 1]). */
  inputScale: number;
  /** Random affine distortions of every training image (data/augment.ts), or null for none. */
  augment?: AugmentSettings | null;
}

export interface EpochMetrics {
  epoch: number;
  /** Training time of this epoch alone (no validation), in seconds. */
  seconds: number;
  /** Mean of the minibatch losses over the epoch. */
  trainLoss: number;
  /** null when no validation set was held out. */
  valLoss: number | null;
  valAccuracy: number | null;
}

/** What the loop tells its observer. Batch calls pass plain numbers so nothing is allocated per batch. */
export interface Reporter {
  epochStart(epoch: number, epochs: number, batches: number): void;
  /** After each batch: `batch` is 1-based; `runningLoss` is the epoch's mean so far. */
  batchEnd(epoch: number, batch: number, batches: number, runningLoss: number, images: number, seconds: number): void;
  epochEnd(metrics: EpochMetrics): void;
}

export const silentReporter: Reporter = { epochStart() {}, batchEnd() {}, epochEnd() {} };

export interface TrainResult {
  epochs: EpochMetrics[];
  /** True when stopped by the signal; the network holds the weights after the last full batch. */
  interrupted: boolean;
  /** Optimizer steps taken in all. */
  steps: number;
}

/**
 * A mean batch loss above this means the weights have blown up even while still finite: a
 * cross-entropy of 1000 needs logits 1000 apart on the wrong side (a random guess gives ln 10).
 * `!(loss <= limit)` also catches NaN, which every comparison rejects.
 */
const DIVERGED_LOSS = 1000;

/**
 * The batch order and the augmentation each draw from their own generator, seeded with `seed`
 * xor one of these, apart from the stream that initialised the weights (seeded with `seed`
 * itself): more augmentation draws never shift the batch order. The values are arbitrary but fixed,
 * since changing one changes every trained model.
 */
const ORDER_STREAM = 0x5eed5eed;
const AUGMENT_STREAM = 0xa06e47;

/** How often (ms) the loop yields to the event loop so a SIGINT handler can run. */
const YIELD_EVERY_MS = 50;

export async function train(
  net: Network, trainSet: Dataset, valSet: Dataset | null,
  settings: TrainSettings, reporter: Reporter = silentReporter, signal?: AbortSignal,
): Promise<TrainResult> {
  const { epochs, batchSize, seed, inputScale } = settings;
  if (batchSize > net.maxBatch) throw new RangeError(`batch size ${batchSize} > network maxBatch ${net.maxBatch}`);
  const pixels = net.spec.sizes[0];
  const rng = new Rng(seed ^ ORDER_STREAM);
  const order = new Uint32Array(trainSet.count);
  const batchLabels = new Uint8Array(batchSize);
  const side = Math.round(Math.sqrt(pixels));
  if (settings.augment && side * side !== pixels) throw new RangeError(`augmentation needs square images, got ${pixels} pixels`);
  const augmented = settings.augment ? new Uint8Array(batchSize * pixels) : null;
  const augmentRng = settings.augment ? new Rng(seed ^ AUGMENT_STREAM) : null;
  const batches = Math.ceil(trainSet.count / batchSize);
  const totalSteps = epochs * batches;
  const schedule = { lr: settings.lr, schedule: settings.schedule, warmupSteps: (settings.warmup ?? 0) * batches };
  const history: EpochMetrics[] = [];
  let steps = 0;
  let lastYield = performance.now();

  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffledOrder(order, rng);
    reporter.epochStart(epoch, epochs, batches);
    const started = performance.now();
    let lossSum = 0;
    for (let b = 0; b < batches; b++) {
      if (signal?.aborted) return { epochs: history, interrupted: true, steps };
      const start = b * batchSize;
      const batch = Math.min(batchSize, trainSet.count - start);
      // Fill the batch: this epoch's next images (or distorted copies of them) and their labels.
      if (augmented !== null) {
        for (let n = 0; n < batch; n++) {
          augmentImage(augmented, n * pixels, trainSet.images, order[start + n] * pixels, side, augmentRng!, settings.augment!);
        }
        net.loadBatch(augmented, null, 0, batch, inputScale);
      } else {
        net.loadBatch(trainSet.images, order, start, batch, inputScale);
      }
      fillLabels(batchLabels, trainSet.labels, order, start, batch);
      net.forward(batch);
      const loss = net.loss(batchLabels, batch);
      if (!(loss <= DIVERGED_LOSS)) {
        throw new DivergedError(
          `training diverged: the loss became ${formatLoss(loss)} at epoch ${epoch}, batch ${b + 1}/${batches}; the learning rate ${settings.lr} is too large for this setup. Try --lr ${formatLr(settings.lr / 10)}.`,
        );
      }
      net.backward(batchLabels, batch);
      net.step(learningRate(schedule, steps, totalSteps));
      steps++;
      lossSum += loss * batch;
      const now = performance.now();
      reporter.batchEnd(epoch, b + 1, batches, lossSum / (start + batch), start + batch, (now - started) / 1000);
      if (now - lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const trainLoss = lossSum / trainSet.count;
    let valLoss: number | null = null;
    let valAccuracy: number | null = null;
    if (valSet !== null && valSet.count > 0) {
      const result = evaluate(net, valSet, inputScale);
      valLoss = result.loss;
      valAccuracy = result.correct / result.total;
    }
    const metrics: EpochMetrics = { epoch, seconds, trainLoss, valLoss, valAccuracy };
    history.push(metrics);
    reporter.epochEnd(metrics);
  }
  return { epochs: history, interrupted: false, steps };
}

function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toPrecision(4) : String(loss);
}

function formatLr(lr: number): string {
  return String(Number(lr.toPrecision(2)));
}
