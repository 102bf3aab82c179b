/** ONNX Runtime (onnxruntime-node, CPU execution provider) running a .onnx file: the judge of ONNX exports. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import type { Runtime, Session } from './types.js';
import type { HostTensor } from '../ir/tensor.js';
import { A2mError } from '../errors.js';
// The one float16 definition (pure functions; the ONNX writer uses the same).
import { fromHalfArray, toHalfArray } from '../util/half.js';

const require = createRequire(import.meta.url);
const ORT_VERSION: string = JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')).version;

/** Threads per session; the machine is shared, so default to 2 (override with A2M_ORT_THREADS). */
const THREADS = Number(process.env.A2M_ORT_THREADS ?? 2);
/**
 * ONNX Runtime's pool threads spin (busy-wait) between parallel sections by
 * default. Here that spinning only burns a core the decoding worker and ffmpeg
 * need (while the session is built) and the JS between batches runs beside:
 * with it off, `a2m transcribe` on a 60 s file took about 0.5 s less CPU
 * (measured on a busy 2-core machine: the session about 0.035 s less, the model
 * calls about 40 % less) for the same notes (the work is split the same way;
 * only idle threads sleep instead of spinning). A2M_ORT_SPIN=1 turns it back on.
 */
const SPIN = process.env.A2M_ORT_SPIN === '1' ? '1' : '0';

function toFloat32(t: ort.Tensor): Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (t.type === 'float16' && d instanceof Uint16Array) return fromHalfArray(d);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float32Array.from(d, (v) => Number(v));
  if (ArrayBuffer.isView(d)) return Float32Array.from(d as unknown as ArrayLike<number>);
  throw new A2mError(`onnxruntime: output of type ${t.type} cannot be returned as float32`);
}

function feedTensor(name: string, t: HostTensor, meta: ort.InferenceSession.ValueMetadata | undefined): ort.Tensor {
  const type = meta && meta.isTensor ? meta.type : 'float32';
  if (type === 'float16') return new ort.Tensor('float16', toHalfArray(t.data), t.shape);
  if (type !== 'float32') throw new A2mError(`onnxruntime: input ${name} has type ${type}; only float32 / float16 inputs can be fed`);
  return new ort.Tensor('float32', t.data, t.shape);
}

const onnxRuntime: Runtime = {
  name: `onnxruntime-node ${ORT_VERSION} (CPU)`,
  format: 'onnx',
  async load(path: string): Promise<Session> {
    if (!existsSync(path)) throw new A2mError(`${path}: no such ONNX model file`);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: THREADS, interOpNumThreads: 1,
        extra: { session: { intra_op: { allow_spinning: SPIN }, inter_op: { allow_spinning: SPIN } } },
      });
    } catch (e) {
      throw new A2mError(`${path}: ONNX Runtime could not load the model: ${String((e as Error).message ?? e).split('\n')[0]}`, { cause: e });
    }
    const inputMeta = new Map(session.inputMetadata.map((m) => [m.name, m]));
    return {
      async run(feeds) {
        const missing = session.inputNames.filter((n) => !(n in feeds));
        const extra = Object.keys(feeds).filter((n) => !session.inputNames.includes(n));
        if (missing.length || extra.length) {
          throw new A2mError(`${path}: inputs are [${session.inputNames.join(', ')}]; got [${Object.keys(feeds).join(', ')}]`);
        }
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = feedTensor(k, t, inputMeta.get(k));
        let res: ort.InferenceSession.OnnxValueMapType;
        try {
          res = await session.run(ortFeeds);
        } catch (e) {
          throw new A2mError(`${path}: ONNX Runtime failed to run: ${String((e as Error).message ?? e).split('\n')[0]}`, { cause: e });
        }
        const out: Record<string, HostTensor> = {};
        for (const name of session.outputNames) {
          const t = res[name] as ort.Tensor;
          out[name] = { shape: t.dims.map(Number), data: toFloat32(t) };
        }
        return out;
      },
      async dispose() { await session.release(); },
    };
  },
};

export default onnxRuntime;
