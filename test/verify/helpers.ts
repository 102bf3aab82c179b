/** Shared by the verify tests: a randomized model with a realistic note density, saved as a checkpoint. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomizedModel } from '../helpers/models.js';
import { saveCheckpoint } from '../../src/model/checkpoint.js';
import { loadModel, type LoadedModel } from '../../src/model/load.js';

/**
 * Logit shift of the frame and onset heads. A randomized model's probabilities
 * sit around 0.5 everywhere (about 2000 notes per 5 s window), so every 1e-6
 * fp32 difference flips some threshold comparison; shifting the head biases by
 * -1.5 leaves a few percent of frames active, like a trained model, while
 * every weight stays random (so parity can still fail).
 */
const HEAD_BIAS_SHIFT = -1.5;

/** A randomized `preset` model with sparse heads, saved as a checkpoint in a fresh temp dir. */
export async function sparseCheckpoint(preset: string, seed = 1): Promise<{ dir: string; checkpoint: string; loaded: LoadedModel; cleanup(): Promise<void> }> {
  const m = await randomizedModel(preset, seed);
  const weights = await m.weights();
  for (const name of ['head_frame/b', 'head_onset/b']) {
    const b = weights.get(name);
    if (!b) throw new Error(`preset ${preset} has no ${name}`);
    weights.set(name, { shape: b.shape, data: b.data.map((v) => v + HEAD_BIAS_SHIFT) });
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), `a2m-verify-${preset}-`));
  const checkpoint = path.join(dir, 'checkpoint');
  await saveCheckpoint(checkpoint, { config: m.config, weights });
  m.dispose();
  const loaded = await loadModel(checkpoint);
  return { dir, checkpoint, loaded, async cleanup() { loaded.model.dispose(); await rm(dir, { recursive: true, force: true }); } };
}
