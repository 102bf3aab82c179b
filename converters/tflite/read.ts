/**
 * Reads any .tflite into a plain summary: subgraphs, tensors, operators by
 * builtin name, signature defs, metadata, buffer placement. Every offset is
 * bounds-checked (fb-reader.ts) and every cross-reference (opcode, tensor,
 * buffer, subgraph indices) is validated, so a corrupted file ends in one
 * A2mError naming the file and what was wrong, never a crash or a hang.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { FbError, FbFile, type FbTable } from './fb-reader.js';
import {
  BUILTIN_OPERATOR_NAMES, BUILTIN_OPTIONS_NAMES, FILE_IDENTIFIER, MIN_RUNTIME_VERSION_NAME, OPTIONS_TABLES, SLOTS,
  TENSOR_TYPE_BYTES, TENSOR_TYPE_NAMES, type FieldSpec, type OptionValues, type TensorTypeName,
} from './format.js';

export interface QuantizationSummary { scale: number[]; zeroPoint: number[]; quantizedDimension: number }
export interface TensorSummary {
  index: number;
  name: string;
  shape: number[];
  shapeSignature?: number[];
  type: string;
  buffer: number;
  /** Bytes of constant data (0 for activations). */
  dataBytes: number;
  quantization?: QuantizationSummary;
  /** Set when the tensor carries SparsityParameters (its buffer is not dense). */
  sparse?: boolean;
}
export interface OperatorSummary {
  opcodeIndex: number;
  op: string;
  version: number;
  inputs: number[];
  outputs: number[];
  /** Options table name and, for the tables in format.ts OPTIONS_TABLES, its values. */
  options?: { name: string; values?: OptionValues };
}
export interface SubgraphSummary {
  name: string;
  inputs: number[];
  outputs: number[];
  tensors: TensorSummary[];
  operators: OperatorSummary[];
  opCounts: Record<string, number>;
}
export interface BufferSummary { index: number; offset: number; size: number }
export interface TfliteSummary {
  fileBytes: number;
  version: number;
  description: string;
  operatorCodes: { name: string; builtinCode: number; deprecatedBuiltinCode: number; version: number; customCode?: string }[];
  subgraphs: SubgraphSummary[];
  /** Where each buffer's data lies in the file (offset 0, size 0 when empty). */
  buffers: BufferSummary[];
  signatureDefs: { key: string; subgraph: number; inputs: { name: string; tensor: number }[]; outputs: { name: string; tensor: number }[] }[];
  metadata: { name: string; buffer: number; size: number }[];
  minRuntimeVersion?: string;
}

export async function readTfliteFile(file: string): Promise<TfliteSummary> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new A2mError(`${file}: cannot read (${(e as Error).message})`);
  }
  return readTflite(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path.basename(file));
}

/** Parses and validates; `label` names the file in errors. */
export function readTflite(bytes: Uint8Array, label = 'model.tflite'): TfliteSummary {
  if (bytes.length < 8) throw new A2mError(`${label}: ${bytes.length} bytes is too short for a TFLite flatbuffer`);
  const magic = new TextDecoder().decode(bytes.subarray(4, 8));
  if (magic !== FILE_IDENTIFIER) throw new A2mError(`${label}: file identifier "${printable(magic)}" at bytes 4-7 is not "${FILE_IDENTIFIER}": not a TFLite model`);
  let summary: TfliteSummary;
  try {
    summary = parse(new FbFile(bytes));
  } catch (e) {
    if (e instanceof FbError) throw new A2mError(`${label}: corrupted TFLite flatbuffer: ${e.message}`);
    throw e;
  }
  const problems = validate(summary, bytes.length);
  if (problems.length) {
    throw new A2mError(`${label}: invalid TFLite model: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
  }
  return summary;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

function parse(f: FbFile): TfliteSummary {
  const m = f.root('Model');
  const S = SLOTS;
  const operatorCodes = m.tables(S.Model.operator_codes, 'operator_codes').map((c) => {
    const deprecated = c.scalar(S.OperatorCode.deprecated_builtin_code, 'i8', 0, 'deprecated_builtin_code');
    const builtin = c.scalar(S.OperatorCode.builtin_code, 'i32', 0, 'builtin_code');
    // schema_utils GetBuiltinCode: the larger of the two fields.
    const code = Math.max(builtin, deprecated);
    const customCode = c.string(S.OperatorCode.custom_code, 'custom_code') ?? undefined;
    return { name: BUILTIN_OPERATOR_NAMES[code] ?? `BUILTIN_${code}`, builtinCode: builtin, deprecatedBuiltinCode: deprecated, version: c.scalar(S.OperatorCode.version, 'i32', 1, 'version'), customCode };
  });
  const buffers = m.tables(S.Model.buffers, 'buffers').map((b, index): BufferSummary => {
    const data = b.vector(S.Buffer.data, 1, 'data');
    if (data) return { index, offset: data.start, size: data.length };
    // Models over 2 GB keep data outside the flatbuffer: offset (> 1) and size from the file start.
    const offset = b.scalar(S.Buffer.offset, 'u64', 0, 'offset');
    return { index, offset: offset > 1 ? offset : 0, size: offset > 1 ? b.scalar(S.Buffer.size, 'u64', 0, 'size') : 0 };
  });
  const subgraphs = m.tables(S.Model.subgraphs, 'subgraphs').map((sg) => parseSubgraph(sg, operatorCodes, buffers));
  const signatureDefs = m.tables(S.Model.signature_defs, 'signature_defs').map((sd) => {
    const maps = (slot: number, name: string) => sd.tables(slot, name).map((t) => ({
      name: t.string(S.TensorMap.name, 'name') ?? '',
      tensor: t.scalar(S.TensorMap.tensor_index, 'u32', 0, 'tensor_index'),
    }));
    return {
      key: sd.string(S.SignatureDef.signature_key, 'signature_key') ?? '',
      subgraph: sd.scalar(S.SignatureDef.subgraph_index, 'u32', 0, 'subgraph_index'),
      inputs: maps(S.SignatureDef.inputs, 'inputs'),
      outputs: maps(S.SignatureDef.outputs, 'outputs'),
    };
  });
  const metadata = m.tables(S.Model.metadata, 'metadata').map((md) => {
    const buffer = md.scalar(S.Metadata.buffer, 'u32', 0, 'buffer');
    return { name: md.string(S.Metadata.name, 'name') ?? '', buffer, size: buffers[buffer]?.size ?? 0 };
  });
  const mrv = metadata.find((x) => x.name === MIN_RUNTIME_VERSION_NAME);
  const mrvBuffer = mrv ? buffers[mrv.buffer] : undefined;
  const minRuntimeVersion = mrvBuffer && mrvBuffer.size > 0
    ? printable(new TextDecoder().decode(f.bytes.subarray(mrvBuffer.offset, mrvBuffer.offset + mrvBuffer.size)).replace(/\0+$/, ''))
    : undefined;
  return {
    fileBytes: f.length,
    version: m.scalar(S.Model.version, 'u32', 0, 'version'),
    description: m.string(S.Model.description, 'description') ?? '',
    operatorCodes, subgraphs, buffers, signatureDefs, metadata, minRuntimeVersion,
  };
}

function parseSubgraph(sg: FbTable, codes: TfliteSummary['operatorCodes'], buffers: BufferSummary[]): SubgraphSummary {
  const S = SLOTS;
  const tensors = sg.tables(S.SubGraph.tensors, 'tensors').map((t, index): TensorSummary => {
    const typeCode = t.scalar(S.Tensor.type, 'i8', 0, 'type');
    const buffer = t.scalar(S.Tensor.buffer, 'u32', 0, 'buffer');
    const q = t.table(S.Tensor.quantization, 'quantization');
    const scale = q?.numbers(S.QuantizationParameters.scale, 'f32', 'scale') ?? null;
    return {
      index,
      name: t.string(S.Tensor.name, 'name') ?? '',
      shape: t.numbers(S.Tensor.shape, 'i32', 'shape') ?? [],
      shapeSignature: t.numbers(S.Tensor.shape_signature, 'i32', 'shape_signature') ?? undefined,
      type: TENSOR_TYPE_NAMES[typeCode] ?? `TYPE_${typeCode}`,
      buffer,
      dataBytes: buffers[buffer]?.size ?? 0,
      quantization: q && scale && scale.length ? {
        scale,
        zeroPoint: q.numbers(S.QuantizationParameters.zero_point, 'i64', 'zero_point') ?? [],
        quantizedDimension: q.scalar(S.QuantizationParameters.quantized_dimension, 'i32', 0, 'quantized_dimension'),
      } : undefined,
      sparse: t.has(S.Tensor.sparsity) || undefined,
    };
  });
  const operators = sg.tables(S.SubGraph.operators, 'operators').map((o): OperatorSummary => {
    const opcode = o.scalar(S.Operator.opcode_index, 'u32', 0, 'opcode_index');
    const code = codes[opcode];
    const optionsType = o.scalar(S.Operator.builtin_options_type, 'u8', 0, 'builtin_options_type');
    const optionsName = optionsType ? BUILTIN_OPTIONS_NAMES[optionsType] ?? `Options_${optionsType}` : undefined;
    const spec = optionsName ? (OPTIONS_TABLES as Record<string, Record<string, FieldSpec>>)[optionsName] : undefined;
    const table = optionsName ? o.table(S.Operator.builtin_options, 'builtin_options') : null;
    return {
      opcodeIndex: opcode,
      op: code ? code.customCode ?? code.name : `<opcode ${opcode}>`,
      version: code?.version ?? 0,
      inputs: o.numbers(S.Operator.inputs, 'i32', 'inputs') ?? [],
      outputs: o.numbers(S.Operator.outputs, 'i32', 'outputs') ?? [],
      options: optionsName ? { name: optionsName, values: spec && table ? decodeOptions(table, spec) : undefined } : undefined,
    };
  });
  const opCounts: Record<string, number> = {};
  for (const o of operators) opCounts[o.op] = (opCounts[o.op] ?? 0) + 1;
  return {
    name: sg.string(S.SubGraph.name, 'name') ?? '',
    inputs: sg.numbers(S.SubGraph.inputs, 'i32', 'inputs') ?? [],
    outputs: sg.numbers(S.SubGraph.outputs, 'i32', 'outputs') ?? [],
    tensors, operators, opCounts,
  };
}

function decodeOptions(t: FbTable, spec: Record<string, FieldSpec>): OptionValues {
  const out: OptionValues = {};
  for (const [name, f] of Object.entries(spec)) {
    if (f.kind === 'i32[]') { const v = t.numbers(f.slot, 'i32', name); if (v) out[name] = v; }
    else if (f.kind === 'bool') out[name] = t.scalar(f.slot, 'u8', f.default ?? 0, name) !== 0;
    else out[name] = t.scalar(f.slot, f.kind === 'f32' ? 'f32' : f.kind, f.default ?? 0, name);
  }
  return out;
}

/** Cross-references a flatbuffer cannot check by itself. */
function validate(s: TfliteSummary, fileBytes: number): string[] {
  const p: string[] = [];
  if (s.version !== 3) p.push(`Model.version is ${s.version} (expected 3)`);
  if (s.subgraphs.length === 0) p.push('the model has no subgraphs');
  for (const b of s.buffers) if (b.offset + b.size > fileBytes) p.push(`buffer ${b.index} (${b.size} bytes at ${b.offset}) lies past the end of the file`);
  s.subgraphs.forEach((sg, si) => {
    const n = sg.tensors.length;
    const where = `subgraph ${si}`;
    const checkIndex = (i: number, what: string, optional = false) => {
      if (!(Number.isInteger(i) && i < n && (i >= 0 || (optional && i === -1)))) p.push(`${where}: ${what} refers to tensor ${i} (the subgraph has ${n})`);
    };
    sg.inputs.forEach((i) => checkIndex(i, 'input'));
    sg.outputs.forEach((i) => checkIndex(i, 'output'));
    for (const t of sg.tensors) {
      const tw = `${where} tensor ${t.index} "${printable(t.name).slice(0, 60)}"`;
      if (t.buffer >= s.buffers.length) { p.push(`${tw} refers to buffer ${t.buffer} (the model has ${s.buffers.length})`); continue; }
      if (t.shape.some((d) => d < 0)) p.push(`${tw} has negative dimension in shape [${t.shape}]`);
      const elem = TENSOR_TYPE_BYTES[t.type as TensorTypeName];
      const expected = elem === undefined ? null : t.shape.reduce((a, d) => a * d, elem);
      if (t.dataBytes > 0 && expected !== null && !t.sparse && t.dataBytes !== expected) {
        p.push(`${tw}: ${t.type}[${t.shape}] needs ${expected} bytes, its buffer ${t.buffer} holds ${t.dataBytes}`);
      }
    }
    sg.operators.forEach((o, oi) => {
      if (o.opcodeIndex >= s.operatorCodes.length) p.push(`${where} operator ${oi}: opcode_index ${o.opcodeIndex} (the model has ${s.operatorCodes.length} operator codes)`);
      o.inputs.forEach((i) => checkIndex(i, `operator ${oi} (${o.op}) input`, true));
      o.outputs.forEach((i) => checkIndex(i, `operator ${oi} (${o.op}) output`));
    });
  });
  for (const sd of s.signatureDefs) {
    const sg = s.subgraphs[sd.subgraph];
    if (!sg) { p.push(`signature "${sd.key}" refers to subgraph ${sd.subgraph} (the model has ${s.subgraphs.length})`); continue; }
    for (const e of [...sd.inputs, ...sd.outputs]) {
      if (e.tensor >= sg.tensors.length) p.push(`signature "${sd.key}" entry "${e.name}" refers to tensor ${e.tensor} (subgraph has ${sg.tensors.length})`);
    }
  }
  for (const md of s.metadata) if (md.buffer >= s.buffers.length) p.push(`metadata "${md.name}" refers to buffer ${md.buffer} (the model has ${s.buffers.length})`);
  return p;
}
