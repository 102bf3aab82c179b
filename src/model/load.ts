/** Resolving a model argument (`default`, a checkpoint folder, a preset name for a fresh model) to a Model. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { projectRoot } from '../util/paths.js';
import { loadCheckpoint } from './checkpoint.js';
import { Model } from './model.js';
import { PRESETS } from './config.js';

/** The committed default model. */
export const DEFAULT_MODEL_DIR = path.join(projectRoot, 'models', 'default');

export interface LoadedModel {
  model: Model;
  /** Where it came from: a folder, or `preset:<name>` for an untrained model. */
  source: string;
  /** Training/run state and tuned decoding settings stored with the checkpoint. */
  state: Record<string, unknown>;
}

/**
 * `default` -> models/default; an existing folder -> that checkpoint;
 * `preset:<name>` -> a freshly initialised (untrained, seeded) model of that preset.
 */
export async function loadModel(spec = 'default'): Promise<LoadedModel> {
  const m = /^preset:(.+)$/.exec(spec);
  if (m) {
    if (!PRESETS[m[1]!]) throw new A2mError(`unknown preset "${m[1]}" (expected one of: ${Object.keys(PRESETS).join(', ')})`);
    return { model: Model.create(m[1]!, 0), source: spec, state: {} };
  }
  const dir = spec === 'default' ? DEFAULT_MODEL_DIR : path.resolve(spec);
  if (!existsSync(dir)) throw new A2mError(`${spec}: no such model folder (give a checkpoint folder, "default", or preset:<name>)`);
  const ck = await loadCheckpoint(dir);
  return { model: Model.fromWeights(ck.config, ck.weights), source: dir, state: ck.state ?? {} };
}
