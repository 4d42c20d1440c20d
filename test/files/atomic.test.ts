/**
 * The atomic writer and its checks, without the CLI: whole and streamed writes, the temp-file
 * registry that signal handlers empty, temp names that fit NAME_MAX, write errors as one line
 * (injected where a real full disk is not at hand), and the pre-flight check of an output path.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileWriteError, NAME_MAX, checkWritable, describeWriteError, liveTempFiles, openAtomic, parseTempName, removeLiveTempFilesSync,
  specialFileKind, tempPathFor, writeFileAtomic,
} from '../../src/files/atomic.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mnist-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('temp files', () => {
  it('sit beside the target, hidden, and are recognised as ours with their pid', () => {
    const temp = tempPathFor(join(dir, 'model.json'));
    expect(temp.startsWith(join(dir, '.model.json.'))).toBe(true);
    expect(parseTempName(basename(temp))).toEqual({ pid: process.pid });
    expect(parseTempName('model.json')).toBe(null);
  });

  it('stay within NAME_MAX even for a 255-byte target name, multi-byte characters included', () => {
    for (const name of ['a'.repeat(240) + '.json', 'é'.repeat(127)]) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(NAME_MAX);
      const temp = basename(tempPathFor(join(dir, name)));
      expect(Buffer.byteLength(temp)).toBeLessThanOrEqual(NAME_MAX);
      expect(temp).not.toMatch(/\uFFFD/);
    }
  });

  it('a target whose name is legal but too long for a suffix is still written', async () => {
    const target = join(dir, `${'a'.repeat(250)}.json`);
    await writeFileAtomic(target, 'ok');
    expect(readdirSync(dir)).toEqual([basename(target)]);
  });

  it('are registered while open and removed synchronously by removeLiveTempFilesSync', async () => {
    const file = await openAtomic(join(dir, 'model.json'));
    await file.write('half a model');
    expect(liveTempFiles().has(file.tempPath)).toBe(true);
    expect(existsSync(file.tempPath)).toBe(true);
    removeLiveTempFilesSync();
    expect(existsSync(file.tempPath)).toBe(false);
    expect(liveTempFiles().size).toBe(0);
    await file.abort();
  });
});

describe('writeFileAtomic and openAtomic', () => {
  it('stream chunks into the target and leave nothing else', async () => {
    const target = join(dir, 'out.txt');
    writeFileSync(target, 'old');
    await writeFileAtomic(target, (function* () {
      for (let i = 0; i < 1000; i++) yield `line ${i}\n`;
      yield new Uint8Array([0x65, 0x6e, 0x64]);
    })());
    const text = readFileSync(target, 'utf8');
    expect(text.startsWith('line 0\nline 1\n')).toBe(true);
    expect(text.endsWith('line 999\nend')).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.txt']);
    expect(liveTempFiles().size).toBe(0);
  });

  it('a failure while producing the data leaves the old file and no temp file', async () => {
    const target = join(dir, 'out.txt');
    writeFileSync(target, 'old');
    const failing = (function* () {
      yield 'new start';
      throw new Error('the producer failed');
    })();
    await expect(writeFileAtomic(target, failing)).rejects.toThrow('the producer failed');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('abort removes the temp file and keeps the old target', async () => {
    const target = join(dir, 'out.txt');
    writeFileSync(target, 'old');
    const file = await openAtomic(target);
    await file.write('new');
    await file.abort();
    await file.abort();
    expect(readdirSync(dir)).toEqual(['out.txt']);
    expect(readFileSync(target, 'utf8')).toBe('old');
  });

  it('a folder that does not exist is a FileWriteError naming the path', async () => {
    const target = join(dir, 'missing', 'out.txt');
    const err = await writeFileAtomic(target, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileWriteError);
    expect((err as Error).message).toBe(`cannot write ${target}: the folder does not exist; create it first or write somewhere else (ENOENT).`);
  });
});

describe('describeWriteError', () => {
  it.each([
    ['ENOSPC', /^cannot write m\.json: no space left on the device; free some space or write elsewhere \(ENOSPC\)\.$/],
    ['EROFS', /^cannot write m\.json: the file system is read-only; write somewhere else \(EROFS\)\.$/],
    ['EACCES', /^cannot write m\.json: permission denied; check the folder's permissions or write somewhere else \(EACCES\)\.$/],
    ['ENAMETOOLONG', /^cannot write m\.json: the file name is too long \(at most 255 bytes\); choose a shorter name \(ENAMETOOLONG\)\.$/],
    ['EDQUOT', /^cannot write m\.json: disk quota exceeded/],
  ])('turns %s into one line', (code, message) => {
    const err = Object.assign(new Error(`${code}: raw`), { code });
    const described = describeWriteError(err, 'm.json');
    expect(described).toBeInstanceOf(FileWriteError);
    expect((described as Error).message).toMatch(message);
  });

  it('leaves errors without a code alone (they are bugs, reported as such)', () => {
    const bug = new TypeError('x is undefined');
    expect(describeWriteError(bug, 'm.json')).toBe(bug);
  });
});

describe('checkWritable', () => {
  it('accepts a new file and an existing regular file, creating nothing', () => {
    writeFileSync(join(dir, 'old.json'), 'x');
    checkWritable(join(dir, 'new.json'));
    checkWritable(join(dir, 'old.json'));
    expect(readdirSync(dir)).toEqual(['old.json']);
  });

  it('refuses a FIFO without opening it', () => {
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    expect(specialFileKind(join(dir, 'pipe.json'))).toBe('a named pipe (FIFO)');
    expect(() => checkWritable(join(dir, 'pipe.json'), 'pipe.json')).toThrow(/^cannot write pipe\.json: it is a named pipe \(FIFO\), not a regular file/);
  });

  it('refuses a device and a folder', () => {
    expect(() => checkWritable('/dev/null')).toThrow(/it is a character device, not a regular file/);
    mkdirSync(join(dir, 'sub'));
    expect(() => checkWritable(join(dir, 'sub'), 'sub')).toThrow(/^cannot write sub: it is a folder/);
  });

  it('refuses a name longer than NAME_MAX and a missing folder', () => {
    expect(() => checkWritable(join(dir, 'b'.repeat(256)), 'long')).toThrow(/the file name is 256 bytes long, more than the 255/);
    expect(() => checkWritable(join(dir, 'no', 'm.json'), 'no/m.json')).toThrow(/^cannot write no\/m\.json: the folder .* does not exist/);
  });

  it('refuses when the expected size exceeds the free space', () => {
    expect(() => checkWritable(join(dir, 'm.json'), 'm.json', { expectedBytes: 1e18 })).toThrow(/^cannot write m\.json: it will take about 1000000000\.0 GB and only .* is free/);
  });
});
