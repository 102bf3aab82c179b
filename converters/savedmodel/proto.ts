/**
 * The TF protobuf subset (proto/*.proto, field numbers copied from upstream)
 * loaded with protobufjs, keeping upstream's snake_case field names. Plain
 * object shapes for what we build; decoding returns plain objects with int64
 * as numbers and enums as numbers.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { A2mError } from '../../src/errors.js';

export const PROTO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'proto');
export const PROTO_FILES = ['saved_model.proto', 'tensor_bundle.proto'] as const;

let root: protobuf.Root | null = null;
export function protoRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    r.loadSync(PROTO_FILES.map((f) => path.join(PROTO_DIR, f)), { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

export type MessageName =
  | 'SavedModel' | 'MetaGraphDef' | 'GraphDef' | 'NodeDef' | 'AttrValue' | 'TensorProto' | 'TensorShapeProto'
  | 'BundleHeaderProto' | 'BundleEntryProto' | 'SignatureDef' | 'TensorInfo' | 'SaverDef';

export const messageType = (name: MessageName) => protoRoot().lookupType(`tensorflow.${name}`);

// ---- plain object shapes (the fields we set or read) ---------------------------
export interface TensorShapeProto { dim?: { size: number; name?: string }[]; unknown_rank?: boolean }
export interface TensorProto {
  dtype: number;
  tensor_shape?: TensorShapeProto;
  tensor_content?: Uint8Array;
  float_val?: number[];
  int_val?: number[];
  int64_val?: number[];
  string_val?: Uint8Array[];
  half_val?: number[];
  bool_val?: boolean[];
}
export interface AttrList { s?: Uint8Array[]; i?: number[]; f?: number[]; b?: boolean[]; type?: number[]; shape?: TensorShapeProto[] }
export interface AttrValue {
  s?: Uint8Array; i?: number; f?: number; b?: boolean; type?: number;
  shape?: TensorShapeProto; tensor?: TensorProto; list?: AttrList; placeholder?: string;
}
export interface NodeDef { name: string; op: string; input?: string[]; device?: string; attr?: Record<string, AttrValue> }
export interface FunctionDef { signature?: { name?: string }; node_def?: NodeDef[] }
export interface GraphDef {
  node?: NodeDef[];
  versions?: { producer?: number; min_consumer?: number };
  library?: { function?: FunctionDef[] };
}
export interface TensorInfo { name?: string; dtype?: number; tensor_shape?: TensorShapeProto }
export interface SignatureDef { inputs?: Record<string, TensorInfo>; outputs?: Record<string, TensorInfo>; method_name?: string }
export interface SaverDef { filename_tensor_name?: string; save_tensor_name?: string; restore_op_name?: string; max_to_keep?: number; sharded?: boolean; version?: number }
export interface MetaGraphDef {
  meta_info_def?: { meta_graph_version?: string; tags?: string[]; tensorflow_version?: string; tensorflow_git_version?: string; stripped_default_attrs?: boolean };
  graph_def?: GraphDef;
  saver_def?: SaverDef;
  signature_def?: Record<string, SignatureDef>;
  /** Only detected (TF 2 SavedModels); never written. */
  object_graph_def?: object;
}
export interface SavedModel { saved_model_schema_version?: number; meta_graphs?: MetaGraphDef[] }
export interface BundleHeaderProto { num_shards?: number; endianness?: number; version?: { producer?: number; min_consumer?: number } }
export interface BundleEntryProto { dtype?: number; shape?: TensorShapeProto; shard_id?: number; offset?: number; size?: number; crc32c?: number }

// ---- encode / decode --------------------------------------------------------------
export function encodeMessage(name: MessageName, obj: object): Uint8Array {
  const t = messageType(name);
  return t.encode(t.fromObject(obj)).finish();
}

/** Decodes with a one-line A2mError naming `what` on malformed bytes. */
export function decodeMessage<T>(name: MessageName, bytes: Uint8Array, what: string): T {
  const t = messageType(name);
  let msg: protobuf.Message;
  try {
    msg = t.decode(bytes);
  } catch (e) {
    throw new A2mError(`${what}: not a valid ${name} protobuf (${(e as Error).message.split('\n')[0]})`);
  }
  return t.toObject(msg, { longs: Number, enums: Number, arrays: false, objects: false, defaults: false }) as T;
}

export const shapeProto = (dims: readonly number[]): TensorShapeProto => ({ dim: dims.map((size) => ({ size })) });
export const shapeOf = (s: TensorShapeProto | undefined): number[] => (s?.dim ?? []).map((d) => Number(d.size ?? 0));
