/**
 * `mnist evaluate model.json`: the model's accuracy, loss, per-class precision and recall, and
 * confusion matrix on the 10,000 MNIST test images. Computed by the same code that `train` uses
 * for its final figure, so the two agree exactly.
 */

import { Command } from '@commander-js/extra-typings';
import { loadSplit, locateMnist } from '../../data/mnist.js';
import { describeTraining, loadModel } from '../../io/model-file.js';
import { describeSpec } from '../../model/network.js';
import { EVAL_BATCH, evaluate } from '../../training/evaluate.js';
import { err, out } from '../../ui/colors.js';
import { formatAccuracy } from '../../ui/format.js';
import { confusionTable } from '../../ui/tables.js';
import { createNetwork } from '../../engines/index.js';
import { dataDirOption, engineOption, jsonOption, noColorOption, quietOption, threadsOption } from '../options.js';

export function makeEvaluateCommand() {
  return new Command('evaluate')
    .description('measure a model on the 10,000 MNIST test images')
    .argument('<model>', 'model file written by `mnist train`')
    .addOption(engineOption())
    .addOption(threadsOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', `
Examples:
  $ mnist evaluate model.json
  $ mnist evaluate model.json --json | jq .accuracy`)
    .action(async (modelPath, options) => {
      const log = (line: string) => {
        if (!options.quiet) process.stderr.write(line + '\n');
      };
      const model = await loadModel(modelPath);
      const source = locateMnist({ dataDir: options.dataDir });
      log(err.dim(
        `model: ${describeSpec(model.architecture)}${model.partial ? ' (partial: training was interrupted)' : ''}; ` +
        `trained with ${describeTraining(model.training)}; data: ${source.label}`,
      ));
      const test = await loadSplit(source, 'test');
      const { net } = await createNetwork(model.architecture, EVAL_BATCH, {
        engine: options.engine,
        threads: options.threads,
        notice: log,
      });
      let result;
      try {
        net.importParams(model.params);
        result = evaluate(net, test, model.input.scale);
      } finally {
        await net.close();
      }
      const accuracy = result.correct / result.total;
      if (options.json) {
        process.stdout.write(JSON.stringify({
          model: modelPath,
          accuracy,
          correct: result.correct,
          total: result.total,
          loss: result.loss,
          confusion: result.confusion,
          perClass: result.perClass,
        }) + '\n');
        return;
      }
      const lines = [
        `test accuracy: ${out.bold(formatAccuracy(result.correct, result.total))}`,
        `average loss:  ${result.loss.toFixed(4)} (${model.architecture.loss})`,
        '',
        ...confusionTable(result.confusion, result.perClass, out),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
