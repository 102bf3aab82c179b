/**
 * Parity of a bundle's artifacts: each file is run in its format's own runtime
 * (src/runtimes: LiteRT, ONNX Runtime, TensorFlow, tfjs, the Core ML
 * evaluator) on one fixed window and compared with the canonical tfjs outputs
 * — as tensors (max abs / rel error, cosine) and as the notes the decoder
 * makes of them. The fixed input and the canonical outputs are stored in the
 * bundle (parity/), so `a2m bundle verify` re-checks without the checkpoint
 * and an app can use them as its own test vector.
 *
 * (src/verify will offer the project-wide parity checks; until it has an
 * entry point for an export folder, bundles use this module.)
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadRuntime } from '../runtimes/index.js';
import type { HostTensor } from '../ir/tensor.js';
import type { Precision } from '../../converters/types.js';
import { DEFAULT_THRESHOLDS, extractNotes, type EventThresholds } from '../infer/events.js';
import { scoreNotes } from '../eval/mir-eval.js';
import { createRng } from '../data/random.js';
import { rmsNormalize } from '../audio/normalize.js';
import { SAMPLE_RATE, WINDOW_SAMPLES } from '../audio/window.js';
import type { Note } from '../types.js';
import { A2mError } from '../errors.js';

/** fp32: the converter tests' bound (atol 1e-4 + rtol 1e-4 per element). */
const FP32_TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
/**
 * fp16 stores weights (and, for Core ML, activations) with an 11-bit
 * mantissa: errors of 1e-3 relative compound over the layers. Probabilities
 * are bounded (0..1) so an absolute bound fits; logits are unbounded and get
 * a wider one. The Core ML fp16 tests use the same numbers.
 */
const FP16_TOLERANCE = { atol: 1e-2, rtol: 0, logitsAtol: 5e-2 };
/** int8 (weights only): reported, judged like fp16 but with 5x the bound (per-channel 8-bit weights). */
const INT8_FACTOR = 5;

export const PARITY_DIR = 'parity';
export const PARITY_INPUT = `${PARITY_DIR}/input.f32`;
export const parityExpectedFile = (output: string) => `${PARITY_DIR}/expected-${output}.f32`;

export interface OutputParity { output: string; maxAbs: number; maxRel: number; cosine: number; atol: number; rtol: number; pass: boolean }
export interface NoteParity {
  canonical: number;
  artifact: number;
  identical: boolean;
  onsetF1: number;
  /**
   * Canonical values the decoder compares (with a threshold, or an onset with
   * its neighbours) that lie within this artifact's measured error of the
   * decision: only these can flip a note. 0 on a clear input.
   */
  nearDecisions: number;
}
export interface ArtifactParity {
  format: string;
  precision: Precision;
  path: string;
  runtime: string;
  outputs: OutputParity[];
  notes: NoteParity;
  pass: boolean;
  /** Set when the artifact could not be loaded or run. */
  error?: string;
}
export interface ParityReport {
  input: { file: string; shape: number[]; description: string };
  expected: Record<string, { file: string; shape: number[] }>;
  rule: string;
  artifacts: ArtifactParity[];
  pass: boolean;
}

export interface ParityTarget { format: string; precision: Precision; path: string }

/**
 * The fixed parity window [1, 2, 80000]: six decaying harmonic tones across the
 * keyboard, panned, with a little noise, normalised as the pipeline does.
 * Piano-like enough that a trained model produces notes to compare.
 */
export function parityInput(): HostTensor {
  const rng = createRng(20240611);
  const left = new Float32Array(WINDOW_SAMPLES), right = new Float32Array(WINDOW_SAMPLES);
  const tones = [[40, 0.25], [60, 0.8], [64, 1.4], [67, 2.0], [72, 2.7], [55, 3.3], [84, 3.9]] as const;
  for (const [midi, onset] of tones) {
    const f0 = 440 * 2 ** ((midi - 69) / 12);
    const pan = rng.uniform(0.3, 0.7);
    const start = Math.round(onset * SAMPLE_RATE);
    for (let i = start; i < WINDOW_SAMPLES; i++) {
      const t = (i - start) / SAMPLE_RATE;
      let v = 0;
      for (let h = 1; h <= 4; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h ** 1.5;
      v *= Math.exp(-2.5 * t) * Math.min(1, t * 400);
      left[i]! += (1 - pan) * v;
      right[i]! += pan * v;
    }
  }
  for (let i = 0; i < WINDOW_SAMPLES; i++) { left[i]! += rng.normal(0, 0.002); right[i]! += rng.normal(0, 0.002); }
  rmsNormalize([left, right]);
  const data = new Float32Array(2 * WINDOW_SAMPLES);
  data.set(left, 0);
  data.set(right, WINDOW_SAMPLES);
  return { shape: [1, 2, WINDOW_SAMPLES], data };
}

export const PARITY_INPUT_DESCRIPTION = 'raw little-endian float32 [1, 2, 80000]: seven decaying harmonic tones (MIDI 40..84), normalised';

function toleranceFor(precision: Precision, output: string): { atol: number; rtol: number } {
  if (precision === 'fp32') return FP32_TOLERANCE;
  const atol = output.endsWith('logits') ? FP16_TOLERANCE.logitsAtol : FP16_TOLERANCE.atol;
  return { atol: precision === 'int8' ? atol * INT8_FACTOR : atol, rtol: FP16_TOLERANCE.rtol };
}

/** 3 significant digits: reports stay byte-identical across runs that differ in the last float bits. */
const round3 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)) : x);

export function compareOutput(output: string, ref: HostTensor, got: HostTensor, precision: Precision): OutputParity {
  const { atol, rtol } = toleranceFor(precision, output);
  if (ref.shape.join() !== got.shape.join()) {
    return { output, maxAbs: Infinity, maxRel: Infinity, cosine: 0, atol, rtol, pass: false };
  }
  let maxAbs = 0, maxRel = 0, dot = 0, na = 0, nb = 0, ok = true;
  for (let i = 0; i < ref.data.length; i++) {
    const a = ref.data[i]!, b = got.data[i]!;
    const d = Math.abs(a - b);
    if (!(d <= atol + rtol * Math.abs(a))) ok = false; // NaN fails too
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(a), 1e-6));
    dot += a * b; na += a * a; nb += b * b;
  }
  const cosine = na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
  return { output, maxAbs: round3(maxAbs), maxRel: round3(maxRel), cosine: Math.min(1, round3(cosine)), atol, rtol, pass: ok };
}

/** Notes the decoder makes of one window's outputs. */
export function windowNotes(out: Record<string, HostTensor>, thresholds: Partial<EventThresholds>): Note[] {
  const probs = out.probs;
  if (!probs) throw new A2mError('parity: the outputs lack "probs"');
  const keys = probs.shape.at(-1)!;
  return extractNotes({ frames: probs.data, onsets: out.onset_probs?.data, velocities: out.velocity?.data, keys }, thresholds);
}

export function compareNotes(ref: Note[], got: Note[], nearDecisions = 0): NoteParity {
  const same = (a: Note, b: Note) => a.pitch === b.pitch && a.onset === b.onset && a.offset === b.offset && Math.abs(a.velocity - b.velocity) <= 1 / 127;
  const identical = ref.length === got.length && ref.every((n, i) => same(n, got[i]!));
  const onsetF1 = ref.length === 0 && got.length === 0 ? 1 : scoreNotes(ref, got).onset.f1;
  return { canonical: ref.length, artifact: got.length, identical, onsetF1: round3(onsetF1), nearDecisions };
}

/**
 * How many of the decoder's comparisons (events.ts: frame probs against
 * activate / release / reattack, onset probs against onset and against their
 * neighbours for peak picking) sit within `err` of flipping, per output.
 */
export function nearDecisions(expected: Record<string, HostTensor>, err: Record<string, number>, th: Partial<EventThresholds>): number {
  const t = { ...DEFAULT_THRESHOLDS, ...th };
  let n = 0;
  const frames = expected.probs, onsets = expected.onset_probs;
  if (frames) {
    const e = err.probs ?? 0;
    const levels = onsets ? [t.release, ...(t.allowFrameStarts ? [t.activate] : [])] : [t.activate, t.release, t.reattack];
    for (const v of frames.data) if (levels.some((l) => Math.abs(v - l) <= e)) n++;
  }
  if (onsets) {
    const e = err.onset_probs ?? 0;
    const keys = onsets.shape.at(-1)!;
    const d = onsets.data;
    for (let i = 0; i < d.length; i++) {
      if (Math.abs(d[i]! - t.onset) <= e) n++;
      else if (d[i]! > t.onset && i >= keys && Math.abs(d[i]! - d[i - keys]!) <= 2 * e) n++;
    }
  }
  return n;
}

/** Runs every artifact (paths relative to `root`) and compares it with `expected`. */
export async function checkParity(
  root: string, targets: ParityTarget[], input: HostTensor, expected: Record<string, HostTensor>,
  thresholds: Partial<EventThresholds>, onProgress?: (msg: string) => void,
): Promise<ArtifactParity[]> {
  const refNotes = windowNotes(expected, thresholds);
  const results: ArtifactParity[] = [];
  for (const t of targets) {
    onProgress?.(`parity ${t.format} ${t.precision} ${t.path}`);
    const runtime = await loadRuntime(t.format);
    let got: Record<string, HostTensor>;
    try {
      const session = await runtime.load(path.join(root, t.path));
      try { got = await session.run({ samples: input }); } finally { await session.dispose(); }
    } catch (e) {
      // A corrupt or tampered file: report it with the others rather than stop at the first.
      const error = String((e as Error).message ?? e).split('\n')[0]!;
      results.push({ format: t.format, precision: t.precision, path: t.path, runtime: runtime.name, outputs: [], notes: compareNotes(refNotes, []), pass: false, error });
      continue;
    }
    const outputs = Object.keys(expected).sort().map((name) => got[name]
      ? compareOutput(name, expected[name]!, got[name]!, t.precision)
      : { output: name, maxAbs: Infinity, maxRel: Infinity, cosine: 0, ...toleranceFor(t.precision, name), pass: false });
    const err = Object.fromEntries(outputs.map((o) => [o.output, o.maxAbs]));
    const notes = compareNotes(refNotes, got.probs ? windowNotes(got, thresholds) : [], nearDecisions(expected, err, thresholds));
    // DESIGN principle 4: fp32 exports give the same notes. A note may differ only where a canonical value sits
    // within the measured error of a decision (random test weights hover there); anywhere else it is a failure.
    // Reduced precisions are judged on tensors, their notes reported.
    const pass = outputs.every((o) => o.pass) && (t.precision !== 'fp32' || notes.identical || notes.nearDecisions > 0);
    results.push({ format: t.format, precision: t.precision, path: t.path, runtime: runtime.name, outputs, notes, pass });
  }
  return results;
}

export function parityRule(): string {
  return `each artifact runs ${PARITY_INPUT} in its format's runtime; every output element within atol + rtol*|canonical| `
    + `(fp32: ${FP32_TOLERANCE.atol} + ${FP32_TOLERANCE.rtol}; fp16: ${FP16_TOLERANCE.atol}, logits ${FP16_TOLERANCE.logitsAtol}; int8: ${INT8_FACTOR}x fp16) `
    + 'and, for fp32, identical notes from the decoder unless canonical values lie within the measured error of a decision (nearDecisions > 0)';
}

/** float32 little-endian bytes of a tensor (the parity/ files). */
export function tensorBytes(t: HostTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
}

export async function readTensorFile(file: string, shape: number[]): Promise<HostTensor> {
  const b = await readFile(file);
  const n = shape.reduce((a, c) => a * c, 1);
  if (b.length !== 4 * n) throw new A2mError(`${file}: ${b.length} bytes, expected ${4 * n} (float32 [${shape}])`);
  const data = new Float32Array(n);
  new Uint8Array(data.buffer).set(b);
  return { shape, data };
}
