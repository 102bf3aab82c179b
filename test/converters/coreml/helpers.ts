/** Shared pieces of the Core ML tests: parity measurement, temp dirs, small IR graphs. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HostTensor } from '../../../src/ir/tensor.js';

export interface Parity { maxAbs: number; maxRel: number; worst: number; spread: number }

/** Errors of `got` against `ref`; `worst` = max |a-b| / (atol + rtol*|a|) (<= 1 passes). */
export function parity(ref: HostTensor, got: HostTensor, atol: number, rtol: number): Parity {
  assert.deepEqual(got.shape, ref.shape);
  const a = ref.data, b = got.data;
  let maxAbs = 0, maxRel = 0, worst = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= Infinity)) return { maxAbs: NaN, maxRel: NaN, worst: Infinity, spread: 0 };
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(a[i]!), 1e-12));
    worst = Math.max(worst, d / (atol + rtol * Math.abs(a[i]!)));
    lo = Math.min(lo, a[i]!); hi = Math.max(hi, a[i]!);
  }
  return { maxAbs, maxRel, worst, spread: hi - lo };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-coreml-'));
  try { return await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

export function randomTensor(shape: number[], rnd: () => number, scale = 1): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale) };
}
