/** Shared by the ONNX tests: export a preset, run it in ONNX Runtime, compare with the canonical tfjs outputs. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { writeOnnx, type OnnxExportOptions } from '../../../converters/onnx/write.js';
import onnxRuntime from '../../../src/runtimes/onnxruntime.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import type { IrGraph } from '../../../src/ir/graph.js';
import { diffTensor, type Diff } from '../../../fixtures/compare.js';

export type { Diff } from '../../../fixtures/compare.js';

export const fmt = (d: Record<string, Diff>) =>
  Object.entries(d).map(([k, v]) => `${k}: maxAbs ${v.maxAbs.toExponential(2)} maxRel ${v.maxRel.toExponential(2)} cos ${v.cosine.toFixed(6)}`).join('; ');

export interface Exported {
  graph: IrGraph;
  ref: Record<string, HostTensor>;
  input: HostTensor;
  dir: string;
  cleanup(): Promise<void>;
}

/** A randomized model of `preset`, its IR graph, its tfjs outputs on the test input, and a temp dir. */
export async function prepare(preset: string, std = preset === 'base' ? 0.05 : 0.2): Promise<Exported> {
  const m = await randomizedModel(preset, 7, std);
  const graph = await m.graph(1);
  const input = testInput();
  const ref = await m.predict(input);
  m.dispose();
  const dir = await mkdtemp(path.join(os.tmpdir(), `a2m-onnx-${preset}-`));
  return { graph, ref, input, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const cache = new Map<string, Promise<Exported>>();
/** `prepare(preset)` once per test file; call `cleanupPrepared` from `after`. */
export function prepared(preset: string): Promise<Exported> {
  let p = cache.get(preset);
  if (!p) { p = prepare(preset); cache.set(preset, p); }
  return p;
}
export async function cleanupPrepared(): Promise<void> {
  for (const p of cache.values()) await (await p).cleanup();
  cache.clear();
}

/** Exports, runs in ONNX Runtime, returns every output's diff against the tfjs reference. */
export async function exportAndRun(e: Exported, file: string, opts: OnnxExportOptions, atol: number, rtol: number, input = e.input) {
  const t0 = performance.now();
  const paths = await writeOnnx(e.graph, path.join(e.dir, file), opts);
  const exportMs = performance.now() - t0;
  const session = await onnxRuntime.load(paths[0]!);
  try {
    const out = await session.run({ samples: input });
    const diffs: Record<string, Diff> = {};
    for (const k of Object.keys(e.ref)) {
      if (!out[k]) throw new Error(`ONNX Runtime returned no output ${k} (got ${Object.keys(out).join(', ')})`);
      diffs[k] = diffTensor(e.ref[k]!, out[k]!, atol, rtol, { name: k, lengthOnly: true });
    }
    return { paths, exportMs, out, diffs };
  } finally {
    await session.dispose();
  }
}
