// vitest settings: tests live in test/ and mirror src/. CLI tests spawn the built binary, so
// `npm test` builds first (see package.json).
//
// Workers: vitest's default is one fewer than the cores, which on a 2-core machine is a single
// worker running the 50-odd files one after another. Many files spend most of their time waiting
// on child processes (the CLI, a browser, a local HTTP server), so two workers at least: measured
// on 2 cores, vitest took 80 s instead of 127 s wall for the same CPU time (same load, same run
// of the README's `npm test`). Each file still runs in its own process (the default `forks` pool):
// the png-bands memory test reads a child's peak RSS, which a child started from a thread of the
// large main process would inherit.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
