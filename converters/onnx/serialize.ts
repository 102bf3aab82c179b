/**
 * OnnxGraph -> ModelProto bytes (+ the external data file's layout when weights go external).
 * Tensor payloads are raw_data, little-endian; external tensors sit at 4096-aligned offsets.
 *
 * The model comes out as a list of chunks, not one buffer: protobufjs encodes everything but
 * the weight bytes, and the `raw_data`, `initializer` and `graph` fields are framed here
 * (tag + varint length) around views of the weight arrays. Copying 47 MB of base-preset
 * weights through protobufjs's growing buffer cost ~1.2 s (fresh pages, shifts on every
 * nested length prefix); framing costs nothing. Field numbers come from the loaded schema.
 */
import { endianness } from 'node:os';
import { GraphProto, ModelProto, TensorProto, type PbAttribute, type PbGraph, type PbModel, type PbNode, type PbTensor, type PbValueInfo } from './proto.js';
import { AttributeType, DataLocation, DataType, EXTERNAL_DATA_ALIGNMENT, PROTOBUF_MAX_BYTES } from './facts.js';
import type { OnnxAttr, OnnxGraph, OnnxInitializer, OnnxValueInfo, TensorType } from './model.js';
import { A2mError } from '../../src/errors.js';

const TYPE_CODE: Record<TensorType, number> = { float32: DataType.FLOAT, float16: DataType.FLOAT16, int8: DataType.INT8, int64: DataType.INT64 };

export interface ModelInfo {
  opset: number;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  metadata: Record<string, string>;
  docString?: string;
}

export interface ExternalDataPlan {
  /** File name relative to the model's directory. */
  location: string;
  /** Tensors smaller than this stay inline. */
  minTensorBytes: number;
}

export interface SerializedOnnx {
  /** The ModelProto as consecutive chunks (weights are views, not copies); `modelBytes` in all. */
  model: Uint8Array[];
  modelBytes: number;
  /** Present when weights went external: each chunk at its offset in `location`. */
  external?: { location: string; size: number; chunks: { name: string; offset: number; bytes: Uint8Array }[] };
}

/** The tensor's bytes, little-endian as raw_data requires (a view on little-endian hosts). */
export function littleEndianBytes(data: OnnxInitializer['data']): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (endianness() === 'LE' || data.BYTES_PER_ELEMENT === 1) return view;
  const out = new Uint8Array(view.length), w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += w) for (let k = 0; k < w; k++) out[i + k] = view[i + w - 1 - k]!;
  return out;
}

function attribute(name: string, a: OnnxAttr): PbAttribute {
  switch (a.type) {
    case 'INT': return { name, type: AttributeType.INT, i: a.i };
    case 'FLOAT': return { name, type: AttributeType.FLOAT, f: a.f };
    case 'INTS': return { name, type: AttributeType.INTS, ints: a.ints };
    case 'STRING': return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.s) };
  }
}

function valueInfo(v: OnnxValueInfo): PbValueInfo {
  return { name: v.name, type: { tensor_type: { elem_type: TYPE_CODE[v.type], shape: { dim: v.shape.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } } } };
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

// ---- protobuf framing for the three fields that carry weight bytes ----
const WIRE_LENGTH_DELIMITED = 2;
const fieldId = (type: typeof ModelProto, field: string): number => {
  const f = type.fields[field];
  if (!f) throw new Error(`onnx.proto has no field ${type.name}.${field}`);
  return f.id;
};
const RAW_DATA = fieldId(TensorProto, 'raw_data');
const INITIALIZER = fieldId(GraphProto, 'initializer');
const GRAPH = fieldId(ModelProto, 'graph');

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80); }
  out.push(n);
  return Uint8Array.from(out);
}

/** A length-delimited field `id` whose value is `chunks` (total `len` bytes). */
function frame(id: number, chunks: Uint8Array[], len: number): { chunks: Uint8Array[]; len: number } {
  const head = Uint8Array.from([...varint(id * 8 + WIRE_LENGTH_DELIMITED), ...varint(len)]);
  return { chunks: [head, ...chunks], len: head.length + len };
}

const sum = (xs: Uint8Array[]) => xs.reduce((s, x) => s + x.length, 0);

export function serializeOnnx(g: OnnxGraph, info: ModelInfo, external?: ExternalDataPlan): SerializedOnnx {
  const chunks: NonNullable<SerializedOnnx['external']>['chunks'] = [];
  let cursor = 0, inlineBytes = 0;
  // GraphProto.initializer entries, each TensorProto = protobufjs header + framed raw_data.
  const initChunks: Uint8Array[] = [];
  for (const t of g.initializers.values()) {
    const bytes = littleEndianBytes(t.data);
    const base: PbTensor = { name: t.name, dims: t.dims, data_type: TYPE_CODE[t.type] };
    let tensor: Uint8Array[];
    if (external && bytes.length >= external.minTensorBytes) {
      const offset = alignUp(cursor, EXTERNAL_DATA_ALIGNMENT);
      chunks.push({ name: t.name, offset, bytes });
      cursor = offset + bytes.length;
      tensor = [TensorProto.encode({
        ...base, data_location: DataLocation.EXTERNAL,
        external_data: [{ key: 'location', value: external.location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(bytes.length) }],
      }).finish()];
    } else {
      inlineBytes += bytes.length;
      const raw = frame(RAW_DATA, [bytes], bytes.length);
      tensor = [TensorProto.encode(base).finish(), ...raw.chunks];
    }
    initChunks.push(...frame(INITIALIZER, tensor, sum(tensor)).chunks);
  }
  if (inlineBytes > PROTOBUF_MAX_BYTES) throw new A2mError(`ONNX: ${inlineBytes} bytes of inline weights exceed protobuf's 2 GiB limit; use external data`);
  const node: PbNode[] = g.nodes.map((n) => ({
    name: n.name, op_type: n.opType, input: n.inputs, output: n.outputs,
    attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
  }));
  const graphHead = GraphProto.encode({ name: g.name, node, initializer: [], input: g.inputs.map(valueInfo), output: g.outputs.map(valueInfo) } satisfies PbGraph).finish();
  const graph = frame(GRAPH, [graphHead, ...initChunks], graphHead.length + sum(initChunks));
  const modelHead = ModelProto.encode({
    ir_version: info.irVersion,
    opset_import: [{ domain: '', version: info.opset }],
    producer_name: info.producerName,
    producer_version: info.producerVersion,
    ...(info.docString ? { doc_string: info.docString } : {}),
    metadata_props: Object.keys(info.metadata).sort().map((key) => ({ key, value: info.metadata[key]! })),
  } satisfies Omit<PbModel, 'graph'>).finish();
  const model = [modelHead, ...graph.chunks];
  return {
    model, modelBytes: modelHead.length + graph.len,
    ...(external && chunks.length ? { external: { location: external.location, size: cursor, chunks } } : {}),
  };
}

/** The chunks as one buffer (tests, in-memory use). */
export function concatChunks(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}
