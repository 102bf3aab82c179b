/**
 * Core ML converter: IR graph -> ML Program .mlpackage (spec 7 / iOS 16 by
 * default; `ios` 15..18 -> spec 6..9, opsets CoreML5..CoreML8), fp32 or fp16.
 *   validate (every unsupported op at once) -> precision plan -> lowering
 *   (emitter table) -> passes -> blobs -> Model protobuf -> atomic package write.
 */
import { DEFAULT_NAMES } from '../index.js';
import type { IrGraph } from '../../src/ir/graph.js';
import { A2mError } from '../../src/errors.js';
import { type Converter, type ExportOptions, type FormatOptions, validateAgainst } from '../types.js';
import { DEFAULT_IOS, IDENTIFIER, IOS_TARGETS, type IosTarget } from './format.js';
import { unsupportedReason } from './emitters.js';
import { computeDtypes } from './precision.js';
import { lowerGraph } from './lowering.js';
import { PASSES, checkDefinedBeforeUse } from './passes.js';
import { assembleModel } from './model.js';
import { buildMetadata } from './metadata.js';
import { encodeModel } from './schema.js';
import { writePackage } from './package.js';
import type { BlobWriter } from './blob.js';

export interface CoreMLBuild {
  /** model.mlmodel bytes (Model protobuf). */
  model: Uint8Array;
  /** weights/weight.bin (MIL blob storage v2), streamed when written; `.finish()` gives the bytes. */
  weights: BlobWriter;
  ios: IosTarget;
  specVersion: number;
  opset: string;
  opCounts: Record<string, number>;
  blobCount: number;
  /**
   * IR value name -> MIL value name holding it (for bisect: pass them to coreml-ref's `runPlan(..., {keep})`).
   * Values whose op a pass removed (a cancelled transpose pair) are absent.
   */
  valueNames: Map<string, string>;
}

/** What the Core ML writer reads: the precision, provenance and the deployment target. */
export interface CoreMLExportOptions extends Omit<ExportOptions, keyof FormatOptions> {
  /** Deployment target (15..18; default DEFAULT_IOS). */
  ios?: number;
}

export function resolveIos(ios: number | undefined): IosTarget {
  const t = ios ?? DEFAULT_IOS;
  if (!(t in IOS_TARGETS)) throw new A2mError(`Core ML: iOS target ${ios} is not supported (expected one of ${Object.keys(IOS_TARGETS).join(', ')})`);
  return t as IosTarget;
}

/** Builds the package contents in memory (no files). */
export function buildCoreML(graph: IrGraph, opts: CoreMLExportOptions): CoreMLBuild {
  const ios = resolveIos(opts.ios);
  if (opts.precision !== 'fp32' && opts.precision !== 'fp16') throw new A2mError(`Core ML: precision ${opts.precision} is not supported (expected fp32 or fp16)`);
  validateAgainst(graph, `coreml (iOS ${ios})`, (op) => unsupportedReason(op, ios));
  const lowered = lowerGraph(graph, ios, computeDtypes(graph, opts.precision));
  const outs = new Set(lowered.outputs.map((o) => o.name));
  let ops = lowered.builder.ops;
  for (const pass of PASSES) {
    ops = pass.run(ops, outs);
    checkDefinedBeforeUse(ops, lowered.inputs.map((i) => i.name), pass.name);
  }
  lowered.builder.ops.splice(0, lowered.builder.ops.length, ...ops);
  const { weights } = lowered.builder.finish();
  const model = assembleModel({ ios, inputs: lowered.inputs, outputs: lowered.outputs, ops, metadata: buildMetadata(graph, opts.precision, opts.metadata, opts.info) });
  const opCounts: Record<string, number> = {};
  for (const op of ops) opCounts[op.type!] = (opCounts[op.type!] ?? 0) + 1;
  const { specVersion, opset } = IOS_TARGETS[ios];
  const surviving = new Set(ops.flatMap((op) => (op.outputs ?? []).map((o) => o.name!)));
  const valueNames = new Map([...lowered.valueNames].filter(([, mil]) => surviving.has(mil)));
  return { model: encodeModel(model), weights, ios, specVersion, opset, opCounts, blobCount: weights.count, valueNames };
}

/** Writes `<outPath>` (an .mlpackage directory) atomically; returns the written files. */
export async function exportCoreML(graph: IrGraph, outPath: string, opts: CoreMLExportOptions): Promise<{ files: string[]; build: CoreMLBuild }> {
  const build = buildCoreML(graph, opts);
  const files = await writePackage(outPath, build.model, build.weights);
  return { files, build };
}

const coreml: Converter = {
  format: 'coreml',
  defaultName: DEFAULT_NAMES.coreml,
  // ML Program weights are fp32 or fp16; int8 would need its constexpr dequantize ops (not written yet).
  precisions: ['fp32', 'fp16'],
  publicNames: { valid: IDENTIFIER, rule: 'a MIL identifier [A-Za-z_][A-Za-z0-9_]*' },
  async write(graph, outPath, opts) {
    return (await exportCoreML(graph, outPath, { precision: opts.precision, metadata: opts.metadata, info: opts.info, ios: opts.coreml?.ios })).files;
  },
};

export default coreml;
