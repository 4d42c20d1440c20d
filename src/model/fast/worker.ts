/**
 * Entry of a wasm engine worker thread (started by fast-mlp.ts with workerData from
 * WasmMlp.workerData): joins the shared memory and serves commands until the network closes.
 * Must run as built JS (dist/model/fast/worker.js): Node 20 starts no TypeScript workers.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { joinAsWorker, type WasmWorkerData } from '../../engine/wasm-mlp.js';

joinAsWorker(workerData as WasmWorkerData, () => parentPort?.postMessage('ready'));
