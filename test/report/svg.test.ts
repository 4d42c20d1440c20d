import { describe, expect, it } from 'vitest';
import { escapeXml, lineChart, niceTicks } from '../../src/report/svg.js';

describe('SVG charts', () => {
  it('ticks are round numbers covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.93, 0.99)).toEqual([0.94, 0.96, 0.98]);
    expect(niceTicks(1, 20, 8)).toEqual([5, 10, 15, 20]);
    expect(niceTicks(2, 2)).toEqual([2]);
  });

  it('a line chart has one path per series, a point per value, and escapes its text', () => {
    const svg = lineChart([
      { name: 'train <loss>', values: [0.5, 0.3, 0.2], color: 'red' },
      { name: 'val', values: [null, 0.4, 0.35], color: 'blue' },
    ], { title: 'Loss & more', xLabel: 'epoch' });
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).toContain('Loss &amp; more');
    expect(svg).toContain('train &lt;loss&gt;');
    expect(svg).not.toContain('NaN');
    expect(escapeXml(`"'`)).toBe('&quot;&#39;');
  });
});
