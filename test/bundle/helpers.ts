/** Shared by the bundle tests: a randomized tiny checkpoint on disk, temp dirs, a contract for it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomizedModel } from '../helpers/models.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import type { Model } from '../../src/model/model.js';
import { buildContract, type AppContract } from '../../src/bundle/contract.js';
import { modelHash } from '../../src/export/export.js';
import type { IrGraph } from '../../src/ir/graph.js';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'a2m-bundle-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Tuned thresholds stored with the test checkpoint: the bundle must carry them, merged over the defaults. */
export const CHECKPOINT_THRESHOLDS = { onset: 0.55, release: 0.12 };
export const MODEL_CARD = '# Model card: test model\n\nRandomized weights, for the bundle tests.\n';

/**
 * Logit shift of the frame and onset heads (as test/verify/helpers.ts): a
 * randomized model's probabilities sit around 0.5 everywhere (thousands of
 * notes per window), so every 1e-6 difference between runtimes flips some
 * decision; -1.5 leaves a few percent of frames active, like a trained model,
 * while every weight stays random (so parity can still fail).
 */
export const HEAD_BIAS_SHIFT = -1.5;

/** Golden cases the bundle tests verify on: polyphony, and the silent edge case (rendering all seven costs seconds). */
export const TEST_GOLDEN_CASES = ['chords', 'silence'];

/** A randomized `preset` model with sparse heads, saved as a checkpoint (with state and a model card) under `dir/ckpt`. */
export async function randomizedCheckpoint(dir: string, preset = 'tiny', shift = HEAD_BIAS_SHIFT): Promise<{ ckpt: string }> {
  const model = await randomizedModel(preset);
  const weights = await model.weights();
  model.dispose();
  for (const name of ['head_frame/b', 'head_onset/b']) {
    const b = weights.get(name);
    if (!b) throw new Error(`preset ${preset} has no ${name}`);
    weights.set(name, { shape: b.shape, data: b.data.map((v) => v + shift) });
  }
  const ckpt = path.join(dir, 'ckpt');
  await saveCheckpoint(ckpt, { config: model.config, weights, state: { step: 0, thresholds: CHECKPOINT_THRESHOLDS } });
  writeFileSync(path.join(ckpt, 'MODEL_CARD.md'), MODEL_CARD);
  return { ckpt };
}

export async function contractFor(model: Model, graph: IrGraph): Promise<AppContract> {
  return buildContract({
    name: 'audio2midi', preset: model.config.preset, sha256: await modelHash(model), parameters: model.paramCount(), toolVersion: 'test',
    input: { name: graph.inputs[0]!.name, shape: graph.inputs[0]!.shape },
    outputs: graph.outputs.map((o) => ({ name: o.name, shape: graph.shapes.get(o.value)! })),
    thresholds: CHECKPOINT_THRESHOLDS,
  });
}
