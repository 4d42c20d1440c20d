// vitest settings: tests live in test/ and mirror src/. CLI tests spawn the built binary, so
// `npm test` builds first (see package.json).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
