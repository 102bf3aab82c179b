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

/** A randomized `preset` model saved as a checkpoint (with state and a model card) under `dir/ckpt`. */
export async function randomizedCheckpoint(dir: string, preset = 'tiny'): Promise<{ ckpt: string; model: Model }> {
  const model = await randomizedModel(preset);
  const ckpt = path.join(dir, 'ckpt');
  await saveCheckpoint(ckpt, { config: model.config, weights: await model.weights(), state: { step: 0, thresholds: CHECKPOINT_THRESHOLDS } });
  writeFileSync(path.join(ckpt, 'MODEL_CARD.md'), MODEL_CARD);
  return { ckpt, model };
}

export async function contractFor(model: Model, graph: IrGraph): Promise<AppContract> {
  return buildContract({
    name: 'audio2midi', preset: model.config.preset, sha256: await modelHash(model), parameters: model.paramCount(), toolVersion: 'test',
    input: { name: graph.inputs[0]!.name, shape: graph.inputs[0]!.shape },
    outputs: graph.outputs.map((o) => ({ name: o.name, shape: graph.shapes.get(o.value)! })),
    thresholds: CHECKPOINT_THRESHOLDS,
  });
}
