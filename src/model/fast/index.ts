/**
 * The fast engine's public face for the CLI: whether it can run here, and a factory. Pick it with
 * `fastEngineSupport().ok`, else fall back to the reference engine (model/mlp.ts) with a notice.
 */

import { availableParallelism } from 'node:os';
import { wasmSupport } from '../../engine/wasm-api.js';
import type { Network, NetworkSpec } from '../network.js';
import { FastMlp } from './fast-mlp.js';
import { missingBuild } from './load-wasm.js';

export { FastMlp } from './fast-mlp.js';

export interface FastOptions {
  /** Threads including the calling one (default: defaultThreads()). Results depend on nothing but the data and seed. */
  threads?: number;
}

/** The fast engine's Network, with the optional hooks it implements always present. */
export type FastNetwork = Network & Required<Pick<Network, 'sgdStep' | 'loadBatch'>> & { readonly threads: number };

/** Cores to use by default: all of them, up to 4 (a 64-row batch has little left to split beyond that). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Whether the fast engine can run here; `reason` is one line for the fallback notice. */
export function fastEngineSupport(): { ok: boolean; reason?: string } {
  const wasm = wasmSupport();
  if (!wasm.ok) return wasm;
  const missing = missingBuild();
  if (missing !== null) return { ok: false, reason: missing };
  return { ok: true };
}

export async function createFastNetwork(spec: NetworkSpec, maxBatch: number, options: FastOptions = {}): Promise<FastNetwork> {
  return FastMlp.create(spec, maxBatch, options.threads ?? defaultThreads());
}
