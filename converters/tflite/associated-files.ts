/**
 * TFLite associated files (label lists and the like): the metadata names them
 * (AssociatedFile.name) and their bytes ride in a zip archive appended after
 * the model flatbuffer. A flatbuffer reader ignores the tail; the TFLite Support
 * libraries open the whole file as a zip.
 *
 * The layout is what tflite-support's MetadataPopulator makes: Python's zipfile
 * opened in append mode on the model file, so every offset in the archive
 * (local header offsets, the central directory offset) counts from the start of
 * the .tflite, not from the start of the archive. Entries are stored (method 0)
 * as the populator's `zf.write` does by default.
 *
 * ZIP facts (PKWARE APPNOTE 6.3.x, the subset written here):
 *   local file header  0x04034b50, 30 bytes + name, then the data
 *   central directory  0x02014b50, 46 bytes + name, one per entry
 *   end of central dir 0x06054b50, 22 bytes (no comment)
 * Names are UTF-8 (general purpose flag bit 11); times are the DOS epoch
 * 1980-01-01 00:00 so the same files give the same bytes.
 */
import { crc32 } from 'node:zlib';
import { A2mError } from '../../src/errors.js';

const LOCAL_HEADER = { signature: 0x04034b50, size: 30 } as const;
const CENTRAL_HEADER = { signature: 0x02014b50, size: 46 } as const;
const END_OF_CENTRAL_DIRECTORY = { signature: 0x06054b50, size: 22 } as const;
/** "version needed to extract" 2.0: stored entries, no zip64. */
const ZIP_VERSION = 20;
const UTF8_NAMES_FLAG = 1 << 11;
/** DOS date of 1980-01-01 (year 0 since 1980, month 1, day 1), time 00:00:00. */
const DOS_DATE_1980 = (1 << 5) | 1;
/** Without zip64 every size and offset is a u32, the entry count a u16. */
const ZIP32_MAX = 0xffffffff;

export interface AssociatedFileBytes { name: string; data: Uint8Array }

/** `model` followed by a stored zip of `files`, offsets counted from the start of `model`. */
export function appendAssociatedFiles(model: Uint8Array, files: readonly AssociatedFileBytes[]): Uint8Array {
  if (files.length === 0) return model;
  const names = files.map((f) => new TextEncoder().encode(f.name));
  const seen = new Set<string>();
  for (const f of files) {
    if (!f.name || f.name.includes('/') || f.name.includes('\\')) throw new A2mError(`associated file "${f.name}": expected a plain file name (the metadata refers to it by name)`);
    if (seen.has(f.name)) throw new A2mError(`associated file "${f.name}" is listed twice`);
    seen.add(f.name);
  }
  const localSize = files.reduce((n, f, i) => n + LOCAL_HEADER.size + names[i]!.length + f.data.length, 0);
  const centralSize = names.reduce((n, name) => n + CENTRAL_HEADER.size + name.length, 0);
  const total = model.length + localSize + centralSize + END_OF_CENTRAL_DIRECTORY.size;
  if (total > ZIP32_MAX || files.length > 0xffff) throw new A2mError(`associated files: ${total} bytes in ${files.length} files needs zip64, which this writer does not produce`);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(model, 0);
  let at = model.length;
  const offsets: number[] = [];
  const crcs = files.map((f) => crc32(f.data) >>> 0);
  files.forEach((f, i) => {
    offsets.push(at);
    const name = names[i]!;
    view.setUint32(at, LOCAL_HEADER.signature, true);
    view.setUint16(at + 4, ZIP_VERSION, true);
    view.setUint16(at + 6, UTF8_NAMES_FLAG, true);
    view.setUint16(at + 8, 0, true); // method: stored
    view.setUint16(at + 10, 0, true); // time
    view.setUint16(at + 12, DOS_DATE_1980, true);
    view.setUint32(at + 14, crcs[i]!, true);
    view.setUint32(at + 18, f.data.length, true); // compressed size
    view.setUint32(at + 22, f.data.length, true); // uncompressed size
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, 0, true); // extra field length
    out.set(name, at + LOCAL_HEADER.size);
    out.set(f.data, at + LOCAL_HEADER.size + name.length);
    at += LOCAL_HEADER.size + name.length + f.data.length;
  });
  const centralStart = at;
  files.forEach((f, i) => {
    const name = names[i]!;
    view.setUint32(at, CENTRAL_HEADER.signature, true);
    view.setUint16(at + 4, ZIP_VERSION, true); // version made by
    view.setUint16(at + 6, ZIP_VERSION, true); // version needed
    view.setUint16(at + 8, UTF8_NAMES_FLAG, true);
    view.setUint16(at + 10, 0, true); // method: stored
    view.setUint16(at + 12, 0, true);
    view.setUint16(at + 14, DOS_DATE_1980, true);
    view.setUint32(at + 16, crcs[i]!, true);
    view.setUint32(at + 20, f.data.length, true);
    view.setUint32(at + 24, f.data.length, true);
    view.setUint16(at + 28, name.length, true);
    // extra, comment, disk number, internal attributes, external attributes: 0
    view.setUint32(at + 42, offsets[i]!, true); // local header offset, from the start of the file
    out.set(name, at + CENTRAL_HEADER.size);
    at += CENTRAL_HEADER.size + name.length;
  });
  view.setUint32(at, END_OF_CENTRAL_DIRECTORY.signature, true);
  view.setUint16(at + 8, files.length, true); // entries on this disk
  view.setUint16(at + 10, files.length, true); // entries in total
  view.setUint32(at + 12, at - centralStart, true); // central directory size
  view.setUint32(at + 16, centralStart, true); // central directory offset, from the start of the file
  return out;
}

/**
 * The associated files of a .tflite, by name: reads the end-of-central-directory
 * record and each entry, bounds-checked, so a damaged tail is one A2mError. A file
 * with no archive gives an empty map. Offsets may count from the start of the file
 * (the populator's layout) or from the start of the archive (a plain zip appended):
 * the difference between where the central directory is and where it says it is
 * tells which, as Python's zipfile works it out.
 */
export function readAssociatedFiles(bytes: Uint8Array, label = 'model.tflite'): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const eocd = bytes.length - END_OF_CENTRAL_DIRECTORY.size;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (eocd < 0 || view.getUint32(eocd, true) !== END_OF_CENTRAL_DIRECTORY.signature) return files;
  const fail = (what: string): never => { throw new A2mError(`${label}: associated files archive: ${what}`); };
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  const cdStart = eocd - cdSize;
  if (cdStart < 0) fail(`central directory of ${cdSize} bytes does not fit before its end record`);
  const shift = cdStart - cdOffset;
  if (shift < 0) fail(`central directory offset ${cdOffset} points past where it lies (${cdStart})`);
  let at = cdStart;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER.size > eocd || view.getUint32(at, true) !== CENTRAL_HEADER.signature) fail(`entry ${i}: no central directory header at ${at}`);
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true) + shift;
    if (at + CENTRAL_HEADER.size + nameLength > eocd) fail(`entry ${i}: name runs past the central directory`);
    const name = new TextDecoder().decode(bytes.subarray(at + CENTRAL_HEADER.size, at + CENTRAL_HEADER.size + nameLength));
    if (method !== 0) fail(`${name}: compression method ${method} (expected 0, stored)`);
    if (local + LOCAL_HEADER.size > cdStart || view.getUint32(local, true) !== LOCAL_HEADER.signature) fail(`${name}: no local header at ${local}`);
    const dataStart = local + LOCAL_HEADER.size + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + size > cdStart) fail(`${name}: ${size} bytes run past the central directory`);
    const data = bytes.subarray(dataStart, dataStart + size);
    if ((crc32(data) >>> 0) !== view.getUint32(at + 16, true)) fail(`${name}: CRC-32 does not match its bytes`);
    files.set(name, data);
    at += CENTRAL_HEADER.size + nameLength + extraLength + commentLength;
  }
  return files;
}
