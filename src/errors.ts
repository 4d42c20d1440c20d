/**
 * The domain errors every layer may throw and the CLI turns into one line and an exit code.
 * Deliberately small (commander's lib/error.js is the size to aim for): a stable `code` for
 * scripts and tests, an `exitCode` for the CLI, and a message that says what is wrong and
 * what to do. The engines' arithmetic throws plain RangeErrors (programming errors); only engine
 * selection (engines/index.ts) throws one of these, when --engine fast cannot run. Imports nothing.
 */

/** Base class: a failure the user can act on. The CLI prints `error: <message>` without a stack. */
export class MnistError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(message: string, code = 'EMNIST', exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A bad command-line value or combination of options (exit 2, like commander's own usage errors). */
export class UsageError extends MnistError {
  constructor(message: string) {
    super(message, 'EUSAGE', 2);
  }
}

/** A data file (IDX, PNG, download) that is missing, truncated or not what it claims to be. */
export class DataError extends MnistError {
  constructor(message: string, code = 'EDATA') {
    super(message, code, 1);
  }
}

/** A model file that cannot be read or does not describe a valid model. */
export class ModelFileError extends MnistError {
  constructor(message: string) {
    super(message, 'EMODEL', 1);
  }
}

/** Training stopped because a number went non-finite (the usual cause: a learning rate too large). */
export class DivergedError extends MnistError {
  constructor(message: string) {
    super(message, 'EDIVERGED', 1);
  }
}

/**
 * The run was stopped by a signal; the exit code is the shell's 128 + signal number
 * (130 after SIGINT, the default; 143 after SIGTERM; 129 after SIGHUP).
 */
export class InterruptedError extends MnistError {
  constructor(message = 'interrupted', exitCode = 130) {
    super(message, 'EINTERRUPTED', exitCode);
  }
}
