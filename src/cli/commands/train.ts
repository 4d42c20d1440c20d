/**
 * `mnist train`: trains a multilayer perceptron on MNIST and saves it as a model file. Wiring
 * only: options are validated by their parsers, the data comes from data/, the loop from
 * training/, the file from io/, the display from ui/. Throws MnistError subclasses; main.ts
 * prints them and sets the exit code.
 */

import { relative, resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { DEFAULT_AUGMENT } from '../../data/augment.js';
import { CLASSES, IMAGE_SIZE, loadSplit, locateMnist, PIXELS, sourceRecord } from '../../data/mnist.js';
import { splitTraining } from '../../data/split.js';
import { createNetwork, prepareEngine } from '../../engines/index.js';
import { DataError, DivergedError, InterruptedError, ModelFileError, UsageError } from '../../errors.js';
import { checkpointPathFor, loadCheckpoint, removeStaleCheckpoint, saveCheckpoint, type Checkpoint } from '../../io/checkpoint.js';
import { modelCreatedAt, newModelRecord, partialPathFor, saveModel, type TestRecord } from '../../io/model-file.js';
import { initParams, INIT_SCHEMES, type InitScheme } from '../../model/init.js';
import { ACTIVATIONS, LOSSES, checkOptimizerState, describeSpec, paramLayout, type NetworkSpec } from '../../model/network.js';
import { describeOptimizer, OPTIMIZERS } from '../../model/optimizers.js';
import { Rng } from '../../rng.js';
import { evaluate } from '../../training/evaluate.js';
import { augmentTransform, LR_SCHEDULES, train, type TrainResult } from '../../training/train.js';
import { textChart } from '../../ui/chart.js';
import { err, out } from '../../ui/colors.js';
import { formatAccuracy, formatSeconds } from '../../ui/format.js';
import { TrainProgress } from '../../ui/progress.js';
import { listenForInterrupt, type Interrupt } from '../interrupt.js';
import { choosePath, preflightMemory, preflightModelOutput } from '../model-output.js';
import { applyPreset, presetHelp, PRESET_NAMES } from '../presets.js';
import { applyCheckpoint, checkSameRun, recordSettings, resumePaths } from '../resume.js';
import { signalPoint } from '../test-hooks.js';
import {
  dataDirOption, engineOption, jsonOption, noColorOption, parseArch, parseDropout, parseFraction, parseNonNegativeInt,
  parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber, parseSeed, quietOption, threadsOption,
} from '../options.js';
import { DEFAULT_LR, WARMUP_MIN_EPOCHS, defaultWarmup, optimizerRecord, trainingOptimizer } from '../optimizer-options.js';

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
    .option('--warmup <epochs>', `epochs (not steps) of linear learning-rate warm-up before constant or cosine, rising step by step to lr (default: 1 with the cosine schedule and ${WARMUP_MIN_EPOCHS} or more epochs, else 0)`, parseNonNegativeInt)
    .option('--epochs <n>', 'passes over the training set', parsePositiveInt, 20)
    .option('--batch-size <n>', 'images per gradient step', parsePositiveInt, 64)
    .option('--no-augment', 'train on the images exactly as they are; by default each image is randomly rotated, slanted, scaled and shifted every epoch (and about one in eight stretched towards a square, as scans and crops come), which reads real handwriting better')
    .option('--seed <n>', 'random seed for weights and batch order (same seed, same weights)', parseSeed, 42)
    .option('--val-size <n>', 'images held out of the 60,000 training images for per-epoch validation', parseNonNegativeInt, 5000)
    .option('--limit <n>', 'train on the first <n> training images only (quick experiments)', parsePositiveInt)
    .option('--dropout <p>', 'drop this fraction of hidden units in each training step (inverted dropout; none in evaluation)', parseDropout, 0)
    .option('--early-stop <k>', 'stop after <k> epochs without a lower validation loss and keep the best epoch\'s weights', parsePositiveInt)
    .addOption(new Option('--preset <name>', 'a named set of the options above (listed below); options you type override it').choices(PRESET_NAMES))
    .option('--resume <file>', 'continue the run saved in <file> (model.json, with model.ckpt beside it) up to --epochs in all, exactly as if it had not stopped')
    .option('--no-checkpoint', 'do not write the resume checkpoint (model.ckpt) beside the model')
    .option('-o, --out <file>', 'where to write the model (with --resume: the resumed model file)', 'model.json')
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
  $ mnist train --json | jq .testAccuracy
  $ mnist train --preset fast                    # about 98% in a few seconds
  $ mnist train --preset best --out best.json    # 99.3-99.45%, about 5 minutes on 2 cores
  $ mnist train --epochs 5 && mnist train --resume model.json --epochs 10

Presets (--preset NAME sets these unless you give them yourself):
${presetHelp()}`)
    .action(async (givenOptions, command) => {
      const sourceOf = (key: string) => command.getOptionValueSource(key);
      let picked = givenOptions;
      let resumed: Checkpoint | null = null;
      if (givenOptions.resume !== undefined) {
        const paths = resumePaths(givenOptions.resume);
        resumed = await loadCheckpoint(paths.checkpoint);
        checkSameRun(resumed, await modelCreatedAt(paths.model), paths);
        picked = applyCheckpoint(givenOptions, resumed, sourceOf, givenOptions.resume);
        if (sourceOf('out') !== 'cli') picked = { ...picked, out: paths.model };
      } else if (givenOptions.preset !== undefined) {
        picked = applyPreset(givenOptions, givenOptions.preset, sourceOf);
      }
      // After the preset or the checkpoint: warm-up's default depends on the schedule and the epochs
      // (a checkpoint without the setting comes from before --warmup, when there was none).
      const warmup = picked.warmup ?? (resumed !== null ? 0 : defaultWarmup(picked.schedule, picked.epochs));
      const options = { ...picked, warmup };
      const resumedCount = resumed === null ? 0 : Number(resumed.settings.resumed ?? 0) + 1;
      if (options.earlyStop !== undefined && options.valSize === 0) {
        throw new UsageError('--early-stop needs a validation set to watch; leave --val-size above 0 (the default holds out 5000 images).');
      }
      const outPath = resolve(options.out);
      // After the preset or the checkpoint: the learning rate's default depends on the optimizer.
      const { optimizer, lr } = trainingOptimizer(options);
      const spec: NetworkSpec = { sizes: options.arch, activation: options.activation, loss: options.loss, dropout: options.dropout };
      if (options.labelSmoothing !== 0) spec.labelSmoothing = options.labelSmoothing;
      if (resumed !== null) {
        try {
          checkOptimizerState(resumed.state.optimizer, optimizer, paramLayout(spec.sizes).count);
        } catch (error) {
          throw new ModelFileError(`${givenOptions.resume}: the checkpoint's optimizer state does not fit this run (${(error as Error).message}); resume needs the checkpoint written with the model.`);
        }
      }
      preflightModelOutput(options.out, spec.sizes);
      const init: InitScheme = options.init ?? (options.activation === 'relu' ? 'he' : 'xavier');
      const progress = new TrainProgress({ stream: process.stderr, quiet: Boolean(options.quiet) });
      prepareEngine(options.engine); // compiles while the data loads
      // From here to the end, a signal stops at the next safe point; nothing complete is lost.
      const interrupt = listenForInterrupt((line) => progress.log(line));
      const unregister = interrupt.onForcedExit(() => progress.stop());
      const stoppedEarly = () =>
        new InterruptedError(`${stopWord(interrupt)} before training started; nothing was written (${options.out} is unchanged).`, interrupt.exitCode());
      try {
        signalPoint('before-data');
        const source = locateMnist({ dataDir: options.dataDir });
        const [trainSplit, testSplit] = await Promise.all([loadSplit(source, 'train'), loadSplit(source, 'test')]);
        const { trainSet, valSet } = splitTraining(trainSplit, options.valSize, options.limit);
        const trainFiles = [trainSplit.files.images, trainSplit.files.labels];
        if (resumed !== null) {
          for (const file of trainFiles) {
            const recorded = resumed.data[file.name];
            if (recorded !== undefined && recorded !== file.sha256) {
              throw new DataError(
                `${file.name}: not the file the run in ${givenOptions.resume} trained on (SHA-256 ${file.sha256.slice(0, 12)}…, recorded ${recorded.slice(0, 12)}…); resume with the same data (--data-dir).`,
                'EDATA',
              );
            }
          }
        }
        if (testSplit.count === 0) {
          throw new DataError(
            `${testSplit.files.images.path}: the test set holds 0 images, so the model could not be measured; use the official test files (\`mnist download --force\`).`,
            'EEMPTY',
          );
        }
        if (interrupt.signal.aborted) throw stoppedEarly();
        progress.log(`data: ${source.label}${source.kind === 'embedded' ? '' : ` (${source.dir})`}`);

        const batchSize = Math.min(options.batchSize, trainSet.count);
        // The network's largest batch is also its evaluation batch (validation and test): the
        // training batch, or TRAIN_EVAL_BATCH when that is larger.
        const maxBatch = Math.max(batchSize, TRAIN_EVAL_BATCH);
        preflightMemory(spec.sizes, batchSize, maxBatch, options.engine);
        const augment = options.augment ? augmentTransform(DEFAULT_AUGMENT) : undefined;
        const { net, engine } = await createNetwork(spec, maxBatch, {
          engine: options.engine,
          threads: options.threads,
          optimizer,
          transforms: augment ? [augment] : [],
          keepGrads: false, // the training loop reads no gradient after a step
          notice: (line) => progress.log(line),
        });
        let result: TrainResult;
        try {
          if (interrupt.signal.aborted) throw stoppedEarly();
          // The engine may keep its parameters in its own order: initialise in canonical order, then import.
          const initial = new Float32Array(net.params.length);
          initParams(initial, spec, init, new Rng(options.seed));
          net.importParams(initial);
          progress.log(
            `training ${describeSpec(spec)} on ${trainSet.count} images (validation ${valSet.count}), ` +
            `${options.epochs} epoch${options.epochs === 1 ? '' : 's'}, batch ${batchSize}, ${describeOptimizer(optimizer)}, lr ${lr} ${options.schedule}` +
            `${options.warmup > 0 ? ` after ${options.warmup} warm-up epoch${options.warmup === 1 ? '' : 's'}` : ''}` +
            `${options.augment ? ', augmented' : ''}${options.dropout > 0 ? `, dropout ${options.dropout}` : ''}` +
            `${options.earlyStop !== undefined ? `, early stop ${options.earlyStop}` : ''}` +
            `${options.preset !== undefined ? `, preset ${options.preset}` : ''}, ${engine} engine`,
          );
          if (resumed !== null) {
            const { epoch, batch } = resumed.state;
            progress.log(`resuming ${givenOptions.resume} after epoch ${epoch}${batch > 0 ? ` and ${batch} batch${batch === 1 ? '' : 'es'} of epoch ${epoch + 1}` : ''}`);
          }
          result = await train(
            net, trainSet, valSet.count > 0 ? valSet : null,
            {
              epochs: options.epochs, batchSize, lr, schedule: options.schedule, warmup: options.warmup, seed: options.seed,
              inputScale: INPUT_SCALE, augment: augment?.settings ?? null, augmentTransform: augment, earlyStop: options.earlyStop ?? null,
            },
            {
              epochStart: (epoch, epochs, batches) => progress.epochStart(epoch, epochs, batches),
              batchEnd: (...args) => progress.batchEnd(...args),
              epochEnd: (metrics) => {
                progress.epochEnd(metrics);
                signalPoint(`after-epoch-${metrics.epoch}`);
              },
            },
            interrupt.signal, resumed?.state ?? null,
          );
        } catch (err) {
          await net.close();
          throw err;
        } finally {
          progress.stop();
        }

        let test: TestRecord | null = null;
        signalPoint('before-test');
        if (!result.interrupted) {
          // All epochs are done: a signal from now on still saves the finished model.
          const evaluation = evaluate(net, testSplit, INPUT_SCALE);
          test = { correct: evaluation.correct, total: evaluation.total, accuracy: evaluation.correct / evaluation.total, loss: evaluation.loss };
        }
        const params = net.exportParams();
        await net.close();
        if (result.interrupted && result.steps === 0) throw stoppedEarly();

        const model = newModelRecord({
          spec,
          partial: result.interrupted,
          input: { width: IMAGE_SIZE, height: IMAGE_SIZE, scale: INPUT_SCALE },
          training: {
            epochs: options.epochs, batchSize, lr, schedule: options.schedule, optimizer: options.optimizer,
            init, seed: options.seed, augment: options.augment, valSize: valSet.count, trainImages: trainSet.count, engine, steps: result.steps,
            ...optimizerRecord(optimizer),
            labelSmoothing: options.labelSmoothing, warmup: options.warmup,
            dropout: options.dropout, earlyStop: options.earlyStop ?? null, bestEpoch: result.bestEpoch,
            preset: options.preset ?? null, resumed: resumedCount,
          },
          epochs: result.epochs,
          test,
          data: {
            source: sourceRecord(source),
            files: [trainSplit.files.images, trainSplit.files.labels, testSplit.files.images, testSplit.files.labels],
          },
          params,
        });
        const collapsed = test !== null && test.accuracy < CHANCE_ACCURACY;
        const kind = result.interrupted ? 'partial' : collapsed ? 'collapsed' : 'complete';
        const savePath = await choosePath(outPath, kind);
        const shown = savePath === null ? null : savePath === outPath ? options.out : relativeOrAbsolute(savePath);
        signalPoint('before-save');
        if (savePath !== null) await saveModel(savePath, model);
        // The checkpoint goes beside the model it belongs to (model.json -> model.ckpt, model.partial.json -> model.partial.ckpt).
        // A run that learned nothing leaves no checkpoint: there is nothing worth continuing.
        const checkpointPath = savePath !== null && options.checkpoint && kind !== 'collapsed' ? checkpointPathFor(savePath) : null;
        if (checkpointPath !== null) {
          await saveCheckpoint(checkpointPath, {
            spec,
            settings: { ...recordSettings({ ...options, lr, ...optimizerRecord(optimizer) }), resumed: resumedCount },
            data: Object.fromEntries(trainFiles.map((f) => [f.name, f.sha256])),
            state: result.state,
            modelCreatedAt: model.createdAt,
          });
        } else if (savePath !== null) {
          // This model has no checkpoint: one left beside it by an earlier run must not resume that run over it.
          const stale = checkpointPathFor(savePath);
          if (await removeStaleCheckpoint(stale)) progress.log(`removed ${relativeOrAbsolute(stale)}, an earlier run's checkpoint: this model has none`);
        }
        const resumeHint = checkpointPath !== null ? `; continue it with \`mnist train --resume ${shown}\`` : '';

        if (result.interrupted) {
          const done = result.epochs.length;
          const where =
            savePath === null
              ? `not saved: ${options.out} and ${relativeOrAbsolute(partialPathFor(outPath))} both hold finished models`
              : savePath === outPath
                ? `saved the partial model to ${shown}${resumeHint}`
                : `saved the partial model to ${shown} (${options.out} holds a finished model and is unchanged)${resumeHint}`;
          throw new InterruptedError(`${stopWord(interrupt)} after ${done} complete epoch${done === 1 ? '' : 's'} (${result.steps} steps); ${where}`, interrupt.exitCode());
        }
        if (collapsed && savePath !== outPath) {
          throw new DivergedError(
            `training collapsed: test accuracy ${formatAccuracy(test!.correct, test!.total)} is no better than guessing (the learning rate ${lr} is probably too large; try --lr ${Number((lr / 10).toPrecision(2))}). ${options.out} holds a finished model and is unchanged; this run's model is in ${shown}.`,
          );
        }
        if (collapsed) {
          progress.log(`warning: test accuracy ${formatAccuracy(test!.correct, test!.total)} is no better than guessing; the learning rate ${lr} is probably too large.`);
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
            bestEpoch: result.bestEpoch,
            checkpoint: checkpointPath === null ? null : relativeOrAbsolute(checkpointPath),
            epochs: result.epochs,
          }, null, 2) + '\n');
        } else {
          if (!options.quiet && process.stderr.isTTY && result.epochs.length >= 2) {
            const chart = textChart([
              { name: 'train loss', values: result.epochs.map((e) => e.trainLoss), mark: '●', paint: err.cyan },
              { name: 'validation loss', values: result.epochs.map((e) => e.valLoss), mark: '○', paint: err.yellow },
            ], { format: (v) => v.toFixed(3) });
            process.stderr.write(chart.join('\n') + '\n');
          }
          process.stdout.write(`test accuracy: ${out.bold(formatAccuracy(test!.correct, test!.total))}  loss ${test!.loss.toFixed(4)}\n`);
          if (result.stoppedEarly) {
            process.stdout.write(`stopped early after epoch ${result.epochs.length}: no lower validation loss for ${options.earlyStop} epochs; the model holds epoch ${result.bestEpoch}'s weights\n`);
          } else if (result.bestEpoch !== null && result.bestEpoch !== result.epochs.length) {
            process.stdout.write(`the model holds epoch ${result.bestEpoch}'s weights (the lowest validation loss)\n`);
          }
          process.stdout.write(`model saved to ${options.out}  (training took ${formatSeconds(seconds)})\n`);
        }
        if (interrupt.signal.aborted) {
          // The signal came after the last batch (during the test pass or the save): the finished model is saved.
          throw new InterruptedError(`${stopWord(interrupt)} after training had finished; the complete model was saved to ${options.out}`, interrupt.exitCode());
        }
      } finally {
        unregister();
        interrupt.dispose();
      }
    });
}

/**
 * The least room (maxBatch) of the training network, whose validation and test passes run in
 * batches of its room: not EVAL_BATCH (500), as a network built for 500 rows lays out layer 0's per-pixel column buffers
 * 500 rows apart while a step uses 64 of them, and its augmented epoch took about 5% longer
 * (0.317-0.322 s against 0.303-0.307 s at 2 threads, three alternating rounds). The weights and
 * the accuracies do not depend on the evaluation batch; the losses only in their last bits (the
 * order of a float64 sum). The reference engine evaluates as fast either way (10,000 test images:
 * 1.59-1.70 s in batches of 500, 1.70-1.71 s in batches of 64).
 */
const TRAIN_EVAL_BATCH = 64;

/** Below this test accuracy a 10-class model has learned nothing (chance is 10%). */
const CHANCE_ACCURACY = 0.15;

function stopWord(interrupt: Interrupt): string {
  const signal = interrupt.received();
  return signal === null || signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`;
}

function relativeOrAbsolute(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
