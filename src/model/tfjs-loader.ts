/**
 * The one place that loads TensorFlow (tfjs-node) for the model, on demand:
 * commands that only export or run an export never pay its start-up (0.4 s,
 * ~400 MB) and work where tfjs-node is not installed. When it is missing the
 * error says what to install instead of a module-resolution trace.
 */
import { A2mError } from '../errors.js';

type ModelModule = typeof import('./model.js');
let loading: Promise<ModelModule> | undefined;

/** The message for a missing or unloadable tfjs-node, with what to do about it. */
export function tfjsNodeMissing(cause: unknown): A2mError {
  const detail = String((cause as Error)?.message ?? cause).split('\n')[0];
  return new A2mError(
    `this needs TensorFlow for Node (@tensorflow/tfjs-node), which could not be loaded (${detail}). ` +
    'Install it with `npm install @tensorflow/tfjs-node` (in a clone of audio-to-midi, `npm install` builds it from the Python wheel), ' +
    'or use an exported backend: --backend onnx.', { cause });
}

/** The tfjs Model class, loading tfjs-node on first use. */
export function loadTfjsModel(): Promise<ModelModule> {
  loading ??= import('./model.js').catch((e: unknown) => {
    loading = undefined;
    throw tfjsNodeMissing(e);
  });
  return loading;
}
