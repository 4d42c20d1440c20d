/**
 * Fork/join over the shared memory: the main thread publishes a command (a sequence number in the
 * control block), does part 0 itself while workers 1..T-1 do theirs, and waits until each worker
 * has reported that sequence number done. Waiting spins briefly (a step's halves finish within
 * microseconds of each other) and then sleeps with memory.atomic.wait32, announcing itself in a
 * sleepers counter so that the signalling side calls notify only when someone sleeps.
 */

import {
  C_BARRIER, C_CMD, C_DONE, C_ERROR, C_SEQ, CMD_BACKWARD, CMD_EXIT, CMD_FORWARD, CMD_SGD,
  P_CTRL, P_GRADS, P_PARAM_COUNT, P_PARAMS, P_THREADS, partStart, planI32,
} from './layout';
import { backwardParams, backwardRows, forwardRows } from './mlp';
import { sgdRange } from './tail';

/** Spins before sleeping: about 0.1-0.3 ms of atomic loads. */
const SPINS = 1 << 16;
/** Sleepers counter: 32 bytes after the counter it belongs to, on the same cache line. */
const SLEEPERS = 32;
/** How long the main thread waits for a worker before it reports it lost (nanoseconds). */
const LOST_AFTER_NS: i64 = 60_000_000_000;

/** Barriers this instance (thread) has passed; every thread passes the same ones in the same order. */
let barriersPassed: i32 = 0;

function runTask(plan: usize, cmd: i32, t: i32, T: i32, batch: i32, lr: f64): void {
  if (cmd == CMD_FORWARD) {
    forwardRows(plan, partStart(batch, t, T), partStart(batch, t + 1, T), t);
  } else if (cmd == CMD_BACKWARD) {
    backwardRows(plan, partStart(batch, t, T), partStart(batch, t + 1, T), batch);
    // Every row's dZ must be written before any thread sums over rows for the weight gradients.
    if (T > 1) barrier(<usize>planI32(plan, P_CTRL), T);
    backwardParams(plan, t, T, batch);
  } else if (cmd == CMD_SGD) {
    const count = planI32(plan, P_PARAM_COUNT);
    sgdRange(<usize>planI32(plan, P_PARAMS), <usize>planI32(plan, P_GRADS), partStart(count, t, T), partStart(count, t + 1, T), lr);
  }
}

/**
 * Runs one command on all threads and returns when all are done: 0 on success, 1 if a worker
 * reported a failure, 2 if a worker stopped answering. Called by the main thread only.
 */
export function exec(plan: usize, cmd: i32, batch: i32, lr: f64): i32 {
  const T = planI32(plan, P_THREADS);
  if (T == 1) {
    runTask(plan, cmd, 0, 1, batch, lr);
    return 0;
  }
  const ctrl = <usize>planI32(plan, P_CTRL);
  store<i32>(ctrl + C_CMD, cmd);
  store<i32>(ctrl + C_CMD + 4, batch);
  store<f64>(ctrl + C_CMD + 8, lr);
  const seq = atomic.add<i32>(ctrl + C_SEQ, 1) + 1; // sequentially consistent: publishes the stores above
  signal(ctrl + C_SEQ);
  if (cmd != CMD_EXIT) runTask(plan, cmd, 0, T, batch, lr);
  for (let t = 1; t < T; t++) {
    if (!awaitAtLeast(ctrl + C_DONE + (<usize>t << 6), seq, LOST_AFTER_NS)) return 2;
  }
  return atomic.load<i32>(ctrl + C_ERROR) != 0 ? 1 : 0;
}

/** Worker t's loop: runs each published command until CMD_EXIT. */
export function workerLoop(plan: usize, t: i32): void {
  const T = planI32(plan, P_THREADS);
  const ctrl = <usize>planI32(plan, P_CTRL);
  const done = ctrl + C_DONE + (<usize>t << 6);
  let seen = atomic.load<i32>(done);
  while (true) {
    awaitAtLeast(ctrl + C_SEQ, seen + 1, -1);
    seen = atomic.load<i32>(ctrl + C_SEQ);
    const cmd = load<i32>(ctrl + C_CMD);
    if (cmd != CMD_EXIT) runTask(plan, cmd, t, T, load<i32>(ctrl + C_CMD + 4), load<f64>(ctrl + C_CMD + 8));
    atomic.store<i32>(done, seen);
    signal(done);
    if (cmd == CMD_EXIT) return;
  }
}

/** Marks a failure (a worker's JS catches a trap and calls this), then reports its command done. */
export function workerFailed(plan: usize, t: i32): void {
  const ctrl = <usize>planI32(plan, P_CTRL);
  atomic.store<i32>(ctrl + C_ERROR, 1);
  const done = ctrl + C_DONE + (<usize>t << 6);
  atomic.store<i32>(done, atomic.load<i32>(ctrl + C_SEQ));
  signal(done);
}

function barrier(ctrl: usize, T: i32): void {
  barriersPassed++;
  const target = barriersPassed * T;
  const arrived = atomic.add<i32>(ctrl + C_BARRIER, 1) + 1;
  if (arrived == target) signal(ctrl + C_BARRIER);
  else awaitAtLeast(ctrl + C_BARRIER, target, -1);
}

/** Wakes whoever sleeps on the counter at addr (after the caller changed it). */
@inline function signal(addr: usize): void {
  if (atomic.load<i32>(addr + SLEEPERS) > 0) atomic.notify(addr, -1);
}

/**
 * Waits until the counter at addr reaches target (counters only grow; compared with wraparound).
 * Returns false if timeoutNs (>= 0) passed in sleep without that happening.
 */
function awaitAtLeast(addr: usize, target: i32, timeoutNs: i64): bool {
  for (let i = 0; i < SPINS; i++) {
    if (atomic.load<i32>(addr) - target >= 0) return true;
  }
  const slice: i64 = 10_000_000; // sleep in 10 ms slices so a lost worker is noticed
  let slept: i64 = 0;
  while (true) {
    const v = atomic.load<i32>(addr);
    if (v - target >= 0) return true;
    if (timeoutNs >= 0 && slept >= timeoutNs) return false;
    atomic.add<i32>(addr + SLEEPERS, 1);
    memory.atomic.wait32(addr, v, slice);
    atomic.sub<i32>(addr + SLEEPERS, 1);
    slept += slice;
  }
}
