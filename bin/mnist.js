#!/usr/bin/env node
// The `mnist` command: runs the compiled CLI in dist/ (built by `npm install` via the prepare script).
import('../dist/cli/main.js').then(
  (cli) => cli.run(),
  (error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
      console.error('error: mnist-mlp is not built yet; run `npm install` (or `npm run build`) in its folder.');
      process.exitCode = 1;
    } else {
      throw error;
    }
  },
);
