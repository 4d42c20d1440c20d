/**
 * `mnist predict model.json a.png b.jpg photos/`: reads each PNG or JPEG, turns it into an
 * MNIST-style 28x28 input (src/image/), and prints the digit with its probability and the
 * runners-up. One result per image in a stable order (arguments in order, each folder's .png,
 * .jpg and .jpeg files by name); a bad image
 * reports its error and the rest still run; the exit code is 1 if any image failed.
 */

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { MnistError, UsageError } from '../../errors.js';
import { IMAGE_EXTENSIONS, loadDigitImage } from '../../image/digit.js';
import { err, out } from '../../ui/colors.js';
import { renderDigit } from '../../ui/digit-art.js';
import { formatPercent, oneLine } from '../../ui/format.js';
import { noColorOption, parseTop } from '../options.js';
import { classifyDigit, loadDigitReader } from '../read-digit.js';

export function makePredictCommand() {
  return new Command('predict')
    .description('read handwritten digits from PNG or JPEG images (photos, scans, drawings) with a trained model')
    .argument('<model>', 'model file written by `mnist train`')
    .argument('<images...>', 'PNG or JPEG files, or folders whose .png, .jpg and .jpeg files are all read')
    .option('--top <k>', 'how many digits to list per image, most likely first', parseTop, 3)
    .option('--show', 'also draw the 28x28 image the network saw (to see why a prediction went wrong)')
    .option('--json', 'one JSON object per image per line: {"file", "digit", "probabilities"} or {"file", "error"}')
    .addOption(noColorOption())
    .addHelpText('after', `
Any PNG or JPEG works: dark ink on light paper or light on dark, any size, transparent or not,
cropped tight or with a margin; a phone photo is turned upright by its EXIF orientation. The digit
is found, scaled into a 20x20 box and centred by its centre of mass in 28x28, as MNIST's digits were.
A picture with no mark at all is refused as blank; one whose noise or shading holds no pen stroke
is refused with that reason.

Examples:
  $ mnist predict model.json my-digit.png
  $ mnist predict model.json phone-photo.jpg
  $ mnist predict model.json photos/ --top 1
  $ mnist predict model.json scan.png --show
  $ mnist predict model.json photos/ --json | jq -r 'select(.digit != null) | "\\(.file) \\(.digit)"'`)
    .action(async (modelPath, inputs, options) => {
      const files = expandInputs(inputs);
      const { model, net } = await loadDigitReader(modelPath);
      const inputSize = model.architecture.sizes[0];
      const prefix = files.length > 1;
      let failed = 0;

      for (const file of files) {
        let pixels: Uint8Array;
        try {
          ({ pixels } = await loadDigitImage(file));
          if (pixels.length !== inputSize) throw new UsageError(`${file}: the model expects ${inputSize} inputs, the image gives ${pixels.length}`);
        } catch (error) {
          if (!(error instanceof MnistError)) throw error;
          failed++;
          if (options.json) process.stdout.write(JSON.stringify({ file, error: oneLine(error.message) }) + '\n');
          else process.stderr.write(err.red(`error: ${oneLine(error.message)}`) + '\n');
          continue;
        }
        const probabilities = classifyDigit(net, pixels, model.input.scale);
        const ranked = probabilities.map((p, digit) => ({ digit, p })).sort((a, b) => b.p - a.p || a.digit - b.digit);
        const best = ranked[0];

        if (options.json) {
          process.stdout.write(JSON.stringify({ file, digit: best.digit, probabilities: probabilities.map((p) => Number(p.toPrecision(6))) }) + '\n');
          if (options.show) process.stderr.write(renderDigit(pixels).join('\n') + '\n');
          continue;
        }
        const others = ranked.slice(1, options.top).map((r) => `${r.digit} (${formatPercent(r.p, 1)})`);
        const line = `${out.bold(String(best.digit))}  (${formatPercent(best.p, 1)})${others.length ? `   then ${others.join(', ')}` : ''}`;
        process.stdout.write(`${prefix ? `${file}: ` : ''}${line}\n`);
        if (options.show) process.stdout.write(renderDigit(pixels).join('\n') + '\n');
      }
      await net.close();
      if (failed > 0) {
        throw new MnistError(`${failed} of ${files.length} image${files.length === 1 ? '' : 's'} could not be read`, 'EPREDICT', 1);
      }
    });
}

/** digit-2.png before digit-10.png; the same order on every machine (no locale dependence). */
const naturalCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
function byNaturalName(a: string, b: string): number {
  return naturalCollator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Files as given; folders become their image files sorted by name. Missing paths fail later, per file. */
function expandInputs(inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      // Not there: loadDigitImage reports it in the per-file error, and the other files still run.
    }
    if (!isDir) {
      files.push(input);
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied; check the folder\'s permissions' : (error as Error).message;
      throw new MnistError(`${input}: cannot list the folder (${reason}).`, code ?? 'EREADDIR', 1);
    }
    const images = names
      .filter((name) => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext)))
      .sort(byNaturalName)
      .map((name) => join(input, name));
    if (images.length === 0) throw new UsageError(`${input}: the folder holds no .png, .jpg or .jpeg files`);
    files.push(...images);
  }
  return files;
}
