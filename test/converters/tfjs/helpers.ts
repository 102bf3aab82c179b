/** Shared by the tfjs converter tests: temp dirs, exports, and the parity measure. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IrGraph } from '../../../src/ir/graph.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import type { Precision } from '../../../converters/types.js';
import tfjsConverter from '../../../converters/tfjs/index.js';

export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `a2m-tfjs-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function exportTfjs(graph: IrGraph, dir: string, precision: Precision = 'fp32'): Promise<string> {
  const out = path.join(dir, `model_${precision}`);
  await tfjsConverter.write(graph, out, { precision });
  return out;
}

export interface Diff { maxAbs: number; maxExcess: number; worst: number }

/** Largest |a-b| and how far any element exceeds atol + rtol*|ref| (<= 0 means within tolerance). */
export function diff(ref: HostTensor, got: HostTensor, atol: number, rtol: number): Diff {
  if (ref.shape.join() !== got.shape.join()) throw new Error(`shape [${got.shape}] differs from reference [${ref.shape}]`);
  let maxAbs = 0, maxExcess = -Infinity, worst = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const d = Math.abs(ref.data[i]! - got.data[i]!);
    const excess = d - (atol + rtol * Math.abs(ref.data[i]!));
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (excess > maxExcess || Number.isNaN(excess)) { maxExcess = Number.isNaN(excess) ? Infinity : excess; worst = i; }
  }
  return { maxAbs, maxExcess, worst };
}

/** Every reference output is present and within atol + rtol; returns the max abs error per output. */
export function assertParity(label: string, ref: Record<string, HostTensor>, got: Record<string, HostTensor>, atol: number, rtol: number): Record<string, number> {
  const keys = Object.keys(ref).sort();
  const gotKeys = Object.keys(got).sort();
  if (keys.join() !== gotKeys.join()) throw new Error(`${label}: outputs [${gotKeys}] differ from reference [${keys}]`);
  const errs: Record<string, number> = {};
  for (const k of keys) {
    const d = diff(ref[k]!, got[k]!, atol, rtol);
    if (d.maxExcess > 0) throw new Error(`${label} ${k}: element ${d.worst} off by ${Math.abs(ref[k]!.data[d.worst]! - got[k]!.data[d.worst]!)} > ${atol} + ${rtol}*|${ref[k]!.data[d.worst]}|`);
    errs[k] = d.maxAbs;
  }
  return errs;
}

