import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IdxParser, IMAGES_MAGIC, LABELS_MAGIC, readIdxFile } from '../../src/data/idx.js';
import { idxImages, idxLabels, tempDir } from '../helpers/idx-fixtures.js';

const dir = tempDir();
const file = (name: string, data: Buffer | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};

describe('readIdxFile', () => {
  it('reads images exactly, with dims and the SHA-256 of the uncompressed content', async () => {
    const bytes = idxImages(5, 3, 2);
    const result = await readIdxFile(file('img', bytes), IMAGES_MAGIC);
    expect(result.dims).toEqual([5, 3, 2]);
    expect(Buffer.from(result.data)).toEqual(bytes.subarray(16));
    expect(result.data[4 * 6]).toBe(4 ^ 0xaa);
    expect(result.data[4 * 6 + 1]).toBe(4);
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('reads a .gz file to the same bytes and the same hash', async () => {
    const bytes = idxLabels([1, 2, 3, 9, 0]);
    const raw = await readIdxFile(file('labels', bytes), LABELS_MAGIC);
    const gz = await readIdxFile(file('labels.gz', gzipSync(bytes)), LABELS_MAGIC);
    expect(Array.from(gz.data)).toEqual([1, 2, 3, 9, 0]);
    expect(gz.sha256).toBe(raw.sha256);
  });

  it('reads a file delivered in many small chunks', () => {
    const bytes = idxImages(3, 4, 4);
    const parser = new IdxParser('chunks', IMAGES_MAGIC);
    for (let i = 0; i < bytes.length; i += 3) parser.push(bytes.subarray(i, i + 3));
    expect(Buffer.from(parser.finish().data)).toEqual(bytes.subarray(16));
  });

  it('names a truncated file and says how many bytes are missing', async () => {
    const bytes = idxImages(4, 28, 28);
    await expect(readIdxFile(file('train-images-idx3-ubyte', bytes.subarray(0, bytes.length - 100)), IMAGES_MAGIC)).rejects.toThrow(
      /^train-images-idx3-ubyte: truncated: the header declares 4x28x28 \(3136 bytes of data\) but the file holds 3036; .*mnist download --force/,
    );
  });

  it('rejects a bad magic number with the expected value in the message', async () => {
    const bytes = Buffer.alloc(32);
    await expect(readIdxFile(file('zeros', bytes), IMAGES_MAGIC)).rejects.toThrow(
      'zeros: bad magic number 0x00000000 (expected 0x00000803); the file is not an MNIST IDX file',
    );
  });

  it('tells labels from images', async () => {
    await expect(readIdxFile(file('swapped', idxLabels([1, 2])), IMAGES_MAGIC)).rejects.toThrow(
      /this is a label file, not an image file/,
    );
  });

  it('hints at a gzip file without the .gz suffix', async () => {
    await expect(readIdxFile(file('nosuffix', gzipSync(idxLabels([1]))), LABELS_MAGIC)).rejects.toThrow(/looks gzip-compressed/);
  });

  it('rejects corrupt gzip data, an empty file, extra bytes and a missing file', async () => {
    const gz = gzipSync(idxLabels([1, 2, 3]));
    await expect(readIdxFile(file('cut.gz', gz.subarray(0, gz.length - 12)), LABELS_MAGIC)).rejects.toThrow(/cut\.gz: .*(truncated|gzip)/);
    await expect(readIdxFile(file('junk.gz', Buffer.from('<html>not found</html>')), LABELS_MAGIC)).rejects.toThrow(/junk\.gz: not valid gzip data/);
    await expect(readIdxFile(file('empty', Buffer.alloc(0)), LABELS_MAGIC)).rejects.toThrow(/empty: the file is empty/);
    await expect(readIdxFile(file('extra', Buffer.concat([idxLabels([1]), Buffer.from([7])])), LABELS_MAGIC)).rejects.toThrow(
      /extra: more data than the header declares/,
    );
    await expect(readIdxFile(join(dir, 'nope'), LABELS_MAGIC)).rejects.toThrow(/nope: no such file/);
  });

  it('refuses a header that declares an absurd size before allocating it', async () => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(0xffffffff, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    await expect(readIdxFile(file('huge', header), IMAGES_MAGIC)).rejects.toThrow(/more than any MNIST file/);
  });
});
