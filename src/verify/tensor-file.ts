/** Raw little-endian float32 tensor files (the golden format's binary payload) and their checksums. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { A2mError } from '../errors.js';
import { float32Bytes, sizeOf, type HostTensor } from '../ir/tensor.js';

export { float32Bytes };

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';


export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a raw float32 file, checking its size against `shape` and, when given, its sha256. */
export async function readFloat32File(file: string, shape: number[], expectSha256?: string): Promise<HostTensor> {
  let bytes: Buffer;
  try { bytes = await readFile(file); } catch { throw new A2mError(`${file}: missing (expected a raw float32 tensor of shape [${shape}])`); }
  return float32FromBytes(bytes, shape, file, expectSha256);
}

/** A raw float32 file's bytes as a tensor of `shape` (size and, when given, sha256 checked; `file` names it in errors). */
export function float32FromBytes(bytes: Uint8Array, shape: number[], file: string, expectSha256?: string): HostTensor {
  const n = sizeOf(shape);
  if (bytes.length !== n * 4) throw new A2mError(`${file}: ${bytes.length} bytes, expected ${n * 4} for float32 [${shape}]`);
  if (expectSha256 && sha256(bytes) !== expectSha256) throw new A2mError(`${file}: sha256 differs from the manifest (edited or corrupt; regenerate with \`a2m golden\`)`);
  const data = new Float32Array(n);
  if (LITTLE_ENDIAN_HOST) new Uint8Array(data.buffer).set(bytes);
  else { const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true); }
  return { shape: [...shape], data };
}
