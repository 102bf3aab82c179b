/** Little-endian byte building and bounds-checked reading (LevelDB coding.h: fixed32, varint32/64). */
import { A2mError } from '../../src/errors.js';

export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initial = 1024) { this.buf = new Uint8Array(initial); }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  byte(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  fixed32(v: number): this {
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset).setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }

  /** Varint of a non-negative integer up to 2^53 (covers varint32 and the offsets we write as varint64). */
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`varint of ${v}`);
    this.reserve(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
    return this;
  }

  zeros(n: number): this {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** A view of the bytes written so far. */
  finish(): Uint8Array { return this.buf.subarray(0, this.length); }
}

/** Reads from a byte range; every overrun is an A2mError naming `what` (file and structure). */
export class ByteReader {
  pos: number;

  constructor(readonly data: Uint8Array, readonly what: string, start = 0, readonly end = data.length) {
    this.pos = start;
  }

  fail(msg: string): never { throw new A2mError(`${this.what}: ${msg}`); }

  get remaining(): number { return this.end - this.pos; }

  varint(kind: 'varint32' | 'varint64' = 'varint64'): number {
    const maxBytes = kind === 'varint32' ? 5 : 10;
    let v = 0, mul = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.end) this.fail(`truncated ${kind} at byte ${this.pos}`);
      const b = this.data[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) {
        if (!Number.isSafeInteger(v) || (kind === 'varint32' && v > 0xffffffff)) this.fail(`${kind} out of range at byte ${this.pos - 1}`);
        return v;
      }
      mul *= 128;
    }
    return this.fail(`malformed ${kind} at byte ${this.pos - maxBytes}`);
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || n > this.remaining) this.fail(`needs ${n} bytes at byte ${this.pos}, only ${this.remaining} left`);
    const b = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

export function readFixed32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Bytewise key order (LevelDB's BytewiseComparator). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export const utf8 = new TextEncoder();
export const fromUtf8 = (b: Uint8Array) => new TextDecoder().decode(b);
