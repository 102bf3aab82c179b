/**
 * IrGraph -> SavedModel directory:
 *   saved_model.pb                       SavedModel{1 MetaGraphDef, tags [serve], signature serving_default}
 *   variables/variables.index            TensorBundle index (LevelDB table)
 *   variables/variables.data-00000-of-00001
 *   assets.extra/audio_to_midi.json      provenance (TF leaves assets.extra to tools)
 * The graph is TF 1 style (no object_graph_def): Placeholder `samples` ->
 * ops -> Identity per public output, weights in resource variables restored by
 * the saver_def.
 */
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { IrGraph, IrNode } from '../../src/ir/graph.js';
import { writeDirAtomic } from '../../src/util/atomic.js';
import { type ExportOptions, metadataEntries, validateAgainst } from '../types.js';
import { encodeBundle } from './bundle.js';
import { EMITTERS, emitterFor, type EmitContext } from './emitters.js';
import {
  DEFAULT_SIGNATURE, DT, GRAPH_MIN_CONSUMER, GRAPH_PRODUCER, PREDICT_METHOD, SAVED_MODEL_FILE, SAVED_MODEL_SCHEMA_VERSION,
  SERVE_TAG, VARIABLES_PREFIX, bundleDataPath, bundleIndexPath,
} from './facts.js';
import { TfGraph } from './graph-builder.js';
import { type SavedModel, type SignatureDef, type TensorInfo, encodeMessage, shapeProto } from './proto.js';
import { Variables, planStorage } from './variables.js';

export const TARGET = 'TF SavedModel';
export const METADATA_FILE = 'assets.extra/audio_to_midi.json';

export interface SavedModelFiles {
  savedModel: Uint8Array;
  index: Uint8Array;
  /** variables.data-00000-of-00001 as chunks in file order. */
  data: Uint8Array[];
  metadata: string;
  /** TF nodes in the GraphDef and variables in the bundle. */
  stats: { nodes: number; variables: number };
}

/** Every IR op has an emitter (the table is complete by type); this reports any op a future IR adds at runtime too. */
export function validateForSavedModel(graph: IrGraph): void {
  validateAgainst(graph, TARGET, (op) => (op in EMITTERS ? null : 'no TF emitter for this op'));
}

/** Builds the three files in memory. */
export function buildSavedModel(graph: IrGraph, opts: ExportOptions): SavedModelFiles {
  validateForSavedModel(graph);
  const g = new TfGraph();
  // Public names first, so the signature's tensors are exactly "samples:0", "logits:0", ...
  const inputNames = graph.inputs.map((i) => g.uniqueName(i.name));
  const outputNames = graph.outputs.map((o) => g.uniqueName(o.name));
  const vars = new Variables(g, graph, planStorage(graph, opts.precision));
  const tensors = new Map<string, string>();
  // A dynamic batch is TF's unknown dim (-1) in dim 0 of the placeholder and the signature: TF Serving can then batch requests.
  const publicShape = (shape: readonly number[]) => (graph.dynamicBatch ? [-1, ...shape.slice(1)] : [...shape]);
  graph.inputs.forEach((inp, i) => tensors.set(inp.name, g.addAs('Placeholder', inputNames[i]!, [], { dtype: DT.FLOAT, shape: publicShape(inp.shape) })));

  const valueTensor = (v: string) => tensors.get(v) ?? (graph.constants.has(v) ? vars.read(v) : undefined);
  for (const node of graph.nodes) {
    const ctx: EmitContext = {
      name: node.name,
      attrs: node.attrs,
      g,
      base: node.name,
      input: (i) => valueTensor(node.inputs[i]!) ?? missing(node, i),
      hasInput: (i) => node.inputs[i] !== undefined,
      inShape: (i) => graph.shapes.get(node.inputs[i]!)!,
      outShape: graph.shapes.get(node.output)!,
      dynamicBatch: Boolean(graph.dynamicBatch),
    };
    tensors.set(node.output, emitterFor(node.op)(ctx));
  }

  const tensorInfo = (name: string, shape: number[]): TensorInfo => ({ name: `${name}:0`, dtype: DT.FLOAT, tensor_shape: shapeProto(shape) });
  const signature: SignatureDef = { inputs: {}, outputs: {}, method_name: PREDICT_METHOD };
  graph.inputs.forEach((inp, i) => { signature.inputs![inp.name] = tensorInfo(inputNames[i]!, publicShape(inp.shape)); });
  graph.outputs.forEach((o, i) => {
    const t = tensors.get(o.value) ?? valueTensor(o.value);
    if (!t) throw new Error(`IR output ${o.name} refers to unknown value ${o.value}`);
    g.addAs('Identity', outputNames[i]!, [t], { T: DT.FLOAT });
    signature.outputs![o.name] = tensorInfo(outputNames[i]!, publicShape(graph.shapes.get(o.value)!));
  });
  const saverDef = vars.addSaver();

  const model: SavedModel = {
    saved_model_schema_version: SAVED_MODEL_SCHEMA_VERSION,
    meta_graphs: [{
      // meta_graph_version is TF's "user specified version string" of the model.
      meta_info_def: { ...(opts.info?.version ? { meta_graph_version: opts.info.version } : {}), tags: [SERVE_TAG], stripped_default_attrs: true },
      graph_def: { node: g.nodes, versions: { producer: GRAPH_PRODUCER, min_consumer: GRAPH_MIN_CONSUMER } },
      saver_def: saverDef,
      signature_def: { [DEFAULT_SIGNATURE]: signature },
    }],
  };
  const bundle = encodeBundle(vars.bundleTensors());
  const metadata = JSON.stringify({ format: 'savedmodel', ...metadataEntries(graph, opts) }, null, 2) + '\n';
  return {
    savedModel: encodeMessage('SavedModel', model), index: bundle.index, data: bundle.dataChunks, metadata,
    stats: { nodes: g.nodes.length, variables: vars.bundleTensors().length },
  };
}

function missing(node: IrNode, i: number): never {
  throw new Error(`IR node ${node.name} (${node.op}): input ${node.inputs[i]} has no TF tensor`);
}

/** Writes the SavedModel directory atomically; returns the written file paths. */
export async function writeSavedModel(graph: IrGraph, outDir: string, opts: ExportOptions): Promise<string[]> {
  const files = buildSavedModel(graph, opts);
  const rel = [SAVED_MODEL_FILE, bundleIndexPath(VARIABLES_PREFIX), bundleDataPath(VARIABLES_PREFIX), METADATA_FILE];
  const contents: (Uint8Array | Uint8Array[] | string)[] = [files.savedModel, files.index, files.data, files.metadata];
  await writeDirAtomic(outDir, async (dir) => {
    for (let i = 0; i < rel.length; i++) {
      const p = path.join(dir, rel[i]!);
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, contents[i]!); // an array is written chunk by chunk
    }
  });
  return rel.map((r) => path.join(outDir, r));
}
