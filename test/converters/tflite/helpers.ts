/** Shared by the TFLite tests: export to a temp file, run in LiteRT, compare outputs. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IrGraph } from '../../../src/ir/graph.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import { graphToTflite, type TfliteExportOptions } from '../../../converters/tflite/convert.js';
import liteRt from '../../../src/runtimes/litert.js';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'a2m-tflite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Exported { file: string; bytes: Uint8Array; exportMs: number; minRuntimeVersion: string }

export function exportTo(dir: string, graph: IrGraph, opts: TfliteExportOptions, name = `${opts.precision}.tflite`): Exported {
  const t0 = performance.now();
  const { bytes, minRuntimeVersion } = graphToTflite(graph, opts);
  const exportMs = performance.now() - t0;
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return { file, bytes, exportMs, minRuntimeVersion };
}

/** Runs a .tflite once in LiteRT; returns outputs by public name. */
export async function runLiteRt(file: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const session = await liteRt.load(file);
  try {
    return await session.run(feeds);
  } finally {
    await session.dispose();
  }
}

/** Asserts the reference is not (nearly) constant, so a parity check can fail at all. */
export function assertInformative(ref: Record<string, HostTensor>): void {
  for (const [name, t] of Object.entries(ref)) {
    let lo = Infinity, hi = -Infinity;
    for (const v of t.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    assert.ok(hi - lo > 1e-2, `reference ${name} spans only ${hi - lo}: parity would prove nothing`);
  }
}
