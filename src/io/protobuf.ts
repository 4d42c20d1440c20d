/**
 * A minimal Protocol Buffers *writer*: just the wire format that the ONNX export needs (varints,
 * length-delimited strings, bytes and nested messages), following
 * https://protobuf.dev/programming-guides/encoding/. Deliberately not a general library: no schemas,
 * no reading, no negative or 64-bit-unsafe integers (ONNX fields we write are never negative),
 * no packed or fixed-width fields (tensor data goes in `raw_data` bytes instead).
 */

/** Wire types: 0 = varint, 2 = length-delimited (strings, bytes, nested messages). */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

const encoder = new TextEncoder();

/**
 * Builds one message. Fields are appended in call order; a nested message is built in its own
 * writer and added with `message()`, which prefixes its length. `finish()` returns the bytes.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  /** Bytes written so far (the length a parent message will record for this one). */
  get length(): number {
    return this.size;
  }

  /** An unsigned integer field (int32/int64/enum/bool wire type 0). */
  uint(field: number, value: number): this {
    this.tag(field, VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  /** A bytes field, stored as given (not copied until finish()). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.push(value);
    return this;
  }

  /** A nested message field. */
  message(field: number, value: ProtoWriter): this {
    this.tag(field, LENGTH_DELIMITED);
    this.rawVarint(value.size);
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`protobuf field number ${field} is out of range`);
    this.rawVarint(field * 8 + wireType);
  }

  /** Base-128 varint, least significant group first, high bit set on all but the last byte. */
  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf varint must be a non-negative safe integer, got ${value}`);
    const bytes: number[] = [];
    // Division rather than >>> 7: bit operators truncate to 32 bits, and int64 fields may exceed that.
    while (value >= 0x80) {
      bytes.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    bytes.push(value);
    this.push(Uint8Array.from(bytes));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
}
