/**
 * Realistic test images for issue 8, the one source for the accuracy gate (accuracy.test.ts), the
 * sweep (`npm run eval:images`) and `scripts/make-user-pngs.ts`: MNIST test digits and digits
 * drawn here in code, saved the ways real handwriting reaches `mnist predict` (tight crops, 16x16
 * and 8x8 scans that fill the frame, stretched to a square, marker, faint pencil, inverted, phone
 * JPEGs, transparent canvas exports). Each kind returns encoded file bytes and a file name; the
 * pipeline under test sees only those. Not a model of any particular public data set.
 */
import jpeg from 'jpeg-js';
import { encodePng } from '../helpers/png-writer.js';
import { makeVariant, readMnist, upscale } from './user-variants.js';

/** Ink plane: 0 paper .. 1 full ink, row-major. */
export interface InkImage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface RealisticFile {
  /** File name with the right extension (the CLI dispatches on content, the name is for messages). */
  name: string;
  bytes: Uint8Array;
}

/** Where the digit comes from: an MNIST test image, or strokes drawn here. */
export type Source = 'mnist' | 'drawn';

export const KINDS = [
  'original',
  'tightCrop',
  'scan32',
  'scan16',
  'scan8',
  'stretched',
  'marker',
  'pencil',
  'inverted',
  'jpeg',
  'transparent',
  // Issue 4's file kinds (user-variants.ts), MNIST digits only: formats and photo framing.
  'sixteenBit',
  'palette',
  'interlaced',
  'offCentre',
  'ruledPhoto',
  'thinPen',
] as const;
export type Kind = (typeof KINDS)[number];

/** Kinds made from MNIST digits only (user-variants.ts redraws a 28x28 digit). */
export const MNIST_ONLY: readonly Kind[] = ['sixteenBit', 'palette', 'interlaced', 'offCentre', 'ruledPhoto', 'thinPen'];

/** What each kind imitates, for the eval table. */
export const KIND_NOTES: Record<Kind, string> = {
  original: 'the digit as is (MNIST 28x28, or drawn on a 280x280 canvas)',
  tightCrop: 'cropped to the ink, touching 1-4 edges, dark on white',
  scan32: '32x32 black-and-white bitmap, box stretched to fill it',
  scan16: '16x16 scan, box stretched to fill the frame (USPS-like)',
  scan8: '8x8 downscale filling the frame, 17 grey levels',
  stretched: 'cut from a line of writing, stretched to a 64x64 square',
  marker: 'thick marker, cropped close',
  pencil: 'faint thin pencil on grey textured paper',
  inverted: 'light chalk on a dark board',
  jpeg: 'phone photo: uneven light, noise, JPEG q50-95, EXIF rotated',
  transparent: 'canvas export: ink only in the alpha channel',
  sixteenBit: '16-bit gray PNG, dark on light',
  palette: '4-bit palette PNG with a transparent entry',
  interlaced: 'Adam7 interlaced PNG',
  offCentre: 'photo: grey uneven paper, noise, off centre',
  ruledPhoto: 'the same photo on ruled paper',
  thinPen: 'the same photo, ballpoint hairline',
};

/** xorshift32 in [0, 1), so every run makes the same files. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * The random stream for one kind and source: a hash of the names, so adding or reordering kinds
 * leaves every other kind's files unchanged.
 */
export function streamFor(kind: Kind, source: Source, seed: number): () => number {
  let h = 2166136261 ^ seed;
  for (const c of `${kind}/${source}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return seededRandom(h >>> 0);
}

const between = (random: () => number, a: number, b: number) => a + (b - a) * random();

function byte(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
}

/** An MNIST digit as an ink image, bilinearly upscaled s times. */
export function mnistInk(digit: Uint8Array, s: number): InkImage {
  return { width: 28 * s, height: 28 * s, data: upscale(digit, s) };
}

// ---------------------------------------------------------------------------------------------
// Digits drawn in code: centre lines in a unit box (x right, y down), rendered with a round pen.
// Several forms per digit, as people write them: a 1 with or without its flag and foot, a 7 with
// or without a bar, a 9 with a straight or a curved tail, an open or a closed 4.

type Point = [number, number];
type Stroke = Point[];

function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number, steps = 24): Stroke {
  const pts: Stroke = [];
  for (let i = 0; i <= steps; i++) {
    const t = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    pts.push([cx + rx * Math.cos(t), cy + ry * Math.sin(t)]);
  }
  return pts;
}

/** Forms of each digit; angles in degrees, y down (90 is the bottom of an arc). */
const FORMS: Stroke[][][] = [
  // 0
  [[arc(0.5, 0.5, 0.38, 0.5, -90, 270)], [arc(0.5, 0.5, 0.3, 0.5, -100, 265)]],
  // 1
  [
    [[[0.5, 0], [0.5, 1]]],
    [[[0.2, 0.28], [0.58, 0], [0.58, 1]]],
    [[[0.25, 0.25], [0.55, 0], [0.55, 1]], [[0.25, 1], [0.85, 1]]],
  ],
  // 2
  [
    [[...arc(0.5, 0.3, 0.4, 0.3, 190, 360), [0.85, 0.45], [0.1, 1], [0.95, 1]]],
    [[...arc(0.5, 0.28, 0.38, 0.28, 200, 380), [0.1, 0.98], ...arc(0.5, 0.95, 0.4, 0.08, 180, 20, 8)]],
  ],
  // 3
  [
    [[...arc(0.5, 0.26, 0.38, 0.26, 200, 450), ...arc(0.5, 0.74, 0.42, 0.26, 270, 520)]],
    [[[0.1, 0], [0.9, 0], [0.45, 0.42], ...arc(0.5, 0.7, 0.42, 0.3, 270, 520)]],
  ],
  // 4
  [
    [[[0.65, 1], [0.65, 0], [0.05, 0.68], [0.95, 0.68]]],
    [[[0.15, 0], [0.1, 0.62], [0.95, 0.62]], [[0.72, 0.2], [0.72, 1]]],
  ],
  // 5
  [
    [[[0.85, 0], [0.25, 0], [0.2, 0.45], ...arc(0.5, 0.68, 0.4, 0.32, 225, 490)]],
    [[[0.25, 0], [0.18, 0.45], ...arc(0.5, 0.7, 0.4, 0.3, 230, 500)], [[0.25, 0.02], [0.9, 0.02]]],
  ],
  // 6
  [
    [[[0.8, 0.02], [0.35, 0.35], ...arc(0.5, 0.72, 0.36, 0.28, 200, 560)]],
    [[...arc(0.9, 0.6, 0.75, 0.6, 255, 180, 12), ...arc(0.48, 0.74, 0.34, 0.26, 180, 540)]],
  ],
  // 7
  [
    [[[0.05, 0], [0.95, 0], [0.4, 1]]],
    [[[0.05, 0.1], [0.1, 0], [0.95, 0], [0.45, 1]], [[0.35, 0.52], [0.85, 0.52]]],
  ],
  // 8
  [
    [[...arc(0.5, 0.25, 0.32, 0.25, 90, 450), ...arc(0.5, 0.74, 0.4, 0.26, -90, 270)]],
    [[...arc(0.5, 0.26, 0.34, 0.26, 60, 420), ...arc(0.5, 0.74, 0.38, 0.26, -80, 280)]],
  ],
  // 9
  [
    [[...arc(0.5, 0.3, 0.38, 0.3, 0, 360), [0.88, 0.3], [0.82, 1]]],
    [[...arc(0.48, 0.3, 0.36, 0.3, 10, 370), ...arc(0.35, 0.4, 0.5, 0.6, 0, 100, 12)]],
  ],
];

/** Number of forms drawn for each digit (the gate samples them all). */
export const FORM_COUNT = FORMS.map((f) => f.length);

export interface DrawOptions {
  /** Canvas side in pixels. */
  side?: number;
  /** Pen radius as a fraction of the digit's height. */
  pen?: number;
  /** Which form of the digit (default: random). */
  form?: number;
}

/**
 * Draws `label` with a round pen on a square canvas, the way a paint program or a tablet would:
 * random height (60-80% of the canvas), width, slant, small rotation and wobble of every point.
 */
export function drawDigit(label: number, random: () => number, options: DrawOptions = {}): InkImage {
  const side = options.side ?? 280;
  const forms = FORMS[label];
  const strokes = forms[options.form ?? Math.floor(random() * forms.length)];
  const height = side * between(random, 0.6, 0.78);
  const width = height * (label === 1 ? between(random, 0.35, 0.5) : between(random, 0.55, 0.8));
  const slant = between(random, -0.3, 0.1);
  const angle = between(random, -0.12, 0.12);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = side / 2 + between(random, -0.05, 0.05) * side;
  const cy = side / 2 + between(random, -0.05, 0.05) * side;
  const wobble = 0.02;
  const segs: number[] = [];
  for (const stroke of strokes) {
    let prev: Point | null = null;
    for (const [u0, v0] of stroke) {
      const u = u0 + between(random, -wobble, wobble) - 0.5;
      const v = v0 + between(random, -wobble, wobble) - 0.5;
      const x0 = (u - slant * v) * width;
      const y0 = v * height;
      const p: Point = [cx + cos * x0 - sin * y0, cy + sin * x0 + cos * y0];
      if (prev) segs.push(prev[0], prev[1], p[0], p[1]);
      prev = p;
    }
  }
  const radius = Math.max(0.8, (options.pen ?? between(random, 0.035, 0.07)) * height);
  return renderStrokes(segs, side, radius);
}

/** Anti-aliased round-pen rendering of line segments (x0, y0, x1, y1 quadruples). */
function renderStrokes(segs: number[], side: number, radius: number): InkImage {
  const data = new Float32Array(side * side);
  for (let s = 0; s < segs.length; s += 4) {
    const [ax, ay, bx, by] = [segs[s], segs[s + 1], segs[s + 2], segs[s + 3]];
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius - 1));
    const x1 = Math.min(side - 1, Math.ceil(Math.max(ax, bx) + radius + 1));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius - 1));
    const y1 = Math.min(side - 1, Math.ceil(Math.max(ay, by) + radius + 1));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy || 1e-9;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5 - ax;
        const py = y + 0.5 - ay;
        const t = Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
        const d = Math.hypot(px - t * dx, py - t * dy);
        const v = Math.max(0, Math.min(1, radius + 0.5 - d));
        const i = y * side + x;
        if (v > data[i]) data[i] = v;
      }
    }
  }
  return { width: side, height: side, data };
}

// ---------------------------------------------------------------------------------------------
// Geometry on ink images.

/** Bounding box of ink above `threshold`: [x0, y0, x1, y1) or null. */
export function inkBounds(img: InkImage, threshold = 0.2): [number, number, number, number] | null {
  let x0 = img.width;
  let y0 = img.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x] < threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 + 1, y1 + 1];
}

/**
 * Resamples the rectangle [x0, x1) x [y0, y1) of `img` to outW x outH by averaging a 4x4 grid of
 * bilinear samples per output pixel (a scanner's or a downscaler's area average); outside is paper.
 */
export function resample(img: InkImage, rect: [number, number, number, number], outW: number, outH: number): InkImage {
  const [x0, y0, x1, y1] = rect;
  const sx = (x1 - x0) / outW;
  const sy = (y1 - y0) / outH;
  const out = new Float32Array(outW * outH);
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= img.width || y >= img.height ? 0 : img.data[y * img.width + x]);
  const sub = 4;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let acc = 0;
      for (let j = 0; j < sub; j++) {
        for (let i = 0; i < sub; i++) {
          const fx = x0 + (ox + (i + 0.5) / sub) * sx - 0.5;
          const fy = y0 + (oy + (j + 0.5) / sub) * sy - 0.5;
          const ix = Math.floor(fx);
          const iy = Math.floor(fy);
          const tx = fx - ix;
          const ty = fy - iy;
          acc +=
            (at(ix, iy) * (1 - tx) + at(ix + 1, iy) * tx) * (1 - ty) + (at(ix, iy + 1) * (1 - tx) + at(ix + 1, iy + 1) * tx) * ty;
        }
      }
      out[oy * outW + ox] = acc / (sub * sub);
    }
  }
  return { width: outW, height: outH, data: out };
}

/** Grows strokes by r pixels (binary, then kept anti-aliased at the rim by one averaging pass). */
function thicken(img: InkImage, r: number): InkImage {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(w * h);
  const ri = Math.ceil(r);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let dy = -ri; dy <= ri && v < 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -ri; dx <= ri; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w || dx * dx + dy * dy > r * r) continue;
          if (data[yy * w + xx] > v) v = data[yy * w + xx];
        }
      }
      out[y * w + x] = v;
    }
  }
  return { width: w, height: h, data: out };
}

// ---------------------------------------------------------------------------------------------
// Encoders: gray or RGB PNG (stored, so generating is cheap), RGBA PNG, and JPEG with an
// optional EXIF orientation.

/** Paper brightness minus ink: 1 = white paper, black ink. */
function grayPng(img: InkImage, paper: number, inkLevel: number): Uint8Array {
  const samples = new Uint8Array(img.width * img.height);
  for (let i = 0; i < samples.length; i++) samples[i] = byte(paper - (paper - inkLevel) * img.data[i]);
  return encodePng({ width: img.width, height: img.height, colorType: 0, bitDepth: 8, samples, level: 0 });
}

/**
 * A JPEG with an APP1 EXIF block holding only the orientation tag, the way phones store a photo
 * taken sideways: the pixels are stored rotated and the tag says how to turn them upright.
 */
export function jpegWithOrientation(rgba: Uint8Array, width: number, height: number, quality: number, orientation: number): Uint8Array {
  const encoded = jpeg.encode({ data: rgba, width, height }, quality).data;
  if (orientation === 1) return encoded;
  // "Exif\0\0", then a little-endian TIFF header, IFD0 with one entry: tag 0x0112 (SHORT, 1).
  const tiff = [0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, orientation, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
  const payload = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00, ...tiff];
  const length = payload.length + 2;
  const app1 = [0xff, 0xe1, length >> 8, length & 0xff, ...payload];
  const out = new Uint8Array(encoded.length + app1.length);
  out.set(encoded.subarray(0, 2), 0);
  out.set(app1, 2);
  out.set(encoded.subarray(2), 2 + app1.length);
  return out;
}

/** Rotates an RGBA image so that applying EXIF `orientation` to it gives back the original. */
export function turnForExif(rgba: Uint8Array, w: number, h: number, orientation: number): { data: Uint8Array; width: number; height: number } {
  if (orientation === 1) return { data: rgba, width: w, height: h };
  // 6: stored image must be rotated 90 degrees clockwise to display, so store it turned 90 anticlockwise.
  // 8: the opposite. 3: turned 180.
  const turned = orientation === 3 ? { width: w, height: h } : { width: h, height: w };
  const out = new Uint8Array(rgba.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let tx: number;
      let ty: number;
      if (orientation === 6) [tx, ty] = [y, w - 1 - x];
      else if (orientation === 8) [tx, ty] = [h - 1 - y, x];
      else [tx, ty] = [w - 1 - x, h - 1 - y];
      out.set(rgba.subarray(4 * (y * w + x), 4 * (y * w + x) + 4), 4 * (ty * turned.width + tx));
    }
  }
  return { data: out, ...turned };
}

/** Noise with unit variance (uniform, bounded like a sensor's). */
const noise = (random: () => number) => (random() - 0.5) * 3.464;

/** Grey paper, a light ramp, noise and colour, the ink placed with a margin; RGBA bytes. */
function photoRgba(ink: InkImage, random: () => number, margin: number, texture: number): { data: Uint8Array; width: number; height: number } {
  const W = Math.round(ink.width * (1 + 2 * margin));
  const H = Math.round(ink.height * (1 + 2 * margin));
  const ox = Math.floor((W - ink.width) * between(random, 0.3, 0.7));
  const oy = Math.floor((H - ink.height) * between(random, 0.3, 0.7));
  const paper = between(random, 0.6, 0.92);
  const inkLevel = between(random, 0.05, 0.3);
  const ramp = between(random, 0, 0.35);
  const angle = 2 * Math.PI * random();
  const cx = Math.cos(angle) / W;
  const cy = Math.sin(angle) / H;
  const tint = [1, between(random, 0.95, 1), between(random, 0.85, 0.97)];
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - ox;
      const dy = y - oy;
      const a = dx >= 0 && dy >= 0 && dx < ink.width && dy < ink.height ? ink.data[dy * ink.width + dx] : 0;
      const light = 1 - ramp * (0.5 + 0.5 * (cx * x + cy * y) * 2);
      const v = (paper - (paper - inkLevel) * a) * light + texture * noise(random);
      const o = 4 * (y * W + x);
      data[o] = byte(v * tint[0]);
      data[o + 1] = byte(v * tint[1]);
      data[o + 2] = byte(v * tint[2]);
      data[o + 3] = 255;
    }
  }
  return { data, width: W, height: H };
}

// ---------------------------------------------------------------------------------------------

/**
 * The base ink image of a digit: an MNIST test digit upscaled 6-8x, or `label` drawn on a 280x280
 * canvas. Kinds then crop, scale and encode it.
 */
export function baseInk(source: Source, digit: Uint8Array | null, label: number, random: () => number, pen?: number): InkImage {
  if (source === 'mnist') return mnistInk(digit!, 6 + Math.floor(random() * 3));
  return drawDigit(label, random, { pen });
}

/**
 * Makes one file of `kind` from a digit. For MNIST, `digit` is the 28x28 test image; for drawn
 * digits it is null and `label` says what to draw.
 */
export function makeRealistic(kind: Kind, source: Source, digit: Uint8Array | null, label: number, random: () => number): RealisticFile {
  const png = (bytes: Uint8Array) => ({ name: `${kind}.png`, bytes });
  switch (kind) {
    case 'original': {
      if (source === 'mnist') {
        return png(encodePng({ width: 28, height: 28, colorType: 0, bitDepth: 8, samples: digit!, level: 0 }));
      }
      return png(grayPng(drawDigit(label, random), 1, 0));
    }
    case 'tightCrop': {
      const ink = baseInk(source, digit, label, random);
      const b = inkBounds(ink)!;
      // Touch 1-4 edges: keep a margin of 10-30% of the digit on the others.
      const touching = 1 + Math.floor(random() * 4);
      const sides = [0, 1, 2, 3].sort(() => random() - 0.5).slice(0, touching);
      const size = Math.max(b[2] - b[0], b[3] - b[1]);
      const m = (side: number) => (sides.includes(side) ? 0 : Math.round(between(random, 0.1, 0.3) * size));
      const rect: [number, number, number, number] = [b[0] - m(0), b[1] - m(1), b[2] + m(2), b[3] + m(3)];
      return png(grayPng(resample(ink, rect, rect[2] - rect[0], rect[3] - rect[1]), 1, between(random, 0, 0.2)));
    }
    case 'scan32': {
      // 1-bit, as form readers' normalised bitmaps (NIST's 32x32) come.
      const ink = baseInk(source, digit, label, random);
      const small = resample(ink, inkBounds(ink)!, 32, 32);
      for (let i = 0; i < small.data.length; i++) small.data[i] = small.data[i] >= 0.5 ? 1 : 0;
      return png(grayPng(small, 1, 0));
    }
    case 'scan16':
    case 'scan8': {
      const side = kind === 'scan16' ? 16 : 8;
      const ink = baseInk(source, digit, label, random);
      const b = inkBounds(ink)!;
      const small = resample(ink, b, side, side);
      if (kind === 'scan8') {
        // 17 levels, as the UCI optdigits counts of a 4x4 block; shown dark on light.
        for (let i = 0; i < small.data.length; i++) small.data[i] = Math.round(small.data[i] * 16) / 16;
        return png(grayPng(small, 1, 0));
      }
      // USPS-like scans come in either polarity.
      return random() < 0.5 ? png(grayPng(small, 1, 0)) : png(grayPng(small, 0, 1));
    }
    case 'stretched': {
      const ink = baseInk(source, digit, label, random);
      const b = inkBounds(ink)!;
      return png(grayPng(resample(ink, b, 64, 64), between(random, 0.85, 1), between(random, 0, 0.25)));
    }
    case 'marker': {
      let ink: InkImage;
      if (source === 'drawn') ink = drawDigit(label, random, { pen: between(random, 0.09, 0.12) });
      else {
        const base = mnistInk(digit!, 5);
        ink = thicken(base, between(random, 2.5, 4.5));
      }
      const b = inkBounds(ink)!;
      const pad = Math.round(between(random, 0, 0.08) * (b[3] - b[1]));
      return png(grayPng(resample(ink, [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad], b[2] - b[0] + 2 * pad, b[3] - b[1] + 2 * pad), 1, 0.05));
    }
    case 'pencil': {
      const ink = source === 'drawn' ? drawDigit(label, random, { side: 200, pen: between(random, 0.012, 0.025) }) : mnistInk(digit!, 5);
      const faint = { ...ink, data: ink.data.map((v) => v * between(random, 0.25, 0.4)) };
      const { data, width, height } = photoRgba(faint, random, 0.2, between(random, 0.005, 0.015));
      const gray = new Float32Array(width * height);
      for (let i = 0; i < gray.length; i++) gray[i] = data[4 * i + 1] / 255;
      const samples = Uint8Array.from(gray, byte);
      return png(encodePng({ width, height, colorType: 0, bitDepth: 8, samples, level: 0 }));
    }
    case 'inverted': {
      const ink = baseInk(source, digit, label, random);
      const board = between(random, 0.1, 0.3);
      const chalk = between(random, 0.75, 0.95);
      const samples = new Uint8Array(ink.width * ink.height);
      for (let i = 0; i < samples.length; i++) samples[i] = byte(board + (chalk - board) * ink.data[i] + 0.02 * noise(random));
      return png(encodePng({ width: ink.width, height: ink.height, colorType: 0, bitDepth: 8, samples, level: 0 }));
    }
    case 'jpeg': {
      // Smaller than a phone's 12 megapixels (to keep the suite fast), so the JPEG blocks are
      // coarser next to the strokes than in a real photo: harder, not easier.
      const ink = source === 'drawn' ? drawDigit(label, random, { side: 160 }) : mnistInk(digit!, 4 + Math.floor(random() * 2));
      const photo = photoRgba(ink, random, between(random, 0.1, 0.5), between(random, 0.01, 0.03));
      const orientation = [1, 1, 6, 8, 3][Math.floor(random() * 5)];
      const stored = turnForExif(photo.data, photo.width, photo.height, orientation);
      const quality = Math.round(between(random, 50, 95));
      return { name: 'jpeg.jpg', bytes: jpegWithOrientation(stored.data, stored.width, stored.height, quality, orientation) };
    }
    case 'transparent': {
      const ink = source === 'drawn' ? drawDigit(label, random) : mnistInk(digit!, 5);
      const light = random() < 0.3;
      const samples = new Uint8Array(ink.width * ink.height * 4);
      for (let i = 0; i < ink.data.length; i++) {
        // Canvas exports keep the pen colour under every pixel and put the stroke in alpha alone.
        samples[4 * i] = samples[4 * i + 1] = samples[4 * i + 2] = light ? 255 : 0;
        samples[4 * i + 3] = byte(ink.data[i]);
      }
      return png(encodePng({ width: ink.width, height: ink.height, colorType: 6, bitDepth: 8, samples, level: 0 }));
    }
    default:
      if (source !== 'mnist') throw new Error(`${kind} files are made from MNIST digits only`);
      return png(makeVariant(kind, digit!, random));
  }
}

/** MNIST's test set holds this many digits: the most MNIST digits per kind a sample can take. */
export const MNIST_TEST_DIGITS = 10_000;

export interface SampleOptions {
  /** MNIST test digits per kind, 0..MNIST_TEST_DIGITS, taken evenly across the test set. */
  mnist: number;
  /** Drawn digits per kind (labels cycle 0-9); none for the MNIST_ONLY kinds. */
  drawn: number;
  seed?: number;
  kinds?: readonly Kind[];
}

export interface RealisticSample {
  kind: Kind;
  source: Source;
  /** The MNIST test image's index, or the drawn digit's number in its kind. */
  index: number;
  label: number;
  file: RealisticFile;
}

/**
 * Every file of a sample, kind by kind, MNIST digits before drawn ones: what the accuracy sweep
 * scores (accuracy-harness.ts) and `npm run make:user-images` writes, so both see the same files
 * for the same options. Throws RangeError for an MNIST count outside 0..MNIST_TEST_DIGITS (past
 * the test set there are no digits, only blank images).
 */
export function* realisticSample(options: SampleOptions): Generator<RealisticSample> {
  const { mnist, drawn, seed = 1, kinds = KINDS } = options;
  if (!Number.isInteger(mnist) || mnist < 0 || mnist > MNIST_TEST_DIGITS) {
    throw new RangeError(`a sample takes 0 to ${MNIST_TEST_DIGITS} MNIST test digits per kind, not ${mnist}`);
  }
  const test = readMnist('t10k', MNIST_TEST_DIGITS);
  const stride = Math.max(1, Math.floor(test.count / Math.max(1, mnist)));
  for (const kind of kinds) {
    for (const source of ['mnist', 'drawn'] as const) {
      const n = source === 'mnist' ? mnist : MNIST_ONLY.includes(kind) ? 0 : drawn;
      const random = streamFor(kind, source, seed);
      for (let i = 0; i < n; i++) {
        const index = source === 'mnist' ? i * stride : i;
        const label = source === 'mnist' ? test.labels[index] : i % 10;
        const digit = source === 'mnist' ? test.images.subarray(index * 784, (index + 1) * 784) : null;
        yield { kind, source, index, label, file: makeRealistic(kind, source, digit, label, random) };
      }
    }
  }
}
