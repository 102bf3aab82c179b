/** The ONNX schema subset (onnx.proto beside this file), loaded once with protobufjs; snake_case field names as upstream. */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const root = protobuf.parse(readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8'), { keepCase: true }).root;

export const ModelProto = root.lookupType('onnx.ModelProto');
export const GraphProto = root.lookupType('onnx.GraphProto');
export const TensorProto = root.lookupType('onnx.TensorProto');

/** int64 fields decode as Long (the `long` package is installed) or number; this takes either. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  if (typeof v === 'bigint') return Number(v);
  return Number.NaN;
}

// ---- plain-object shapes of the messages we write and read (snake_case, as keepCase) ----
export interface PbStringEntry { key: string; value: string }
export interface PbAttribute {
  name: string; type: number; f?: number; i?: number; s?: Uint8Array; ints?: number[]; floats?: number[];
  t?: PbTensor; g?: PbGraph; graphs?: PbGraph[]; tensors?: PbTensor[]; strings?: Uint8Array[];
}
export interface PbNode { input: string[]; output: string[]; name?: string; op_type: string; domain?: string; attribute?: PbAttribute[] }
export interface PbTensor {
  dims: (number | Long)[]; data_type: number; name: string; raw_data?: Uint8Array;
  external_data?: PbStringEntry[]; data_location?: number;
  float_data?: number[]; int32_data?: number[]; int64_data?: (number | Long)[]; double_data?: number[];
  uint64_data?: (number | Long)[]; string_data?: Uint8Array[];
}
export interface PbDim { dim_value?: number | Long; dim_param?: string }
export interface PbType {
  tensor_type?: { elem_type?: number; shape?: { dim?: PbDim[] } };
  sequence_type?: unknown; map_type?: unknown; optional_type?: unknown; sparse_tensor_type?: unknown;
}
export interface PbValueInfo { name: string; type?: PbType }
export interface PbGraph {
  node: PbNode[]; name?: string; initializer: PbTensor[]; sparse_initializer?: unknown[];
  input: PbValueInfo[]; output: PbValueInfo[]; value_info?: PbValueInfo[];
}
export interface PbModel {
  ir_version: number | Long; opset_import: { domain?: string; version: number | Long }[];
  producer_name?: string; producer_version?: string; doc_string?: string; graph?: PbGraph;
  metadata_props?: PbStringEntry[]; functions?: { name?: string; domain?: string }[];
}
type Long = { toNumber(): number };
