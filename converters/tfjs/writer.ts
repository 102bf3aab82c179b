/**
 * IR graph -> tfjs graph model (model.json object + weight shards), in memory.
 * Validates every node against the emitter table first and reports all
 * unsupported nodes at once; the file writing (atomic) is in index.ts.
 */
import type { IrGraph } from '../../src/ir/graph.js';
import { toolVersion } from '../../src/util/version.js';
import { UnsupportedOpsError, metadataEntries, type ModelInfo, type Precision, type UnsupportedOp } from '../types.js';
import { EMITTERS, emitterFor, type EmitContext } from './emitters.js';
import { GraphDefBuilder } from './graphdef-builder.js';
import { GRAPH_MODEL_FORMAT, GRAPH_PRODUCER, SHARD_BYTES, shapeJson, shardName, type GraphModelJson, type TensorInfoJson } from './format.js';
import { encodeWeights, shardBytes, type Storage } from './weights.js';
import { planPrecision, type PrecisionPlan } from '../../src/ir/precision.js';

export const TARGET = 'tfjs';

export interface BuildOptions {
  precision: Precision;
  metadata?: Record<string, string>;
  info?: ModelInfo;
  /** Shard size in bytes (default 4 MiB, as tensorflowjs_converter). */
  shardBytes?: number;
}

export interface BuiltGraphModel {
  json: GraphModelJson;
  /** Shard file name -> bytes, in manifest order. */
  shards: { name: string; bytes: Uint8Array }[];
}

/**
 * Tensors below this size stay float32 at every precision (as TFLite's
 * dynamic-range quantizer): biases, norms and scalars cost nothing to keep, and
 * some scalars (the log-power floor 1e-8) do not survive float16 at all.
 */
export const QUANTIZE_MIN_ELEMENTS = 1024;

/**
 * The precision plan (src/ir/precision.ts) in tfjs's encodings. fp16: every large float tensor
 * the plan lets be half as float16; int8: the plan's int8 weights as uint8 affine (tfjs has one
 * scale per tensor, not per channel), the rest float32. `ir`: the IR constant a weight holds
 * (undefined for the converter's own tensors, which follow the size rule alone).
 */
function storageOf(plan: PrecisionPlan, ir: string | undefined, elements: number): Storage {
  if (elements < QUANTIZE_MIN_ELEMENTS || plan.precision === 'fp32') return 'float32';
  if (plan.precision === 'fp16') return ir === undefined || plan.storesHalf(ir) ? 'float16' : 'float32';
  return ir !== undefined && plan.quantizes(ir) ? 'uint8' : 'float32';
}

/** Every node the table cannot express, with the reason: all of them, before anything is built. */
export function findUnsupported(graph: IrGraph): UnsupportedOp[] {
  const problems: UnsupportedOp[] = [];
  for (const n of graph.nodes) {
    // A graph read from a file may name an op the IR does not have; the table answers every IR op.
    const e = Object.hasOwn(EMITTERS, n.op) ? emitterFor(n.op) : undefined;
    const reason = !e ? 'no tfjs emitter for this op' : e.check?.(n, n.inputs.map((i) => graph.shapes.get(i)!)) ?? null;
    if (reason) problems.push({ node: n.name, op: n.op, target: TARGET, reason });
  }
  return problems;
}

/** tfjs reads `signature` and `structuredOutputKeys` from userDefinedMetadata as its own: never let provenance shadow them. */
const RESERVED_METADATA_KEYS = ['signature', 'structuredOutputKeys'];
function withoutReservedKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !RESERVED_METADATA_KEYS.includes(k)));
}

export function buildGraphModel(graph: IrGraph, opts: BuildOptions): BuiltGraphModel {
  const problems = findUnsupported(graph);
  if (problems.length) throw new UnsupportedOpsError(problems);

  const b = new GraphDefBuilder();
  const tfName = new Map<string, string>(); // IR value -> TF tensor
  const plan = planPrecision(graph, opts.precision);
  const irConstantOf = new Map<string, string>(); // TF Const -> the IR constant it holds (in any layout)
  const reshapedConsts = new Map<string, string>();

  // Public names first, so IR names can never take them.
  const outputNodes = graph.outputs.map((o) => b.unique(o.name));
  // A dynamic batch is -1 in dim 0 of the placeholder and the signature (tfjs and TF read it as unknown).
  const publicShape = (shape: readonly number[]) => (graph.dynamicBatch ? [-1, ...shape.slice(1)] : [...shape]);
  for (const inp of graph.inputs) tfName.set(inp.name, b.placeholder(inp.name, publicShape(inp.shape)));

  const constantName = (ir: string): string => {
    let n = tfName.get(ir);
    if (!n) { n = b.constFloat(ir, graph.constants.get(ir)!); tfName.set(ir, n); irConstantOf.set(n, ir); }
    return n;
  };
  const valueName = (ir: string): string => (graph.constants.has(ir) ? constantName(ir) : tfName.get(ir)!);

  for (const node of graph.nodes) {
    const shapes = node.inputs.map((i) => graph.shapes.get(i)!);
    let produced: string | undefined;
    const ctx: EmitContext = {
      name: node.name,
      attrs: node.attrs,
      inputCount: node.inputs.length,
      input: (i) => valueName(node.inputs[i]!),
      shape: (i) => shapes[i]!,
      outShape: graph.shapes.get(node.output)!,
      dynamicBatch: Boolean(graph.dynamicBatch),
      inputAs(i, shape) {
        const ir = node.inputs[i]!;
        const t = graph.constants.get(ir);
        if (!t) return ctx.op('Reshape', [valueName(ir), ctx.ints(`weight_shape_${i}`, shape)], { T: { type: 'DT_FLOAT' }, Tshape: { type: 'DT_INT32' } }, `weight_${i}`);
        const key = `${ir}|${shape.join(',')}`;
        let name = shape.join() === t.shape.join() ? constantName(ir) : reshapedConsts.get(key);
        if (!name) { name = b.constFloat(ir, { shape, data: t.data }); reshapedConsts.set(key, name); irConstantOf.set(name, ir); }
        return name;
      },
      op(op, inputs, attrs = {}, suffix) {
        const name = b.node(suffix === undefined ? node.name : `${node.name}/${suffix}`, op, inputs, attrs);
        if (suffix === undefined) produced = name;
        return name;
      },
      ints: (suffix, values, shape) => b.constInt(`${node.name}/${suffix}`, values, shape),
      scalar: (v) => b.scalar(v),
    };
    emitterFor(node.op).emit(ctx);
    if (!produced) throw new Error(`tfjs emitter for ${node.op} produced no output node for ${node.name}`);
    tfName.set(node.output, produced);
  }

  const info = (tensor: string, shape: number[]): TensorInfoJson => ({ name: `${tensor}:0`, dtype: 'DT_FLOAT', tensorShape: shapeJson(shape) });
  const signature = { inputs: {} as Record<string, TensorInfoJson>, outputs: {} as Record<string, TensorInfoJson> };
  for (const inp of graph.inputs) signature.inputs[inp.name] = info(tfName.get(inp.name)!, publicShape(inp.shape));
  graph.outputs.forEach((o, k) => {
    const node = b.node(outputNodes[k]!, 'Identity', [valueName(o.value)], { T: { type: 'DT_FLOAT' } }, true);
    signature.outputs[o.name] = info(node, publicShape(graph.shapes.get(o.value)!));
  });

  const { specs, bytes } = encodeWeights(b.weights, (w) => storageOf(plan, irConstantOf.get(w.name), w.data.length));
  const pieces = shardBytes(bytes, opts.shardBytes ?? SHARD_BYTES);
  const shards = pieces.map((p, i) => ({ name: shardName(i, pieces.length), bytes: p }));

  const version = toolVersion();
  const json: GraphModelJson = {
    format: GRAPH_MODEL_FORMAT,
    generatedBy: `audio-to-midi ${version}`,
    convertedBy: `audio-to-midi ${version} converters/tfjs`,
    modelTopology: { node: b.nodes, library: {}, versions: { producer: GRAPH_PRODUCER } },
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: specs }],
    signature,
    userDefinedMetadata: withoutReservedKeys(metadataEntries(graph, opts)),
  };
  return { json, shards };
}
