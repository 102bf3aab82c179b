/**
 * TFLite Metadata writer: a plain description of the model -> the
 * ModelMetadata flatbuffer ("M001") -> a Model.metadata entry named
 * TFLITE_METADATA, passed to the TFLite writer through
 * `TfliteExportOptions.extraMetadata`. Slots and versions: metadata-schema.ts.
 * The reader is metadata-read.ts.
 */
import { Builder } from 'flatbuffers';
import {
  ASSOCIATED_FILE_TYPES, BASE_PARSER_VERSION, FIELD_MIN_PARSER_VERSION, META_SLOTS as S, METADATA_FILE_IDENTIFIER, TFLITE_METADATA_NAME,
  contentPropertiesCode, type AssociatedFileType,
} from './metadata-schema.js';

/** What a tensor holds: generic features, or audio at a sample rate (schema 1.3). */
export type TensorContent = { kind: 'feature' } | { kind: 'audio'; sampleRate: number; channels: number };

export interface TensorMetadataSpec {
  name: string;
  description: string;
  dimensionNames?: string[];
  content?: TensorContent;
  /** Per-channel (or one global) value range, for users and for checking pre/post-processing. */
  stats?: { min: number[]; max: number[] };
  /** Files that annotate this tensor (e.g. TENSOR_AXIS_LABELS: one label per index of the last axis); their bytes ride in the appended zip. */
  associatedFiles?: AssociatedFileSpec[];
}

/** An AssociatedFile entry: `name` is the file's name inside the archive appended to the model (associated-files.ts). */
export interface AssociatedFileSpec { name: string; description: string; type: AssociatedFileType }

export interface ModelMetadataSpec {
  name: string;
  description: string;
  version: string;
  author: string;
  license: string;
  /** The main subgraph; input/output lists follow SubGraph.inputs / SubGraph.outputs order. */
  subgraph: { name: string; description: string; inputs: TensorMetadataSpec[]; outputs: TensorMetadataSpec[] };
}

/** The lowest metadata parser that understands every field this spec populates (metadata_version.cc). */
export function minParserVersion(spec: ModelMetadataSpec): string {
  const tensors = [...spec.subgraph.inputs, ...spec.subgraph.outputs];
  return tensors.some((t) => t.content?.kind === 'audio') ? FIELD_MIN_PARSER_VERSION['ContentProperties.AudioProperties'] : BASE_PARSER_VERSION;
}

/** ModelMetadata flatbuffer bytes, file identifier M001. Deterministic: the same spec gives the same bytes. */
export function encodeModelMetadata(spec: ModelMetadataSpec): Uint8Array {
  const b = new Builder(4096);
  const str = (s: string) => b.createString(s);
  const tables = (offsets: number[]) => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
    return b.endVector();
  };
  const floats = (values: number[]) => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
    return b.endVector();
  };

  const content = (c: TensorContent): number => {
    let props: number;
    if (c.kind === 'audio') {
      b.startObject(2);
      b.addFieldInt32(S.AudioProperties.sample_rate, c.sampleRate, 0);
      b.addFieldInt32(S.AudioProperties.channels, c.channels, 0);
      props = b.endObject();
    } else {
      b.startObject(0);
      props = b.endObject();
    }
    b.startObject(3);
    b.addFieldInt8(S.Content.content_properties_type, contentPropertiesCode(c.kind === 'audio' ? 'AudioProperties' : 'FeatureProperties'), 0);
    b.addFieldOffset(S.Content.content_properties, props, 0);
    return b.endObject();
  };

  const associatedFile = (f: AssociatedFileSpec): number => {
    const name = str(f.name), description = str(f.description);
    b.startObject(3);
    b.addFieldOffset(S.AssociatedFile.name, name, 0);
    b.addFieldOffset(S.AssociatedFile.description, description, 0);
    b.addFieldInt8(S.AssociatedFile.type, ASSOCIATED_FILE_TYPES.indexOf(f.type), 0);
    return b.endObject();
  };

  const tensor = (t: TensorMetadataSpec): number => {
    const files = t.associatedFiles?.length ? tables(t.associatedFiles.map(associatedFile)) : 0;
    const name = str(t.name);
    const description = str(t.description);
    const dims = t.dimensionNames ? tables(t.dimensionNames.map(str)) : 0;
    const cont = t.content ? content(t.content) : 0;
    let stats = 0;
    if (t.stats) {
      const max = floats(t.stats.max), min = floats(t.stats.min);
      b.startObject(2);
      b.addFieldOffset(S.Stats.max, max, 0);
      b.addFieldOffset(S.Stats.min, min, 0);
      stats = b.endObject();
    }
    b.startObject(7);
    b.addFieldOffset(S.TensorMetadata.name, name, 0);
    b.addFieldOffset(S.TensorMetadata.description, description, 0);
    if (dims) b.addFieldOffset(S.TensorMetadata.dimension_names, dims, 0);
    if (cont) b.addFieldOffset(S.TensorMetadata.content, cont, 0);
    if (stats) b.addFieldOffset(S.TensorMetadata.stats, stats, 0);
    if (files) b.addFieldOffset(S.TensorMetadata.associated_files, files, 0);
    return b.endObject();
  };

  const sg = spec.subgraph;
  const inputs = tables(sg.inputs.map(tensor));
  const outputs = tables(sg.outputs.map(tensor));
  const sgName = str(sg.name), sgDescription = str(sg.description);
  b.startObject(4);
  b.addFieldOffset(S.SubGraphMetadata.name, sgName, 0);
  b.addFieldOffset(S.SubGraphMetadata.description, sgDescription, 0);
  b.addFieldOffset(S.SubGraphMetadata.input_tensor_metadata, inputs, 0);
  b.addFieldOffset(S.SubGraphMetadata.output_tensor_metadata, outputs, 0);
  const subgraph = b.endObject();

  const fields = [spec.name, spec.description, spec.version, spec.author, spec.license, minParserVersion(spec)].map(str);
  const subgraphs = tables([subgraph]);
  const [name, description, version, author, license, parser] = fields as [number, number, number, number, number, number];
  b.startObject(8);
  b.addFieldOffset(S.ModelMetadata.name, name, 0);
  b.addFieldOffset(S.ModelMetadata.description, description, 0);
  b.addFieldOffset(S.ModelMetadata.version, version, 0);
  b.addFieldOffset(S.ModelMetadata.subgraph_metadata, subgraphs, 0);
  b.addFieldOffset(S.ModelMetadata.author, author, 0);
  b.addFieldOffset(S.ModelMetadata.license, license, 0);
  b.addFieldOffset(S.ModelMetadata.min_parser_version, parser, 0);
  b.finish(b.endObject(), METADATA_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

/** Every associated file the spec names (to check that each has bytes). */
export function associatedFileNames(spec: ModelMetadataSpec): string[] {
  return [...spec.subgraph.inputs, ...spec.subgraph.outputs].flatMap((t) => t.associatedFiles?.map((f) => f.name) ?? []);
}

/** The Model.metadata entry for `TfliteExportOptions.extraMetadata`. */
export function tfliteMetadataEntry(spec: ModelMetadataSpec): { name: string; data: Uint8Array } {
  return { name: TFLITE_METADATA_NAME, data: encodeModelMetadata(spec) };
}
