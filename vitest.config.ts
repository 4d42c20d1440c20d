// vitest settings: tests live in test/ and mirror src/. CLI tests spawn the built binary, so
// `npm test` builds first (see package.json).
//
// Speed on a 2-core machine (numbers from the same loaded period, CPU = user + sys of the run):
// - Workers: vitest's default is one fewer than the cores, which on 2 cores is a single worker
//   running the 50-odd files one after another. Many files mostly wait on child processes (the
//   CLI, a browser, a local HTTP server), so two workers at least: 127 s -> 80 s wall, same CPU.
// - isolate: false: each worker process runs its files one after another instead of starting a
//   fresh process (and re-importing vitest and the sources) for every file: about 8 s less CPU
//   (68 s -> 59 s, with two workers). The price: files share a worker's module instances, so a
//   test file must not leave global state behind (restore stubbed globals in afterEach, as
//   test/engines/wasm/support.test.ts does; close servers and browsers in afterAll).
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: Math.max(2, availableParallelism() - 1),
    isolate: false,
  },
});
