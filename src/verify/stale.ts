/**
 * Do committed goldens still describe a model? Recomputes the canonical
 * outputs on the stored inputs and compares: a retrained model, retuned
 * thresholds or a changed forward pass all make goldens stale, and CI must
 * say so rather than verify exports against the wrong reference.
 */
import type { LoadedModel } from '../model/load.js';
import { modelHash } from '../export/export.js';
import { modelThresholds, notesFromOutputs, type Golden } from './golden.js';
import { compareTensors, notesEqual } from './metrics.js';

/**
 * Recomputation may run on another machine (thread count, CPU features pick
 * other kernels): allow float reassociation noise only, 1e-5 absolute plus
 * 1e-5 relative (logits of a trained model reach |10|, where fp32 kernels
 * differ by a few 1e-6).
 */
export const GOLDEN_RECOMPUTE_ATOL = 1e-5;
export const GOLDEN_RECOMPUTE_RTOL = 1e-5;

/** Every way the goldens disagree with the model (empty when they match). */
export async function staleGoldenProblems(golden: Golden, loaded: LoadedModel, atol = GOLDEN_RECOMPUTE_ATOL, rtol = GOLDEN_RECOMPUTE_RTOL): Promise<string[]> {
  const problems: string[] = [];
  const where = golden.dir ?? 'goldens';
  const hash = await modelHash(loaded.model);
  if (hash !== golden.model.sha256) problems.push(`${where}: made for model ${golden.model.sha256.slice(0, 12)}, the model is ${hash.slice(0, 12)}`);
  const thresholds = modelThresholds(loaded.state);
  const mine = thresholds as unknown as Record<string, unknown>, theirs = golden.thresholds as unknown as Record<string, unknown>;
  const differ = Object.keys({ ...mine, ...theirs }).filter((k) => mine[k] !== theirs[k]);
  if (differ.length) problems.push(`${where}: decoded with other event thresholds than the model's (${differ.map((k) => `${k} ${theirs[k]} vs ${mine[k]}`).join(', ')})`);
  for (const c of golden.cases) {
    const out = await loaded.model.predict(c.samples);
    for (const name of golden.outputs) {
      if (!out[name]) { problems.push(`${where}: case ${c.name}: the model has no output ${name}`); continue; }
      const e = compareTensors(c.outputs[name]!.data, out[name]!.data, atol, rtol);
      if (e.beyond) problems.push(`${where}: case ${c.name} output ${name}: max abs error ${e.maxAbs.toExponential(2)}, ${e.beyond} element(s) beyond ${atol} + ${rtol}·|ref|`);
    }
    const extra = Object.keys(out).filter((k) => !golden.outputs.includes(k));
    if (extra.length) problems.push(`${where}: the model has output(s) ${extra.join(', ')} the goldens lack`);
    if (out.probs && !notesEqual(c.notes, notesFromOutputs(out, thresholds))) problems.push(`${where}: case ${c.name}: the model decodes to different notes`);
  }
  return problems;
}
