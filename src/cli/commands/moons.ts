/**
 * `mnist moons`: the two-moons playground of the tutorials. Generates seeded two-moons points,
 * trains a small network on them with the project's engine and training loop (by default 2-16-1
 * tanh with one sigmoid output and binary cross-entropy), prints train and test accuracy, and writes
 * an SVG of the decision boundary with the points and the loss curves. Wiring only: the data is
 * data/moons.ts, the picture report/boundary.ts.
 */

import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { makeMoons, moonsToBytes, moonsWindow } from '../../data/moons.js';
import type { Dataset } from '../../data/split.js';
import { createNetwork } from '../../engines/index.js';
import { InterruptedError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../files/atomic.js';
import { initParams } from '../../model/init.js';
import { ACTIVATIONS, BINARY_LOSS, describeSpec, MAX_LAYER_WIDTH, type NetworkSpec } from '../../model/network.js';
import { boundarySvg } from '../../report/boundary.js';
import { Rng } from '../../rng.js';
import { EVAL_BATCH, evaluate } from '../../training/evaluate.js';
import { LR_SCHEDULES, train } from '../../training/train.js';
import { textChart } from '../../ui/chart.js';
import { err, out } from '../../ui/colors.js';
import { formatAccuracy } from '../../ui/format.js';
import { listenForInterrupt } from '../interrupt.js';
import { checkOutPath } from '../out-path.js';
import { jsonOption, noColorOption, parsePositiveInt, parsePositiveNumber, parseSeed, quietOption } from '../options.js';

/**
 * Bytes on the plane grid (data/moons.ts) -> inputs in [0, 4]: a span of a few units, as
 * standardised coordinates would have, so tanh and sigmoid units can bend within the data (with
 * [0, 1] instead, the default run reached 86.5% test accuracy, not 97.5%).
 */
const INPUT_SCALE = 4 / 255;

/** `2-16-1`: two inputs (x, y), hidden layers, and one sigmoid output (or two softmax outputs). */
export function parseMoonsArch(value: string): number[] {
  const parts = value.split('-');
  if (parts.length < 2 || parts.some((p) => !/^\d+$/.test(p.trim()))) {
    throw new InvalidArgumentError('expected layer sizes joined by dashes, e.g. 2-16-1.');
  }
  const sizes = parts.map(Number);
  if (sizes[0] !== 2) throw new InvalidArgumentError('the first layer must be 2 (the x and y of a point), e.g. 2-16-1.');
  const last = sizes[sizes.length - 1];
  if (last !== 1 && last !== 2) {
    throw new InvalidArgumentError('the last layer must be 1 (a sigmoid with binary cross-entropy) or 2 (a softmax with cross-entropy), e.g. 2-16-1.');
  }
  for (const size of sizes.slice(1, -1)) {
    if (size < 1 || size > MAX_LAYER_WIDTH) throw new InvalidArgumentError(`hidden layer sizes must be 1 to ${MAX_LAYER_WIDTH}, got ${size}.`);
  }
  return sizes;
}

function parseNoise(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1, e.g. 0.2.');
  return n;
}

function parseSamples(value: string): number {
  const n = parsePositiveInt(value);
  if (n < 10 || n > 1_000_000) throw new InvalidArgumentError('expected a whole number from 10 to 1000000.');
  return n;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError('expected a fraction between 0 and 1, e.g. 0.2.');
  return n;
}

/**
 * Inputs are grid bytes times a scale, all positive, so a first-layer unit starts with its
 * boundary through the corner of the window, far from the data. Setting each first-layer bias to
 * -W . mean(input) puts every starting boundary through the middle of the training points instead:
 * the same as centring the inputs, which the byte-based loop cannot do.
 */
function centreFirstLayer(params: Float32Array, spec: NetworkSpec, data: Dataset): void {
  const inDim = spec.sizes[0], outDim = spec.sizes[1];
  const mean = new Float64Array(inDim);
  for (let n = 0; n < data.count; n++) for (let i = 0; i < inDim; i++) mean[i] += (data.images[n * inDim + i] * INPUT_SCALE) / data.count;
  const biasOffset = inDim * outDim;
  for (let o = 0; o < outDim; o++) {
    let dot = 0;
    for (let i = 0; i < inDim; i++) dot += params[o * inDim + i] * mean[i];
    params[biasOffset + o] = -dot;
  }
}

export function makeMoonsCommand() {
  return new Command('moons')
    .description('the two-moons playground: train a small binary classifier and draw its decision boundary')
    .option('--samples <n>', 'points to generate, half on each moon', parseSamples, 1000)
    .option('--noise <sd>', 'standard deviation of the Gaussian noise added to each coordinate', parseNoise, 0.2)
    .option('--test-fraction <f>', 'share of the points held out for testing', parseFraction, 0.2)
    .option('--arch <sizes>', 'layer sizes, 2-<hidden>-...-1 (sigmoid + binary cross-entropy) or ...-2 (softmax + cross-entropy)', parseMoonsArch, [2, 16, 1])
    .addOption(new Option('--activation <name>', 'hidden-layer activation').choices(ACTIVATIONS).default('tanh' as const))
    .option('--lr <rate>', 'learning rate (peak of the cosine schedule)', parsePositiveNumber, 1)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule').choices(LR_SCHEDULES).default('cosine' as const))
    .option('--epochs <n>', 'passes over the training points', parsePositiveInt, 300)
    .option('--batch-size <n>', 'points per gradient step', parsePositiveInt, 32)
    .option('--seed <n>', 'seeds the points, the weights and the batch order', parseSeed, 42)
    .option('-o, --out <file>', 'where to write the picture (SVG)', 'moons.svg')
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', `
The points are drawn from two interleaving half circles (scikit-learn's make_moons), with
Gaussian noise; the network learns which moon a point is on. The picture shows the network's
probability over the plane, its P = 0.5 boundary, the training points (filled) and the test points
(rings), beside the loss curves. The plane shown (and fed to the network) holds every point, so
a large --noise zooms the picture out. Runs on the reference engine.

Examples:
  $ mnist moons                                  # 2-16-1 tanh, writes moons.svg
  $ mnist moons --noise 0.3 --arch 2-32-32-1 --activation relu -o relu.svg
  $ mnist moons --arch 2-3-1 --epochs 50         # too small a network: see the boundary struggle`)
    .action(async (options) => {
      const log = (line: string) => {
        if (!options.quiet) process.stderr.write(line + '\n');
      };
      const outPath = resolve(options.out);
      checkOutPath('--out', options.out, 'moons.svg');
      const binary = options.arch[options.arch.length - 1] === 1;
      const spec: NetworkSpec = { sizes: options.arch, activation: options.activation, loss: binary ? BINARY_LOSS : 'cross-entropy' };

      const moons = makeMoons(options.samples, options.noise, options.seed);
      // The plane window of the grid and the picture: large enough for every point, however noisy.
      const plane = moonsWindow(moons);
      const bytes = moonsToBytes(moons, plane);
      const testCount = Math.max(1, Math.round(options.samples * options.testFraction));
      const trainCount = options.samples - testCount;
      if (trainCount < 1) {
        throw new UsageError(`--samples ${options.samples} with --test-fraction ${options.testFraction} holds out all ${options.samples} points for testing and leaves none to train on; use more --samples or a smaller --test-fraction.`);
      }
      const trainSet: Dataset = { count: trainCount, images: bytes.subarray(0, 2 * trainCount), labels: moons.labels.subarray(0, trainCount) };
      const testSet: Dataset = { count: testCount, images: bytes.subarray(2 * trainCount), labels: moons.labels.subarray(trainCount) };
      const batchSize = Math.min(options.batchSize, trainCount);

      // The reference engine: a network this small gains nothing from threads. Buffers for a batch
      // or an evaluation chunk, not the whole set: evaluate() goes through the data net.maxBatch rows at a time.
      const { net } = await createNetwork(spec, Math.max(batchSize, EVAL_BATCH), { engine: 'reference', notice: log });
      const initial = new Float32Array(net.params.length);
      initParams(initial, spec, options.activation === 'relu' ? 'he' : 'xavier', new Rng(options.seed));
      centreFirstLayer(initial, spec, trainSet);
      net.importParams(initial);
      log(`training ${describeSpec(spec)} on ${trainCount} points (test ${testCount}), noise ${options.noise}, ${options.epochs} epochs, batch ${batchSize}, lr ${options.lr} ${options.schedule}`);
      const interrupt = listenForInterrupt(log);
      let result;
      try {
        result = await train(net, trainSet, testSet, {
          epochs: options.epochs, batchSize, lr: options.lr, schedule: options.schedule, seed: options.seed, inputScale: INPUT_SCALE,
        }, undefined, interrupt.signal);
      } finally {
        interrupt.dispose();
      }
      if (result.interrupted) {
        await net.close();
        throw new InterruptedError(`stopped after ${result.epochs.length} epochs; no picture written`, interrupt.exitCode());
      }
      const trained = evaluate(net, trainSet, INPUT_SCALE);
      const tested = evaluate(net, testSet, INPUT_SCALE);

      // P(second moon) over the plane, from continuous coordinates (the grid's bytes, unrounded).
      const { xMin, xMax, yMin, yMax } = plane;
      const probability = (x: number, y: number) => {
        net.input[0] = ((x - xMin) / (xMax - xMin)) * 255 * INPUT_SCALE;
        net.input[1] = ((y - yMin) / (yMax - yMin)) * 255 * INPUT_SCALE;
        const p = net.forward(1);
        return binary ? p[0] : p[1];
      };
      const svg = boundarySvg({
        probability,
        window: plane,
        train: { points: moons.points.subarray(0, 2 * trainCount), labels: trainSet.labels },
        test: { points: moons.points.subarray(2 * trainCount), labels: testSet.labels },
        curves: [
          { name: 'train loss', values: result.epochs.map((e) => e.trainLoss), color: '#2563eb' },
          { name: 'test loss', values: result.epochs.map((e) => e.valLoss), color: '#ea580c' },
        ],
        title: `two moons (${options.samples} points, noise ${options.noise}): ${describeSpec(spec)}, test accuracy ${formatAccuracy(tested.correct, tested.total)}`,
      });
      await net.close();
      await writeFileAtomic(outPath, svg);

      if (options.json) {
        process.stdout.write(JSON.stringify({
          trainAccuracy: trained.correct / trained.total, trainCorrect: trained.correct, trainTotal: trained.total,
          testAccuracy: tested.correct / tested.total, testCorrect: tested.correct, testTotal: tested.total,
          testLoss: tested.loss, picture: options.out, epochs: result.epochs,
        }) + '\n');
        return;
      }
      if (!options.quiet && process.stderr.isTTY && result.epochs.length >= 2) {
        const chart = textChart([
          { name: 'train loss', values: result.epochs.map((e) => e.trainLoss), mark: '●', paint: err.cyan },
          { name: 'test loss', values: result.epochs.map((e) => e.valLoss), mark: '○', paint: err.yellow },
        ], { format: (v) => v.toFixed(3) });
        process.stderr.write(chart.join('\n') + '\n');
      }
      process.stdout.write(`train accuracy: ${formatAccuracy(trained.correct, trained.total)}  loss ${trained.loss.toFixed(4)}\n`);
      process.stdout.write(`test accuracy:  ${out.bold(formatAccuracy(tested.correct, tested.total))}  loss ${tested.loss.toFixed(4)}\n`);
      process.stdout.write(`picture written to ${options.out}\n`);
    });
}
