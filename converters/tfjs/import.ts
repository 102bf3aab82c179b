/**
 * Importer: tfjs graph model (model.json + shards) -> IrGraph, so external
 * models go through every converter.
 *   read + check files -> outputs from the signature -> keep only the nodes
 *   they need -> topological order -> one IMPORT_RULES entry per TF node ->
 *   every unsupported node reported at once -> drop dead IR nodes -> validate.
 * Dynamic batch dims (-1) become the static `batch` option.
 */
import { addInput, emptyGraph, validateGraph, type IrGraph } from '../../src/ir/graph.js';
import { A2mError } from '../../src/errors.js';
import { UnsupportedOpsError, type UnsupportedOp } from '../types.js';
import { parseInputRef, type NodeDefJson } from './format.js';
import { Blocked, ConstantPool, ImportContext, Unsupported, type Value } from './import-context.js';
import { IMPORT_RULES } from './import-table.js';
import { GAPS, STAND_IN_SHAPES } from './import-gaps.js';
import { readGraphModel, type GraphModelFiles } from './reader.js';

export interface ImportOptions {
  /** Size of a dynamic (-1) leading input dim; default 1. */
  batch?: number;
}

/** The importer's target name in UnsupportedOpsError reports. */
export const IMPORT_TARGET = 'IR (tfjs import)';

export async function importTfjsGraphModel(p: string, opts: ImportOptions = {}): Promise<IrGraph> {
  return graphModelToIr(await readGraphModel(p), opts);
}

interface Endpoint { key: string; node: string; index: number }

function endpoints(files: GraphModelFiles, nodes: Map<string, NodeDefJson>): { inputs: Map<string, string>; outputs: Endpoint[] } {
  const sig = files.json.signature;
  const inputs = new Map<string, string>(); // placeholder node -> public name
  for (const [key, info] of Object.entries(sig?.inputs ?? {})) inputs.set(parseInputRef(info.name).node, key);
  let outputs: Endpoint[] = Object.entries(sig?.outputs ?? {}).map(([key, info]) => ({ key, ...parseInputRef(info.name) }));
  if (!outputs.length) {
    // No signature: the graph's sinks (nodes nobody reads) are its outputs, as tfjs does.
    const read = new Set([...nodes.values()].flatMap((n) => (n.input ?? []).map((r) => parseInputRef(r).node)));
    outputs = [...nodes.values()].filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => ({ key: n.name, node: n.name, index: 0 }));
  }
  if (!outputs.length) throw new A2mError(`${files.file}: the graph has no outputs`);
  return { inputs, outputs };
}

/** The nodes the outputs need, inputs before consumers (control edges ignored: no side effects in inference graphs). */
function neededInOrder(file: string, nodes: Map<string, NodeDefJson>, roots: string[]): NodeDefJson[] {
  const state = new Map<string, 1 | 2>(); // 1 visiting, 2 done
  const order: NodeDefJson[] = [];
  for (const root of roots) {
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const node = nodes.get(top.name)!;
      if (top.next === 0) {
        if (state.get(top.name) === 2) { stack.pop(); continue; }
        state.set(top.name, 1);
      }
      const data = (node.input ?? []).filter((r) => !r.startsWith('^'));
      if (top.next < data.length) {
        const dep = parseInputRef(data[top.next++]!).node;
        const s = state.get(dep);
        if (s === 1) throw new A2mError(`${file}: the graph has a cycle through node ${dep}`);
        if (s !== 2) stack.push({ name: dep, next: 0 });
        continue;
      }
      state.set(top.name, 2);
      order.push(node);
      stack.pop();
    }
  }
  return order;
}

export function graphModelToIr(files: GraphModelFiles, opts: ImportOptions = {}): IrGraph {
  const { file } = files;
  // After an unsupported node, a stand-in input of its output shape lets the nodes
  // downstream be checked too (the graph is discarded when anything was unsupported).
  const standIn = (ctx: ImportContext, node: NodeDefJson): Value | undefined => {
    try {
      const shape = STAND_IN_SHAPES[node.op]?.(ctx);
      if (!shape) return undefined;
      const v = addInput(g, uniqueName(`${node.name}/stand_in`, false), shape);
      return { kind: 'float', name: v.name, shape: v.shape };
    } catch { return undefined; }
  };
  const batch = opts.batch ?? 1;
  const nodes = new Map(files.json.modelTopology.node.map((n) => [n.name, n]));
  const { inputs, outputs } = endpoints(files, nodes);
  const g = emptyGraph();
  const values = new Map<string, Value | undefined>();
  const problems: UnsupportedOp[] = [];

  const reserved = new Set(nodes.keys());
  const uniqueName = (want: string, own: boolean): string => {
    let name = want;
    for (let k = 1; g.shapes.has(name) || (!own && reserved.has(name)); k++) name = `${want}_${k}`;
    return name;
  };
  const pool = new ConstantPool();
  const producers = new Map<string, { op: string; inputs: string[] }>();
  let indexed = 0;
  const producerOf = (v: string) => {
    for (; indexed < g.nodes.length; indexed++) producers.set(g.nodes[indexed]!.output, g.nodes[indexed]!);
    return producers.get(v);
  };

  for (const node of neededInOrder(file, nodes, outputs.map((o) => o.node))) {
    const where = `${file}: node ${node.name} (${node.op})`;
    if (node.op === 'Placeholder') {
      if (node.attr?.dtype?.type !== 'DT_FLOAT') throw new A2mError(`${where}: input dtype ${node.attr?.dtype?.type}, expected DT_FLOAT`);
      const dims = node.attr?.shape?.shape?.dim?.map((d) => Number(d.size));
      if (!dims || dims.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i > 0))) throw new A2mError(`${where}: input shape must be static except a leading -1 (batch), got ${JSON.stringify(node.attr?.shape)}`);
      const v = addInput(g, inputs.get(node.name) ?? node.name, dims.map((d) => (d === -1 ? batch : d)));
      values.set(node.name, { kind: 'float', name: v.name, shape: v.shape });
      continue;
    }
    if (node.op === 'Const') {
      const w = files.weights.get(node.name);
      if (!w) throw new A2mError(`${where}: no weight of that name in weightsManifest`);
      const declared = node.attr?.value?.tensor?.tensorShape?.dim?.map((d) => Number(d.size));
      if (declared && declared.join() !== w.shape.join()) throw new A2mError(`${where}: shape [${declared}] in the graph, [${w.shape}] in the manifest`);
      values.set(node.name, w.dtype === 'int32'
        ? { kind: 'int', shape: w.shape, data: Array.from(w.data) }
        : { kind: 'const', tfName: node.name, tensor: { shape: w.shape, data: w.data as Float32Array } });
      continue;
    }
    const refs = (node.input ?? []).filter((r) => !r.startsWith('^')).map(parseInputRef);
    const ctx = new ImportContext(node, refs.map((r) => values.get(r.node)), g, uniqueName, producerOf, pool);
    const rule = IMPORT_RULES[node.op];
    const multi = refs.find((r) => r.index !== 0);
    try {
      if (!rule) throw new Unsupported(GAPS[node.op] ?? 'no IR mapping for this TF op');
      if (multi) throw new Unsupported(`reads output ${multi.index} of ${multi.node}: only single-output ops are imported`);
      values.set(node.name, rule(ctx));
    } catch (e) {
      values.set(node.name, undefined);
      if (e instanceof Blocked) continue;
      if (e instanceof Unsupported) {
        problems.push({ node: node.name, op: node.op, target: IMPORT_TARGET, reason: e.message });
        values.set(node.name, standIn(ctx, node));
        continue;
      }
      if (e instanceof A2mError) throw new A2mError(`${file}: ${e.message}`);
      throw new A2mError(`${where}: ${(e as Error).message}`);
    }
  }
  if (problems.length) throw new UnsupportedOpsError(problems);

  for (const o of outputs) {
    const v = values.get(o.node);
    if (!v || v.kind === 'int') throw new A2mError(`${file}: output ${o.key} (${o.node}) is not a float tensor`);
    if (o.index !== 0) throw new A2mError(`${file}: output ${o.key} reads output ${o.index} of ${o.node}; only single-output ops are imported`);
    const value = v.kind === 'const'
      ? new ImportContext({ name: o.node, op: 'Const' }, [], g, uniqueName, producerOf, pool).materialise(v)
      : v;
    g.outputs.push({ name: o.key, value: value.name });
  }
  removeDeadValues(g);
  g.metadata = {
    // Where it came from (a portable path, in the model info) is the driver's to say: src/convert.
    sourceFormat: 'tfjs graph model',
    ...Object.fromEntries(Object.entries(files.json.userDefinedMetadata ?? {}).filter(([, v]) => typeof v === 'string') as [string, string][]),
  };
  validateGraph(g);
  return g;
}

/** Drops nodes and constants no output depends on (aliases leave some behind, e.g. folded reshapes). */
function removeDeadValues(g: IrGraph): void {
  const live = new Set(g.outputs.map((o) => o.value));
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (live.has(n.output)) n.inputs.forEach((v) => live.add(v));
  }
  const deadNodes = g.nodes.filter((n) => !live.has(n.output));
  g.nodes = g.nodes.filter((n) => live.has(n.output));
  for (const n of deadNodes) g.shapes.delete(n.output);
  for (const name of [...g.constants.keys()]) if (!live.has(name)) { g.constants.delete(name); g.shapes.delete(name); }
}
