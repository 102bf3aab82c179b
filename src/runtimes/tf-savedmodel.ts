/**
 * Runs a SavedModel in real TensorFlow (the C library behind tfjs-node):
 * `tf.node.loadSavedModel(dir, ['serve'], 'serving_default')`, feeds by
 * signature input name, returns every signature output by its name.
 */
import * as tf from '@tensorflow/tfjs-node';
import { A2mError } from '../errors.js';
import type { HostTensor } from '../ir/tensor.js';
import type { Runtime, Session } from './types.js';

const TAGS = ['serve'];
const SIGNATURE = 'serving_default';

/** The TensorFlow C library's version as the native binding reports it. */
function tfVersion(): string {
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return binding?.TF_Version ?? 'unknown';
}

const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

const runtime: Runtime = {
  get name() { return `TensorFlow ${tfVersion()} (tfjs-node ${tf.version['tfjs-node']})`; },
  format: 'savedmodel',
  async load(dir: string): Promise<Session> {
    let model: Awaited<ReturnType<typeof tf.node.loadSavedModel>>;
    let inputNames: string[];
    try {
      const metas = await tf.node.getMetaGraphsFromSavedModel(dir);
      const sig = metas.find((m) => TAGS.every((t) => m.tags.includes(t)))?.signatureDefs[SIGNATURE];
      if (!sig) throw new Error(`no meta graph tagged ${TAGS} with signature ${SIGNATURE}`);
      inputNames = Object.keys(sig.inputs);
      model = await tf.node.loadSavedModel(dir, TAGS, SIGNATURE);
    } catch (e) {
      throw new A2mError(`${dir}: TensorFlow could not load the SavedModel (${oneLine(e)})`);
    }
    return {
      async run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
        const missing = inputNames.filter((n) => !feeds[n]);
        if (missing.length) throw new A2mError(`${dir}: missing input(s) ${missing.join(', ')} (signature ${SIGNATURE} takes ${inputNames.join(', ')})`);
        const inputs: Record<string, tf.Tensor> = {};
        for (const n of inputNames) inputs[n] = tf.tensor(feeds[n]!.data, feeds[n]!.shape, 'float32');
        try {
          let out: tf.NamedTensorMap;
          try {
            out = model.predict(inputs) as tf.NamedTensorMap;
          } catch (e) {
            throw new A2mError(`${dir}: TensorFlow failed to run ${SIGNATURE} (${oneLine(e)})`);
          }
          const result: Record<string, HostTensor> = {};
          for (const [name, t] of Object.entries(out)) {
            result[name] = { shape: [...t.shape], data: new Float32Array(await t.data()) };
            t.dispose();
          }
          return result;
        } finally {
          for (const t of Object.values(inputs)) t.dispose();
        }
      },
      dispose() { model.dispose(); },
    };
  },
};

export default runtime;
