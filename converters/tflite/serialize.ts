/**
 * TflModel (model.ts) -> .tflite bytes, with the npm `flatbuffers` Builder.
 * Flatbuffers are built back to front: children before parents, so the big
 * buffers are created first and land at the end of the file (as TF's own
 * converter lays them out). Every slot number comes from format.ts.
 */
import { Builder } from 'flatbuffers';
import {
  BUFFER_ALIGNMENT, EMITTED_OPS, FILE_IDENTIFIER, MIN_RUNTIME, MIN_RUNTIME_VERSION_BYTES, MIN_RUNTIME_VERSION_NAME,
  OPTIONS_TABLES, PLACEHOLDER_FOR_GREATER_OP_CODES, SCHEMA_VERSION, SLOTS, builtinCode, compareRuntimeVersions,
  optionsUnionType, tensorTypeCode, type EmittedOp, type FieldSpec, type OpSignature, type OptionValues, type WrittenOptions,
} from './format.js';
import type { TflModel, TflOperator, TflQuantization, TflTensor } from './model.js';

type Offset = number;

export interface OperatorCodeInfo { op: EmittedOp; code: number; version: number }
export interface Serialized { bytes: Uint8Array; operatorCodes: OperatorCodeInfo[]; minRuntimeVersion: string }

/** Operator codes in first-use order, each at the highest version any of its uses needs. */
export function operatorCodes(model: TflModel): { codes: OperatorCodeInfo[]; indexOf: Map<EmittedOp, number> } {
  const indexOf = new Map<EmittedOp, number>();
  const codes: OperatorCodeInfo[] = [];
  for (const o of model.operators) {
    const version = EMITTED_OPS[o.op].version(signatureOf(model, o));
    let i = indexOf.get(o.op);
    if (i === undefined) {
      i = codes.length;
      indexOf.set(o.op, i);
      codes.push({ op: o.op, code: builtinCode(o.op), version });
    } else codes[i]!.version = Math.max(codes[i]!.version, version);
  }
  return { codes, indexOf };
}

function signatureOf(model: TflModel, o: TflOperator): OpSignature {
  const ins = o.inputs.map((i) => (i >= 0 ? model.tensors[i]! : null));
  return {
    inputTypes: ins.map((t) => t?.type ?? null),
    inputRanks: ins.map((t) => t?.shape.length ?? 0),
    perChannel: ins.some((t) => (t?.quantization?.scale.length ?? 0) > 1),
    options: o.options ?? {},
  };
}

export function minRuntimeVersion(codes: OperatorCodeInfo[]): string {
  let best = '';
  for (const c of codes) {
    const v = MIN_RUNTIME[`${c.op}:${c.version}`];
    if (!v) throw new Error(`format.ts MIN_RUNTIME lacks ${c.op} version ${c.version}`);
    if (!best || compareRuntimeVersions(v, best) > 0) best = v;
  }
  return best || '1.5.0';
}

export function serializeModel(model: TflModel): Serialized {
  if (model.buffers[0]?.length !== 0) throw new Error('TFLite buffers[0] must be the empty sentinel');
  const { codes, indexOf } = operatorCodes(model);
  const minRuntime = minRuntimeVersion(codes);
  const versionBytes = new Uint8Array(MIN_RUNTIME_VERSION_BYTES);
  versionBytes.set(new TextEncoder().encode(minRuntime));
  const buffers = [...model.buffers];
  const metadata = [...model.metadata, { name: MIN_RUNTIME_VERSION_NAME, data: versionBytes }]
    .map((m) => ({ name: m.name, buffer: buffers.push(m.data) - 1 }));

  const dataBytes = buffers.reduce((n, b) => n + b.length + BUFFER_ALIGNMENT, 0);
  const b = new Builder(dataBytes + 64 * 1024 + model.tensors.length * 256 + model.operators.length * 128);

  // Buffers first: they end up last in the file.
  const bufferOffsets = buffers.map((data) => writeBuffer(b, data));
  const tensorOffsets = model.tensors.map((t) => writeTensor(b, t));
  const operatorOffsets = model.operators.map((o) => writeOperator(b, o, indexOf.get(o.op)!));
  const subgraph = table(b, [
    [SLOTS.SubGraph.tensors, 'offset', offsetVector(b, tensorOffsets)],
    [SLOTS.SubGraph.inputs, 'offset', intVector(b, model.inputs)],
    [SLOTS.SubGraph.outputs, 'offset', intVector(b, model.outputs)],
    [SLOTS.SubGraph.operators, 'offset', offsetVector(b, operatorOffsets)],
    [SLOTS.SubGraph.name, 'offset', b.createString(model.subgraphName)],
  ]);
  const codeOffsets = codes.map((c) => table(b, [
    [SLOTS.OperatorCode.deprecated_builtin_code, 'i8', Math.min(c.code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0],
    [SLOTS.OperatorCode.version, 'i32', c.version, 1],
    [SLOTS.OperatorCode.builtin_code, 'i32', c.code, 0],
  ]));
  const metadataOffsets = metadata.map((m) => table(b, [
    [SLOTS.Metadata.name, 'offset', b.createString(m.name)],
    [SLOTS.Metadata.buffer, 'i32', m.buffer, 0],
  ]));
  const tensorMaps = (entries: { name: string; tensor: number }[]) => offsetVector(b, entries.map((e) => table(b, [
    [SLOTS.TensorMap.name, 'offset', b.createString(e.name)],
    [SLOTS.TensorMap.tensor_index, 'i32', e.tensor, 0],
  ])));
  const sigInputs = tensorMaps(model.signature.inputs);
  const sigOutputs = tensorMaps(model.signature.outputs);
  const signature = table(b, [
    [SLOTS.SignatureDef.inputs, 'offset', sigInputs],
    [SLOTS.SignatureDef.outputs, 'offset', sigOutputs],
    [SLOTS.SignatureDef.signature_key, 'offset', b.createString(model.signature.key)],
    [SLOTS.SignatureDef.subgraph_index, 'i32', 0, 0],
  ]);
  const root = table(b, [
    [SLOTS.Model.version, 'i32', SCHEMA_VERSION, 0],
    [SLOTS.Model.operator_codes, 'offset', offsetVector(b, codeOffsets)],
    [SLOTS.Model.subgraphs, 'offset', offsetVector(b, [subgraph])],
    [SLOTS.Model.description, 'offset', b.createString(model.description)],
    [SLOTS.Model.buffers, 'offset', offsetVector(b, bufferOffsets)],
    [SLOTS.Model.metadata, 'offset', offsetVector(b, metadataOffsets)],
    [SLOTS.Model.signature_defs, 'offset', offsetVector(b, [signature])],
  ]);
  b.finish(root, FILE_IDENTIFIER);
  return { bytes: b.asUint8Array(), operatorCodes: codes, minRuntimeVersion: minRuntime };
}

// ---- helpers ----------------------------------------------------------------
type Field = [slot: number, kind: 'offset', value: Offset] | [slot: number, kind: 'i8' | 'i32' | 'f32', value: number, dflt: number];

/** One table; fields equal to their schema default are omitted, as flatc's builders do. */
function table(b: Builder, fields: Field[]): Offset {
  b.startObject(Math.max(0, ...fields.map((f) => f[0] + 1)));
  for (const f of fields) {
    if (f[1] === 'offset') { if (f[2]) b.addFieldOffset(f[0], f[2], 0); }
    else if (f[1] === 'i8') b.addFieldInt8(f[0], f[2], f[3]);
    else if (f[1] === 'i32') b.addFieldInt32(f[0], f[2], f[3]);
    else b.addFieldFloat32(f[0], f[2], f[3]);
  }
  return b.endObject();
}

function offsetVector(b: Builder, offsets: Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

function intVector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function floatVector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
  return b.endVector();
}

function longVector(b: Builder, values: readonly number[]): Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]!));
  return b.endVector();
}

/** Buffer{data}: the data vector starts 16-byte aligned in the finished file (force_align: 16). */
function writeBuffer(b: Builder, data: Uint8Array): Offset {
  if (data.length === 0) return table(b, []);
  // prep(16, n) pads so the n bytes written next start on a 16-byte boundary
  // (counted from the end, and finish() pads the whole file to the largest
  // alignment seen); createByteVector's own 4-byte prep then adds nothing.
  b.prep(BUFFER_ALIGNMENT, data.length);
  const vec = b.createByteVector(data);
  return table(b, [[SLOTS.Buffer.data, 'offset', vec]]);
}

function writeQuantization(b: Builder, q: TflQuantization): Offset {
  const scale = floatVector(b, q.scale);
  const zeroPoint = longVector(b, q.zeroPoint);
  return table(b, [
    [SLOTS.QuantizationParameters.scale, 'offset', scale],
    [SLOTS.QuantizationParameters.zero_point, 'offset', zeroPoint],
    [SLOTS.QuantizationParameters.quantized_dimension, 'i32', q.quantizedDimension, 0],
  ]);
}

function writeTensor(b: Builder, t: TflTensor): Offset {
  const name = b.createString(t.name);
  const shape = intVector(b, t.shape);
  const signature = t.shapeSignature ? intVector(b, t.shapeSignature) : 0;
  const quant = t.quantization ? writeQuantization(b, t.quantization) : 0;
  return table(b, [
    [SLOTS.Tensor.shape, 'offset', shape],
    [SLOTS.Tensor.type, 'i8', tensorTypeCode(t.type), 0],
    [SLOTS.Tensor.buffer, 'i32', t.buffer, 0],
    [SLOTS.Tensor.name, 'offset', name],
    [SLOTS.Tensor.quantization, 'offset', quant],
    // shape_signature only on a dynamic batch's activations (-1 in dim 0, README: dynamic batch); static
    // tensors have none. has_rank tells scalars from unknown rank.
    ...(signature ? [[SLOTS.Tensor.shape_signature, 'offset', signature] as Field] : []),
    [SLOTS.Tensor.has_rank, 'i8', 1, 0],
  ]);
}

function writeOptions(b: Builder, name: WrittenOptions, values: OptionValues): Offset {
  const spec = OPTIONS_TABLES[name] as Record<string, FieldSpec>;
  for (const k of Object.keys(values)) if (!spec[k]) throw new Error(`${name} has no field ${k} (format.ts OPTIONS_TABLES)`);
  const fields: Field[] = [];
  for (const [k, f] of Object.entries(spec)) {
    const v = values[k];
    if (v === undefined) continue;
    if (f.kind === 'i32[]') fields.push([f.slot, 'offset', intVector(b, v as number[])]);
    else if (f.kind === 'bool') fields.push([f.slot, 'i8', v ? 1 : 0, f.default ?? 0]);
    else fields.push([f.slot, f.kind, Number(v), f.default ?? 0]);
  }
  if (fields.length === 0) { b.startObject(0); return b.endObject(); }
  return table(b, fields);
}

function writeOperator(b: Builder, o: TflOperator, opcodeIndex: number): Offset {
  const optionsName = EMITTED_OPS[o.op].options as WrittenOptions | null;
  const options = optionsName ? writeOptions(b, optionsName, o.options ?? {}) : 0;
  const inputs = intVector(b, o.inputs);
  const outputs = intVector(b, o.outputs);
  return table(b, [
    [SLOTS.Operator.opcode_index, 'i32', opcodeIndex, 0],
    [SLOTS.Operator.inputs, 'offset', inputs],
    [SLOTS.Operator.outputs, 'offset', outputs],
    [SLOTS.Operator.builtin_options_type, 'i8', optionsName ? optionsUnionType(optionsName) : 0, 0],
    [SLOTS.Operator.builtin_options, 'offset', options],
  ]);
}
