/**
 * The wasm engine's entry point: what JS calls. exec/workerLoop run training commands on all
 * threads (threads.ts); bytesToFloats is a single-thread helper for loadBatch; the kernels are
 * exported too so tests and the benchmark can time them on their own. Build with
 * `npm run build:wasm` (asconfig.json); the output lands in dist/wasm/.
 */

export { exec, workerFailed, workerLoop } from './threads';
export { biasGrad, bytesToFloats, outputGradRows, sgdRange, softmaxRows } from './tail';
export { gemmAxpy, gemmDot } from './gemm';
export { gatherColumns, scanRows, sparseForward, sparseWeightGrad, sparseWeightGradSgd } from './sparse';
export { backwardRows, forwardChunk } from './mlp';
export { adamRange, momentumRange, sgdL2Range } from './optim';
export { inkBoxes } from './warp';
