// `mnist export` end to end: models trained by the built binary (every activation, one or two
// hidden layers), exported by it, then run by the real ONNX Runtime and by a forward pass read from
// the safetensors file on all 10,000 test images, against the project's own predictions and
// `mnist evaluate --json`. Then the errors a user can make, each one line with the right exit code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseOutput } from '../../src/cli/commands/export.js';
import { embeddedDataDir, loadSplit } from '../../src/data/mnist.js';
import { loadModel, saveModel } from '../../src/io/model-file.js';
import type { Dataset } from '../../src/data/split.js';
import { expectClose } from '../helpers/compare.js';
import { assertBuilt, lines, mnist } from '../helpers/cli.js';
import { argmaxRows, expectSameDigits, forwardFloat64, loadOnnxRuntime, projectProbabilities, readSafetensors, runOnnx, scaledInputs } from '../helpers/exports.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { makeModel } from '../helpers/model-fixture.js';

const ort = loadOnnxRuntime();
const DATA = embeddedDataDir();
const QUICK = ['--limit', '3000', '--val-size', '0', '--epochs', '1', '--no-augment', '--engine', 'fast', '--threads', '1', '--data-dir', DATA, '--quiet'];
const TRAINED = [
  { name: 'relu', args: ['--arch', '784-32-10', '--activation', 'relu'] },
  { name: 'tanh', args: ['--arch', '784-24-16-10', '--activation', 'tanh', '--lr', '0.2'] },
  { name: 'sigmoid', args: ['--arch', '784-16-10', '--activation', 'sigmoid', '--lr', '2'] },
];

let dir: string;
let test: Dataset;
beforeAll(async () => {
  assertBuilt();
  dir = tempDir('mnist-export-');
  test = await loadSplit({ kind: 'embedded', dir: DATA, label: 'embedded' }, 'test');
  const runs = await Promise.all(TRAINED.map((t) => mnist(['train', ...QUICK, ...t.args, '--out', join(dir, `${t.name}.json`)])));
  runs.forEach((run, i) => expect(run.code, `training the ${TRAINED[i].name} model: ${run.stderr}`).toBe(0));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The confusion matrix of predicted digits against the test labels, as `evaluate --json` prints it. */
function confusion(digits: Uint8Array): number[][] {
  const counts = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  digits.forEach((d, i) => counts[test.labels[i]][d]++);
  return counts;
}

describe('mnist export of trained models, checked by the runtimes', () => {
  for (const { name } of TRAINED) {
    it(`${name}: ONNX Runtime and the safetensors file give mnist evaluate's digit for all 10,000 images, probabilities within 1e-5`, async () => {
      const modelPath = join(dir, `${name}.json`);
      const onnxPath = join(dir, `${name}.onnx`);
      const safetensorsPath = join(dir, `${name}.safetensors`);
      const [onnxRun, safetensorsRun, evaluation] = await Promise.all([
        mnist(['export', modelPath, '-o', onnxPath]),
        mnist(['export', modelPath, '-o', safetensorsPath]),
        mnist(['evaluate', modelPath, '--json', '--quiet', '--data-dir', DATA]),
      ]);
      const model = await loadModel(modelPath);
      const arch = model.architecture.sizes.join('-');
      expect(onnxRun.code, onnxRun.stderr).toBe(0);
      expect(lines(onnxRun.stdout)).toEqual([expect.stringMatching(new RegExp(`^wrote .*${name}\\.onnx: ONNX \\(IR 7, opset 13\\), ${arch} ${name}, [\\d,]+ parameters, [\\d.]+ KiB$`))]);
      expect(onnxRun.stderr).toMatch(/^input: float32 \[N, 784\] = pixels \(0-255\) \* 0\.00392156862745098; outputs "probabilities" and "logits" \[N, 10\]$/m);
      expect(safetensorsRun.code, safetensorsRun.stderr).toBe(0);
      expect(lines(safetensorsRun.stdout)).toEqual([expect.stringMatching(new RegExp(`^wrote .*${name}\\.safetensors: safetensors \\(F32\\), ${arch} ${name}, `))]);
      expect(evaluation.code, evaluation.stderr).toBe(0);
      const evaluated = JSON.parse(evaluation.stdout);

      const ours = await projectProbabilities(model, test);
      const ourDigits = argmaxRows(ours, 10);
      expect(confusion(ourDigits)).toEqual(evaluated.confusion); // the helper predicts exactly as evaluate does

      const onnx = await runOnnx(ort, onnxPath, scaledInputs(test, 784, model.input.scale), test.count, 784);
      expectSameDigits(onnx.probabilities, ours, 10, 'ONNX Runtime digits');
      expectClose(onnx.probabilities, ours, { atol: 1e-5, rtol: 0 }, 'ONNX Runtime vs mnist probabilities');

      const file = readSafetensors(readFileSync(safetensorsPath));
      const sizes = file.metadata.architecture.split('-').map(Number);
      const layers = sizes.slice(1).map((_, l) => ({ weight: file.tensors.get(`${2 * l}.weight`)!.values, bias: file.tensors.get(`${2 * l}.bias`)!.values }));
      const fromFile = forwardFloat64(layers, file.metadata.activation, test, Number(file.metadata.input_scale));
      expectSameDigits(fromFile.probabilities, ours, 10, 'safetensors forward digits');
      expectClose(fromFile.probabilities, ours, { atol: 1e-5, rtol: 0 }, 'safetensors forward vs mnist probabilities');
      expect(evaluated.correct).toBeGreaterThan(5000); // trained, not chance: the comparison means something
    });
  }
});

describe('mnist export: choices and errors', () => {
  let model: string;
  let partial: string;
  beforeAll(async () => {
    model = join(dir, 'small.json');
    partial = join(dir, 'partial.json');
    await saveModel(model, makeModel());
    await saveModel(partial, { ...makeModel(), partial: true, metrics: { epochs: [], test: null } });
  });

  it('--format without -o writes beside the model with the format\'s extension', async () => {
    const run = await mnist(['export', model, '--format', 'safetensors', '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(readSafetensors(readFileSync(join(dir, 'small.safetensors'))).metadata.architecture).toBe('784-16-10');
  });

  it('refuses a partial model in one line unless --allow-partial, and then marks the file partial', async () => {
    const out = join(dir, 'partial.onnx');
    const refused = await mnist(['export', partial, '-o', out]);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([`error: ${partial}: is a partial model (training was interrupted); finish training it, or pass --allow-partial to export it anyway.`]);
    expect(existsSync(out)).toBe(false);

    const allowed = await mnist(['export', partial, '-o', out, '--allow-partial']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/784-16-10 relu \(partial\)/);
    const session = await ort.InferenceSession.create(out);
    await session.release();
    const safetensorsRun = await mnist(['export', partial, '-o', join(dir, 'partial.safetensors'), '--allow-partial']);
    expect(safetensorsRun.code).toBe(0);
    expect(readSafetensors(readFileSync(join(dir, 'partial.safetensors'))).metadata.partial).toBe('true');
  });

  it('says in one line what is wrong with the output path or format, with exit code 2', async () => {
    mkdirSync(join(dir, 'a-folder'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [['-o', join(dir, 'model.bin')], /^error: --out .*model\.bin: cannot tell the format from "\.bin"; name the file \.onnx or \.safetensors, or add --format onnx\|safetensors\.$/],
      [['-o', join(dir, 'x.safetensors'), '--format', 'onnx'], /^error: --out .*x\.safetensors has the extension of safetensors but --format is onnx; make them agree\.$/],
      [[], /^error: say what to write: -o model\.onnx, -o model\.safetensors, or --format onnx\|safetensors\.$/],
      [['-o', join(dir, 'no-such-folder', 'm.onnx')], /^error: --out .*m\.onnx: the folder .*no-such-folder does not exist; create it first or choose another path\.$/],
      [['-o', join(dir, 'a-folder'), '--format', 'onnx'], /^error: --out .*a-folder: is a directory; give a file name such as .*a-folder\/model\.onnx\.$/],
      [['-o', join(dir, 'small.json'), '--format', 'onnx'], /^error: --out .*small\.json: is the model file itself; choose another name so the model is not overwritten\.$/],
      [['--format', 'pickle'], /^error: option '--format <format>' argument 'pickle' is invalid\. Allowed choices are onnx, safetensors\.$/],
    ];
    const runs = await Promise.all(cases.map(([args]) => mnist(['export', model, ...args])));
    runs.forEach((run, i) => {
      expect(run.code, cases[i][0].join(' ')).toBe(2);
      expect(lines(run.stderr)[0]).toMatch(cases[i][1]);
      expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
    });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(readFileSync(model, 'utf8')).format).toBe('mnist-mlp'); // the model is untouched
  });

  it('refuses a FIFO and an over-long name in one line each, with exit code 1, leaving the FIFO in place', async () => {
    const fifo = join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    const long = join(dir, `${'x'.repeat(300)}.safetensors`);
    const [piped, named] = await Promise.all([mnist(['export', model, '-o', fifo]), mnist(['export', model, '-o', long])]);
    expect(piped.code).toBe(1);
    expect(lines(piped.stderr)).toEqual([`error: cannot write ${fifo}: it is a named pipe (FIFO), not a regular file; give a file name such as model.onnx.`]);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(named.code).toBe(1);
    expect(lines(named.stderr)).toEqual([`error: cannot write ${long}: the file name is 312 bytes long, more than the 255 file systems allow; choose a shorter name.`]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    rmSync(fifo);
  });

  it('a missing or broken model file is one line with exit code 1', async () => {
    const [missing, broken] = await Promise.all([
      mnist(['export', join(dir, 'nope.json'), '-o', join(dir, 'nope.onnx')]),
      mnist(['export', join(dir, 'small.safetensors'), '-o', join(dir, 'broken.onnx')]),
    ]);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^error: .*nope\.json: no such file\. Train a model first/)]);
    expect(broken.code).toBe(1);
    expect(lines(broken.stderr)).toEqual([expect.stringMatching(/^error: .*small\.safetensors: not valid JSON/)]);
    expect(existsSync(join(dir, 'broken.onnx'))).toBe(false);
  });

  it('--help explains the input and shows examples', async () => {
    const run = await mnist(['export', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/float32 \[N, 784\]/);
    expect(run.stdout).toMatch(/\$ mnist export model\.json -o model\.onnx/);
    expect(run.stdout).toMatch(/--allow-partial/);
  });
});

describe('export output choices (in process)', () => {
  it('takes the format from the extension, case-insensitively, or from --format beside the model', () => {
    expect(chooseOutput('m.json', 'out/m.ONNX', undefined)).toEqual({ format: 'onnx', out: 'out/m.ONNX' });
    expect(chooseOutput('m.json', 'w.safetensors', 'safetensors')).toEqual({ format: 'safetensors', out: 'w.safetensors' });
    expect(chooseOutput('runs/m.json', undefined, 'onnx')).toEqual({ format: 'onnx', out: join('runs', 'm.onnx') });
    expect(chooseOutput('m.json', 'weights.bin', 'safetensors')).toEqual({ format: 'safetensors', out: 'weights.bin' });
  });
});
