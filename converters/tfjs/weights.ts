/**
 * Weight bytes of a tfjs graph model: encoding (fp32, float16, uint8 affine),
 * sharding into group1-shardNofM.bin, and decoding with every size checked.
 * Layout facts in format.ts.
 */
import { A2mError } from '../../src/errors.js';
import { SHARD_BYTES, STORAGE_BYTES, type Quantization, type WeightSpecJson, type WeightDType } from './format.js';

export interface WeightValue {
  name: string;
  dtype: WeightDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** How one float32 weight is stored. */
export type Storage = 'float32' | 'float16' | 'uint8';

// ---- float16 <-> float32: the project's one definition (src/util/half.ts) --
import { toHalfBits as toFloat16Bits, fromHalfBits as fromFloat16Bits } from '../../src/util/half.js';
export { toFloat16Bits, fromFloat16Bits };

// ---- uint8 affine (tensorflowjs_converter --quantize_uint8) -----------------
/** Range nudged so that 0.0 is exactly representable (zero padding, masks stay exact), as the tfjs converter does. */
export function uint8Params(data: Float32Array): { min: number; scale: number } {
  let lo = 0, hi = 0;
  for (const v of data) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (hi === lo) return { min: lo, scale: 1 };
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.round(-lo / scale);
  return { min: -zeroPoint * scale, scale };
}

// ---- encode -----------------------------------------------------------------
function encodeOne(w: WeightValue, storage: Storage): { spec: WeightSpecJson; bytes: Uint8Array } {
  const spec: WeightSpecJson = { name: w.name, shape: [...w.shape], dtype: w.dtype };
  if (w.dtype === 'int32' || storage === 'float32') {
    // Typed arrays are little-endian on every platform Node runs on: view, don't copy (encodeWeights copies once).
    const typed = w.dtype === 'int32' ? (w.data instanceof Int32Array ? w.data : Int32Array.from(w.data)) : (w.data instanceof Float32Array ? w.data : Float32Array.from(w.data));
    return { spec, bytes: new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength) };
  }
  if (storage === 'float16') {
    const out = new Uint16Array(w.data.length);
    for (let i = 0; i < out.length; i++) out[i] = toFloat16Bits(w.data[i]!);
    spec.quantization = { dtype: 'float16' };
    return { spec, bytes: new Uint8Array(out.buffer) };
  }
  const { min, scale } = uint8Params(w.data as Float32Array);
  const out = new Uint8Array(w.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((w.data[i]! - min) / scale)));
  spec.quantization = { dtype: 'uint8', min, scale };
  return { spec, bytes: out };
}

/** Concatenates every weight (manifest order = array order) into one little-endian byte stream. */
export function encodeWeights(weights: WeightValue[], storageOf: (w: WeightValue) => Storage): { specs: WeightSpecJson[]; bytes: Uint8Array } {
  const parts = weights.map((w) => encodeOne(w, storageOf(w)));
  const total = parts.reduce((n, p) => n + p.bytes.length, 0);
  const bytes = new Uint8Array(total);
  let off = 0;
  // Buffer.copy is a memcpy; TypedArray.set over tfjs-backed (external) buffers measured 20x slower for base.
  for (const p of parts) { Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength).copy(bytes, off); off += p.bytes.length; }
  return { specs: parts.map((p) => p.spec), bytes };
}

/** Cuts the byte stream into shards of at most `shardBytes` (the last may be shorter; an empty stream gives one empty shard). */
export function shardBytes(bytes: Uint8Array, shardBytes = SHARD_BYTES): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; off += shardBytes) out.push(bytes.subarray(off, Math.min(bytes.length, off + shardBytes)));
  return out.length ? out : [new Uint8Array(0)];
}

// ---- decode -----------------------------------------------------------------
function storedBytes(spec: WeightSpecJson): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  return n * (spec.quantization ? STORAGE_BYTES[spec.quantization.dtype] : STORAGE_BYTES[spec.dtype]);
}

function checkSpec(spec: WeightSpecJson, where: string): void {
  const bad = (what: string): never => { throw new A2mError(`${where}: weight "${spec?.name}" ${what}`); };
  if (!spec || typeof spec.name !== 'string') bad('has no name');
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0 || d > 2 ** 31)) bad(`has shape ${JSON.stringify(spec.shape)}, expected non-negative integers`);
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') bad(`has dtype ${JSON.stringify(spec.dtype)}, expected float32 or int32`);
  const q = spec.quantization;
  if (q === undefined) return;
  if (q === null || typeof q !== 'object') bad('has a malformed quantization entry');
  if (q.dtype === 'float16') { if (spec.dtype !== 'float32') bad('is float16-quantized but not float32'); return; }
  if (q.dtype !== 'uint8' && q.dtype !== 'uint16') bad(`has quantization dtype ${JSON.stringify((q as { dtype: unknown }).dtype)}, expected float16, uint8 or uint16`);
  if (!Number.isFinite(q.min) || !Number.isFinite(q.scale)) bad('has uint8/uint16 quantization without finite min and scale');
}

/** Every spec well-formed and the group's shards exactly as long as the specs need. */
export function checkWeightBytes(specs: WeightSpecJson[], byteLength: number, where: string): void {
  if (!Array.isArray(specs)) throw new A2mError(`${where}: weights must be a list`);
  specs.forEach((s) => checkSpec(s, where));
  const expected = specs.reduce((n, s) => n + storedBytes(s), 0);
  if (expected !== byteLength) throw new A2mError(`${where}: the manifest describes ${expected} bytes of weights, the shards hold ${byteLength}`);
}

/**
 * Splits a group's concatenated bytes back into weights. Sizes are checked
 * against the manifest before any value is read, so a truncated or padded
 * shard set is a clear error, never a silent misread.
 */
export function decodeWeights(specs: WeightSpecJson[], bytes: Uint8Array, where: string): WeightValue[] {
  checkWeightBytes(specs, bytes.length, where);
  const out: WeightValue[] = [];
  let off = 0;
  for (const spec of specs) {
    const size = storedBytes(spec);
    const view = new DataView(bytes.buffer, bytes.byteOffset + off, size);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    const q = spec.quantization;
    if (!q) for (let i = 0; i < n; i++) data[i] = spec.dtype === 'int32' ? view.getInt32(i * 4, true) : view.getFloat32(i * 4, true);
    else if (q.dtype === 'float16') for (let i = 0; i < n; i++) data[i] = fromFloat16Bits(view.getUint16(i * 2, true));
    else {
      const get = q.dtype === 'uint8' ? (i: number) => view.getUint8(i) : (i: number) => view.getUint16(i * 2, true);
      for (let i = 0; i < n; i++) { const v = get(i) * q.scale + q.min; data[i] = spec.dtype === 'int32' ? Math.round(v) : v; }
    }
    out.push({ name: spec.name, dtype: spec.dtype, shape: [...spec.shape], data });
    off += size;
  }
  return out;
}
