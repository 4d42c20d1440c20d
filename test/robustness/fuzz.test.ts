/**
 * A seeded fuzz test: valid model, IDX and PNG files mutated at random (byte flips, truncation,
 * inserted and deleted bytes, hostile JSON values at random places, header fields) for a fixed
 * number of cases. Every case must give a valid result or one clean line (MnistError), never
 * another exception (what the CLI reports as "internal error") and never a hang. The seed and
 * case are in every failure message, so a failure replays exactly.
 */

import { describe, expect, it } from 'vitest';
import { IMAGES_MAGIC, IdxParser, LABELS_MAGIC } from '../../src/data/idx.js';
import { MnistError } from '../../src/errors.js';
import { decodePngBounded } from '../../src/image/png-bands.js';
import { digitFromPng } from '../../src/image/digit.js';
import { parseModel, serializeModel } from '../../src/io/model-file.js';
import { idxImages, idxLabels } from '../helpers/idx-fixtures.js';
import { makeModel } from '../helpers/model-fixture.js';
import { encodePng } from '../helpers/png-writer.js';

const SEED = 0x12c0ffee;
const CASES = { model: 300, idx: 400, png: 300 };

/** xorshift32: small, seeded, independent of the code under test. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof rng>;

/** Byte-level damage: flips, overwrites, truncation, insertion, deletion, repeated 1-4 times. */
function mutateBytes(bytes: Uint8Array, r: Rng, keepPrefix = 0): Uint8Array {
  let b = Uint8Array.from(bytes);
  const rounds = 1 + r.int(4);
  for (let k = 0; k < rounds; k++) {
    const at = keepPrefix + r.int(Math.max(1, b.length - keepPrefix));
    switch (r.int(6)) {
      case 0:
        b[at] ^= 1 << r.int(8);
        break;
      case 1:
        b[at] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3: {
        const extra = Uint8Array.from({ length: 1 + r.int(16) }, () => r.int(256));
        b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
        break;
      }
      case 4:
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + r.int(16))]);
        break;
      default:
        // A big-endian 32-bit field set to something extreme (IDX sizes, PNG chunk lengths).
        if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, r.pick([0, 1, 0x7fffffff, 0xffffffff, 60000, r.int(2 ** 32)]));
    }
  }
  return b;
}

/** Whatever `run` does with the case, it must not throw anything but a one-line MnistError. */
async function expectCleanOutcome(what: string, run: () => unknown): Promise<'ok' | 'refused'> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    if (!(err instanceof MnistError)) {
      throw new Error(`${what}: internal error ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    expect(err.message, what).not.toMatch(/\n/);
    expect(err.message.length, what).toBeLessThan(600);
    return 'refused';
  }
}

const HOSTILE_VALUES: unknown[] = [
  null, true, -1, 0, 1e39, -1e39, 1e300, 1e-320, 0.5, 3, 1000, 1_000_000, 2 ** 53, '784', '', 'x'.repeat(5000), [], [[[[[]]]]], {}, { a: 1 },
];

/** Every path to a value inside `doc` (arrays sampled, so the weights do not dominate). */
function paths(doc: unknown, r: Rng, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(doc)) {
    for (let k = 0; k < Math.min(3, doc.length); k++) {
      const i = r.int(doc.length);
      paths(doc[i], r, [...prefix, i], out);
    }
  } else if (doc !== null && typeof doc === 'object') {
    for (const [key, v] of Object.entries(doc)) paths(v, r, [...prefix, key], out);
  }
  return out;
}

function setPath(doc: any, path: (string | number)[], value: unknown): any {
  if (path.length === 0) return value;
  let at = doc;
  for (const key of path.slice(0, -1)) at = at[key];
  const last = path[path.length - 1];
  if (value === undefined && !Array.isArray(at)) delete at[last];
  else at[last] = value;
  return doc;
}

describe('seeded fuzzing of the files mnist reads', () => {
  it(`model files: ${CASES.model} mutations load as valid models or are refused in one line`, async () => {
    const r = rng(SEED);
    const text = serializeModel(makeModel({ sizes: [784, 2, 10], activation: 'relu', loss: 'cross-entropy' }));
    const counts = { ok: 0, refused: 0 };
    for (let c = 0; c < CASES.model; c++) {
      let mutated: string;
      if (r.next() < 0.3) {
        mutated = Buffer.from(mutateBytes(Buffer.from(text), r)).toString('utf8');
      } else {
        const doc = JSON.parse(text);
        const all = paths(doc, r);
        const target = r.pick(all.slice(1));
        mutated = JSON.stringify(setPath(doc, target, r.next() < 0.1 ? undefined : r.pick(HOSTILE_VALUES)));
      }
      const outcome = await expectCleanOutcome(`model case ${c} (seed ${SEED})`, () => {
        const model = parseModel(mutated, 'fuzz.json');
        // Loaded: then it must be a network this program can run.
        expect(model.architecture.sizes[0]).toBe(784);
        expect(model.architecture.sizes.at(-1)).toBe(10);
        expect(model.params.every((v) => Number.isFinite(v))).toBe(true);
        expect(model.input.scale).toBeGreaterThan(0);
        expect(model.input.scale).toBeLessThanOrEqual(1);
      });
      counts[outcome]++;
    }
    expect(counts.refused).toBeGreaterThan(CASES.model / 2);
  });

  it(`IDX files: ${CASES.idx} mutations parse or are refused in one line`, async () => {
    const r = rng(SEED + 1);
    const files = [
      { bytes: idxImages(6), magic: IMAGES_MAGIC },
      { bytes: idxLabels([1, 2, 3, 4, 5, 6]), magic: LABELS_MAGIC },
    ];
    const counts = { ok: 0, refused: 0 };
    for (let c = 0; c < CASES.idx; c++) {
      const { bytes, magic } = r.pick(files);
      const mutated = mutateBytes(bytes, r);
      const outcome = await expectCleanOutcome(`IDX case ${c} (seed ${SEED + 1})`, () => {
        const parser = new IdxParser('fuzz-idx', r.next() < 0.8 ? magic : undefined);
        // Fed in uneven pieces, as a network stream would be.
        for (let at = 0; at < mutated.length; ) {
          const n = 1 + r.int(64);
          parser.push(mutated.subarray(at, at + n));
          at += n;
        }
        const file = parser.finish();
        expect(file.data.length).toBe(file.dims.reduce((p, d) => p * d, 1));
      });
      counts[outcome]++;
    }
    expect(counts.refused).toBeGreaterThan(CASES.idx / 2);
  });

  it(`PNG files: ${CASES.png} mutations read as a digit or are refused in one line`, async () => {
    const r = rng(SEED + 2);
    const side = 32;
    const digit = Array.from({ length: side * side }, (_, i) => {
      const x = i % side;
      const y = Math.floor(i / side);
      return x > 13 && x < 19 && y > 5 && y < 27 ? 0 : 255;
    });
    const sources = [
      encodePng({ width: side, height: side, colorType: 0, bitDepth: 8, samples: digit }),
      encodePng({ width: side, height: side, colorType: 0, bitDepth: 8, samples: digit, interlace: true }),
      encodePng({ width: side, height: side, colorType: 3, bitDepth: 1, samples: digit.map((v) => (v ? 1 : 0)), palette: [[0, 0, 0], [255, 255, 255]] }),
      encodePng({ width: side, height: side, colorType: 6, bitDepth: 16, samples: digit.flatMap((v) => [v * 257, v * 257, v * 257, 65535]) }),
    ];
    const counts = { ok: 0, refused: 0 };
    for (let c = 0; c < CASES.png; c++) {
      const mutated = mutateBytes(r.pick(sources), r, 8);
      const outcome = await expectCleanOutcome(`PNG case ${c} (seed ${SEED + 2})`, async () => {
        await decodePngBounded(mutated, 'fuzz.png');
        const { pixels } = digitFromPng(mutated, 'fuzz.png');
        expect(pixels.length).toBe(784);
      });
      counts[outcome]++;
    }
    expect(counts.refused).toBeGreaterThan(CASES.png / 2);
  });
});
