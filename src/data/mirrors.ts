/**
 * Where MNIST can be downloaded from: the built-in public mirrors, the MNIST_MIRROR environment
 * variable and `--mirror` values, checked and put in the order they are tried. No network here.
 */

import { UsageError } from '../errors.js';

/**
 * Public mirrors of the original MNIST files (yann.lecun.com no longer serves them), tried in
 * this order after any --mirror and MNIST_MIRROR entries. Each base URL holds the four `.gz` files.
 * The first is the one torchvision uses; the second is the copy TensorFlow's datasets use.
 */
export const DEFAULT_MIRRORS: readonly string[] = [
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
];

/** Environment variable with extra mirrors (comma or whitespace separated). */
export const MIRROR_ENV = 'MNIST_MIRROR';

/** Checks a mirror base URL and returns it with a trailing slash, so file names resolve under it. */
export function normalizeMirror(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UsageError(`mirror '${text}' is not a URL; give a base URL such as https://example.org/mnist/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`mirror '${text}' uses ${url.protocol.slice(0, -1)}; only http and https mirrors are supported`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/** Splits an MNIST_MIRROR value (commas and/or whitespace) into normalised base URLs. */
export function parseMirrorList(value: string, source = MIRROR_ENV): string[] {
  return value
    .split(/[\s,]+/)
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return normalizeMirror(s);
      } catch (err) {
        throw err instanceof UsageError ? new UsageError(`${source}: ${err.message}`) : err;
      }
    });
}

/**
 * The mirrors to try, in order: `--mirror` values first (the user asked for them), then
 * MNIST_MIRROR (a standing preference, e.g. a company cache), then the built-ins as a fallback
 * unless `builtins` is false (an offline cache that must be the only source; tests).
 * Duplicates keep their first position.
 */
export function resolveMirrors(options: { cli?: readonly string[]; env?: string | undefined; builtins?: boolean } = {}): string[] {
  const env = options.env ?? process.env[MIRROR_ENV];
  const all = [
    ...(options.cli ?? []).map((m) => normalizeMirror(m)),
    ...(env ? parseMirrorList(env) : []),
    ...(options.builtins === false ? [] : DEFAULT_MIRRORS),
  ];
  return [...new Set(all)];
}
