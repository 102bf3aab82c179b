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
