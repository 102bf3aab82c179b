/**
 * TFLite Metadata format facts (the `ModelMetadata` flatbuffer that Android
 * Studio's ML binding, the TFLite Support library's MetadataExtractor and
 * `tflite_support.metadata.MetadataDisplayer` read). Source:
 * tensorflow/tflite-support tensorflow_lite_support/metadata/metadata_schema.fbs
 * (schema 1.5; slot = field index in declaration order) and
 * tensorflow_lite_support/metadata/cc/metadata_version.cc (which fields raise
 * `min_parser_version`). The writer, the reader and the tests read these
 * tables; nothing else spells a field number.
 *
 * How the metadata rides in a .tflite (metadata_populator): the ModelMetadata
 * flatbuffer (file identifier "M001") is one Model.buffers entry, referenced
 * by a Model.metadata entry named "TFLITE_METADATA". Associated files (label
 * lists) are named in the metadata (AssociatedFile.name) and their bytes are a
 * zip archive appended after the flatbuffer (associated-files.ts).
 */

export const METADATA_FILE_IDENTIFIER = 'M001';
/** Model.metadata[].name of the entry whose buffer holds the ModelMetadata flatbuffer. */
export const TFLITE_METADATA_NAME = 'TFLITE_METADATA';

/** Vtable slots of the fields we write or read. */
export const META_SLOTS = {
  ModelMetadata: { name: 0, description: 1, version: 2, subgraph_metadata: 3, author: 4, license: 5, associated_files: 6, min_parser_version: 7 },
  SubGraphMetadata: {
    name: 0, description: 1, input_tensor_metadata: 2, output_tensor_metadata: 3, associated_files: 4,
    input_process_units: 5, output_process_units: 6, input_tensor_groups: 7, output_tensor_groups: 8,
  },
  TensorMetadata: { name: 0, description: 1, dimension_names: 2, content: 3, process_units: 4, stats: 5, associated_files: 6 },
  /** `content_properties` is a union: its type byte takes slot 0, the table slot 1. */
  Content: { content_properties_type: 0, content_properties: 1, range: 2 },
  ValueRange: { min: 0, max: 1 },
  Stats: { max: 0, min: 1 },
  AudioProperties: { sample_rate: 0, channels: 1 },
  AssociatedFile: { name: 0, description: 1, type: 2, locale: 3, version: 4 },
} as const;

/** enum AssociatedFileType : byte; index = value. */
export const ASSOCIATED_FILE_TYPES = ['UNKNOWN', 'DESCRIPTIONS', 'TENSOR_AXIS_LABELS', 'TENSOR_VALUE_LABELS', 'TENSOR_AXIS_SCORE_CALIBRATION', 'VOCABULARY', 'SCANN_INDEX_FILE'] as const;
export type AssociatedFileType = (typeof ASSOCIATED_FILE_TYPES)[number];

/** union ContentProperties: index = type byte. */
export const CONTENT_PROPERTIES = ['NONE', 'FeatureProperties', 'ImageProperties', 'BoundingBoxProperties', 'AudioProperties'] as const;
export type ContentPropertiesName = (typeof CONTENT_PROPERTIES)[number];

export function contentPropertiesCode(name: ContentPropertiesName): number {
  return CONTENT_PROPERTIES.indexOf(name);
}

/** metadata_version.cc: the parser version every populated field needs (absent = 1.0.0). */
export const FIELD_MIN_PARSER_VERSION = {
  'ContentProperties.AudioProperties': '1.3.0',
  'SubGraphMetadata.input_process_units': '1.1.0',
  'SubGraphMetadata.output_process_units': '1.1.0',
  'SubGraphMetadata.input_tensor_groups': '1.2.0',
  'SubGraphMetadata.output_tensor_groups': '1.2.0',
} as const;
export const BASE_PARSER_VERSION = '1.0.0';
