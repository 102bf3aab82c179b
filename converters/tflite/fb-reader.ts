/**
 * A bounds-checked flatbuffer reader. The generated flatbuffers readers trust
 * every offset, so a truncated or bit-flipped file reads out of bounds or
 * returns garbage lengths; here every table, vtable, field, offset, vector and
 * string is checked against the file before it is touched, and a work budget
 * bounds the total elements visited (shared tables in a crafted file cannot
 * blow up the walk). Problems throw FbError with the path being read.
 */

export class FbError extends Error {}

export class FbFile {
  private readonly view: DataView;
  /** Elements left to visit: generous for any real model, finite for any crafted one. */
  private budget: number;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = 4 * bytes.length + 1_000_000;
  }

  get length(): number { return this.bytes.length; }

  need(pos: number, size: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || size < 0 || pos + size > this.bytes.length) {
      throw new FbError(`${what}: ${size} byte(s) at offset ${pos} lie outside the file (${this.bytes.length} bytes)`);
    }
  }

  spend(n: number, what: string): void {
    this.budget -= n;
    if (this.budget < 0) throw new FbError(`${what}: the file's structure references far more elements than its size allows`);
  }

  u8(pos: number, what: string): number { this.need(pos, 1, what); return this.view.getUint8(pos); }
  i8(pos: number, what: string): number { this.need(pos, 1, what); return this.view.getInt8(pos); }
  u16(pos: number, what: string): number { this.need(pos, 2, what); return this.view.getUint16(pos, true); }
  i32(pos: number, what: string): number { this.need(pos, 4, what); return this.view.getInt32(pos, true); }
  u32(pos: number, what: string): number { this.need(pos, 4, what); return this.view.getUint32(pos, true); }
  f32(pos: number, what: string): number { this.need(pos, 4, what); return this.view.getFloat32(pos, true); }
  i64(pos: number, what: string): number { this.need(pos, 8, what); return Number(this.view.getBigInt64(pos, true)); }
  u64(pos: number, what: string): number { this.need(pos, 8, what); return Number(this.view.getBigUint64(pos, true)); }

  /** The table a uoffset at `pos` points to. */
  tableAt(pos: number, what: string): FbTable {
    const target = pos + this.u32(pos, what);
    return new FbTable(this, target, what);
  }

  /** The root table (uoffset at byte 0). */
  root(what: string): FbTable { return this.tableAt(0, what); }
}

type Scalar = 'u8' | 'i8' | 'u16' | 'i32' | 'u32' | 'f32' | 'i64' | 'u64';
const SCALAR_SIZE: Record<Scalar, number> = { u8: 1, i8: 1, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8 };

export class FbTable {
  private readonly vtable: number;
  private readonly vtableSize: number;
  private readonly tableSize: number;

  constructor(readonly file: FbFile, readonly pos: number, readonly what: string) {
    file.spend(1, what);
    const soffset = file.i32(pos, `${what} (table)`);
    this.vtable = pos - soffset;
    this.vtableSize = file.u16(this.vtable, `${what} (vtable)`);
    this.tableSize = file.u16(this.vtable + 2, `${what} (vtable)`);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) throw new FbError(`${what}: vtable size ${this.vtableSize} is invalid`);
    if (this.tableSize < 4) throw new FbError(`${what}: table size ${this.tableSize} is invalid`);
    file.need(this.vtable, this.vtableSize, `${what} (vtable)`);
    file.need(pos, this.tableSize, `${what} (table)`);
  }

  /** Absolute position of field `slot` holding `size` inline bytes, or 0 when absent. */
  private field(slot: number, size: number, name: string): number {
    const vo = 4 + 2 * slot;
    if (vo + 2 > this.vtableSize) return 0;
    const off = this.file.u16(this.vtable + vo, `${this.what}.${name}`);
    if (off === 0) return 0;
    if (off + size > this.tableSize) throw new FbError(`${this.what}.${name}: field at ${off} runs past its table (size ${this.tableSize})`);
    return this.pos + off;
  }

  has(slot: number): boolean { return this.field(slot, 0, `slot ${slot}`) !== 0; }

  scalar(slot: number, kind: Scalar, dflt: number, name: string): number {
    const p = this.field(slot, SCALAR_SIZE[kind], name);
    return p ? this.file[kind](p, `${this.what}.${name}`) : dflt;
  }

  table(slot: number, name: string): FbTable | null {
    const p = this.field(slot, 4, name);
    return p ? this.file.tableAt(p, `${this.what}.${name}`) : null;
  }

  /** Start of the elements and their count, checked to lie inside the file. */
  vector(slot: number, elemSize: number, name: string): { start: number; length: number } | null {
    const p = this.field(slot, 4, name);
    if (!p) return null;
    const what = `${this.what}.${name}`;
    const target = p + this.file.u32(p, what);
    const length = this.file.u32(target, what);
    this.file.need(target + 4, length * elemSize, `${what} (vector of ${length})`);
    this.file.spend(elemSize > 1 ? length : 1, what);
    return { start: target + 4, length };
  }

  string(slot: number, name: string): string | null {
    const v = this.vector(slot, 1, name);
    return v ? new TextDecoder().decode(this.file.bytes.subarray(v.start, v.start + v.length)) : null;
  }

  tables(slot: number, name: string): FbTable[] {
    const v = this.vector(slot, 4, name);
    if (!v) return [];
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.file.tableAt(v.start + 4 * i, `${this.what}.${name}[${i}]`));
    return out;
  }

  numbers(slot: number, kind: Scalar, name: string): number[] | null {
    const size = SCALAR_SIZE[kind];
    const v = this.vector(slot, size, name);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.file[kind](v.start + i * size, `${this.what}.${name}`);
    return out;
  }
}
