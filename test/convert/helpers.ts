/** Shared by the convert tests: temp dirs, output comparison, op counts per format, a static-batch copy of a .tflite. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HostTensor } from '../../src/ir/tensor.js';
import { FbFile } from '../../converters/tflite/fb-reader.js';
import { SLOTS } from '../../converters/tflite/format.js';
import { readTflite } from '../../converters/tflite/read.js';
import { readOnnx } from '../../converters/onnx/read.js';
import { readSavedModelSummary } from '../../converters/savedmodel/reader.js';
import { loadMlPackage } from '../../src/runtimes/coreml-ref/index.js';
import type { GraphModelJson } from '../../converters/tfjs/format.js';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `a2m-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Diff { name: string; maxAbs: number; worst: number; spread: number }

/** Per output: max |a - b|, worst |a - b| / (atol + rtol |a|) (<= 1 passes) and the reference's range. */
export function diffOutputs(ref: Record<string, HostTensor>, got: Record<string, HostTensor>, atol: number, rtol: number, names = Object.keys(ref)): Diff[] {
  return names.map((name) => {
    const a = ref[name], b = got[name];
    assert.ok(a && b, `output ${name} missing (have ${Object.keys(got).join(', ')})`);
    assert.deepEqual(b.shape, a.shape, `${name} shape`);
    let maxAbs = 0, worst = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i]! - b.data[i]!);
      if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? NaN : d;
      worst = Math.max(worst, Number.isNaN(d) ? Infinity : d / (atol + rtol * Math.abs(a.data[i]!)));
      lo = Math.min(lo, a.data[i]!); hi = Math.max(hi, a.data[i]!);
    }
    return { name, maxAbs, worst, spread: hi - lo };
  });
}

export function assertClose(label: string, diffs: Diff[]): void {
  for (const d of diffs) assert.ok(d.worst <= 1, `${label} ${d.name}: max abs ${d.maxAbs.toExponential(2)} beyond tolerance (worst ${d.worst.toFixed(2)}x)`);
}

export const fmtDiffs = (diffs: Diff[]) => diffs.map((d) => `${d.name} ${d.maxAbs.toExponential(1)}`).join(', ');

/** Operator counts of an artifact, read by our own reader of each format. */
export async function opCountsOf(format: string, file: string): Promise<Record<string, number>> {
  switch (format) {
    case 'savedmodel': return (await readSavedModelSummary(file)).metaGraphs[0]!.opCounts;
    case 'tflite': return readTflite(new Uint8Array(readFileSync(file))).subgraphs[0]!.opCounts;
    case 'onnx': return (await readOnnx(file)).opTypes;
    case 'coreml': return (await loadMlPackage(file)).opCounts;
    case 'tfjs': {
      const json = JSON.parse(readFileSync(path.join(file, 'model.json'), 'utf8')) as GraphModelJson;
      const counts: Record<string, number> = {};
      for (const n of json.modelTopology.node) counts[n.op] = (counts[n.op] ?? 0) + 1;
      return counts;
    }
    default: throw new Error(`no op counter for ${format}`);
  }
}

/**
 * A copy of a .tflite whose dynamic dims (-1 in any tensor's shape_signature)
 * are pinned to `size`: what tf.lite.Interpreter's resize_tensor_input does
 * before allocating, for LiteRT.js, which refuses dynamic input shapes. Only
 * those int32 values change; weights and ops are the file's own.
 */
export function pinDynamicDims(bytes: Uint8Array, size = 1): { bytes: Uint8Array; pinned: number } {
  const out = new Uint8Array(bytes);
  const f = new FbFile(out);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let pinned = 0;
  for (const sg of f.root('Model').tables(SLOTS.Model.subgraphs, 'subgraphs')) {
    for (const t of sg.tables(SLOTS.SubGraph.tensors, 'tensors')) {
      const sig = t.vector(SLOTS.Tensor.shape_signature, 4, 'shape_signature');
      if (!sig) continue;
      for (let i = 0; i < sig.length; i++) {
        const at = sig.start + 4 * i;
        if (view.getInt32(at, true) === -1) { view.setInt32(at, size, true); pinned++; }
      }
    }
  }
  return { bytes: out, pinned };
}

/** Absolute position of scalar field `slot` of the table at `tablePos` (it must be present). */
function scalarFieldPos(view: DataView, tablePos: number, slot: number): number {
  const vtable = tablePos - view.getInt32(tablePos, true);
  const off = view.getUint16(vtable + 4 + 2 * slot, true);
  if (off === 0) throw new Error(`field slot ${slot} absent in the table at ${tablePos}`);
  return tablePos + off;
}

/**
 * LiteRT.js leaves a graph output unwritten (zeros) when a RESHAPE computes it
 * with a shape known only at run time (a PACK of SHAPE slices, as TF's converter
 * writes for a dynamic batch). A copy whose outputs are those RESHAPEs' inputs
 * instead — the same values, with the pre-reshape shape — lets LiteRT.js run
 * every other op of the file. Returns the outputs it redirected.
 */
export function outputsBeforeRuntimeReshapes(bytes: Uint8Array): { bytes: Uint8Array; redirected: string[] } {
  const summary = readTflite(bytes);
  const sg = summary.subgraphs[0]!;
  const redirect = new Map<number, number>();
  for (const t of sg.outputs) {
    const op = sg.operators.find((o) => o.outputs.includes(t));
    const shape = op?.op === 'RESHAPE' && op.inputs.length > 1 ? sg.tensors[op.inputs[1]!] : undefined;
    if (shape && shape.buffer !== 0 && shape.dataBytes > 0) continue; // a constant shape: LiteRT.js writes it
    if (shape) redirect.set(t, op!.inputs[0]!);
  }
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const root = new FbFile(out).root('Model');
  const outs = root.tables(SLOTS.Model.subgraphs, 'subgraphs')[0]!.vector(SLOTS.SubGraph.outputs, 4, 'outputs')!;
  for (let i = 0; i < outs.length; i++) {
    const to = redirect.get(view.getInt32(outs.start + 4 * i, true));
    if (to !== undefined) view.setInt32(outs.start + 4 * i, to, true);
  }
  const redirected: string[] = [];
  for (const sd of root.tables(SLOTS.Model.signature_defs, 'signature_defs')) {
    for (const tm of sd.tables(SLOTS.SignatureDef.outputs, 'outputs')) {
      const at = scalarFieldPos(view, tm.pos, SLOTS.TensorMap.tensor_index);
      const to = redirect.get(view.getUint32(at, true));
      if (to !== undefined) { view.setUint32(at, to, true); redirected.push(tm.string(SLOTS.TensorMap.name, 'name') ?? ''); }
    }
  }
  return { bytes: out, redirected };
}
