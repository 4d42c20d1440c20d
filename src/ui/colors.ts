/**
 * Colour policy for the whole CLI, decided once at start-up. chalk 5 turns itself off when its
 * stream is not a TTY, and on `--no-color` in argv, but ignores NO_COLOR (https://no-color.org),
 * so that is handled here. Use `out` for stdout text and `err` for stderr text: chalk's default
 * instance looks only at stdout.
 */

import chalk, { chalkStderr } from 'chalk';

export const out = chalk;
export const err = chalkStderr;

export function configureColors(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  if (noColorEnv || argv.includes('--no-color')) {
    chalk.level = 0;
    chalkStderr.level = 0;
  }
}
