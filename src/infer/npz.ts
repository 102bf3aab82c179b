/**
 * Raw model outputs as NumPy files (`--save-model-outputs`), the form Basic
 * Pitch users load with `np.load`. One .npz (a zip of .npy files, stored
 * uncompressed as NumPy's own `np.savez` does) holds every roll [frames, keys].
 *
 * .npy layout (format 1.0): the magic "\x93NUMPY", version bytes 1 0, a
 * little-endian uint16 header length, then an ASCII Python dict literal
 * (descr, fortran_order, shape) padded with spaces and ended by "\n" so the
 * data starts at a multiple of 64 bytes; then the raw little-endian data.
 */
import { zipSync } from 'fflate';
import { float32Bytes } from '../verify/tensor-file.js';

const MAGIC = [0x93, ...Buffer.from('NUMPY')];
const VERSION = [1, 0];
/** Data starts at a multiple of this (NumPy aligns to 64 since 1.x). */
const ALIGN = 64;

/** One float32 array of `shape` as .npy bytes. */
export function npyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${dims}, }`;
  const fixed = MAGIC.length + VERSION.length + 2;
  header += ' '.repeat(ALIGN - ((fixed + header.length + 1) % ALIGN || ALIGN)) + '\n';
  const body = float32Bytes(data);
  const out = new Uint8Array(fixed + header.length + body.length);
  out.set([...MAGIC, ...VERSION], 0);
  new DataView(out.buffer).setUint16(MAGIC.length + VERSION.length, header.length, true);
  out.set(Buffer.from(header, 'latin1'), fixed);
  out.set(body, fixed + header.length);
  return out;
}

/** Named [rows, cols] float32 arrays as .npz bytes (`np.load(f)[name]`). */
export function npzFloat32(arrays: Record<string, { data: Float32Array; shape: readonly number[] }>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, a] of Object.entries(arrays)) files[`${name}.npy`] = [npyFloat32(a.data, a.shape), { level: 0 }];
  return zipSync(files, { mtime: new Date('2000-01-01T00:00:00Z') }); // fixed time: same outputs, same bytes
}
