/** Shared pieces of the Core ML tests: parity measurement, temp dirs, small IR graphs. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HostTensor } from '../../../src/ir/tensor.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-coreml-'));
  try { return await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

export function randomTensor(shape: number[], rnd: () => number, scale = 1): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale) };
}
