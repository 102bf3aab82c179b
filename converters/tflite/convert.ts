/**
 * IR graph -> TflModel -> .tflite bytes. Validates the whole graph first
 * (every problem reported at once), then runs the emitter table in graph
 * order, then names the signature `serving_default`: input `samples`, outputs
 * by public name (logits, probs, onset_logits, onset_probs, velocity, offset_logits, offset_probs).
 */
import type { IrGraph, IrNode } from '../../src/ir/graph.js';
import { UnsupportedOpsError, metadataEntries, type ModelInfo, type Precision, type UnsupportedOp } from '../types.js';
import { tfliteMetadataEntry, type ModelMetadataSpec, type TensorMetadataSpec } from './metadata.js';
import { TFLITE_METADATA_NAME } from './metadata-schema.js';
import { TflBuilder } from './builder.js';
import { EMITTERS, emitterFor } from './emitters.js';
import type { EmitContext } from './emit-context.js';
import type { TflModel } from './model.js';
import { serializeModel, type Serialized } from './serialize.js';
import { appendAssociatedFiles, type AssociatedFileBytes } from './associated-files.js';

export const TARGET = 'tflite';

export interface TfliteExportOptions {
  precision: Precision;
  /** Provenance written as a JSON metadata entry (`a2m_metadata`). */
  metadata?: Record<string, string>;
  /** Author, licence, version, description, source: in `a2m_metadata`, and in a ModelMetadata (TFLITE_METADATA) unless extraMetadata brings one. */
  info?: ModelInfo;
  /** Extra Model.metadata entries (e.g. TFLITE_METADATA for bundles). */
  extraMetadata?: { name: string; data: Uint8Array }[];
  /** Files the TFLite Metadata names (label lists), appended after the model as a zip (associated-files.ts). */
  associatedFiles?: AssociatedFileBytes[];
  /** int8 only: weights with fewer elements stay float (TF's default: 1024). */
  int8MinElements?: number;
}

export const PROVENANCE_METADATA = 'a2m_metadata';

/** Every reason the graph cannot be written as TFLite, for all nodes at once. */
export function findProblems(graph: IrGraph, b: TflBuilder): UnsupportedOp[] {
  const problems: UnsupportedOp[] = [];
  for (const input of graph.inputs) {
    if (!input.shape.every((d) => Number.isInteger(d) && d > 0)) {
      problems.push({ node: input.name, op: 'input', target: TARGET, reason: `shape [${input.shape}] is not static (LiteRT wants static input shapes)` });
    }
  }
  for (const n of graph.nodes) {
    // A graph read from a file may name an op the IR does not have; the table answers every IR op.
    const emitter = Object.hasOwn(EMITTERS, n.op) ? emitterFor(n.op) : undefined;
    const reason = emitter ? emitter.check?.(emitContext(n, b)) ?? null : `no TFLite emitter for IR op ${n.op}`;
    if (reason) problems.push({ node: n.name, op: n.op, target: TARGET, reason });
  }
  return problems;
}

const emitContext = (node: IrNode, b: TflBuilder): EmitContext => ({ node, name: node.name, attrs: node.attrs, b });

export function graphToTflModel(graph: IrGraph, opts: TfliteExportOptions): TflModel {
  const preset = graph.metadata.preset ? ` ${graph.metadata.preset}` : '';
  const b = new TflBuilder(graph, { precision: opts.precision, int8MinElements: opts.int8MinElements, description: `audio-to-midi${preset} (${opts.precision})` });
  const problems = findProblems(graph, b);
  if (problems.length) throw new UnsupportedOpsError(problems);
  const m = b.model;

  for (const input of graph.inputs) {
    const t = b.output(input.name);
    // No shape_signature on the input (README: dynamic batch): LiteRT.js refuses a -1 input, the interpreter resizes it anyway.
    delete m.tensors[t]!.shapeSignature;
    m.inputs.push(t);
    m.signature.inputs.push({ name: input.name, tensor: t });
  }
  for (const n of graph.nodes) emitterFor(n.op).emit(emitContext(n, b));

  const taken = new Set<number>(m.inputs);
  for (const out of graph.outputs) {
    let t = b.value(out.value);
    // A tensor can be only one subgraph output and must be computed: copy inputs, constants, repeats.
    if (taken.has(t) || m.tensors[t]!.buffer !== 0) {
      const copy = b.activation(out.name, m.tensors[t]!.shape);
      const shape = [b.lead(m.tensors[t]!.shape[0]!), ...m.tensors[t]!.shape.slice(1)];
      b.op('RESHAPE', [t, b.int32(shape)], [copy], { new_shape: shape });
      t = copy;
    }
    taken.add(t);
    if (!m.tensors.some((x) => x.name === out.name)) m.tensors[t]!.name = out.name;
    m.outputs.push(t);
    m.signature.outputs.push({ name: out.name, tensor: t });
  }

  const provenance = metadataEntries(graph, opts);
  m.metadata.push({ name: PROVENANCE_METADATA, data: new TextEncoder().encode(JSON.stringify(provenance)) });
  m.metadata.push(...(opts.extraMetadata ?? []));
  // The model info also goes where Android's tooling reads it (MetadataDisplayer, ML Model Binding), unless the caller brought a fuller ModelMetadata (a bundle).
  const info = opts.info ?? {};
  const stated = (['name', 'description', 'author', 'license', 'version'] as const).some((k) => info[k] !== undefined);
  if (stated && !m.metadata.some((e) => e.name === TFLITE_METADATA_NAME)) m.metadata.push(tfliteMetadataEntry(basicModelMetadata(graph, info)));
  return m;
}

export function graphToTflite(graph: IrGraph, opts: TfliteExportOptions): Serialized {
  const serialized = serializeModel(graphToTflModel(graph, opts));
  if (!opts.associatedFiles?.length) return serialized;
  return { ...serialized, bytes: appendAssociatedFiles(serialized.bytes, opts.associatedFiles) };
}

/** A ModelMetadata with the model info and each signature tensor by name (no descriptions we would have to invent). */
function basicModelMetadata(graph: IrGraph, info: ModelInfo): ModelMetadataSpec {
  const tensor = (name: string): TensorMetadataSpec => ({ name, description: '' });
  return {
    name: info.name ?? '', description: info.description ?? '', version: info.version ?? '', author: info.author ?? '', license: info.license ?? '',
    subgraph: { name: info.name ?? '', description: '', inputs: graph.inputs.map((i) => tensor(i.name)), outputs: graph.outputs.map((o) => tensor(o.name)) },
  };
}
