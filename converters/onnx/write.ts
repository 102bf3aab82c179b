/**
 * writeOnnx: IR graph -> `<out>.onnx` (+ `<out>.onnx.data` when the weights go external).
 * Steps: validate (every unsupported op at once) -> lower (emitters + precision plan) ->
 * passes -> serialize -> atomic writes (data file first, so a model never points at a
 * half-written data file).
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IrGraph } from '../../src/ir/graph.js';
import { PRECISIONS, metadataEntries, type ExportOptions, type FormatOptions } from '../types.js';
import { A2mError } from '../../src/errors.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempPathFor } from '../../src/util/atomic.js';
import { DEFAULT_EXTERNAL_THRESHOLD_BYTES, DEFAULT_OPSET, EXTERNAL_MIN_TENSOR_BYTES, IR_VERSION_FOR_OPSET, PRODUCER_NAME, SUPPORTED_OPSETS, type Opset } from './facts.js';
import { lowerToOnnx } from './lower.js';
import { runPasses } from './passes.js';
import { planPrecision } from './precision.js';
import { serializeOnnx, type SerializedOnnx } from './serialize.js';
import type { OnnxGraph } from './model.js';

export interface OnnxExportOptions extends Omit<ExportOptions, keyof FormatOptions> {
  /** Target opset: 17 (default, IR 8) or 20 (IR 9, native Gelu). */
  opset?: Opset;
  /**
   * Total initializer bytes above which weights go to `<file>.data` (default: just under
   * protobuf's 2 GiB). 0 forces external data (tests).
   */
  externalDataThresholdBytes?: number;
}

const TOOL_VERSION: string = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version;

function checkOptions(opts: OnnxExportOptions): Opset {
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!SUPPORTED_OPSETS.includes(opset)) throw new A2mError(`ONNX export: opset ${opset} is not supported (expected one of: ${SUPPORTED_OPSETS.join(', ')})`);
  if (!(PRECISIONS as readonly string[]).includes(opts.precision)) throw new A2mError(`ONNX export: unknown precision "${opts.precision}" (expected fp32, fp16 or int8)`);
  return opset;
}

/** The optimized ONNX graph for `graph` (what gets serialized). */
export function toOnnxGraph(graph: IrGraph, opts: OnnxExportOptions): OnnxGraph {
  const opset = checkOptions(opts);
  return runPasses(lowerToOnnx(graph, { opset, plan: planPrecision(graph, opts.precision) }));
}

/** ModelProto bytes (and external chunks) for `graph`; `fileName` names the external data file `<fileName>.data`. */
export function buildOnnx(graph: IrGraph, opts: OnnxExportOptions, fileName = 'model.onnx'): SerializedOnnx {
  const opset = checkOptions(opts);
  const g = toOnnxGraph(graph, opts);
  const metadata = onnxMetadataProps(metadataEntries(graph, opts));
  let weightBytes = 0;
  for (const t of g.initializers.values()) weightBytes += t.data.byteLength;
  const threshold = opts.externalDataThresholdBytes ?? DEFAULT_EXTERNAL_THRESHOLD_BYTES;
  const external = weightBytes > threshold ? { location: `${fileName}.data`, minTensorBytes: EXTERNAL_MIN_TENSOR_BYTES } : undefined;
  return serializeOnnx(g, {
    opset, irVersion: IR_VERSION_FOR_OPSET[opset], producerName: PRODUCER_NAME,
    producerVersion: metadata.tool_version ?? TOOL_VERSION, metadata,
    ...(opts.info?.description ? { docString: opts.info.description } : {}),
  }, external);
}

/**
 * The ONNX IR spec names two metadata_props keys ("Optional Metadata"): model_author and
 * model_license; the rest of the model info keeps its own key (version, description, source, name).
 */
export const ONNX_METADATA_KEYS: Record<string, string> = { author: 'model_author', license: 'model_license' };

function onnxMetadataProps(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [ONNX_METADATA_KEYS[k] ?? k, v]));
}

/** Writes `pieces` (each at its offset) to a temp file beside `target`, then renames it into place. */
async function writePiecesAtomic(target: string, pieces: { offset: number; bytes: Uint8Array }[], size: number): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const fh = await open(tmp, 'w');
    try {
      for (const p of pieces) await fh.write(p.bytes, 0, p.bytes.length, p.offset);
      await fh.truncate(size); // zero padding after the last piece, if any
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Consecutive chunks at their running offsets, small neighbours merged to save syscalls. */
function sequential(chunks: Uint8Array[]): { offset: number; bytes: Uint8Array }[] {
  const out: { offset: number; bytes: Uint8Array }[] = [];
  let offset = 0, pending: Uint8Array[] = [], pendingStart = 0, pendingLen = 0;
  const flush = () => {
    if (pending.length) out.push({ offset: pendingStart, bytes: pending.length === 1 ? pending[0]! : Buffer.concat(pending) });
    pending = []; pendingLen = 0;
  };
  for (const c of chunks) {
    if (c.length >= 1 << 16) { flush(); out.push({ offset, bytes: c }); }
    else {
      if (!pending.length) pendingStart = offset;
      pending.push(c); pendingLen += c.length;
      if (pendingLen >= 1 << 16) flush();
    }
    offset += c.length;
  }
  flush();
  return out;
}

/** Writes `outPath` (and `<outPath>.data` for external weights); returns the written paths. */
export async function writeOnnx(graph: IrGraph, outPath: string, opts: OnnxExportOptions): Promise<string[]> {
  const s = buildOnnx(graph, opts, path.basename(outPath));
  const written: string[] = [];
  if (s.external) {
    const dataPath = path.join(path.dirname(outPath), s.external.location);
    await writePiecesAtomic(dataPath, s.external.chunks, s.external.size);
    written.push(dataPath);
  }
  try {
    await writePiecesAtomic(outPath, sequential(s.model), s.modelBytes);
  } catch (e) {
    for (const p of written) await rm(p, { force: true });
    throw e;
  }
  return [outPath, ...written];
}
