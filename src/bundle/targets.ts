/**
 * What each bundle target holds: a table from target to its artifacts
 * (format, precision, path inside the bundle). The builder, the parity check,
 * the READMEs and `bundle verify` all read this one table.
 */
import type { Precision } from '../../converters/types.js';
import { A2mError } from '../errors.js';
import { tritonArtifactPath } from './triton.js';

export const TARGETS = ['ios', 'android', 'web', 'server', 'triton'] as const;
export type Target = (typeof TARGETS)[number];
/**
 * What `a2m bundle` builds without -t: the app targets and TF Serving. Triton
 * is asked for by name: its repository repeats the ONNX and SavedModel files
 * for a server most app builds do not run.
 */
export const DEFAULT_TARGETS: readonly Target[] = ['ios', 'android', 'web', 'server'];

export interface BundleNames {
  /** Lower-case model name: file names, TF Serving model name (e.g. `audio2midi`). */
  name: string;
  /** The Core ML class Xcode generates from the package name (e.g. `Audio2Midi`). */
  className: string;
}

export interface TargetOptions { iosPrecision: Precision }

export interface Artifact { target: Target; format: string; precision: Precision; path: string; role: string }

const ARTIFACTS: Record<Target, (n: BundleNames, o: TargetOptions) => Omit<Artifact, 'target'>[]> = {
  ios: (n, o) => [{ format: 'coreml', precision: o.iosPrecision, path: `ios/${n.className}.mlpackage`, role: 'Core ML model package (iOS 16+ / macOS 13+)' }],
  android: (n) => [{ format: 'tflite', precision: 'fp32', path: `android/${n.name}.tflite`, role: 'TFLite model with TFLite Metadata (TFLITE_METADATA)' }],
  web: () => [
    { format: 'tfjs', precision: 'fp32', path: 'web/model', role: 'TensorFlow.js graph model (the demo page runs it)' },
    { format: 'onnx', precision: 'fp32', path: 'web/model.onnx', role: 'ONNX model for onnxruntime-web' },
  ],
  // TF Serving loads <model_base_path>/<version>/saved_model.pb.
  server: (n) => [{ format: 'savedmodel', precision: 'fp32', path: `server/${n.name}/1`, role: 'TF SavedModel, version 1 of a TF Serving model base path' }],
  // Triton loads <repository>/<model>/<version>/<default model file> (triton.ts).
  triton: (n) => [
    { format: 'onnx', precision: 'fp32', path: tritonArtifactPath(n.name, 'onnx'), role: 'Triton model (onnxruntime_onnx), version 1' },
    { format: 'savedmodel', precision: 'fp32', path: tritonArtifactPath(n.name, 'savedmodel'), role: 'Triton model (tensorflow_savedmodel), version 1' },
  ],
};

export function artifactsFor(targets: readonly Target[], names: BundleNames, opts: TargetOptions): Artifact[] {
  return targets.flatMap((t) => ARTIFACTS[t](names, opts).map((a) => ({ target: t, ...a })));
}

export function parseTargets(list: string): Target[] {
  const items = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (bad.length) throw new A2mError(`unknown bundle target(s) ${bad.map((b) => `"${b}"`).join(', ')} (expected: ${TARGETS.join(', ')})`);
  if (!items.length) throw new A2mError(`no bundle target given (expected some of: ${TARGETS.join(', ')})`);
  // Table order, duplicates dropped: the same request always gives the same bundle.
  return TARGETS.filter((t) => items.includes(t));
}

/** `audio2midi` -> names for files and classes; only [a-z0-9_-] so it is safe in every file system and URL. */
export function bundleNames(name: string): BundleNames {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new A2mError(`bundle name "${name}": expected lower-case letters, digits, "_" or "-", starting with a letter`);
  const className = name.split(/[-_]/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')
    .replace(/^Audio2midi$/, 'Audio2Midi');
  return { name, className };
}
