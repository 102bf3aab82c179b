/**
 * The test hook that breaks an export on purpose, so tests can prove that
 * verify catches a converter bug and bisect names the node. It never touches
 * a converter: it edits the IR graph just before the converter sees it, which
 * is what a wrong emitter would amount to.
 *
 *   weight:<node>[:<delta>]   adds delta (default 0.5) to one element of the
 *                             node's first constant input (a private copy, so
 *                             nodes sharing the constant are untouched)
 *   swap:<node>:<Op>          replaces the node's op by another with the same
 *                             inputs and shape rule (e.g. Gelu -> Sigmoid)
 * optionally prefixed `<format>/` to break one format only.
 *
 * Set A2M_VERIFY_PERTURB to the spec and bisect's probe exports carry the same
 * defect (as a real converter bug would); `exportPerturbed` makes the broken
 * export itself.
 */
import type { Model } from '../model/model.js';
import type { IrGraph } from '../ir/graph.js';
import { OPS, type OpName } from '../ir/ops.js';
import { cloneGraph, runPasses } from '../ir/passes.js';
import { validateGraph } from '../ir/graph.js';
import { exportModel, recordGraph, type ExportManifest, type ExportRequest } from '../export/export.js';
import { A2mError } from '../errors.js';

export const PERTURB_ENV = 'A2M_VERIFY_PERTURB';

export type Perturbation =
  | { format: string | null; kind: 'weight'; node: string; delta: number }
  | { format: string | null; kind: 'swap'; node: string; op: OpName };

export function parsePerturbation(spec: string): Perturbation {
  const m = /^(?:([a-z]+)\/)?(weight|swap):([^:]+)(?::(.+))?$/.exec(spec.trim());
  if (!m) throw new A2mError(`${PERTURB_ENV}="${spec}": expected [<format>/]weight:<node>[:<delta>] or [<format>/]swap:<node>:<Op>`);
  const [, format, kind, node, arg] = m as unknown as [string, string | undefined, 'weight' | 'swap', string, string | undefined];
  if (kind === 'weight') {
    const delta = arg === undefined ? 0.5 : Number(arg);
    if (!Number.isFinite(delta) || delta === 0) throw new A2mError(`${PERTURB_ENV}="${spec}": delta "${arg}" must be a non-zero number`);
    return { format: format ?? null, kind, node, delta };
  }
  if (!arg || !(arg in OPS)) throw new A2mError(`${PERTURB_ENV}="${spec}": "${arg}" is not an IR op (expected one of ${Object.keys(OPS).join(', ')})`);
  return { format: format ?? null, kind, node, op: arg as OpName };
}

/** The perturbation A2M_VERIFY_PERTURB asks for on `format` (null when unset or meant for another format). */
export function perturbationFromEnv(format: string): Perturbation | null {
  const spec = process.env[PERTURB_ENV];
  if (!spec) return null;
  const p = parsePerturbation(spec);
  return p.format === null || p.format === format ? p : null;
}

/** A copy of `graph` with the defect applied; the original is untouched. */
export function perturbGraph(graph: IrGraph, p: Perturbation): IrGraph {
  const g = cloneGraph(graph);
  const node = g.nodes.find((n) => n.name === p.node);
  if (!node) throw new A2mError(`${PERTURB_ENV}: no node "${p.node}" in the graph (${g.nodes.length} nodes, e.g. ${g.nodes.slice(0, 3).map((n) => n.name).join(', ')})`);
  if (p.kind === 'weight') {
    const idx = node.inputs.findIndex((i) => g.constants.has(i));
    if (idx < 0) throw new A2mError(`${PERTURB_ENV}: node ${p.node} (${node.op}) has no constant input to perturb`);
    const name = node.inputs[idx]!, c = g.constants.get(name)!;
    const data = c.data.slice();
    data[data.length >> 1]! += p.delta; // the middle element: away from any edge-padding special case
    const copy = `${name}__perturbed`;
    g.constants.set(copy, { shape: [...c.shape], data });
    g.shapes.set(copy, [...c.shape]);
    node.inputs[idx] = copy;
  } else {
    if (OPS[p.op].inputs.length !== OPS[node.op].inputs.length) throw new A2mError(`${PERTURB_ENV}: cannot swap ${node.op} for ${p.op} on ${p.node} (different inputs)`);
    (node as { op: OpName }).op = p.op;
  }
  try { validateGraph(g); } catch (e) { throw new A2mError(`${PERTURB_ENV}: the perturbed graph is invalid (${(e as Error).message})`); }
  return g;
}

/** Exports `model` through the normal export path with the defect applied to the graph the converters get. */
export async function exportPerturbed(model: Model, req: ExportRequest, p: Perturbation): Promise<ExportManifest> {
  const graph = perturbGraph(runPasses(await recordGraph(model, req.batch ?? 1)), p);
  return exportModel(model, req, graph);
}
