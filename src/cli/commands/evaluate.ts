/**
 * `mnist evaluate model.json`: the model's accuracy, loss, per-class precision and recall, and
 * confusion matrix on the 10,000 MNIST test images. Computed by the same code that `train` uses
 * for its final figure, so the two agree exactly.
 */

import { Command } from '@commander-js/extra-typings';
import { PIXELS } from '../../data/mnist.js';
import { writeFileAtomic } from '../../files/atomic.js';
import { describeTraining, loadModel } from '../../io/model-file.js';
import { describeSpec } from '../../model/network.js';
import { encodePng } from '../../report/png-out.js';
import { gridShape, mistakesGrid } from '../../report/raster.js';
import { err, out } from '../../ui/colors.js';
import { formatAccuracy } from '../../ui/format.js';
import { confusionTable } from '../../ui/tables.js';
import { dataDirOption, engineOption, jsonOption, noColorOption, parsePositiveInt, quietOption, threadsOption } from '../options.js';
import { checkOutPath } from '../out-path.js';
import { evaluateOnTestSet, listMistakes } from '../test-set.js';

export function makeEvaluateCommand() {
  return new Command('evaluate')
    .description('measure a model on the 10,000 MNIST test images')
    .argument('<model>', 'model file written by `mnist train`')
    .option('--errors <file.png>', 'also write a PNG grid of the misclassified test digits, each labelled true>predicted confidence')
    .option('--errors-max <n>', 'most digits in the --errors grid (the most confident mistakes first)', parsePositiveInt, 100)
    .addOption(engineOption())
    .addOption(threadsOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', `
Examples:
  $ mnist evaluate model.json
  $ mnist evaluate model.json --json | jq .accuracy
  $ mnist evaluate model.json --errors errors.png   # a picture of the digits it gets wrong`)
    .action(async (modelPath, options) => {
      const log = (line: string) => {
        if (!options.quiet) process.stderr.write(line + '\n');
      };
      if (options.errors !== undefined) checkOutPath('--errors', options.errors, 'errors.png');
      const model = await loadModel(modelPath);
      const run = await evaluateOnTestSet(model, {
        dataDir: options.dataDir,
        engine: options.engine,
        threads: options.threads,
        notice: log,
        onSource: (source) => log(err.dim(
          `model: ${describeSpec(model.architecture)}${model.partial ? ' (partial: training was interrupted)' : ''}; ` +
          `trained with ${describeTraining(model.training)}; data: ${source.label}`,
        )),
      });
      const result = run.evaluation;
      if (options.errors !== undefined) {
        const mistakes = listMistakes(run, options.errorsMax);
        const total = result.total - result.correct;
        if (mistakes.length === 0) {
          log(`no mistakes on the test set: ${options.errors} not written`);
        } else {
          const picture = mistakesGrid(mistakes.map((m) => ({ ...m, pixels: run.test.images.subarray(m.index * PIXELS, (m.index + 1) * PIXELS) })));
          await writeFileAtomic(options.errors, encodePng(picture));
          const { columns, rows } = gridShape(mistakes.length);
          log(`${options.errors}: ${mistakes.length === total ? `all ${total}` : `the ${mistakes.length} most confident of ${total}`} misclassified test digits, ${columns}x${rows} grid (${picture.width}x${picture.height} pixels), labelled true>predicted confidence`);
        }
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

