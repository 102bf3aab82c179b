/**
 * Runs one exported artifact in its format's own runtime (src/runtimes) on the
 * golden inputs, at the export's static batch or, for a dynamic-batch artifact,
 * any batch verify's batch parity picks: inputs go in groups of `batch`
 * (the last group padded with silence, whose outputs are dropped), one by one
 * for batch 1. Times every call.
 */
import { loadRuntime } from '../runtimes/index.js';
import { A2mError } from '../errors.js';
import { sizeOf, type HostTensor } from '../ir/tensor.js';

export interface Latency {
  /** Loading the artifact into the runtime. */
  loadMs: number;
  /** The first call per window (includes the runtime's warm-up). */
  firstWindowMs: number;
  /** Median call time per window (call time / batch). */
  medianWindowMs: number;
}

export interface ArtifactRun {
  runtime: string;
  /** Per input (in order): outputs by public name, each with batch dimension 1. */
  outputs: Record<string, HostTensor>[];
  latency: Latency;
  /** How the runtime ran a batch larger than the file's static one, when not as one call (Runtime.batchNote). */
  batchNote?: string;
}

/** Stacks [1, ...] tensors into one [batch, ...] tensor, zero-padding missing rows. */
export function stackBatch(items: readonly HostTensor[], batch: number): HostTensor {
  const row = items[0]!.shape.slice(1), per = sizeOf(row);
  if (items.length > batch) throw new Error(`stackBatch: ${items.length} items for batch ${batch}`);
  const data = new Float32Array(batch * per);
  items.forEach((t, i) => data.set(t.data.subarray(0, per), i * per));
  return { shape: [batch, ...row], data };
}

/** Splits a [B, ...] tensor into its first `count` rows as [1, ...] tensors. */
export function splitBatch(t: HostTensor, count: number): HostTensor[] {
  const per = sizeOf(t.shape.slice(1));
  return Array.from({ length: count }, (_, i) => ({ shape: [1, ...t.shape.slice(1)], data: t.data.slice(i * per, (i + 1) * per) }));
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `file` (a `format` artifact that takes batch `batch`) on every input; `inputName` is the graph's input. */
export async function runArtifact(format: string, file: string, batch: number, inputs: readonly HostTensor[], inputName = 'samples'): Promise<ArtifactRun> {
  const runtime = await loadRuntime(format);
  const t0 = performance.now();
  const session = await runtime.load(file);
  const loadMs = performance.now() - t0;
  const outputs: Record<string, HostTensor>[] = [];
  const perWindow: number[] = [];
  try {
    for (let i = 0; i < inputs.length; i += batch) {
      const group = inputs.slice(i, i + batch);
      const t = performance.now();
      const out = await session.run({ [inputName]: stackBatch(group, batch) });
      perWindow.push((performance.now() - t) / batch);
      const split: Record<string, HostTensor>[] = group.map(() => ({}));
      for (const [name, value] of Object.entries(out)) {
        if (value.shape[0] !== batch) throw new A2mError(`${file}: output ${name} has shape [${value.shape}], expected batch ${batch} first`);
        splitBatch(value, group.length).forEach((v, j) => { split[j]![name] = v; });
      }
      outputs.push(...split);
    }
  } finally {
    await session.dispose();
  }
  return { runtime: runtime.name, outputs, latency: { loadMs, firstWindowMs: perWindow[0] ?? 0, medianWindowMs: median(perWindow) }, ...(runtime.batchNote ? { batchNote: runtime.batchNote } : {}) };
}
