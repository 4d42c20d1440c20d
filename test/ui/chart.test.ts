import { describe, expect, it } from 'vitest';
import { textChart } from '../../src/ui/chart.js';

describe('terminal loss chart', () => {
  it('puts the highest value on the top row and the lowest on the bottom, one column group per epoch', () => {
    const chart = textChart([{ name: 'train loss', values: [0.9, 0.5, 0.1], mark: '*' }], { height: 5, format: (v) => v.toFixed(1) });
    const plot = chart.slice(0, 5).map((l) => l.slice(l.indexOf('┤') + 1));
    expect(chart[0].startsWith('0.9 ┤*')).toBe(true);
    expect(chart[4].startsWith('0.1 ┤')).toBe(true);
    // Three epochs spread six columns apart, joined by dots.
    expect(plot[0].indexOf('*')).toBe(0);
    expect(plot[2].indexOf('*')).toBe(6);
    expect(plot[4].indexOf('*')).toBe(12);
    expect(plot[1]).toContain('·');
    expect(chart.at(-1)).toContain('* train loss');
    expect(chart.at(-2)).toMatch(/1\s+3  epoch$/);
  });

  it('leaves gaps for missing values and draws nothing for no data', () => {
    expect(textChart([{ name: 'val', values: [null, null], mark: 'o' }])).toEqual([]);
    const chart = textChart([{ name: 'a', values: [1, 2], mark: '*' }, { name: 'b', values: [null, 1.5], mark: 'o' }], { height: 3 });
    expect(chart.slice(0, 3).join('\n').match(/o/g)).toHaveLength(1);
  });

  it('samples long runs to fit the width', () => {
    const chart = textChart([{ name: 'loss', values: Array.from({ length: 500 }, (_, i) => 1 / (i + 1)), mark: '*' }], { maxWidth: 40 });
    for (const line of chart.slice(0, -3)) expect(line.length).toBeLessThanOrEqual(40 + 8);
  });
});
