// Run: npm run build:wasm      (npm run build and npm install run it; add -- --force to always compile)
// Builds the wasm engine (assembly/ -> dist/engines/wasm/mnist-engine.wasm) with AssemblyScript,
// unless the .wasm there was built from exactly the same inputs: the SHA-256 of every file in
// assembly/ and the compiler's version is stored beside it (mnist-engine.wasm.inputs) and compared
// first. `npm test` builds every time, and compiling takes ~4 s of CPU where this check takes
// milliseconds. Not a general build system: it knows this one output and its inputs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASSEMBLY = join(ROOT, 'assembly');
const CONFIG = join(ASSEMBLY, 'asconfig.json');
const OUT = resolve(ASSEMBLY, JSON.parse(readFileSync(CONFIG, 'utf8')).targets.release.outFile);
const STAMP = `${OUT}.inputs`;

const require = createRequire(import.meta.url);
const ascPackage = require.resolve('assemblyscript/package.json');
const ascVersion = JSON.parse(readFileSync(ascPackage, 'utf8')).version;
const asc = join(dirname(ascPackage), 'bin', 'asc.js');

/** Every file under assembly/ (sources, asconfig, tsconfig), with its hash, in a stable order. */
function inputsDigest() {
  const hash = createHash('sha256');
  hash.update(`assemblyscript ${ascVersion}\n`);
  const files = readdirSync(ASSEMBLY, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
  for (const file of files) hash.update(`${file.slice(ROOT.length)} ${createHash('sha256').update(readFileSync(file)).digest('hex')}\n`);
  return hash.digest('hex');
}

const digest = inputsDigest();
const force = process.argv.includes('--force');
if (!force && existsSync(OUT) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === digest) {
  console.log(`${OUT.slice(ROOT.length + 1)} is up to date (assembly/ unchanged); --force compiles it anyway`);
  process.exit(0);
}

rmSync(STAMP, { force: true }); // a failed or interrupted compile must not look up to date
const run = spawnSync(process.execPath, [asc, '--config', CONFIG, '--target', 'release'], { cwd: ROOT, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
writeFileSync(STAMP, `${digest}\n`);
