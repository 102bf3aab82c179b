/**
 * The Core ML protobuf subset (proto/*.proto, copied field numbers from
 * apple/coremltools mlmodel/format) loaded with protobufjs, plus the plain
 * object shapes our code reads and writes. Decoding goes through
 * `toObject({longs: Number, enums: Number})` so int64 fields are numbers.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'proto');

let root: protobuf.Root | null = null;
function protoRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root();
    // Imports ("MIL.proto") resolve beside the importing file.
    root.resolvePath = (_origin, target) => path.join(PROTO_DIR, path.basename(target));
    root.loadSync('Model.proto', { keepCase: true });
    root.resolveAll();
  }
  return root;
}

export function modelType(): protobuf.Type {
  return protoRoot().lookupType('CoreML.Specification.Model');
}

// ---- plain object shapes (a subset; every field optional as proto3 decodes) ----
export interface Dimension { constant?: { size?: number }; unknown?: { variadic?: boolean } }
export interface TensorType { dataType?: number; rank?: number; dimensions?: Dimension[]; attributes?: Record<string, Value> }
export interface ValueType { tensorType?: TensorType; listType?: unknown; tupleType?: { types?: ValueType[] }; dictionaryType?: unknown }
export interface NamedValueType { name?: string; type?: ValueType }
export interface TensorValue {
  floats?: { values?: number[] };
  ints?: { values?: number[] };
  bools?: { values?: boolean[] };
  strings?: { values?: string[] };
  longInts?: { values?: number[] };
  doubles?: { values?: number[] };
  bytes?: { values?: Uint8Array };
}
export interface Value {
  docString?: string;
  type?: ValueType;
  immediateValue?: { tensor?: TensorValue; tuple?: { values?: Value[] }; list?: { values?: Value[] } };
  blobFileValue?: { fileName?: string; offset?: number };
}
export interface Binding { name?: string; value?: Value }
export interface Argument { arguments?: Binding[] }
export interface Operation {
  type?: string;
  inputs?: Record<string, Argument>;
  outputs?: NamedValueType[];
  blocks?: Block[];
  attributes?: Record<string, Value>;
}
export interface Block { inputs?: NamedValueType[]; outputs?: string[]; operations?: Operation[]; attributes?: Record<string, Value> }
export interface MilFunction { inputs?: NamedValueType[]; opset?: string; block_specializations?: Record<string, Block>; attributes?: Record<string, Value> }
export interface Program { version?: number; functions?: Record<string, MilFunction>; docString?: string; attributes?: Record<string, Value> }
export interface ArrayFeatureType {
  shape?: number[];
  dataType?: number;
  enumeratedShapes?: { shapes?: { shape?: number[] }[] };
  shapeRange?: { sizeRanges?: { lowerBound?: number; upperBound?: number }[] };
}
export interface FeatureType { multiArrayType?: ArrayFeatureType; isOptional?: boolean }
export interface FeatureDescription { name?: string; shortDescription?: string; type?: FeatureType }
export interface Metadata { shortDescription?: string; versionString?: string; author?: string; license?: string; userDefined?: Record<string, string> }
export interface ModelDescription {
  input?: FeatureDescription[];
  output?: FeatureDescription[];
  functions?: { name?: string; input?: FeatureDescription[]; output?: FeatureDescription[] }[];
  defaultFunctionName?: string;
  metadata?: Metadata;
}
export interface CoreMLModel { specificationVersion?: number; description?: ModelDescription; isUpdatable?: boolean; mlProgram?: Program }

/** Serialises a Model; throws protobufjs's own message on a malformed object (a bug of ours, not user input). */
export function encodeModel(m: CoreMLModel): Uint8Array {
  const T = modelType();
  const err = T.verify(m);
  if (err) throw new Error(`Core ML Model object invalid: ${err}`);
  return T.encode(T.fromObject(m)).finish();
}

/** Parses model.mlmodel bytes; the caller wraps failures with the file name. */
export function decodeModel(bytes: Uint8Array): CoreMLModel {
  const T = modelType();
  const msg = T.decode(bytes);
  return T.toObject(msg, { longs: Number, enums: Number, bytes: Uint8Array, defaults: false, oneofs: false }) as CoreMLModel;
}
