/**
 * TFRecord framing (tensorflow/core/lib/io/record_writer.cc, uncompressed):
 * each record is
 *
 *   uint64 length (little-endian)
 *   uint32 masked_crc32c(length bytes)
 *   byte   data[length]
 *   uint32 masked_crc32c(data)
 *
 * with TF's CRC-32C masking (src/util/crc32c.ts). TF Serving reads
 * assets.extra/tf_serving_warmup_requests with this reader.
 */
import { crc32c, maskCrc } from '../util/crc32c.js';
import { A2mError } from '../errors.js';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

export function encodeTfRecords(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(records.reduce((n, r) => n + HEADER_BYTES + r.length + FOOTER_BYTES, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const r of records) {
    view.setBigUint64(at, BigInt(r.length), true);
    view.setUint32(at + 8, maskCrc(crc32c(out.subarray(at, at + 8))), true);
    out.set(r, at + HEADER_BYTES);
    view.setUint32(at + HEADER_BYTES + r.length, maskCrc(crc32c(r)), true);
    at += HEADER_BYTES + r.length + FOOTER_BYTES;
  }
  return out;
}

/** The records of a TFRecord file; a bad CRC or a cut-off record is an A2mError naming `what` and the record. */
export function decodeTfRecords(bytes: Uint8Array, what: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const where = `${what}: record ${records.length} at byte ${at}`;
    if (at + HEADER_BYTES > bytes.length) throw new A2mError(`${where}: cut off in its header`);
    if (view.getUint32(at + 8, true) !== maskCrc(crc32c(bytes.subarray(at, at + 8)))) throw new A2mError(`${where}: length CRC does not match`);
    const n = Number(view.getBigUint64(at, true));
    const end = at + HEADER_BYTES + n;
    if (end + FOOTER_BYTES > bytes.length) throw new A2mError(`${where}: ${n} bytes announced, file ends first`);
    const data = bytes.subarray(at + HEADER_BYTES, end);
    if (view.getUint32(end, true) !== maskCrc(crc32c(data))) throw new A2mError(`${where}: data CRC does not match`);
    records.push(data);
    at = end + FOOTER_BYTES;
  }
  return records;
}
