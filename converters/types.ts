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

export interface ExportOptions extends FormatOptions {
  precision: Precision;
  /** Tool/model provenance written into each format's metadata. */
  metadata?: Record<string, string>;
}

export interface Converter {
  /** Format key used on the CLI: savedmodel | tflite | coreml | onnx | tfjs. */
  format: string;
  /** What `write` produces at `outPath` (a file name or a directory name), e.g. `model.onnx`. */
  defaultName: string;
  /** The precisions it writes: a multi-format export checks every format x precision against these before writing anything. */
  precisions: readonly Precision[];
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
