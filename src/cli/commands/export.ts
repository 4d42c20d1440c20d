/**
 * `mnist export model.json -o model.onnx | model.safetensors`: the trained model for other
 * runtimes. ONNX for ONNX Runtime (Node, Python, browsers, phones); safetensors for PyTorch's
 * `load_state_dict`. The format comes from the extension or --format; the file is written atomically.
 * The conversions themselves live in io/onnx.ts and io/safetensors.ts.
 */

import { basename, dirname, extname, join, resolve } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { MnistError, UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../files/atomic.js';
import { loadModel } from '../../io/model-file.js';
import { ONNX_IR_VERSION, ONNX_OPSET, toOnnx } from '../../io/onnx.js';
import { toSafetensors, torchSequential } from '../../io/safetensors.js';
import { noColorOption, quietOption } from '../options.js';
import { checkOutPath } from '../out-path.js';

export const EXPORT_FORMATS = ['onnx', 'safetensors'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];
const EXTENSIONS: Record<string, ExportFormat> = { '.onnx': 'onnx', '.safetensors': 'safetensors' };

export function makeExportCommand() {
  return new Command('export')
    .description('write a trained model as ONNX (for ONNX Runtime) or safetensors (for PyTorch)')
    .argument('<model>', 'model file written by `mnist train`')
    .option('-o, --out <file>', 'file to write; .onnx or .safetensors picks the format (default: the model\'s name with the format\'s extension)')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension)').choices(EXPORT_FORMATS))
    .option('--allow-partial', 'export a model whose training was interrupted (Ctrl-C)')
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', `
Both files take the same input: float32 [N, 784], the 28x28 pixels row by row, each 0-255 pixel
times the model's input scale (1/255), so 0 = background and 1 = ink. The ONNX graph outputs
"probabilities" (softmax) and "logits", [N, 10]. The safetensors file holds the state dict of
nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)) (for a 784-128-10 relu model),
which outputs logits; its __metadata__ records the architecture, activation and input scale.

Examples:
  $ mnist export model.json -o model.onnx
  $ mnist export model.json -o model.safetensors
  $ mnist export model.json --format onnx          # writes model.onnx beside model.json
  $ mnist export interrupted.json -o draft.onnx --allow-partial`)
    .action(async (modelPath, options) => {
      const { format, out } = chooseOutput(modelPath, options.out, options.format);
      checkExportPath(modelPath, out, format);
      const model = await loadModel(modelPath);
      if (model.partial && !options.allowPartial) {
        throw new MnistError(`${modelPath}: is a partial model (training was interrupted); finish training it, or pass --allow-partial to export it anyway.`, 'EPARTIAL');
      }
      const bytes = format === 'onnx' ? toOnnx(model) : toSafetensors(model);
      await writeFileAtomic(out, bytes);

      const { sizes, activation } = model.architecture;
      const what = format === 'onnx' ? `ONNX (IR ${ONNX_IR_VERSION}, opset ${ONNX_OPSET})` : 'safetensors (F32)';
      const parameters = model.params.length.toLocaleString('en-US');
      process.stdout.write(`wrote ${out}: ${what}, ${sizes.join('-')} ${activation}${model.partial ? ' (partial)' : ''}, ${parameters} parameters, ${formatSize(bytes.length)}\n`);
      if (!options.quiet) {
        const input = `input: float32 [N, ${sizes[0]}] = pixels (0-255) * ${model.input.scale}`;
        process.stderr.write(format === 'onnx'
          ? `${input}; outputs "probabilities" and "logits" [N, ${sizes[sizes.length - 1]}]\n`
          : `${input}; load into ${torchSequential(sizes, activation)} with load_state_dict (it outputs logits)\n`);
      }
    });
}

/** The format and output path from --out and --format; a contradiction or an unknown extension is a usage error. */
export function chooseOutput(modelPath: string, out: string | undefined, format: ExportFormat | undefined): { format: ExportFormat; out: string } {
  if (out === undefined) {
    if (format === undefined) throw new UsageError('say what to write: -o model.onnx, -o model.safetensors, or --format onnx|safetensors.');
    const stem = basename(modelPath, extname(modelPath));
    out = join(dirname(modelPath), `${stem}.${format}`);
  }
  const fromExtension = EXTENSIONS[extname(out).toLowerCase()];
  if (format === undefined) {
    if (fromExtension === undefined) {
      throw new UsageError(`--out ${out}: cannot tell the format from "${extname(out) || 'no extension'}"; name the file .onnx or .safetensors, or add --format onnx|safetensors.`);
    }
    format = fromExtension;
  } else if (fromExtension !== undefined && fromExtension !== format) {
    throw new UsageError(`--out ${out} has the extension of ${fromExtension} but --format is ${format}; make them agree.`);
  }
  return { format, out };
}

/** The shared checks (folder, not a folder, a FIFO or device, the name's length), then: not the model itself. */
function checkExportPath(modelPath: string, out: string, format: ExportFormat): void {
  checkOutPath('--out', out, `model.${format}`);
  if (resolve(out) === resolve(modelPath)) {
    throw new UsageError(`--out ${out}: is the model file itself; choose another name so the model is not overwritten.`);
  }
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
