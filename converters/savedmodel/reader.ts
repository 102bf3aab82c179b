/**
 * Reads saved_model.pb into a summary: tags, signatures, saver, node counts by
 * op (graph and function library). Works on TF-written SavedModels too (their
 * computation lives in library functions). Malformed input -> A2mError naming the file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { SAVED_MODEL_FILE, dtypeName } from './facts.js';
import { type NodeDef, type SavedModel, type SignatureDef, decodeMessage, shapeOf } from './proto.js';

export interface TensorSig { name: string; dtype: string; shape: number[] | null }
export interface SignatureSummary { method: string; inputs: Record<string, TensorSig>; outputs: Record<string, TensorSig> }
export interface MetaGraphSummary {
  tags: string[];
  /** MetaInfoDef.meta_graph_version: the model's version as its writer stated it ('' when none). */
  metaGraphVersion: string;
  tensorflowVersion: string;
  strippedDefaultAttrs: boolean;
  producer: number;
  nodeCount: number;
  opCounts: Record<string, number>;
  functionCount: number;
  functionOpCounts: Record<string, number>;
  saver: { filenameTensor: string; saveTensor: string; restoreOp: string; version: number } | null;
  signatures: Record<string, SignatureSummary>;
  hasObjectGraph: boolean;
}
export interface SavedModelSummary { schemaVersion: number; metaGraphs: MetaGraphSummary[] }

function countOps(nodes: NodeDef[] | undefined, into: Record<string, number>): void {
  for (const n of nodes ?? []) into[n.op] = (into[n.op] ?? 0) + 1;
}

function summarizeSignature(s: SignatureDef): SignatureSummary {
  const tensors = (m: SignatureDef['inputs']) => Object.fromEntries(Object.entries(m ?? {}).map(([k, t]) => [k, {
    name: t.name ?? '', dtype: dtypeName(t.dtype ?? 0), shape: t.tensor_shape?.unknown_rank ? null : shapeOf(t.tensor_shape),
  }]));
  return { method: s.method_name ?? '', inputs: tensors(s.inputs), outputs: tensors(s.outputs) };
}

/** Summarizes saved_model.pb bytes; `what` names the file in errors. */
export function summarizeSavedModel(bytes: Uint8Array, what: string): SavedModelSummary {
  const sm = decodeMessage<SavedModel>('SavedModel', bytes, what);
  const fail = (msg: string): never => { throw new A2mError(`${what}: ${msg}`); };
  if (sm.saved_model_schema_version !== 1) fail(`saved_model_schema_version is ${sm.saved_model_schema_version ?? 'missing'}, expected 1 (not a SavedModel?)`);
  if (!sm.meta_graphs?.length) fail('holds no MetaGraphDef');
  const metaGraphs = sm.meta_graphs!.map((mg, i): MetaGraphSummary => {
    if (!mg.meta_info_def?.tags?.length) fail(`meta graph ${i} has no tags`);
    if (!mg.graph_def) fail(`meta graph ${i} has no graph_def`);
    const opCounts: Record<string, number> = {}, functionOpCounts: Record<string, number> = {};
    countOps(mg.graph_def!.node, opCounts);
    const fns = mg.graph_def!.library?.function ?? [];
    for (const f of fns) countOps(f.node_def, functionOpCounts);
    const sv = mg.saver_def;
    return {
      tags: mg.meta_info_def!.tags!,
      metaGraphVersion: mg.meta_info_def!.meta_graph_version ?? '',
      tensorflowVersion: mg.meta_info_def!.tensorflow_version ?? '',
      strippedDefaultAttrs: mg.meta_info_def!.stripped_default_attrs ?? false,
      producer: mg.graph_def!.versions?.producer ?? 0,
      nodeCount: mg.graph_def!.node?.length ?? 0,
      opCounts, functionCount: fns.length, functionOpCounts,
      saver: sv ? { filenameTensor: sv.filename_tensor_name ?? '', saveTensor: sv.save_tensor_name ?? '', restoreOp: sv.restore_op_name ?? '', version: sv.version ?? 0 } : null,
      signatures: Object.fromEntries(Object.entries(mg.signature_def ?? {}).map(([k, s]) => [k, summarizeSignature(s)])),
      hasObjectGraph: mg.object_graph_def !== undefined,
    };
  });
  return { schemaVersion: sm.saved_model_schema_version!, metaGraphs };
}

/** Reads `<dir>/saved_model.pb` (or a .pb path) and summarizes it. */
export async function readSavedModelSummary(dirOrFile: string): Promise<SavedModelSummary> {
  const file = dirOrFile.endsWith('.pb') ? dirOrFile : path.join(dirOrFile, SAVED_MODEL_FILE);
  const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => { throw new A2mError(`${file}: cannot read (${e.code ?? e.message})`); });
  return summarizeSavedModel(new Uint8Array(bytes), file);
}
