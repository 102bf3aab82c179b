/** Shared by the tfjs converter tests: temp dirs, exports, and the parity measure. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IrGraph } from '../../../src/ir/graph.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import type { Precision } from '../../../converters/types.js';
import tfjsConverter from '../../../converters/tfjs/index.js';
import { assertClose, diffAllOutputs } from '../../../fixtures/compare.js';

export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `a2m-tfjs-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function exportTfjs(graph: IrGraph, dir: string, precision: Precision = 'fp32'): Promise<string> {
  const out = path.join(dir, `model_${precision}`);
  await tfjsConverter.write(graph, out, { precision });
  return out;
}

/** Every reference output is present and within atol + rtol; returns the max abs error per output. */
export function assertParity(label: string, ref: Record<string, HostTensor>, got: Record<string, HostTensor>, atol: number, rtol: number): Record<string, number> {
  const diffs = diffAllOutputs(ref, got, atol, rtol, `${label}: output names`);
  assertClose(label, diffs);
  return Object.fromEntries(diffs.map((d) => [d.name, d.maxAbs]));
}

