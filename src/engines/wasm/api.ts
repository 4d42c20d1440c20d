/**
 * The few WebAssembly JS API members the engine uses, typed here because the project's libs
 * (ES2022 + @types/node 20) declare no WebAssembly namespace. Reached through globalThis so that
 * nothing global is redeclared. Also the feature probe for SIMD and shared memory.
 */

export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  /** Adds `pages` pages of 64 KiB; returns the old size in pages. */
  grow(pages: number): number;
}
/** A compiled module: opaque, and cloneable to workers (postMessage / workerData). */
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
  validate(bytes: Uint8Array): boolean;
}

export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/**
 * A module that needs SIMD (a v128 function body: v128.const, drop) and shared memory with an
 * atomic (an imported shared memory of 1 page, i32.atomic.load in the body), so validate() says
 * whether this runtime can run the engine at all.
 */
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x02, 0x0b, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x6d, 0x02, 0x03, 0x01, 0x01, // import env.m: memory shared 1..1
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x1e, 0x01, 0x1c, 0x00, // code section: one body of 28 bytes, no locals
  0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a, // v128.const 0; drop
  0x41, 0x00, 0xfe, 0x10, 0x02, 0x00, 0x1a, // i32.const 0; i32.atomic.load align=2 offset=0; drop
  0x0b, // end
]);

/** Whether wasm SIMD, shared memory and atomics work here; reason says which is missing. */
export function wasmSupport(): { ok: boolean; reason?: string } {
  const api = wasmApi();
  if (api === undefined) return { ok: false, reason: 'WebAssembly is not available' };
  try {
    new api.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return { ok: false, reason: 'shared WebAssembly memory is not available' };
  }
  if (!api.validate(PROBE)) return { ok: false, reason: 'WebAssembly SIMD or atomics are not supported' };
  return { ok: true };
}
