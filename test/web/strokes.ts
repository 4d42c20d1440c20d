/**
 * Digits as stroke lists, for drawing on the serve page with mouse events in the browser test.
 * Each stroke is a polyline in pad coordinates from 0 to 1 (x right, y down); curves are sampled.
 */

export type Stroke = [number, number][];

function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number, steps = 12): Stroke {
  return Array.from({ length: steps + 1 }, (_, i) => {
    const a = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)];
  });
}

export const DIGIT_STROKES: Record<number, Stroke[]> = {
  0: [arc(0.5, 0.5, 0.22, 0.33, -90, 270)],
  1: [[[0.52, 0.15], [0.5, 0.85]]],
  2: [[...arc(0.5, 0.33, 0.2, 0.16, 200, 360), [0.66, 0.45], [0.3, 0.82], [0.74, 0.82]]],
  3: [[...arc(0.48, 0.32, 0.2, 0.15, 200, 450), ...arc(0.48, 0.64, 0.22, 0.18, -90, 160)]],
  4: [[[0.56, 0.15], [0.26, 0.6], [0.76, 0.6]], [[0.62, 0.32], [0.62, 0.88]]],
  7: [[[0.26, 0.2], [0.74, 0.2], [0.44, 0.86]]],
};
