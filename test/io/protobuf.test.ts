// The protobuf writer against the worked examples of the encoding guide
// (https://protobuf.dev/programming-guides/encoding/) and an independent reader.
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../src/io/protobuf.js';
import { decodeMessage, messageFields, stringFields, uintField } from '../helpers/protobuf-reader.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('ProtoWriter', () => {
  it('encodes the guide\'s examples: field 1 = 150, field 2 = "testing", field 3 = a message holding 150', () => {
    expect(hex(new ProtoWriter().uint(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
    expect(hex(new ProtoWriter().message(3, new ProtoWriter().uint(1, 150)).finish())).toBe('1a03089601');
  });

  it('writes varints of 0, 1, 127, 128, 300, 2^32 and 2^53-1 in base 128, low group first', () => {
    expect(hex(new ProtoWriter().uint(1, 0).finish())).toBe('0800');
    expect(hex(new ProtoWriter().uint(1, 1).finish())).toBe('0801');
    expect(hex(new ProtoWriter().uint(1, 127).finish())).toBe('087f');
    expect(hex(new ProtoWriter().uint(1, 128).finish())).toBe('088001');
    expect(hex(new ProtoWriter().uint(1, 300).finish())).toBe('08ac02');
    expect(hex(new ProtoWriter().uint(1, 2 ** 32).finish())).toBe('088080808010');
    expect(hex(new ProtoWriter().uint(1, Number.MAX_SAFE_INTEGER).finish())).toBe('08ffffffffffffff0f');
  });

  it('writes multi-byte tags for large field numbers (field 20 is ONNX AttributeProto.type)', () => {
    expect(hex(new ProtoWriter().uint(20, 2).finish())).toBe('a00102');
    expect(hex(new ProtoWriter().uint(16, 1).finish())).toBe('800101');
  });

  it('round-trips through an independent reader: nesting, repeated fields, UTF-8, bytes longer than 127', () => {
    const blob = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    const inner = new ProtoWriter().string(1, 'größe ✓').uint(2, 13);
    const bytes = new ProtoWriter().uint(1, 7).message(8, inner).message(8, new ProtoWriter()).bytes(9, blob).string(4, 'a').string(4, 'b').finish();
    const fields = decodeMessage(bytes);
    expect(uintField(fields, 1)).toBe(7);
    expect(stringFields(fields, 4)).toEqual(['a', 'b']);
    const [first, empty] = messageFields(fields, 8);
    expect(stringFields(first, 1)).toEqual(['größe ✓']);
    expect(uintField(first, 2)).toBe(13);
    expect(empty.size).toBe(0);
    expect(Array.from(fields.get(9)![0] as Uint8Array)).toEqual(Array.from(blob));
    expect(inner.length).toBe(inner.finish().length);
  });

  it('refuses negative, fractional and unsafe integers and field numbers outside 1 .. 2^29-1', () => {
    expect(() => new ProtoWriter().uint(1, -1)).toThrow(/non-negative safe integer/);
    expect(() => new ProtoWriter().uint(1, 1.5)).toThrow(/non-negative safe integer/);
    expect(() => new ProtoWriter().uint(1, 2 ** 53)).toThrow(/non-negative safe integer/);
    expect(() => new ProtoWriter().uint(0, 1)).toThrow(/field number 0/);
    expect(() => new ProtoWriter().string(2 ** 29, 'x')).toThrow(/out of range/);
  });
});
