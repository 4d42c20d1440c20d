/**
 * `mnist report model.json [-o report.html]`: writes one self-contained HTML page about a model
 * (model card, training curves, confusion heat map, misclassified digits, first-layer weights,
 * augmented training digits). Its figures are computed by the same code as `mnist evaluate`.
 * The file is written atomically.
 */

import { basename, resolve } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { writeFileAtomic } from '../../files/atomic.js';
import { loadModel } from '../../io/model-file.js';
import { describeSpec } from '../../model/network.js';
import { err } from '../../ui/colors.js';
import { renderModelReport } from '../model-report.js';
import { checkOutPath } from '../out-path.js';
import { dataDirOption, engineOption, noColorOption, quietOption, threadsOption } from '../options.js';

export function makeReportCommand() {
  return new Command('report')
    .description('write a self-contained HTML report about a model: curves, confusion matrix, mistakes, weights')
    .argument('<model>', 'model file written by `mnist train`')
    .option('-o, --out <file>', 'where to write the HTML page', 'report.html')
    .addOption(engineOption())
    .addOption(threadsOption())
    .addOption(dataDirOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', `
The page needs no network: styles, charts and pictures are all inside the one file. It follows
the system's light or dark theme and reads on a phone.

Examples:
  $ mnist report model.json                 # writes report.html
  $ mnist report model.json -o big.html && xdg-open big.html`)
    .action(async (modelPath, options) => {
      const log = (line: string) => {
        if (!options.quiet) process.stderr.write(line + '\n');
      };
      const outPath = resolve(options.out);
      checkOutPath('--out', options.out, 'report.html');
      const model = await loadModel(modelPath);
      log(err.dim(`model: ${describeSpec(model.architecture)}${model.partial ? ' (partial: training was interrupted)' : ''}`));
      const html = await renderModelReport(model, basename(modelPath), {
        dataDir: options.dataDir, engine: options.engine, threads: options.threads, notice: log,
      });
      await writeFileAtomic(outPath, html);
      process.stdout.write(`report written to ${options.out} (${Math.round(Buffer.byteLength(html) / 1024)} KB)\n`);
    });
}
