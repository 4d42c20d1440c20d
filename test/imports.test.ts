/**
 * The project's import direction (the house style's), read from every import line under src/:
 * cli -> training -> model, cli -> engines -> model, cli -> data | io | image | ui; nothing imports
 * cli; the engines (less their one Node-only file), model, image and training import no node:
 * module, so they could run in a browser. A failure names the file, the import and the rule.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** errors.ts, rng.ts and version.ts sit at the top of src/ and import no other area: anyone may use them. */
const SHARED = 'shared';

/** The areas each area may import, besides itself and SHARED. */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['training', 'engines', 'model', 'data', 'io', 'image', 'ui', 'files', 'report', 'web'],
  training: ['model', 'data'],
  engines: ['model'],
  model: [],
  data: ['files'],
  io: ['model', 'files'],
  image: [],
  ui: ['training'], // ui/progress.ts implements training's Reporter; tables format its metrics
  files: [],
  report: ['io', 'model', 'training'], // pictures of a model file and of evaluate()'s figures
  web: ['report'], // mnist serve's HTTP server and page (the command hands it functions); the page shares the report's <head>, theme and escaping (report/html-page.ts)
  [SHARED]: [],
};

/** Areas whose code must run without Node (a browser could load it), and the one file allowed to need Node. */
const NO_NODE = ['engines', 'model', 'image', 'training'];
const NODE_ONLY_FILE = 'src/engines/wasm/node.ts';
/**
 * node: imports image/ still has: reading files, and zlib for PNG's inflate (bounded and streamed
 * in bands, which the browser's DecompressionStream cannot do synchronously). An entry that is no
 * longer needed fails the test, so this list only shrinks.
 */
const KNOWN_NODE_IN_IMAGE: Record<string, readonly string[]> = {
  'src/image/digit.ts': ['node:fs/promises'],
  'src/image/png.ts': ['node:zlib', 'node:module'],
  'src/image/png-bands.ts': ['node:zlib'],
};

/** The area of a path under src/: its first folder, or SHARED for a file at the top. */
function areaOf(path: string): string {
  const parts = path.split('/');
  return parts.length > 2 ? parts[1] : SHARED;
}

/** Every module specifier a source imports: static imports and re-exports, side-effect imports, import(). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)) found.push(m[1]);
  for (const m of source.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(m[1]);
  for (const m of source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(m[1]);
  return found;
}

/** One line per import that breaks a rule. `files` maps paths like src/io/x.ts to their source. */
export function violations(files: Map<string, string>): string[] {
  const problems: string[] = [];
  const usedExceptions = new Set<string>();
  for (const [file, source] of files) {
    const from = areaOf(file);
    for (const spec of importsOf(source)) {
      if (spec.startsWith('node:')) {
        if (!NO_NODE.includes(from) || file === NODE_ONLY_FILE) continue;
        if (KNOWN_NODE_IN_IMAGE[file]?.includes(spec)) {
          usedExceptions.add(`${file} ${spec}`);
          continue;
        }
        problems.push(`${file} imports ${spec}: ${from}/ must run without Node (only ${NODE_ONLY_FILE} may use node: modules among ${NO_NODE.join(', ')})`);
        continue;
      }
      if (!spec.startsWith('.')) continue; // a package
      const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
      if (!target.startsWith('src/')) {
        problems.push(`${file} imports ${spec}, outside src/`);
        continue;
      }
      const to = areaOf(target);
      if (to === from) {
        if (from === 'engines') {
          const engineOf = (p: string) => p.split('/')[2];
          const [a, b] = [engineOf(file), engineOf(target)];
          if (a !== b && a !== 'index.ts' && !b.endsWith('.ts')) {
            problems.push(`${file} imports ${spec}: one engine does not build on another (engines/index.ts alone knows them all)`);
          }
        }
        continue;
      }
      if (to === SHARED || ALLOWED[from].includes(to)) continue;
      problems.push(`${file} imports ${spec}: ${from}/ may import only ${[...ALLOWED[from], 'errors/rng/version'].join(', ')}`);
    }
  }
  for (const [file, specs] of Object.entries(KNOWN_NODE_IN_IMAGE)) {
    for (const spec of specs) {
      if (!usedExceptions.has(`${file} ${spec}`)) problems.push(`${file} no longer imports ${spec}: remove it from KNOWN_NODE_IN_IMAGE`);
    }
  }
  return problems;
}

function sourcesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/');
    files.set(path, readFileSync(join(ROOT, path), 'utf8'));
  }
  return files;
}

describe('imports under src/', () => {
  it('flow one way (cli -> training -> model, cli -> engines -> model, cli -> data | io | image | ui)', () => {
    const files = sourcesUnder('src');
    expect(files.size).toBeGreaterThan(40);
    expect(violations(files)).toEqual([]);
  });

  it('the check names the file, the import and the rule when one runs upward', () => {
    const bad = new Map([
      ['src/io/model-file.ts', "import type { EpochMetrics } from '../training/train.js';"],
      ['src/data/download.ts', "import {\n  tempPathFor,\n} from '../io/atomic.js';"],
      ['src/engines/reference/mlp.ts', "import { WasmMlp } from '../wasm/mlp.js';"],
      ['src/training/train.ts', "const m = await import('../cli/main.js');\nimport { readFile } from 'node:fs/promises';"],
      ['src/engines/wasm/node.ts', "import { Worker } from 'node:worker_threads';"],
      ['src/image/png.ts', "import { inflateSync } from 'node:zlib';\nimport { createRequire } from 'node:module';"],
      ['src/cli/main.ts', "import { train } from '../training/train.js';\nimport chalk from 'chalk';"],
    ]);
    expect(violations(bad)).toEqual([
      'src/io/model-file.ts imports ../training/train.js: io/ may import only model, files, errors/rng/version',
      'src/data/download.ts imports ../io/atomic.js: data/ may import only files, errors/rng/version',
      'src/engines/reference/mlp.ts imports ../wasm/mlp.js: one engine does not build on another (engines/index.ts alone knows them all)',
      'src/training/train.ts imports node:fs/promises: training/ must run without Node (only src/engines/wasm/node.ts may use node: modules among engines, model, image, training)',
      'src/training/train.ts imports ../cli/main.js: training/ may import only model, data, errors/rng/version',
      'src/image/digit.ts no longer imports node:fs/promises: remove it from KNOWN_NODE_IN_IMAGE',
      'src/image/png-bands.ts no longer imports node:zlib: remove it from KNOWN_NODE_IN_IMAGE',
    ]);
  });
});
