/**
 * Bisect: when an export fails, find the first IR node whose output diverges.
 *
 * The graph is re-exported with intermediate values exposed as extra graph
 * outputs (`a2m_probe_<k>`; every converter writes any value as an output),
 * run in the same runtime on one golden case, and each probe is compared
 * with the IR reference evaluator (src/ir/evaluate.ts `keep`). A k-ary search
 * over the topological order narrows the range (16 probes per export, so a
 * few hundred nodes take two or three exports), and the answer is checked to
 * be a root: its output diverges while every node input agrees, so it is the
 * node that introduced the error, not one downstream of it. If an input does
 * diverge, the search continues below that input's producer.
 *
 * A probe diverges when max|got - ref| / max|ref| over its value exceeds the
 * precision's `bisect` tolerance (scale-free: intermediate values range from
 * 1e-6 to 1e4). Exposing values can stop a runtime from fusing ops, so a
 * divergence that lives only inside a fusion is reported as not found.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { IrGraph } from '../ir/graph.js';
import { evaluateGraph } from '../ir/evaluate.js';
import { cloneGraph } from '../ir/passes.js';
import type { HostTensor } from '../ir/tensor.js';
import { planArtifacts, writeArtifacts } from '../export/artifacts.js';
import type { FormatOptions, Precision } from '../../converters/types.js';
import { loadRuntime } from '../runtimes/index.js';
import { perturbationFromEnv, perturbGraph, type Perturbation } from './perturb.js';
import { finiteOrNull, type BisectNode, type BisectReport } from './report.js';

export interface BisectOptions {
  /** The graph the export was made from (after the shared IR passes). */
  graph: IrGraph;
  format: string;
  precision: Precision;
  /** The export's per-format options (`coreml: { ios }`, `onnx: { opset }`), so the probes are written as it was. */
  formatOptions?: FormatOptions;
  /** Input fed to both sides, at the export's batch. */
  input: HostTensor;
  caseName: string;
  /** Relative divergence threshold (see the module comment). */
  threshold: number;
  /** Probes per export (default 16). */
  probesPerExport?: number;
  /** The test hook's defect for this format (default: A2M_VERIFY_PERTURB). */
  perturbation?: Perturbation | null;
  onProgress?: (msg: string) => void;
}

interface ProbeResult { maxAbs: number; maxRef: number; relative: number; diverges: boolean }

/** Node indices spread evenly over `range` (always including its last element). */
function spread(range: number[], k: number): number[] {
  if (range.length <= k) return range;
  return Array.from({ length: k }, (_, i) => range[Math.round(((i + 1) * range.length) / k) - 1]!);
}

export async function bisectExport(o: BisectOptions): Promise<BisectReport> {
  const t0 = performance.now();
  const g = o.graph, nodes = g.nodes;
  const k = o.probesPerExport ?? 16;
  const perturbation = o.perturbation === undefined ? perturbationFromEnv(o.format) : o.perturbation;
  const indexOf = new Map(nodes.map((n, i) => [n.output, i]));
  const known = new Map<number, ProbeResult>();
  const work = await mkdtemp(path.join(os.tmpdir(), 'a2m-bisect-'));
  const plan = await planArtifacts([o.format], [o.precision]);
  const runtime = await loadRuntime(o.format);
  let exports = 0;
  const report = (status: BisectReport['status'], message: string, node: BisectNode | null = null, err: ProbeResult | null = null): BisectReport => ({
    status, message, case: o.caseName, node, threshold: o.threshold, exports, probes: known.size,
    error: err && { maxAbs: finiteOrNull(err.maxAbs), maxRef: err.maxRef, relative: finiteOrNull(err.relative) },
    seconds: (performance.now() - t0) / 1000,
  });

  /** Exports with `indices` exposed, runs it, compares each with the reference evaluator. */
  const probe = async (indices: number[]): Promise<void> => {
    const todo = [...new Set(indices)].filter((i) => !known.has(i)).sort((a, b) => a - b);
    if (!todo.length) return;
    const probed = cloneGraph(g);
    const names = todo.map((i, j) => {
      const value = nodes[i]!.output;
      const existing = probed.outputs.find((out) => out.value === value);
      if (existing) return existing.name;
      probed.outputs.push({ name: `a2m_probe_${j}`, value });
      return `a2m_probe_${j}`;
    });
    const dir = path.join(work, `probe${exports++}`);
    const [written] = await writeArtifacts(perturbation ? perturbGraph(probed, perturbation) : probed, plan, dir, { ...o.formatOptions, metadata: g.metadata });
    const file = path.join(dir, written!.path);
    o.onProgress?.(`bisect ${o.format} ${o.precision}: export ${exports} with ${todo.length} probe(s)`);
    const session = await runtime.load(file);
    let got: Record<string, HostTensor>;
    try { got = await session.run({ [g.inputs[0]!.name]: o.input }); } finally { await session.dispose(); }
    const ref = evaluateGraph(g, { [g.inputs[0]!.name]: o.input }, { keep: todo.map((i) => nodes[i]!.output) });
    todo.forEach((i, j) => known.set(i, compare(ref[nodes[i]!.output]!, got[names[j]!], o.threshold)));
    await rm(dir, { recursive: true, force: true });
  };
  const diverges = (i: number) => known.get(i)?.diverges === true;
  const nodeInputs = (i: number) => nodes[i]!.inputs.map((v) => indexOf.get(v)).filter((x): x is number => x !== undefined);

  try {
    const all = nodes.map((_, i) => i);
    const outputNodes = g.outputs.map((out) => indexOf.get(out.value)).filter((x): x is number => x !== undefined);
    await probe([...spread(all, k), ...outputNodes]);
    const firstDiverging = [...known.keys()].sort((x, y) => x - y).find(diverges);
    if (firstDiverging === undefined) return report('not-found', `every probed value (${known.size}, graph outputs included) agrees within ${o.threshold} (max |d| / max |ref|) on case ${o.caseName}: no node diverges; ` +
      'a notes-only failure is rounding-level noise at a decoding threshold, and an error that appears only without probes lives inside a fusion that exposing values prevents');
    let b: number = firstDiverging;
    for (;;) {
      const a = Math.max(-1, ...[...known.keys()].filter((i) => i < b && !diverges(i)));
      const inner = all.slice(a + 1, b);
      if (inner.length > k) {
        await probe(spread(inner, k));
        b = [...inner, b].find(diverges)!;
        continue;
      }
      // Small range: probe all of it and every node input of it, then check the first divergence is a root.
      await probe([...inner, ...[...inner, b].flatMap(nodeInputs)]);
      const first: number = [...inner, b].find(diverges)!;
      const badInput: number | undefined = nodeInputs(first).filter(diverges).sort((x, y) => x - y)[0];
      if (badInput === undefined) {
        const n = nodes[first]!;
        const kind = (v: string): 'input' | 'constant' | 'node' => (g.constants.has(v) ? 'constant' : indexOf.has(v) ? 'node' : 'input');
        const node: BisectNode = { name: n.name, op: n.op, inputs: n.inputs.map((v) => ({ name: v, shape: g.shapes.get(v)!, kind: kind(v) })), outputShape: g.shapes.get(n.output)! };
        const e = known.get(first)!;
        return report('found', `first diverging node: ${n.name} (${n.op}) ${fmt(node.outputShape)}: max |d| ${e.maxAbs.toExponential(2)} vs max |ref| ${e.maxRef.toExponential(2)} (relative ${e.relative.toExponential(2)} > ${o.threshold}); its inputs agree`, node, e);
      }
      b = badInput;
    }
  } catch (e) {
    return report('error', `bisect failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function compare(ref: HostTensor, got: HostTensor | undefined, threshold: number): ProbeResult {
  if (!got || got.data.length !== ref.data.length) return { maxAbs: Infinity, maxRef: 0, relative: Infinity, diverges: true };
  let maxAbs = 0, maxRef = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const d = Math.abs(got.data[i]! - ref.data[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    maxRef = Math.max(maxRef, Math.abs(ref.data[i]!));
  }
  const relative = maxAbs / Math.max(maxRef, 1e-6);
  return { maxAbs, maxRef, relative, diverges: !(relative <= threshold) };
}

const fmt = (s: readonly number[]) => `[${s.join(',')}]`;
