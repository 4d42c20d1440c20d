/**
 * Picks the engine that computes a network: the plain TypeScript reference engine, or a faster one
 * when it is available. Lives in the CLI because falling back is something to tell the user about.
 */

import { createReferenceNetwork } from '../model/mlp.js';
import type { Network, NetworkSpec } from '../model/network.js';

export type EngineChoice = 'auto' | 'reference';
export const ENGINE_CHOICES = ['auto', 'reference'] as const;

export interface EngineOptions {
  engine: EngineChoice;
  /** A one-line notice (e.g. a fallback) for stderr. */
  notice: (line: string) => void;
}

export async function createNetwork(spec: NetworkSpec, maxBatch: number, options: EngineOptions): Promise<{ net: Network; engine: string }> {
  return { net: createReferenceNetwork(spec, maxBatch), engine: 'reference' };
}
