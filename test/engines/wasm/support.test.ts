/**
 * wasmEngineSupport: ok where wasm SIMD, shared memory and the built files are present, and a
 * one-line reason where they are not, so the CLI can fall back to the reference engine.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasmApi, type WasmApi } from '../../../src/engines/wasm/api.js';
import { wasmEngineSupport } from '../../../src/engines/wasm/node.js';

describe('wasmEngineSupport', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('is ok on Node 20 with the engine built', () => {
    expect(wasmEngineSupport()).toEqual({ ok: true });
  });

  it('says so when WebAssembly is missing', () => {
    vi.stubGlobal('WebAssembly', undefined);
    expect(wasmEngineSupport()).toEqual({ ok: false, reason: 'WebAssembly is not available' });
  });

  it('says so when shared memory (threads) is unavailable', () => {
    const real = wasmApi() as WasmApi;
    vi.stubGlobal('WebAssembly', {
      validate: (bytes: Uint8Array) => real.validate(bytes),
      Memory: class {
        constructor() {
          throw new TypeError('shared memory disabled');
        }
      },
    });
    expect(wasmEngineSupport()).toEqual({ ok: false, reason: 'shared WebAssembly memory is not available' });
  });

  it('says so when SIMD or atomics do not validate', () => {
    const real = wasmApi() as WasmApi;
    vi.stubGlobal('WebAssembly', { Memory: real.Memory, validate: () => false });
    expect(wasmEngineSupport().ok).toBe(false);
    expect(wasmEngineSupport().reason).toMatch(/SIMD/);
  });
});
