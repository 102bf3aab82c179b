/**
 * The contract every converter implements: IR graph in, files on disk out.
 * Each converter is a table from IR op to target ops (`satisfies Record<OpName, ...>`),
 * validates the whole graph first and reports every unsupported op at once.
 */
import type { IrGraph } from '../src/ir/graph.js';
import type { OpName } from '../src/ir/ops.js';
import { A2mError } from '../src/errors.js';

/** Every export precision, in order of size: the one list the CLI, the cache and the converters read. */
export const PRECISIONS = ['fp32', 'fp16', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

/**
 * Options one format alone reads, one block per format: a driver writing
 * several formats passes every block, and each converter reads its own.
 */
export interface FormatOptions {
  coreml?: {
    /** Deployment target (15..18; default converters/coreml/format.ts DEFAULT_IOS). */
    ios?: number;
  };
  onnx?: {
    /** Opset (17 or 20; default 17). */
    opset?: number;
  };
  tflite?: {
    /** Extra Model.metadata entries (a bundle's TFLITE_METADATA). */
    extraMetadata?: { name: string; data: Uint8Array }[];
    /** Files the TFLite Metadata names (a bundle's key labels), appended after the model as a zip. */
    associatedFiles?: { name: string; data: Uint8Array }[];
  };
}

/**
 * What a model says about itself: one record that export, convert and bundle
 * fill once, and every converter writes in its own fields (Core ML Metadata,
 * ONNX doc_string + metadata_props, TFLite a2m_metadata + ModelMetadata,
 * SavedModel meta_graph_version + assets.extra, tfjs userDefinedMetadata).
 * A field left out is written nowhere: a converter never fills in our name for
 * someone else's model.
 */
export interface ModelInfo {
  /** Display name (TFLite ModelMetadata.name). */
  name?: string;
  description?: string;
  author?: string;
  license?: string;
  version?: string;
  /** Where the model came from, portable: `preset:tiny`, a folder/file name, a URL; never a machine-local absolute path. */
  source?: string;
}

export const MODEL_INFO_KEYS = ['name', 'description', 'author', 'license', 'version', 'source'] as const satisfies readonly (keyof ModelInfo)[];

/**
 * The key/value form of a converter's metadata, for formats that hold a flat
 * string map (ONNX metadata_props, TFLite a2m_metadata, SavedModel's
 * assets.extra JSON, tfjs userDefinedMetadata): the graph's provenance, then
 * the options' metadata, then the model info under MODEL_INFO_KEYS (it wins:
 * it is what the caller stated), then the precision.
 */
export function metadataEntries(graph: IrGraph, opts: Pick<ExportOptions, 'precision' | 'metadata' | 'info'>): Record<string, string> {
  const out: Record<string, string> = { ...graph.metadata, ...opts.metadata };
  for (const k of MODEL_INFO_KEYS) {
    const v = opts.info?.[k];
    if (v !== undefined) out[k] = v;
  }
  out.precision = opts.precision;
  return out;
}

export interface ExportOptions extends FormatOptions {
  precision: Precision;
  /** Tool/model provenance written into each format's metadata. */
  metadata?: Record<string, string>;
  /** Author, licence, version, description, source (ModelInfo): each format writes them in its own fields. */
  info?: ModelInfo;
}

/**
 * Which public (input/output) names a format accepts: `a2m convert` renames a
 * source's names to ones every requested format accepts (convert.json keeps the
 * mapping). A format's rule lives beside its writer.
 */
export interface PublicNameRule {
  valid: RegExp;
  /** Why, in words, for messages: e.g. "a MIL identifier [A-Za-z_][A-Za-z0-9_]*". */
  rule: string;
}

/** A C identifier: Core ML's MIL identifiers and ONNX's (C90) names; Python keyword arguments too. */
export const IDENTIFIER_NAME: PublicNameRule['valid'] = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Converter {
  /** Format key used on the CLI: savedmodel | tflite | coreml | onnx | tfjs. */
  format: string;
  /** What `write` produces at `outPath` (a file name or a directory name), e.g. `model.onnx`. */
  defaultName: string;
  /** The precisions it writes: a multi-format export checks every format x precision against these before writing anything. */
  precisions: readonly Precision[];
  /** The input and output names it can write as given. */
  publicNames: PublicNameRule;
  /** Writes the artifact atomically (temp + rename); returns the written paths. */
  write(graph: IrGraph, outPath: string, opts: ExportOptions): Promise<string[]>;
}

export interface UnsupportedOp { node: string; op: OpName | string; target: string; reason: string }

/** Thrown with every (node, op, target, reason) found, not just the first. */
export class UnsupportedOpsError extends A2mError {
  constructor(readonly problems: UnsupportedOp[]) {
    super(`${problems.length} unsupported op(s): ` + problems.map((p) => `${p.node} (${p.op}) -> ${p.target}: ${p.reason}`).join('; '));
  }
}

/** Checks every node against a converter's table before writing anything. */
export function validateAgainst(graph: IrGraph, target: string, supported: (op: OpName) => string | null): void {
  const problems: UnsupportedOp[] = [];
  for (const n of graph.nodes) {
    const reason = supported(n.op);
    if (reason) problems.push({ node: n.name, op: n.op, target, reason });
  }
  if (problems.length) throw new UnsupportedOpsError(problems);
}
