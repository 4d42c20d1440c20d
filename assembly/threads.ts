/**
 * Fork/join over the shared memory with chunks claimed one at a time. The main thread publishes a
 * phase (a command cut into chunks: row chunks, parameter blocks), then it and every worker claim
 * chunks with a compare-and-swap until none is left, and the main thread waits until all are
 * complete. A thread that arrives late (asleep, or its core busy with another process) finds fewer
 * chunks or none: nobody waits for it, so a busy machine costs speed, not a stall. Chunks fix the
 * order of every sum, so results never depend on which thread ran what.
 * Waiting spins briefly, then sleeps with memory.atomic.wait; a sleepers counter next to each
 * counter lets the signalling side skip notify when nobody sleeps.
 */

import {
  C_ARGS, C_CLAIM, C_COMPLETE, C_ERROR, C_PHASE, CMD_BACKWARD, CMD_EXIT, CMD_FORWARD, CMD_LOAD, CMD_LOAD_FORWARD, CMD_LOAD_TRANSFORM, CMD_LOAD_TRANSFORM_FORWARD, CMD_SGD,
  CMD_LOAD_WARP, CMD_LOAD_WARP_FORWARD, P_ACTIVE, P_CTRL, P_THREADS, ROW_CHUNK, planI32, setThreadIndex,
} from './plan';
import { backwardParamChunk, backwardRowChunk, forwardChunk, loadChunk, paramChunks, rowChunks, sgdChunk, sgdChunks } from './mlp';
import { optimChunk, optimChunks } from './optim';
import { CMD_BACKWARD_ROWS, CMD_OPTIM, CMD_PARAM_GRADS, CMD_PARAM_GRADS_SGD, CMD_PARAM_SGD } from './plan';
import { warpRows } from './warp';

/**
 * The host's per-image transform (src/engines/wasm/mlp.ts, TransformHost): fills stage rows
 * r0..r1-1 with transformed images, in JavaScript on the calling thread.
 */
@external("env", "transformRows")
declare function transformRows(r0: i32, r1: i32): void;

/**
 * Spinning before sleeping, adapted per thread: a wait that ends while spinning doubles its length
 * into the budget (up to SPINS_MAX, about 0.8 ms of atomic loads), a wait that has to sleep halves
 * the budget (down to SPINS_MIN, about 25 us). With a core each, the gaps between phases (the
 * main thread's JavaScript between steps, drawing the next batch's distortions, takes some tens
 * of microseconds) are bridged by spinning, with no futex wake-up on either side: with a floor of
 * 3 us (4096) the budget never grew past those gaps, and on 2 cores the worker slept in 78% of its
 * waits and sat idle for 30% of a default run. When the threads share cores with other work,
 * spins rarely end in time, the budget falls to the floor, and waiting threads leave the cores to
 * whoever has work after that.
 */
const SPINS_MIN = 1 << 15;
const SPINS_MAX = 1 << 20;
let spinBudget = SPINS_MIN; // a wasm global: one per thread (each thread has its own instance)

/** Records how a wait went: `spins` loads before it ended, or -1 when it had to sleep. */
@inline function adaptSpins(spins: i32): void {
  if (spins < 0) spinBudget = max(SPINS_MIN, spinBudget >> 1);
  else spinBudget = max(spinBudget, min(SPINS_MAX, spins << 1));
}
/** Sleepers counter: 32 bytes after the counter it belongs to, on the same cache line. */
const SLEEPERS = 32;
/** How long the main thread waits for a claimed chunk before it reports the worker lost (ns). */
const LOST_AFTER_NS: i64 = 60_000_000_000;
/** Sleep slices while waiting (ns), so that a failure flag or a lost worker is noticed. */
const SLICE_NS: i64 = 10_000_000;

function runChunk(plan: usize, cmd: i32, part: i32, chunk: i32, batch: i32, lr: f64): void {
  if (cmd == CMD_FORWARD) {
    // part 1: the chunk's rows are pixel bytes (P_ROW_BYTES); part 2: transformed into the stage
    // first by the host; part 3: warped into the stage first (warp.ts). forwardChunk converts the
    // bytes as it scans them (lr holds the scale).
    if (part == 2) transformRows(chunk * ROW_CHUNK, min(chunk * ROW_CHUNK + ROW_CHUNK, batch));
    else if (part == 3) warpRows(plan, chunk * ROW_CHUNK, min(chunk * ROW_CHUNK + ROW_CHUNK, batch));
    forwardChunk(plan, chunk, batch, part != 0, lr);
  }
  else if (cmd == CMD_BACKWARD) {
    // part 0: rows; 1: parameter gradients; 2: parameter gradients, each block then stepped by SGD
    // with lr; 3: the same step, layer 0's sparse weight gradient not stored (nothing reads it after).
    if (part == 0) backwardRowChunk(plan, chunk, batch);
    else backwardParamChunk(plan, chunk, batch, lr, part >= 2, part != 3);
  } else if (cmd == CMD_SGD) sgdChunk(plan, chunk, lr);
  else if (cmd == CMD_LOAD) loadRows(plan, part + 1, chunk, batch, lr);
  else if (cmd == CMD_OPTIM) optimChunk(plan, chunk);
}

/**
 * Row chunk `chunk` of loadBatch: each row's pixel bytes (P_ROW_BYTES) to input floats, the rows
 * first transformed into the stage by the host when mode is 2, or warped into it (warp.ts) when mode is 3.
 */
function loadRows(plan: usize, mode: i32, chunk: i32, batch: i32, scale: f64): void {
  if (mode == 2) transformRows(chunk * ROW_CHUNK, min(chunk * ROW_CHUNK + ROW_CHUNK, batch));
  else if (mode == 3) warpRows(plan, chunk * ROW_CHUNK, min(chunk * ROW_CHUNK + ROW_CHUNK, batch));
  loadChunk(plan, chunk, batch, scale);
}

/**
 * Runs one command to completion on all threads. Backward has two phases: every row's dZ must be
 * written before any thread sums over rows for the weight gradients. Returns 0 on success, 1 if a
 * worker reported a failure, 2 if a claimed chunk was never completed. Main thread only.
 */
export function exec(plan: usize, cmd: i32, batch: i32, lr: f64): i32 {
  if (cmd == CMD_FORWARD) return phase(plan, cmd, 0, batch, rowChunks(batch), lr);
  // Load and forward in one phase: same row chunks, so a chunk's rows are loaded and run by one
  // thread while they are in its cache, and one barrier fewer per batch.
  if (cmd == CMD_LOAD_FORWARD) return phase(plan, CMD_FORWARD, 1, batch, rowChunks(batch), lr);
  if (cmd == CMD_LOAD_TRANSFORM_FORWARD) return phase(plan, CMD_FORWARD, 2, batch, rowChunks(batch), lr);
  if (cmd == CMD_BACKWARD) {
    const status = phase(plan, cmd, 0, batch, rowChunks(batch), lr);
    return status != 0 ? status : phase(plan, cmd, 1, batch, paramChunks(plan), lr);
  }
  // The two phases apart, so that the driver can fuse the next plain SGD step into the second.
  if (cmd == CMD_BACKWARD_ROWS) return phase(plan, CMD_BACKWARD, 0, batch, rowChunks(batch), lr);
  if (cmd == CMD_PARAM_GRADS) return phase(plan, CMD_BACKWARD, 1, batch, paramChunks(plan), lr);
  if (cmd == CMD_PARAM_GRADS_SGD) return phase(plan, CMD_BACKWARD, 2, batch, paramChunks(plan), lr);
  if (cmd == CMD_PARAM_SGD) return phase(plan, CMD_BACKWARD, 3, batch, paramChunks(plan), lr);
  if (cmd == CMD_SGD) return phase(plan, cmd, 0, 0, sgdChunks(plan), lr);
  if (cmd == CMD_LOAD) return phase(plan, cmd, 0, batch, rowChunks(batch), lr);
  if (cmd == CMD_OPTIM) return phase(plan, cmd, 0, 0, optimChunks(plan), 0);
  // Transform and convert in one phase: a chunk's rows are transformed by whichever thread converts them.
  if (cmd == CMD_LOAD_TRANSFORM) return phase(plan, CMD_LOAD, 1, batch, rowChunks(batch), lr);
  // The same two with the warp of warp.ts in place of the host's transform.
  if (cmd == CMD_LOAD_WARP_FORWARD) return phase(plan, CMD_FORWARD, 3, batch, rowChunks(batch), lr);
  if (cmd == CMD_LOAD_WARP) return phase(plan, CMD_LOAD, 2, batch, rowChunks(batch), lr);
  if (cmd == CMD_EXIT && planI32(plan, P_THREADS) > 1) {
    // JS has set P_ACTIVE to P_THREADS, so every worker is waiting for a phase.
    const ctrl = <usize>planI32(plan, P_CTRL);
    store<i32>(ctrl + C_ARGS, CMD_EXIT);
    atomic.store<i32>(ctrl + C_PHASE, atomic.load<i32>(ctrl + C_PHASE) + 1);
    signal32(ctrl + C_PHASE);
  }
  return 0;
}

/**
 * The claim word is phase << 32 | chunks << 16 | next, so a compare-and-swap both checks that the
 * phase is still current and that a chunk is left. Arguments are written before the claim word,
 * and read by a worker only after its claim succeeded, so they always belong to the chunk's phase.
 */
function phase(plan: usize, cmd: i32, part: i32, batch: i32, chunks: i32, lr: f64): i32 {
  if (atomic.load<i32>(plan + (<usize>P_ACTIVE << 2)) == 1) {
    for (let c = 0; c < chunks; c++) runChunk(plan, cmd, part, c, batch, lr);
    return 0;
  }
  const ctrl = <usize>planI32(plan, P_CTRL);
  const p = atomic.load<i32>(ctrl + C_PHASE) + 1; // only the main thread writes it
  store<i32>(ctrl + C_ARGS, cmd);
  store<i32>(ctrl + C_ARGS + 4, part);
  store<i32>(ctrl + C_ARGS + 8, batch);
  store<f64>(ctrl + C_ARGS + 16, lr);
  atomic.store<i64>(ctrl + C_COMPLETE, <i64>p << 32);
  atomic.store<i64>(ctrl + C_CLAIM, (<i64>p << 32) | (<i64>chunks << 16));
  atomic.store<i32>(ctrl + C_PHASE, p);
  signal32(ctrl + C_PHASE);
  work(plan, ctrl);
  return awaitComplete(ctrl, (<i64>p << 32) | <i64>chunks);
}

/** Claims and runs chunks of whatever phase is current until none is left. */
function work(plan: usize, ctrl: usize): void {
  while (true) {
    const cur = atomic.load<i64>(ctrl + C_CLAIM);
    const chunks = <i32>((cur >> 16) & 0xffff);
    const next = <i32>(cur & 0xffff);
    if (next >= chunks) return;
    if (atomic.cmpxchg<i64>(ctrl + C_CLAIM, cur, cur + 1) != cur) continue;
    runChunk(plan, load<i32>(ctrl + C_ARGS), load<i32>(ctrl + C_ARGS + 4), next, load<i32>(ctrl + C_ARGS + 8), load<f64>(ctrl + C_ARGS + 16));
    // This chunk's phase cannot end before this add, so the counter still belongs to it.
    const done = atomic.add<i64>(ctrl + C_COMPLETE, 1) + 1;
    if (<i32>(done & 0xffff) == chunks && atomic.load<i32>(ctrl + C_COMPLETE + SLEEPERS) > 0) {
      atomic.notify(ctrl + C_COMPLETE, -1);
    }
  }
}

/**
 * Worker `index`'s loop (1..P_THREADS-1): sleeps until a phase is published, helps with it, until
 * CMD_EXIT. While P_ACTIVE is index or less (JS sets it: fewer threads than started, see
 * src/engines/wasm/tuner.ts) the worker sleeps on P_ACTIVE instead and takes no chunks; JS raises
 * P_ACTIVE to every thread before CMD_EXIT.
 */
export function workerLoop(plan: usize, index: i32): void {
  setThreadIndex(index);
  const ctrl = <usize>planI32(plan, P_CTRL);
  const active = plan + (<usize>P_ACTIVE << 2);
  let seen = atomic.load<i32>(ctrl + C_PHASE);
  while (true) {
    for (let a = atomic.load<i32>(active); a <= index; a = atomic.load<i32>(active)) memory.atomic.wait32(active, a, -1);
    awaitPhase(ctrl, seen);
    seen = atomic.load<i32>(ctrl + C_PHASE);
    if (load<i32>(ctrl + C_ARGS) == CMD_EXIT) return;
    if (index < atomic.load<i32>(active)) work(plan, ctrl);
  }
}

/** Marks a failure (a worker's JS catches a trap and calls this) and wakes the main thread. */
export function workerFailed(plan: usize): void {
  const ctrl = <usize>planI32(plan, P_CTRL);
  atomic.store<i32>(ctrl + C_ERROR, 1);
  atomic.notify(ctrl + C_COMPLETE, -1);
}

@inline function signal32(addr: usize): void {
  if (atomic.load<i32>(addr + SLEEPERS) > 0) atomic.notify(addr, -1);
}

/** Waits until the phase counter moves past `seen`. */
function awaitPhase(ctrl: usize, seen: i32): void {
  const addr = ctrl + C_PHASE;
  const budget = spinBudget;
  for (let i = 0; i < budget; i++) {
    if (atomic.load<i32>(addr) != seen) {
      adaptSpins(i);
      return;
    }
  }
  adaptSpins(-1);
  while (atomic.load<i32>(addr) == seen) {
    atomic.add<i32>(addr + SLEEPERS, 1);
    memory.atomic.wait32(addr, seen, -1);
    atomic.sub<i32>(addr + SLEEPERS, 1);
  }
}

/** Waits until the completion word equals target; 1 on a worker failure, 2 when a chunk never completes. */
function awaitComplete(ctrl: usize, target: i64): i32 {
  const addr = ctrl + C_COMPLETE;
  const budget = spinBudget;
  for (let i = 0; i < budget; i++) {
    if (atomic.load<i64>(addr) == target) {
      adaptSpins(i);
      return 0;
    }
  }
  adaptSpins(-1);
  let slept: i64 = 0;
  while (true) {
    const v = atomic.load<i64>(addr);
    if (v == target) return 0;
    if (atomic.load<i32>(ctrl + C_ERROR) != 0) return 1;
    if (slept >= LOST_AFTER_NS) return 2;
    atomic.add<i32>(addr + SLEEPERS, 1);
    memory.atomic.wait64(addr, v, SLICE_NS);
    atomic.sub<i32>(addr + SLEEPERS, 1);
    slept += SLICE_NS;
  }
}
