/**
 * The training loop: epochs of seeded-shuffled minibatches through a Network (fill the batch,
 * forward, loss, backward, step), with validation after each epoch. It sees only the Network
 * interface, so every engine runs the same lines. It reports through a Reporter and never prints, never opens
 * files, never exits: the CLI decides what the user sees. Stops cleanly between batches when its
 * AbortSignal fires, and throws DivergedError as soon as the loss stops being a finite number.
 */

import { AUGMENT_PLAN, augmentImage, planAugment, type AugmentSettings } from '../data/augment.js';
import { fillLabels, shuffledOrder } from '../data/batches.js';
import type { Dataset } from '../data/split.js';
import { DivergedError } from '../errors.js';
import type { Network } from '../model/network.js';
import { imageSeed, imageSide, type BatchTransform, type ImageTransform } from '../model/transform.js';
import { Rng, type RngState } from '../rng.js';
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
  /**
   * augmentTransform(augment), when the caller made it already to give the engine (createNetwork's
   * `transforms`): the engine recognises it by identity and runs it on all its threads.
   */
  augmentTransform?: ImageTransform<AugmentSettings>;
  /**
   * Early stopping: stop once this many epochs in a row brought no lower validation loss, and
   * leave the best epoch's weights in the network. null/absent: train every epoch.
   */
  earlyStop?: number | null;
}

/**
 * Where a run stands, as plain JSON plus two arrays: enough to continue it so that the weights come
 * out bit for bit as if it had never stopped (train()'s `resume`). Taken after a full run, an
 * early stop, or between two batches when interrupted.
 */
export interface TrainState {
  /** Complete epochs. */
  epoch: number;
  /** Batches already done of epoch `epoch + 1` (0 at an epoch boundary). */
  batch: number;
  /** Optimizer steps taken in all (the schedule's position). */
  steps: number;
  /** The batch-order generator as it was before epoch `epoch + 1`'s shuffle (replayed on resume). */
  orderRng: RngState;
  /**
   * The dropout generator where it stands now (null without dropout). Augmentation needs no state:
   * each image's distortion is seeded from (seed, epoch, position in the epoch).
   */
  dropoutRng: RngState | null;
  /** Sum of loss * images over the batches done of the unfinished epoch, and their training seconds. */
  lossSum: number;
  seconds: number;
  /** Metrics of every complete epoch. */
  history: EpochMetrics[];
  /** Early stopping: the best validation loss so far and its epoch (0 and Infinity before any). */
  bestEpoch: number;
  bestValLoss: number;
  /** The current weights (canonical order) and the optimizer's state (Network.exportOptimizerState). */
  params: Float32Array;
  optimizer: Float32Array;
  /** The best epoch's weights, when early stopping and they differ from `params`; else null. */
  bestParams: Float32Array | null;
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
  /** Every complete epoch, those of a resumed run's earlier sessions included. */
  epochs: EpochMetrics[];
  /** True when stopped by the signal; the network holds the weights after the last full batch. */
  interrupted: boolean;
  /** Optimizer steps taken in all. */
  steps: number;
  /** True when early stopping ended the run before its last epoch. */
  stoppedEarly: boolean;
  /**
   * With early stopping, the epoch whose weights the network now holds (the lowest validation
   * loss); null without early stopping or when interrupted.
   */
  bestEpoch: number | null;
  /** Where the run stands, for a checkpoint (the weights there are the latest, not the best). */
  state: TrainState;
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
const DROPOUT_STREAM = 0xd20907;

/**
 * data/augment.ts's augmentImage as an image transform that an engine can run on its own threads:
 * they import it from its module (the .ts source under vitest; engines/wasm/node.ts maps that to
 * the build). Pass the same object to createNetwork's `transforms` and to train (it is keyed by identity).
 * `native` lets the wasm engine draw each image's plan here and warp the pixels in WebAssembly.
 */
export function augmentTransform(settings: AugmentSettings): ImageTransform<AugmentSettings> {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return {
    fn: augmentImage, module: new URL(`../data/augment.${ext}`, import.meta.url).href, exportName: 'augmentImage', settings,
    native: { kind: 'affine', plan: planAugment, recordLength: AUGMENT_PLAN, planExport: 'planAugment', builtIn: 'augment' },
  };
}

/** How often (ms) the loop yields to the event loop so a SIGINT handler can run. */
const YIELD_EVERY_MS = 50;

/**
 * Trains `net` for settings.epochs epochs in all. With `resume` (a TrainState from an earlier call
 * with the same settings, data and network spec) it first restores the weights, the optimizer
 * state and every random stream, then continues from the batch after the last one done: the result
 * is bit for bit what an uninterrupted run gives.
 */
export async function train(
  net: Network, trainSet: Dataset, valSet: Dataset | null,
  settings: TrainSettings, reporter: Reporter = silentReporter, signal?: AbortSignal,
  resume?: TrainState | null,
): Promise<TrainResult> {
  const { epochs, batchSize, seed, inputScale } = settings;
  if (batchSize > net.maxBatch) throw new RangeError(`batch size ${batchSize} > network maxBatch ${net.maxBatch}`);
  const pixels = net.spec.sizes[0];
  const rng = new Rng(seed ^ ORDER_STREAM);
  const order = new Uint32Array(trainSet.count);
  const batchLabels = new Uint8Array(batchSize);
  if (settings.augment) imageSide(pixels);
  const transform = settings.augment ? settings.augmentTransform ?? augmentTransform(settings.augment) : null;
  // The same object every batch, its seed the epoch's: each image's distortion then depends on
  // (seed, epoch, position in the epoch) alone, whichever thread of the engine draws it.
  const batchTransform: BatchTransform | null = transform === null ? null : { transform, seed: 0 };
  const dropoutRng = (net.spec.dropout ?? 0) > 0 ? new Rng(seed ^ DROPOUT_STREAM) : null;
  const batches = Math.ceil(trainSet.count / batchSize);
  const totalSteps = epochs * batches;
  const schedule = { lr: settings.lr, schedule: settings.schedule, warmupSteps: (settings.warmup ?? 0) * batches };
  const history: EpochMetrics[] = [];
  const earlyStop = valSet !== null && valSet.count > 0 ? settings.earlyStop ?? null : null;
  let steps = 0;
  let bestEpoch = 0;
  let bestValLoss = Infinity;
  let bestParams: Float32Array | null = null;
  let firstEpoch = 1;
  let firstBatch = 0;
  let carriedLoss = 0;
  let carriedSeconds = 0;
  if (resume) {
    net.importParams(resume.params);
    net.importOptimizerState(resume.optimizer);
    rng.setState(resume.orderRng);
    if (dropoutRng && resume.dropoutRng) dropoutRng.setState(resume.dropoutRng);
    history.push(...resume.history);
    steps = resume.steps;
    firstEpoch = resume.epoch + 1;
    firstBatch = resume.batch;
    carriedLoss = resume.lossSum;
    carriedSeconds = resume.seconds;
    bestEpoch = resume.bestEpoch;
    bestValLoss = resume.bestValLoss;
    // A checkpoint leaves the best weights out when they are its current ones.
    bestParams = resume.bestParams ?? (resume.bestEpoch > 0 ? resume.params.slice() : null);
  }
  let orderBefore = rng.getState();
  /** The run's position now; `batch` batches of epoch `epoch + 1` done. */
  const snapshot = (epoch: number, batch: number, lossSum: number, seconds: number): TrainState => ({
    epoch, batch, steps, orderRng: orderBefore,
    dropoutRng: dropoutRng?.getState() ?? null,
    lossSum, seconds, history: [...history], bestEpoch, bestValLoss,
    params: net.exportParams(), optimizer: net.exportOptimizerState(),
    bestParams: bestEpoch === epoch && batch === 0 ? null : bestParams,
  });
  let lastYield = performance.now();

  for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
    orderBefore = rng.getState();
    shuffledOrder(order, rng);
    if (batchTransform !== null) batchTransform.seed = imageSeed(seed ^ AUGMENT_STREAM, epoch);
    reporter.epochStart(epoch, epochs, batches);
    const started = performance.now() - (epoch === firstEpoch ? carriedSeconds * 1000 : 0);
    let lossSum = epoch === firstEpoch ? carriedLoss : 0;
    for (let b = epoch === firstEpoch ? firstBatch : 0; b < batches; b++) {
      if (signal?.aborted) {
        const state = snapshot(epoch - 1, b, lossSum, (performance.now() - started) / 1000);
        return { epochs: history, interrupted: true, steps, stoppedEarly: false, bestEpoch: null, state };
      }
      const start = b * batchSize;
      const batch = Math.min(batchSize, trainSet.count - start);
      // Fill the batch: this epoch's next images (or distorted copies of them) and their labels.
      net.loadBatch(trainSet.images, order, start, batch, inputScale, batchTransform);
      fillLabels(batchLabels, trainSet.labels, order, start, batch);
      net.forward(batch, dropoutRng);
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
    // Yield once per epoch too, so that a signal sent at an epoch's end stops the run right there.
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastYield = performance.now();
    if (earlyStop !== null && valLoss !== null) {
      if (valLoss < bestValLoss) {
        bestValLoss = valLoss;
        bestEpoch = epoch;
        bestParams = net.exportParams();
      } else if (epoch - bestEpoch >= earlyStop) {
        return finish(epoch, epoch < epochs);
      }
    }
  }
  return finish(epochs, false);

  function finish(epoch: number, stoppedEarly: boolean): TrainResult {
    orderBefore = rng.getState(); // at an epoch boundary: the state the next epoch's shuffle starts from
    const state = snapshot(epoch, 0, 0, 0);
    // Keep the best epoch's weights in the network (the checkpoint above holds the latest ones).
    if (earlyStop !== null && bestParams !== null && bestEpoch !== epoch) net.importParams(bestParams);
    return { epochs: history, interrupted: false, steps, stoppedEarly, bestEpoch: earlyStop !== null ? bestEpoch || null : null, state };
  }
}

function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toPrecision(4) : String(loss);
}

function formatLr(lr: number): string {
  return String(Number(lr.toPrecision(2)));
}
