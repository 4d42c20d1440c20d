/**
 * Finds and compiles the engine's wasm (built from assembly/ by `npm run build:wasm` into
 * dist/wasm/), and the built worker entry. From dist/ both sit next to this file's built copy;
 * when the TypeScript sources run directly (vitest), they are taken from dist/ as built.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { wasmApi, type WasmModule } from '../../engine/wasm-api.js';

const fromSources = import.meta.url.endsWith('.ts');
const distRoot = new URL(fromSources ? '../../../dist/' : '../../', import.meta.url);

export const WASM_URL = new URL('wasm/mnist-engine.wasm', distRoot);
export const WORKER_URL = new URL('model/fast/worker.js', distRoot);

let compiled: Promise<WasmModule> | null = null;

/** The compiled engine module (compiled once per process; modules are shared with workers). */
export function engineModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const api = wasmApi();
    if (api === undefined) throw new Error('WebAssembly is not available');
    return api.compile(await readFile(WASM_URL));
  })();
  compiled.catch(() => {
    compiled = null;
  });
  return compiled;
}

/** Why the built files are missing, or null when both are there. */
export function missingBuild(): string | null {
  for (const url of [WASM_URL, WORKER_URL]) {
    if (!existsSync(url)) return `${fileURLToPath(url)} is missing; run \`npm run build\``;
  }
  return null;
}
