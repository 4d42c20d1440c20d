/**
 * The `mnist` program: builds the command tree (one command per file in commands/), parses argv,
 * and is the only place that turns errors into messages and exit codes:
 * 0 ok, 1 runtime error, 2 usage error, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM. Users never see a stack trace for an
 * error they can fix; an unexpected internal error prints one line and asks for a bug report.
 */

import { Command, CommanderError } from '@commander-js/extra-typings';
import { InterruptedError, MnistError } from '../errors.js';
import { installSignalHandlers } from './interrupt.js';
import { configureColors, err } from '../ui/colors.js';
import { oneLine } from '../ui/format.js';
import { PACKAGE_VERSION } from '../version.js';

/**
 * The commands, in help order, each loaded on demand: `mnist predict` should not pay for loading
 * the trainer, the fast engine, the HTTP client or the progress bars (issue: an answer within 200 ms).
 */
const COMMANDS = {
  train: async () => (await import('./commands/train.js')).makeTrainCommand(),
  evaluate: async () => (await import('./commands/evaluate.js')).makeEvaluateCommand(),
  predict: async () => (await import('./commands/predict.js')).makePredictCommand(),
  export: async () => (await import('./commands/export.js')).makeExportCommand(),
  download: async () => (await import('./commands/download.js')).makeDownloadCommand(),
  report: async () => (await import('./commands/report.js')).makeReportCommand(),
  serve: async () => (await import('./commands/serve.js')).makeServeCommand(),
  moons: async () => (await import('./commands/moons.js')).makeMoonsCommand(),
};
type CommandName = keyof typeof COMMANDS;

/**
 * Builds the program with the command named in argv, or with every command when none is named
 * (or an unknown one is: help and commander's suggestions need them all).
 */
export async function makeProgram(argv: readonly string[] = process.argv) {
  const program = new Command('mnist')
    .description('Train, evaluate and use a multilayer perceptron on MNIST handwritten digits.')
    .version(PACKAGE_VERSION, '-V, --version')
    .addHelpText('after', `
Quick start:
  $ mnist train                    # train 784-128-10 on MNIST, write model.json
  $ mnist evaluate model.json      # accuracy and confusion matrix on the test set
  $ mnist serve model.json         # draw digits in the browser and watch the model read them

Run \`mnist <command> --help\` for a command's options.`);
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const names = Object.keys(COMMANDS) as CommandName[];
  for (const name of named !== undefined && named in COMMANDS ? [named as CommandName] : names) {
    program.addCommand(await COMMANDS[name]());
  }
  configureTree(program);
  return program;
}

/** Settings that commander copies only to commands made with .command(), applied to every command. */
function configureTree(command: Command<any, any, any>): void {
  command
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(err.red(text)) });
  for (const sub of command.commands) configureTree(sub as Command<any, any, any>);
}

/** Runs the program on argv and returns the exit code (never throws). */
export async function main(argv: string[] = process.argv): Promise<number> {
  configureColors(argv, process.env);
  try {
    await (await makeProgram(argv)).parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message; --help and --version arrive here with exit 0.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof MnistError) {
    const prefix = error instanceof InterruptedError ? '' : 'error: ';
    process.stderr.write(`${err.red(prefix + oneLine(error.message))}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${err.red(`internal error: ${message}`)}\n`);
  if (process.env.MNIST_DEBUG && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  else process.stderr.write('This is a bug in mnist-mlp; please report it (set MNIST_DEBUG=1 for details).\n');
  return 1;
}

/** Entry point for bin/mnist.js: runs, then sets the exit code and lets the event loop drain. */
export async function run(): Promise<void> {
  // From here to the exit, SIGINT, SIGTERM and SIGHUP remove temp files and exit with 128 + n.
  installSignalHandlers();
  // `mnist predict ... | head` closes stdout early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.exitCode = await main();
}
