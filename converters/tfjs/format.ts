/**
 * Facts of the tfjs graph-model format (the files `tensorflowjs_converter`
 * writes and `tf.loadGraphModel` reads), in one place. Checked against
 * tfjs-converter 4.22 (`operations/operation_mapper.js`, `executor/graph_executor.js`),
 * tfjs-core 4.22 (`io/io_utils.js`, `io/types.d.ts`) and Spotify's Basic Pitch
 * model.json (converted by "TensorFlow.js Converter v3.13.0").
 *
 * model.json = {
 *   format: "graph-model", generatedBy, convertedBy,
 *   modelTopology: GraphDef in proto3 JSON form ({node: [NodeDef], library: {}, versions: {producer}}),
 *   weightsManifest: [{paths: ["group1-shard1ofN.bin", ...], weights: [WeightSpec]}],
 *   signature: {inputs: {key: TensorInfo}, outputs: {key: TensorInfo}},
 *   userDefinedMetadata: {string: string}
 * }
 * Weights: every Const node's value lives in the manifest under the node's
 * name (its `attr.value.tensor` carries only dtype and shape). The weights of
 * a group are concatenated in manifest order, little-endian, without padding,
 * and that byte stream is cut into shards; a weight may span two shards.
 */

export const GRAPH_MODEL_FORMAT = 'graph-model';
/** tensorflowjs_converter's default shard size (`--weight_shard_size_bytes`): 4 MiB. */
export const SHARD_BYTES = 4 * 1024 * 1024;
/** TF GraphDef producer version recorded by TF 2.x exports (Basic Pitch says 561). */
export const GRAPH_PRODUCER = 1087;

export function shardName(index: number, count: number): string {
  return `group1-shard${index + 1}of${count}.bin`;
}

// ---- GraphDef in proto3 JSON (int64 fields are strings, bytes are base64) ----
export type TfDataType = 'DT_FLOAT' | 'DT_INT32' | 'DT_HALF' | 'DT_BOOL' | 'DT_INT64';

export interface TensorShapeJson { dim?: { size: string }[]; unknownRank?: boolean }

export interface AttrValueJson {
  type?: TfDataType;
  i?: string;
  f?: number;
  b?: boolean;
  /** bytes, base64 */
  s?: string;
  shape?: TensorShapeJson;
  tensor?: { dtype: TfDataType; tensorShape: TensorShapeJson };
  list?: { i?: string[]; f?: number[]; s?: string[]; type?: TfDataType[] };
}

export interface NodeDefJson {
  name: string;
  op: string;
  /** "node", "node:1" (second output), "^node" (control edge). */
  input?: string[];
  attr?: Record<string, AttrValueJson>;
  device?: string;
}

export interface GraphDefJson {
  node: NodeDefJson[];
  library?: Record<string, unknown>;
  versions?: { producer?: number; minConsumer?: number };
}

export interface TensorInfoJson { name: string; dtype: TfDataType; tensorShape: TensorShapeJson }

// ---- weights manifest (tfjs-core io/types.ts WeightsManifestEntry) ----------
export type WeightDType = 'float32' | 'int32';

/** Stored bytes per value for each storage dtype (tfjs-core DTYPE_VALUE_SIZE_MAP). */
export const STORAGE_BYTES = { float32: 4, int32: 4, float16: 2, uint8: 1, uint16: 2 } as const;

export type Quantization =
  | { dtype: 'float16' }
  /** Affine: value = q * scale + min. */
  | { dtype: 'uint8' | 'uint16'; min: number; scale: number };

export interface WeightSpecJson {
  name: string;
  shape: number[];
  dtype: WeightDType;
  quantization?: Quantization;
}

export interface WeightsGroupJson { paths: string[]; weights: WeightSpecJson[] }

export interface GraphModelJson {
  format: typeof GRAPH_MODEL_FORMAT;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: GraphDefJson;
  weightsManifest: WeightsGroupJson[];
  signature?: { inputs?: Record<string, TensorInfoJson>; outputs?: Record<string, TensorInfoJson> };
  userDefinedMetadata?: Record<string, unknown>;
}

// ---- attribute helpers (one encoding, used by writer and reader) -----------
export const attr = {
  type: (t: TfDataType): AttrValueJson => ({ type: t }),
  int: (v: number): AttrValueJson => ({ i: String(v) }),
  float: (v: number): AttrValueJson => ({ f: v }),
  bool: (v: boolean): AttrValueJson => ({ b: v }),
  str: (v: string): AttrValueJson => ({ s: Buffer.from(v, 'utf8').toString('base64') }),
  ints: (v: number[]): AttrValueJson => ({ list: { i: v.map(String) } }),
  strs: (v: string[]): AttrValueJson => ({ list: { s: v.map((s) => Buffer.from(s, 'utf8').toString('base64')) } }),
  shape: (dims: number[]): AttrValueJson => ({ shape: shapeJson(dims) }),
};

export function shapeJson(dims: number[]): TensorShapeJson {
  return dims.length ? { dim: dims.map((d) => ({ size: String(d) })) } : {};
}

/** Valid TF node names: `[A-Za-z0-9.][A-Za-z0-9_.\-/>]*` (tensorflow/core/graph/validate.cc, node_def_util.cc). */
export const NODE_NAME_RE = /^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$/;

/** Parses an input reference "node", "node:2" or "^node". */
export function parseInputRef(ref: string): { node: string; index: number; control: boolean } {
  const control = ref.startsWith('^');
  const body = control ? ref.slice(1) : ref;
  const m = /^(.*?)(?::(\d+))?$/.exec(body)!;
  return { node: m[1]!, index: m[2] ? Number(m[2]) : 0, control };
}
