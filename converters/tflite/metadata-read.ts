/**
 * TFLite Metadata reader: finds the TFLITE_METADATA entry of a .tflite and
 * decodes its ModelMetadata flatbuffer with the bounds-checked reader
 * (fb-reader.ts), so a corrupt file ends in one A2mError, never a crash.
 * Reads back everything metadata.ts writes, plus `min_parser_version`.
 */
import { A2mError } from '../../src/errors.js';
import { FbError, FbFile, type FbTable } from './fb-reader.js';
import { ASSOCIATED_FILE_TYPES, CONTENT_PROPERTIES, META_SLOTS as S, METADATA_FILE_IDENTIFIER, TFLITE_METADATA_NAME } from './metadata-schema.js';
import type { AssociatedFileSpec, ModelMetadataSpec, TensorContent, TensorMetadataSpec } from './metadata.js';
import { readTflite } from './read.js';

export interface DecodedModelMetadata extends ModelMetadataSpec {
  minParserVersion: string;
}

/** The raw ModelMetadata bytes inside a .tflite, or null when it has no TFLITE_METADATA entry. */
export function findTfliteMetadata(tflite: Uint8Array, label = 'model.tflite'): Uint8Array | null {
  const summary = readTflite(tflite, label);
  const entry = summary.metadata.find((m) => m.name === TFLITE_METADATA_NAME);
  if (!entry) return null;
  const buf = summary.buffers[entry.buffer]!;
  return tflite.subarray(buf.offset, buf.offset + buf.size);
}

/** Decodes a ModelMetadata flatbuffer; `label` names it in errors. */
export function decodeModelMetadata(bytes: Uint8Array, label = 'TFLITE_METADATA'): DecodedModelMetadata {
  if (bytes.length < 8) throw new A2mError(`${label}: ${bytes.length} bytes is too short for a ModelMetadata flatbuffer`);
  const id = new TextDecoder().decode(bytes.subarray(4, 8));
  if (id !== METADATA_FILE_IDENTIFIER) throw new A2mError(`${label}: file identifier "${id.replace(/[^\x20-\x7e]/g, '?')}" is not "${METADATA_FILE_IDENTIFIER}": not TFLite Metadata`);
  try {
    const m = new FbFile(bytes).root('ModelMetadata');
    const sg = m.tables(S.ModelMetadata.subgraph_metadata, 'subgraph_metadata')[0];
    return {
      name: m.string(S.ModelMetadata.name, 'name') ?? '',
      description: m.string(S.ModelMetadata.description, 'description') ?? '',
      version: m.string(S.ModelMetadata.version, 'version') ?? '',
      author: m.string(S.ModelMetadata.author, 'author') ?? '',
      license: m.string(S.ModelMetadata.license, 'license') ?? '',
      minParserVersion: m.string(S.ModelMetadata.min_parser_version, 'min_parser_version') ?? '',
      subgraph: {
        name: sg?.string(S.SubGraphMetadata.name, 'name') ?? '',
        description: sg?.string(S.SubGraphMetadata.description, 'description') ?? '',
        inputs: sg?.tables(S.SubGraphMetadata.input_tensor_metadata, 'input_tensor_metadata').map(tensor) ?? [],
        outputs: sg?.tables(S.SubGraphMetadata.output_tensor_metadata, 'output_tensor_metadata').map(tensor) ?? [],
      },
    };
  } catch (e) {
    if (e instanceof FbError) throw new A2mError(`${label}: corrupted ModelMetadata flatbuffer: ${e.message}`);
    throw e;
  }
}

/** The decoded TFLite Metadata of a .tflite; an A2mError when there is none. */
export function readTfliteModelMetadata(tflite: Uint8Array, label = 'model.tflite'): DecodedModelMetadata {
  const raw = findTfliteMetadata(tflite, label);
  if (!raw) throw new A2mError(`${label}: no ${TFLITE_METADATA_NAME} metadata entry (expected TFLite Metadata)`);
  return decodeModelMetadata(raw, `${label} ${TFLITE_METADATA_NAME}`);
}

function tensor(t: FbTable): TensorMetadataSpec {
  const out: TensorMetadataSpec = {
    name: t.string(S.TensorMetadata.name, 'name') ?? '',
    description: t.string(S.TensorMetadata.description, 'description') ?? '',
  };
  if (t.has(S.TensorMetadata.dimension_names)) out.dimensionNames = strings(t, S.TensorMetadata.dimension_names, 'dimension_names');
  const c = t.table(S.TensorMetadata.content, 'content');
  if (c) out.content = content(c);
  const st = t.table(S.TensorMetadata.stats, 'stats');
  if (st) out.stats = { min: st.numbers(S.Stats.min, 'f32', 'min') ?? [], max: st.numbers(S.Stats.max, 'f32', 'max') ?? [] };
  if (t.has(S.TensorMetadata.associated_files)) out.associatedFiles = t.tables(S.TensorMetadata.associated_files, 'associated_files').map(associatedFile);
  return out;
}

function associatedFile(f: FbTable): AssociatedFileSpec {
  const code = f.scalar(S.AssociatedFile.type, 'u8', 0, 'type');
  const type = ASSOCIATED_FILE_TYPES[code];
  if (!type) throw new FbError(`AssociatedFile.type ${code} is not an AssociatedFileType (0..${ASSOCIATED_FILE_TYPES.length - 1})`);
  return { name: f.string(S.AssociatedFile.name, 'name') ?? '', description: f.string(S.AssociatedFile.description, 'description') ?? '', type };
}

function content(c: FbTable): TensorContent {
  const type = CONTENT_PROPERTIES[c.scalar(S.Content.content_properties_type, 'u8', 0, 'content_properties_type')];
  if (type === 'AudioProperties') {
    const a = c.table(S.Content.content_properties, 'content_properties');
    return {
      kind: 'audio',
      sampleRate: a?.scalar(S.AudioProperties.sample_rate, 'u32', 0, 'sample_rate') ?? 0,
      channels: a?.scalar(S.AudioProperties.channels, 'u32', 0, 'channels') ?? 0,
    };
  }
  if (type === 'FeatureProperties') return { kind: 'feature' };
  throw new FbError(`Content.content_properties_type ${type ?? 'unknown'} is not one this reader decodes (FeatureProperties, AudioProperties)`);
}

function strings(t: FbTable, slot: number, name: string): string[] {
  const v = t.vector(slot, 4, name);
  if (!v) return [];
  const f = t.file;
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const p = v.start + 4 * i;
    const s = p + f.u32(p, `${name}[${i}]`);
    const n = f.u32(s, `${name}[${i}]`);
    f.need(s + 4, n, `${name}[${i}]`);
    out.push(new TextDecoder().decode(f.bytes.subarray(s + 4, s + 4 + n)));
  }
  return out;
}
