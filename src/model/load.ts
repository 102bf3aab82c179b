/** Resolving a model argument (`default`, a checkpoint folder, a preset name for a fresh model) to a Model. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { projectRoot } from '../util/paths.js';
import { loadCheckpoint } from './checkpoint.js';
import type { Model } from './model.js';
import { PRESETS } from './config.js';
import { HostModel, type ModelLike } from './host-model.js';
import type { EventThresholds } from '../infer/events.js';
import { loadTfjsModel } from './tfjs-loader.js';

/** The committed default model. */
export const DEFAULT_MODEL_DIR = path.join(projectRoot, 'models', 'default');

export interface LoadedModel<M extends ModelLike = Model> {
  model: M;
  /** Where it came from: a folder, or `preset:<name>` for an untrained model. */
  source: string;
  /** Training/run state and tuned decoding settings stored with the checkpoint. */
  state: Record<string, unknown>;
  /** The checkpoint's tuned decoding thresholds, checked when it was read ({} for a preset): use these, not state.thresholds. */
  thresholds: Partial<EventThresholds>;
}

/** `default` -> models/default; a folder -> itself; `preset:<name>` -> null (no checkpoint). */
function checkpointDir(spec: string): string | null {
  const m = /^preset:(.+)$/.exec(spec);
  if (m) {
    if (!PRESETS[m[1]!]) throw new A2mError(`unknown preset "${m[1]}" (expected one of: ${Object.keys(PRESETS).join(', ')})`);
    return null;
  }
  const dir = spec === 'default' ? DEFAULT_MODEL_DIR : path.resolve(spec);
  if (!existsSync(dir)) throw new A2mError(`${spec}: no such model folder (give a checkpoint folder, "default", or preset:<name>)`);
  return dir;
}

/**
 * The canonical tfjs model (needs tfjs-node): `default` -> models/default; an
 * existing folder -> that checkpoint; `preset:<name>` -> a freshly
 * initialised (untrained, seeded) model of that preset.
 */
export async function loadModel(spec = 'default'): Promise<LoadedModel> {
  const { Model } = await loadTfjsModel();
  const dir = checkpointDir(spec);
  if (!dir) return { model: Model.create(spec.slice('preset:'.length), 0), source: spec, state: {}, thresholds: {} };
  const ck = await loadCheckpoint(dir);
  return { model: Model.fromWeights(ck.config, ck.weights), source: dir, state: ck.state ?? {}, thresholds: ck.thresholds };
}

/**
 * The model as host arrays, without TensorFlow: enough to export it and to run
 * an export. A preset (no checkpoint) is initialised by the tfjs model, so it
 * still needs tfjs-node.
 */
export async function loadHostModel(spec = 'default'): Promise<LoadedModel<ModelLike>> {
  const dir = checkpointDir(spec);
  if (!dir) return loadModel(spec);
  const ck = await loadCheckpoint(dir);
  return { model: new HostModel(ck.config, ck.weights, ck.contentId), source: dir, state: ck.state ?? {}, thresholds: ck.thresholds };
}

/** A tfjs Model for `model` (itself when it already is one). */
export async function asTfjsModel(model: ModelLike): Promise<Model> {
  const { Model } = await loadTfjsModel();
  return model instanceof Model ? model : Model.fromWeights(model.config, await model.weights());
}
