/**
 * A tiny Protocol Buffers *reader* for tests, written from the wire-format description
 * (https://protobuf.dev/programming-guides/encoding/) independently of src/io/protobuf.ts, so the
 * writer is checked against something other than itself. Decodes one message level at a time:
 * field number -> the raw values (numbers for varints, bytes for length-delimited fields).
 */

export type ProtoFields = Map<number, (number | Uint8Array)[]>;

export function decodeMessage(bytes: Uint8Array): ProtoFields {
  const fields: ProtoFields = new Map();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let factor = 1;
    for (;;) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const b = bytes[at++];
      value += (b & 0x7f) * factor;
      factor *= 128;
      if ((b & 0x80) === 0) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    let value: number | Uint8Array;
    if (wireType === 0) value = varint();
    else if (wireType === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new Error(`field ${field}: length ${length} runs past the end`);
      value = bytes.subarray(at, at + length);
      at += length;
    } else throw new Error(`field ${field}: unexpected wire type ${wireType}`);
    if (!fields.has(field)) fields.set(field, []);
    fields.get(field)!.push(value);
  }
  return fields;
}

/** The single varint value of a field (throws when absent or repeated). */
export function uintField(fields: ProtoFields, field: number): number {
  const values = fields.get(field) ?? [];
  if (values.length !== 1 || typeof values[0] !== 'number') throw new Error(`field ${field}: expected one varint, got ${values.length} values`);
  return values[0];
}

/** All values of a length-delimited field as UTF-8 strings. */
export function stringFields(fields: ProtoFields, field: number): string[] {
  return (fields.get(field) ?? []).map((v) => {
    if (typeof v === 'number') throw new Error(`field ${field}: expected bytes, got a varint`);
    return new TextDecoder().decode(v);
  });
}

/** All values of a length-delimited field, each decoded as a nested message. */
export function messageFields(fields: ProtoFields, field: number): ProtoFields[] {
  return (fields.get(field) ?? []).map((v) => {
    if (typeof v === 'number') throw new Error(`field ${field}: expected a message, got a varint`);
    return decodeMessage(v);
  });
}
