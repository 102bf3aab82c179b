/**
 * Reads any ONNX model into a summary (opset, I/O, nodes by op type, initializers), checking
 * what a corrupted or foreign file would break: protobuf framing, required fields, tensor
 * byte counts against their dims, external data ranges, and that every node input is defined
 * before use. Every problem ends in one A2mError naming the file and the element.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { ModelProto, toNumber, type PbGraph, type PbModel, type PbTensor, type PbType, type PbValueInfo } from './proto.js';
import { BITS_PER_ELEMENT, DataLocation, DataType, MAX_KNOWN_IR_VERSION, dataTypeName } from './facts.js';

export interface OnnxValueSummary { name: string; elemType: string; shape: (number | string)[] }

export interface OnnxSummary {
  file: string;
  irVersion: number;
  producer: { name: string; version: string };
  opsets: { domain: string; version: number }[];
  /** Graph inputs that are not initializers. */
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  nodeCount: number;
  /** Top-level nodes per op type ("domain:Op" outside the default domain). */
  opTypes: Record<string, number>;
  /** Nodes inside subgraph attributes (If / Loop / Scan bodies). */
  subgraphNodeCount: number;
  initializers: { count: number; bytes: number; external: number; byType: Record<string, number> };
  functions: number;
  metadata: Record<string, string>;
  /** ModelProto.doc_string ('' when none). */
  docString: string;
}

/** Summary of the model at `file`; external data ranges are checked against the files beside it. */
export async function readOnnx(file: string): Promise<OnnxSummary> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new A2mError(`${file}: cannot read ONNX model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  const m = decode(bytes, file);
  const summary = summarize(m, file);
  await checkExternalFiles(m, file, path.dirname(file));
  return summary;
}

function decode(bytes: Uint8Array, label: string): PbModel {
  if (bytes.length === 0) throw new A2mError(`${label}: empty file, expected an ONNX ModelProto`);
  try {
    return ModelProto.decode(bytes) as unknown as PbModel;
  } catch (e) {
    const msg = e instanceof RangeError && /call stack/.test(e.message) ? 'nesting too deep' : (e as Error).message;
    throw new A2mError(`${label}: not a valid ONNX model (protobuf decoding failed: ${msg})`, { cause: e });
  }
}

const fail = (label: string, what: string): never => { throw new A2mError(`${label}: ${what}`); };

function elementCount(t: PbTensor, label: string): number {
  let n = 1;
  for (const d of t.dims ?? []) {
    const v = toNumber(d);
    if (!Number.isSafeInteger(v) || v < 0) fail(label, `initializer ${t.name} has invalid dimension ${String(d)}`);
    n *= v;
    if (!Number.isSafeInteger(n)) fail(label, `initializer ${t.name} has an impossible element count`);
  }
  return n;
}

/** Checks a tensor's payload against its dims; returns its payload size in bytes. */
function tensorBytes(t: PbTensor, label: string): number {
  const name = t.name || '(unnamed)';
  if (!t.name) fail(label, 'an initializer has no name');
  const type = t.data_type ?? 0;
  const n = elementCount(t, label);
  if (type === DataType.STRING) {
    const s = t.string_data ?? [];
    if (s.length !== n) fail(label, `string initializer ${name} holds ${s.length} strings, dims say ${n}`);
    return s.reduce((a, b) => a + b.length, 0);
  }
  const bits = BITS_PER_ELEMENT[type];
  if (!bits) fail(label, `initializer ${name} has unknown data_type ${type}`);
  const expected = Math.ceil((n * bits!) / 8);
  if (t.data_location === DataLocation.EXTERNAL) {
    const ext = new Map((t.external_data ?? []).map((e) => [e.key, e.value]));
    if (!ext.get('location')) fail(label, `initializer ${name} is external but has no location`);
    const length = ext.has('length') ? Number(ext.get('length')) : expected;
    const offset = ext.has('offset') ? Number(ext.get('offset')) : 0;
    if (!Number.isSafeInteger(offset) || offset < 0) fail(label, `initializer ${name} has invalid external offset "${ext.get('offset')}"`);
    if (length !== expected) fail(label, `initializer ${name} (${dataTypeName(type)} x ${n}) needs ${expected} bytes, external length says ${ext.get('length')}`);
    return expected;
  }
  if (t.raw_data && t.raw_data.length > 0) {
    if (t.raw_data.length !== expected) fail(label, `initializer ${name} (${dataTypeName(type)} x ${n}) needs ${expected} bytes of raw_data, has ${t.raw_data.length}`);
    return expected;
  }
  const typed = (t.float_data?.length ?? 0) + (t.int32_data?.length ?? 0) + (t.int64_data?.length ?? 0) + (t.double_data?.length ?? 0) + (t.uint64_data?.length ?? 0);
  // 4-bit types pack two elements per int32_data entry.
  const entries = bits === 4 ? Math.ceil(n / 2) : n;
  if (typed !== entries) fail(label, `initializer ${name} (${dataTypeName(type)} x ${n}) holds ${typed} typed values`);
  return expected;
}

function valueSummary(v: PbValueInfo, label: string, where: string): OnnxValueSummary {
  if (!v.name) fail(label, `a graph ${where} has no name`);
  const tt = (v.type as PbType | undefined)?.tensor_type;
  if (!tt) {
    const kind = v.type ? Object.keys(v.type).find((k) => k.endsWith('_type')) ?? 'unknown' : 'missing';
    return { name: v.name, elemType: kind.replace(/_type$/, ''), shape: [] };
  }
  const shape = (tt.shape?.dim ?? []).map((d) => (d.dim_param ? d.dim_param : d.dim_value !== undefined && d.dim_value !== null ? toNumber(d.dim_value) : '?'));
  return { name: v.name, elemType: dataTypeName(tt.elem_type ?? 0).toLowerCase(), shape };
}

function countSubgraphNodes(g: PbGraph): number {
  let n = 0;
  for (const node of g.node ?? []) for (const a of node.attribute ?? []) {
    for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) n += (sub.node?.length ?? 0) + countSubgraphNodes(sub);
  }
  return n;
}

/** Summary of a model held in memory (external data files are not looked at). */
export function readOnnxBytes(bytes: Uint8Array, label = '<bytes>'): OnnxSummary {
  return summarize(decode(bytes, label), label);
}

function summarize(m: PbModel, label: string): OnnxSummary {
  const ir = toNumber(m.ir_version);
  if (!Number.isInteger(ir) || ir < 1 || ir > MAX_KNOWN_IR_VERSION) fail(label, `not an ONNX model: ir_version ${m.ir_version ?? 'missing'} (expected 1..${MAX_KNOWN_IR_VERSION})`);
  const opsets = (m.opset_import ?? []).map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version) }));
  if (!opsets.length) fail(label, 'not an ONNX model: no opset_import');
  for (const o of opsets) if (!Number.isInteger(o.version) || o.version < 1) fail(label, `opset_import for domain "${o.domain}" has invalid version ${o.version}`);
  const g = m.graph;
  if (!g) fail(label, 'not an ONNX model: no graph');
  const graph = g!;

  const defined = new Set<string>();
  const initNames = new Set<string>();
  const byType: Record<string, number> = {};
  let initBytes = 0, external = 0;
  for (const t of graph.initializer ?? []) {
    initBytes += tensorBytes(t, label);
    if (t.data_location === DataLocation.EXTERNAL) external++;
    const tn = dataTypeName(t.data_type ?? 0).toLowerCase();
    byType[tn] = (byType[tn] ?? 0) + 1;
    if (initNames.has(t.name)) fail(label, `initializer ${t.name} appears twice`);
    initNames.add(t.name);
    defined.add(t.name);
  }
  for (const s of (graph.sparse_initializer ?? []) as { values?: PbTensor }[]) if (s.values?.name) defined.add(s.values.name);
  const inputs = (graph.input ?? []).map((v) => valueSummary(v, label, 'input'));
  for (const i of inputs) defined.add(i.name);

  const opTypes: Record<string, number> = {};
  (graph.node ?? []).forEach((n, idx) => {
    const id = n.name ? `node ${n.name}` : `node #${idx}`;
    if (!n.op_type) fail(label, `${id} has no op_type`);
    for (const i of n.input ?? []) if (i !== '' && !defined.has(i)) fail(label, `${id} (${n.op_type}) reads ${i}, which no input, initializer or earlier node defines`);
    if (!(n.output ?? []).length) fail(label, `${id} (${n.op_type}) has no outputs`);
    for (const o of n.output ?? []) if (o !== '') defined.add(o);
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.op_type}` : n.op_type;
    opTypes[key] = (opTypes[key] ?? 0) + 1;
  });
  const outputs = (graph.output ?? []).map((v) => valueSummary(v, label, 'output'));
  for (const o of outputs) if (!defined.has(o.name)) fail(label, `graph output ${o.name} is never produced`);

  const sorted = Object.fromEntries(Object.entries(opTypes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return {
    file: label,
    irVersion: ir,
    producer: { name: m.producer_name ?? '', version: m.producer_version ?? '' },
    opsets,
    inputs: inputs.filter((i) => !initNames.has(i.name)),
    outputs,
    nodeCount: graph.node?.length ?? 0,
    opTypes: sorted,
    subgraphNodeCount: countSubgraphNodes(graph),
    initializers: { count: graph.initializer?.length ?? 0, bytes: initBytes, external, byType },
    functions: m.functions?.length ?? 0,
    metadata: Object.fromEntries((m.metadata_props ?? []).map((p) => [p.key, p.value])),
    docString: m.doc_string ?? '',
  };
}

/** External tensors must lie inside files that exist beside the model. */
async function checkExternalFiles(m: PbModel, label: string, baseDir: string): Promise<void> {
  const sizes = new Map<string, number>();
  for (const t of m.graph?.initializer ?? []) {
    if (t.data_location !== DataLocation.EXTERNAL) continue;
    const ext = new Map((t.external_data ?? []).map((e) => [e.key, e.value]));
    const loc = ext.get('location')!;
    if (path.isAbsolute(loc) || loc.split(/[\\/]/).includes('..')) fail(label, `initializer ${t.name}: external location "${loc}" must be a relative path inside the model's directory`);
    const file = path.join(baseDir, loc);
    let size = sizes.get(file);
    if (size === undefined) {
      try { size = (await stat(file)).size; } catch { fail(label, `initializer ${t.name}: external data file ${loc} is missing`); }
      sizes.set(file, size!);
    }
    const offset = Number(ext.get('offset') ?? 0);
    const length = Number(ext.get('length') ?? 0);
    if (offset + length > size!) fail(label, `initializer ${t.name}: bytes ${offset}..${offset + length} lie beyond the end of ${loc} (${size} bytes)`);
  }
}
