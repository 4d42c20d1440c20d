/**
 * The wasm engine's memory plan: the slot numbers shared by assembly/plan.ts (the kernels) and
 * src/engines/wasm/plan.ts (JS) agree, and every buffer fits, aligned and apart.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as planTs from '../../../src/engines/wasm/plan.js';
import { planMemory } from '../../../src/engines/wasm/plan.js';

describe('wasm layout', () => {
  it('every plan, layer, command and chunk constant of assembly/plan.ts has the same value in JS', () => {
    const source = readFileSync(new URL('../../../assembly/plan.ts', import.meta.url), 'utf8');
    const constants = [...source.matchAll(/export const ((?:P|L|CMD|W)_[A-Z_0-9]+|ROW_CHUNK) = (\d+);/g)];
    expect(constants.length).toBeGreaterThan(30);
    const js = planTs as unknown as Record<string, number>;
    for (const [, name, value] of constants) expect(js[name], name).toBe(Number(value));
    expect(source).toContain(`export const W0_PIXELS = ${planTs.W0_PIXELS};`);
    const optim = readFileSync(new URL('../../../assembly/optim.ts', import.meta.url), 'utf8');
    const rules = [...optim.matchAll(/export const (OPT_[A-Z_0-9]+) = (\d+);/g)];
    expect(rules.length).toBe(4);
    for (const [, name, value] of rules) expect(js[name], name).toBe(Number(value));
    const slots = [...optim.matchAll(/^const A_[A-Z_0-9]+ = (\d+);/gm)].map((m) => Number(m[1]));
    expect(Math.max(...slots)).toBeLessThan(planTs.OPT_ARGS);
  });

  it('buffers are 64-byte aligned, do not overlap, and fit in the pages', () => {
    const layout = planMemory([784, 100, 37, 10], 61, 2, false, 3);
    const spans: [string, number, number][] = [
      ['params', layout.params, 4 * layout.paramCount],
      ['grads', layout.grads, 4 * layout.paramCount],
      ['input', layout.input, 4 * 61 * 784],
      ['csrPairs', layout.csrPairs, 8 * 61 * layout.csrStride],
      ['rowBytes', layout.rowBytes, 4 * 61],
      ['colScratch', layout.colScratch, 3 * layout.colScratchBytes],
      ['optArgs', layout.optArgs, 8 * planTs.OPT_ARGS],
      ['optState', layout.optState, 4 * 2 * layout.paramCount],
      ['stage', layout.stage, 61 * 784],
      ['warpSrc', layout.warpSrc, 61 * 784],
      ['warpBox', layout.warpBox, 4 * 61],
      ['warpPlan', layout.warpPlan, 8 * planTs.W_PLAN * 61],
      ...layout.layers.flatMap((l, i): [string, number, number][] => [
        [`a${i}`, l.a, 4 * 61 * l.outDim],
        [`dZ${i}`, l.dZ, 4 * 61 * l.outDim],
      ]),
    ];
    spans.sort((a, b) => a[1] - b[1]);
    for (let k = 0; k < spans.length; k++) {
      expect(spans[k][1] % 64, spans[k][0]).toBe(0);
      if (k > 0) expect(spans[k][1], `${spans[k][0]} after ${spans[k - 1][0]}`).toBeGreaterThanOrEqual(spans[k - 1][1] + spans[k - 1][2]);
    }
    const last = spans[spans.length - 1];
    expect(layout.pages * 65536).toBeGreaterThanOrEqual(last[1] + last[2]);
    expect(layout.csrStride).toBe(788);
    // Each thread's scratch holds a parameter chunk's masks (61 rows: one u64 each) and values.
    expect(layout.maskStride).toBe(8);
    expect(layout.colScratchBytes % 64).toBe(0);
    expect(layout.colScratchBytes).toBeGreaterThanOrEqual(planTs.W0_PIXELS * (8 + 4 * 61));
  });
});
