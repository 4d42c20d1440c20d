/**
 * Text tables for evaluation results: the 10x10 confusion matrix (rows = true digit, columns =
 * predicted) with each row's recall and each digit's precision beside it. Plain aligned text that
 * reads in any terminal; colour (diagonal green, mistakes yellow/red) only through the `paint`
 * instance given, which is colourless when colours are off.
 */

import type { ChalkInstance } from 'chalk';
import type { ClassMetrics } from '../training/evaluate.js';

export function confusionTable(confusion: number[][], perClass: ClassMetrics[], paint: ChalkInstance): string[] {
  const classes = confusion.length;
  const cellWidth = Math.max(4, ...confusion.flat().map((n) => String(n).length + 1));
  const pct = (v: number | null) => (v === null ? '     -' : `${(v * 100).toFixed(1).padStart(5)}%`);
  const rowTotals = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const lines: string[] = [];
  lines.push(`${' '.repeat(10)}${paint.dim('predicted')}`);
  lines.push(
    `${'true'.padEnd(6)}${Array.from({ length: classes }, (_, k) => String(k).padStart(cellWidth)).join('')}   recall  precision`,
  );
  confusion.forEach((row, t) => {
    const cells = row.map((n, p) => {
      const text = String(n).padStart(cellWidth);
      if (p === t) return paint.green(text);
      if (n === 0) return paint.dim(text);
      // Mistakes stand out in proportion to how much of the row they take.
      return n / Math.max(1, rowTotals[t]) >= 0.01 ? paint.red(text) : paint.yellow(text);
    });
    lines.push(`${String(t).padStart(3).padEnd(6)}${cells.join('')}   ${pct(perClass[t].recall)}   ${pct(perClass[t].precision)}`);
  });
  return lines;
}
