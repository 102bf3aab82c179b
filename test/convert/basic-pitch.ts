/**
 * Basic Pitch (Spotify, Apache-2.0) as the convert tests and bench/basic-pitch.ts
 * use it: the npm package's tfjs graph model (our source), Spotify's official
 * file of each format in ../shared/reference/basic-pitch with its own input and
 * output names, and a real audio window as input.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { HostTensor } from '../../src/ir/tensor.js';
import { projectRoot, referenceDir, venvPython } from '../../src/util/paths.js';
import { decodeFile } from '../../src/audio/decode.js';
import { loadRuntime } from '../../src/runtimes/index.js';
import { outputsBeforeRuntimeReshapes, pinDynamicDims } from './helpers.js';

export const BP_SOURCE = path.join(projectRoot, 'node_modules/@spotify/basic-pitch/model');
export const BP_REFERENCE = path.join(referenceDir, 'basic-pitch');
/** Basic Pitch's window: 43844 samples (2 s minus its hop overlap) of mono audio at 22050 Hz. */
export const BP_SAMPLE_RATE = 22050;
export const BP_INPUT_SHAPE = [1, 43844, 1];
export const BP_OUTPUTS = ['contour', 'note', 'onset'] as const;
/** The npm model.json's signature keys the two 88-key outputs by tensor name (inference.ts: Identity_1 = frames). */
export const BP_RENAME: Record<string, string> = { 'Identity_1:0': 'note', 'Identity_2:0': 'onset' };

export interface OfficialFile { file: string; input: string; outputs: Record<(typeof BP_OUTPUTS)[number], string> }

/** Spotify's files, each named as its converter left it (checked in the files themselves). */
export const BP_OFFICIAL: Record<'savedmodel' | 'tflite' | 'onnx' | 'coreml', OfficialFile> = {
  savedmodel: { file: 'nmp', input: 'input_2', outputs: { contour: 'contour', note: 'note', onset: 'onset' } },
  tflite: { file: 'nmp.tflite', input: 'input_2', outputs: { contour: 'contour', note: 'note', onset: 'onset' } },
  onnx: { file: 'nmp.onnx', input: 'serving_default_input_2:0', outputs: { contour: 'StatefulPartitionedCall:0', note: 'StatefulPartitionedCall:1', onset: 'StatefulPartitionedCall:2' } },
  coreml: { file: 'nmp.mlpackage', input: 'input_2', outputs: { contour: 'Identity', note: 'Identity_1', onset: 'Identity_2' } },
};

/** A file as Basic Pitch takes it: mono downmix at 22050 Hz (its Python loader: librosa.load(sr=22050, mono=True)), optionally cut. */
export async function basicPitchAudio(file: string, maxSeconds = Infinity): Promise<Float32Array> {
  const { channels: [l, r] } = await decodeFile(file, { sampleRate: BP_SAMPLE_RATE });
  const n = Math.min(l.length, maxSeconds * BP_SAMPLE_RATE);
  return Float32Array.from({ length: n }, (_, i) => 0.5 * (l[i]! + r[i]!));
}

/** A real piano window: the fixture clip from 1 s on, downmixed to mono at 22050 Hz. */
export async function basicPitchInput(): Promise<HostTensor> {
  const audio = await decodeFile(path.join(projectRoot, 'fixtures/tiny-set/proc-s7-00000.flac'), { sampleRate: BP_SAMPLE_RATE });
  const n = BP_INPUT_SHAPE[1]!, start = BP_SAMPLE_RATE;
  const [l, r] = audio.channels;
  if (l.length < start + n) throw new Error(`fixture clip is ${l.length} frames, the window needs ${start + n}`);
  return { shape: [...BP_INPUT_SHAPE], data: Float32Array.from({ length: n }, (_, i) => 0.5 * (l[start + i]! + r[start + i]!)) };
}

/** Runs an artifact once in its format's runtime. */
export async function runOnce(format: string, file: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const session = await (await loadRuntime(format)).load(file);
  try { return await session.run(feeds); } finally { await session.dispose(); }
}

/** The source model.json in tfjs-node, outputs under the official names. */
export async function runSource(x: HostTensor): Promise<Record<string, HostTensor>> {
  const out = await runOnce('tfjs', BP_SOURCE, { input_2: x });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [BP_RENAME[k] ?? k, v]));
}

/**
 * Runs Spotify's file of `format` in that format's runtime, outputs under the
 * official names. nmp.tflite in LiteRT.js needs two changes that leave its
 * weights and computation alone: its dynamic batch (shape_signature -1), which
 * LiteRT.js refuses, is pinned to 1 (tf.lite.Interpreter resizes the same way),
 * and its three outputs are read before their final RESHAPE, whose shape is a
 * run-time PACK: LiteRT.js leaves such outputs unwritten (all zeros; checked
 * against tf.lite.Interpreter, which computes them right).
 */
export async function runOfficial(format: keyof typeof BP_OFFICIAL, x: HostTensor, scratch: string): Promise<Record<string, HostTensor>> {
  const spec = BP_OFFICIAL[format];
  let file = path.join(BP_REFERENCE, spec.file);
  if (format === 'tflite') {
    const pinned = pinDynamicDims(new Uint8Array(await readFile(file)));
    if (pinned.pinned === 0) throw new Error(`${file}: expected a dynamic batch dim to pin`);
    const { bytes, redirected } = outputsBeforeRuntimeReshapes(pinned.bytes);
    if (redirected.length !== BP_OUTPUTS.length) throw new Error(`${file}: expected every output behind a run-time RESHAPE, found ${redirected.join(', ')}`);
    file = path.join(scratch, 'nmp.litert.tflite');
    writeFileSync(file, bytes);
  }
  const out = await runOnce(format, file, { [spec.input]: x });
  // Pre-reshape tflite outputs are [1,172,N,1]: the same values as [1,172,N].
  return Object.fromEntries(BP_OUTPUTS.map((name) => {
    const t = out[spec.outputs[name]]!;
    return [name, { shape: t.shape.length === 4 && t.shape[3] === 1 ? t.shape.slice(0, 3) : t.shape, data: t.data }];
  }));
}

/** TF's own tf.lite.Interpreter (Python oracle, test/converters/tflite/tflite_oracle.py) on several .tflite files, one process. */
export async function runTfliteInterpreter(files: string[], x: HostTensor, scratch: string): Promise<Record<string, HostTensor>[]> {
  const dir = path.join(scratch, 'tflite-oracle');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'x.bin'), new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
  const oracle = path.join(projectRoot, 'test/converters/tflite/tflite_oracle.py');
  await execa(venvPython, [oracle, 'input_2', path.join(dir, 'x.bin'), x.shape.join(','), dir, ...files], { env: { TF_CPP_MIN_LOG_LEVEL: '3' } });
  const meta = JSON.parse(readFileSync(path.join(dir, 'outputs.json'), 'utf8')) as { models: { outputs: Record<string, number[]> }[] };
  return meta.models.map((m, i) => Object.fromEntries(Object.entries(m.outputs).map(([name, shape]) => {
    const b = readFileSync(path.join(dir, String(i), `${name}.bin`));
    return [name, { shape, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) }];
  })));
}
