/**
 * Core ML format facts in one place (see README.md for where each was checked).
 * Field numbers live in proto/*.proto; everything else the writer, the reader
 * and the evaluator rely on is here.
 */

/** Deployment target -> Model.specificationVersion and the MIL opset name of the main function. */
export const IOS_TARGETS = {
  15: { specVersion: 6, opset: 'CoreML5' },
  16: { specVersion: 7, opset: 'CoreML6' },
  17: { specVersion: 8, opset: 'CoreML7' },
  18: { specVersion: 9, opset: 'CoreML8' },
} as const;
export type IosTarget = keyof typeof IOS_TARGETS;
export const DEFAULT_IOS: IosTarget = 16;
/** ML Programs exist from spec 6 (iOS 15). */
export const MIN_ML_PROGRAM_SPEC = 6;

/** MILSpec.Program.version: always 1. */
export const MIL_PROGRAM_VERSION = 1;
export const MAIN_FUNCTION = 'main';

/** MILSpec.DataType values we handle. */
export const MIL_DTYPE = { BOOL: 1, STRING: 2, FLOAT16: 10, FLOAT32: 11, FLOAT64: 12, INT8: 21, INT16: 22, INT32: 23, INT64: 24, UINT8: 31 } as const;
/** The strings `cast(dtype=...)` takes. */
export const CAST_DTYPE_NAMES: Record<string, number> = { fp16: MIL_DTYPE.FLOAT16, fp32: MIL_DTYPE.FLOAT32, int32: MIL_DTYPE.INT32, bool: MIL_DTYPE.BOOL };

/** ArrayFeatureType.ArrayDataType (a different numbering from MIL's). */
export const ARRAY_DTYPE = { FLOAT32: 65568, DOUBLE: 65600, INT32: 131104, INT8: 131080, FLOAT16: 65552 } as const;

/**
 * The batch sizes a dynamic-batch model's input enumerates
 * (ArrayFeatureType.enumeratedShapes = 21; the default shape, batch 1, first).
 * Enumerated rather than a ShapeRange (= 31) because Core ML compiles an ML
 * Program for each enumerated shape and can run every one of them on the
 * Neural Engine, while a range runs on the Neural Engine only at its default
 * shape and falls back to GPU/CPU elsewhere (coremltools "Flexible Input
 * Shapes": "Use EnumeratedShapes for best performance"; Apple's forum answer
 * on range flexibility). Every size 1..8, not powers of two: an app that
 * batches windows has a short last batch of any size (our transcription runs
 * it as is, no padding), and 8 is the largest batch the serving configs form
 * (src/bundle/batching.ts SERVING_MAX_BATCH). Upstream allows up to 128 shapes.
 */
export const ENUMERATED_BATCHES: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** MIL identifiers: [A-Za-z_][A-Za-z0-9_]* (upstream also allows '@' after the first char; we never write it). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---- MIL blob storage v2 (mlmodel/src/MILBlob/Blob/StorageFormat.hpp) ----
export const BLOB = {
  /** storage_header and blob_metadata are 64 bytes; every metadata and data start is 64-aligned. */
  alignment: 64,
  headerSize: 64,
  metadataSize: 64,
  version: 2,
  sentinel: 0xdeadbeef,
  /** BlobDataType codes and element sizes. */
  dtype: { Float16: 1, Float32: 2, UInt8: 3, Int8: 4 },
  elementSize: { 1: 2, 2: 4, 3: 1, 4: 1 } as Record<number, number>,
  /** blobFileValue.fileName as coremltools writes it. */
  fileName: '@model_path/weights/weight.bin',
} as const;
/** BlobDataType -> MIL dtype of the const it backs. */
export const BLOB_TO_MIL: Record<number, number> = { 1: MIL_DTYPE.FLOAT16, 2: MIL_DTYPE.FLOAT32, 3: MIL_DTYPE.UINT8, 4: MIL_DTYPE.INT8 };

// ---- .mlpackage layout ----
export const PACKAGE = {
  manifest: 'Manifest.json',
  dataDir: 'Data',
  author: 'com.apple.CoreML',
  modelPath: 'com.apple.CoreML/model.mlmodel',
  modelName: 'model.mlmodel',
  modelDescription: 'CoreML Model Specification',
  weightsPath: 'com.apple.CoreML/weights',
  weightsName: 'weights',
  weightsDescription: 'CoreML Model Weights',
  weightFile: 'weight.bin',
  fileFormatVersion: '1.0.0',
} as const;

/** Metadata.userDefined keys our writer sets (coremltools writes com.github.apple.coremltools.{source,version}). */
export const USER_DEFINED_KEYS = {
  version: 'com.audio-to-midi.version',
  preset: 'com.audio-to-midi.preset',
  source: 'com.audio-to-midi.source',
  precision: 'com.audio-to-midi.precision',
  name: 'com.audio-to-midi.name',
} as const;
