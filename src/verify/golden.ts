/**
 * Goldens: the fixed inputs (inputs.ts), the canonical model's outputs on them
 * (tfjs-node, every output) and the notes those decode to, with a manifest
 * that checksums every file. Written only by `a2m golden`; read by
 * `a2m verify` and by the test that proves the committed goldens still match
 * the committed default model.
 *
 * Layout of a golden folder:
 *   manifest.json                  format, version, model, producer, thresholds, cases
 *   inputs/<case>.f32              [1, 2, 80000] raw little-endian float32 ([n, ...] for a batched case)
 *   outputs/<case>/<output>.f32    [1, 250, 90] each ([n, ...]: the model run at batch n)
 *   notes/<case>.json              the notes (extractNotes with the model's thresholds)
 * Nothing time- or machine-dependent is written, so regenerating gives the same bytes.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../errors.js';
import type { HostTensor } from '../ir/tensor.js';
import type { LoadedModel } from '../model/load.js';
import { modelHash } from '../export/export.js';
import { DEFAULT_THRESHOLDS, extractNotes, type EventThresholds } from '../infer/events.js';
import { SAMPLE_RATE, WINDOW_SAMPLES, type Note } from '../types.js';
import { projectRoot } from '../util/paths.js';
import { toolVersion } from '../util/version.js';
import { writeDirAtomic } from '../util/atomic.js';
import { goldenInputs, type GoldenInput } from './inputs.js';
import { float32Bytes, float32FromBytes, sha256 } from './tensor-file.js';
import { ConfinedRoot } from '../util/confine.js';
import { thresholdsFrom } from '../infer/threshold-bounds.js';

export const GOLDEN_FORMAT = 'a2m-golden';
/** Bump when the input set or the file layout changes (2: the batched case batch-3, #21). */
export const GOLDEN_VERSION = 2;

export interface TensorFileEntry { file: string; shape: number[]; dtype: 'float32'; sha256: string }

export interface GoldenManifest {
  format: typeof GOLDEN_FORMAT;
  version: number;
  tool: 'audio-to-midi';
  toolVersion: string;
  model: { preset: string; sha256: string; source: string };
  /** The runtime that produced the outputs: the canonical model on tfjs-node. */
  producedBy: { runtime: string; tensorflow: string };
  /** Every event threshold used to decode the notes (the checkpoint's tuned ones over the defaults). */
  thresholds: EventThresholds;
  outputs: string[];
  cases: {
    name: string;
    description: string;
    normalization: GoldenInput['normalization'];
    render: GoldenInput['render'];
    /** A batched case: the cases whose windows are its rows. */
    rows?: string[];
    input: TensorFileEntry;
    outputs: Record<string, TensorFileEntry>;
    notes: { file: string; count: number; sha256: string };
  }[];
}

export interface GoldenCase extends GoldenInput {
  outputs: Record<string, HostTensor>;
  notes: Note[];
}

export interface Golden {
  model: GoldenManifest['model'];
  producedBy: GoldenManifest['producedBy'];
  thresholds: EventThresholds;
  /** Output names in the model's order. */
  outputs: string[];
  cases: GoldenCase[];
  /** The folder it was read from (null when built in memory). */
  dir: string | null;
}

/** The checkpoint's tuned thresholds over the defaults; a malformed entry is an error, not a silent default. */
export function modelThresholds(state: Record<string, unknown>): EventThresholds {
  return thresholdsFrom(state.thresholds, 'checkpoint state.thresholds');
}

/**
 * Notes from one window's outputs, exactly as transcription decodes them (frame, onset, velocity and offset heads).
 * A batch of windows [n, 250, 90] decodes row by row, each row's notes shifted by its place (row x 5 s):
 * the windows laid end to end, no note joined across a row boundary.
 */
export function notesFromOutputs(outputs: Record<string, HostTensor | undefined>, thresholds: EventThresholds): Note[] {
  const probs = outputs.probs;
  if (!probs) throw new A2mError('outputs lack "probs": cannot decode notes');
  const n = probs.shape.length === 3 ? probs.shape[0]! : 1;
  const per = probs.data.length / n;
  const row = (t: HostTensor | undefined, r: number) => (t && n > 1 ? t.data.subarray(r * per, (r + 1) * per) : t?.data);
  return Array.from({ length: n }, (_, r) => {
    const shift = (r * WINDOW_SAMPLES) / SAMPLE_RATE;
    return extractNotes({ frames: row(probs, r)!, onsets: row(outputs.onset_probs, r), velocities: row(outputs.velocity, r), offsets: row(outputs.offset_probs, r), keys: probs.shape.at(-1) }, thresholds)
      .map((x) => (shift ? { ...x, onset: x.onset + shift, offset: x.offset + shift } : x));
  }).flat();
}

/**
 * The golden cases as single windows ([1, ...] inputs and outputs), a batched
 * case split into its rows: what runtimes that take one window per call, and
 * batch parity's cycled batches, are judged against.
 */
export function goldenWindows(g: Pick<Golden, 'cases' | 'outputs'>): { case: number; samples: HostTensor; outputs: Record<string, HostTensor> }[] {
  return g.cases.flatMap((c, ci) => {
    const n = c.samples.shape[0]!;
    const rows = (t: HostTensor) => Array.from({ length: n }, (_, r) => {
      const per = t.data.length / n;
      return { shape: [1, ...t.shape.slice(1)], data: t.data.subarray(r * per, (r + 1) * per) };
    });
    const ins = rows(c.samples);
    const outs = Object.fromEntries(g.outputs.map((name) => [name, rows(c.outputs[name]!)]));
    return ins.map((samples, r) => ({ case: ci, samples, outputs: Object.fromEntries(g.outputs.map((name) => [name, outs[name]![r]!])) }));
  });
}

/** The canonical runtime, as recorded in the manifest (tfjs-node is loaded by then: it just ran the model). */
export async function canonicalRuntime(): Promise<GoldenManifest['producedBy']> {
  const tf = await import('@tensorflow/tfjs-node');
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return { runtime: `tfjs-node ${tf.version['tfjs-node']}`, tensorflow: binding?.TF_Version ?? 'unknown' };
}

/** A model source as written in the manifest: project-relative when inside the project (stable across clones). */
function describeSource(source: string): string {
  if (source.startsWith('preset:')) return source;
  const rel = path.relative(projectRoot, source);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : source;
}

/** Where a manifest's model source lives on this machine (null for an untrained preset). */
export function resolveSource(source: string): string {
  return source.startsWith('preset:') || path.isAbsolute(source) ? source : path.join(projectRoot, source);
}

/** Renders the inputs (all, or the named cases) and runs the canonical model on each (batch 1). */
export async function buildGolden(loaded: Pick<LoadedModel, 'model' | 'state' | 'source'>, opts: { cases?: readonly string[] } = {}): Promise<Golden> {
  const { model, state, source } = loaded;
  const thresholds = modelThresholds(state);
  const inputs = await goldenInputs(opts.cases);
  const cases: GoldenCase[] = [];
  let outputs: string[] = [];
  for (const input of inputs) {
    const out = await model.predict(input.samples);
    outputs = Object.keys(out);
    cases.push({ ...input, outputs: out, notes: notesFromOutputs(out, thresholds) });
  }
  return {
    model: { preset: model.config.preset, sha256: await modelHash(model), source: describeSource(source) },
    producedBy: await canonicalRuntime(), thresholds, outputs, cases, dir: null,
  };
}

const tensorEntry = (file: string, t: HostTensor): TensorFileEntry => ({ file, shape: [...t.shape], dtype: 'float32', sha256: sha256(float32Bytes(t.data)) });

/** Writes a golden folder atomically (replacing what was there); returns its manifest. */
export async function writeGolden(dir: string, g: Golden): Promise<GoldenManifest> {
  const manifest: GoldenManifest = {
    format: GOLDEN_FORMAT, version: GOLDEN_VERSION, tool: 'audio-to-midi', toolVersion: toolVersion(),
    model: g.model, producedBy: g.producedBy, thresholds: g.thresholds, outputs: g.outputs, cases: [],
  };
  await writeDirAtomic(dir, async (tmp) => {
    for (const sub of ['inputs', 'outputs', 'notes']) await mkdir(path.join(tmp, sub), { recursive: true });
    for (const c of g.cases) {
      const input = tensorEntry(`inputs/${c.name}.f32`, c.samples);
      await writeFile(path.join(tmp, input.file), float32Bytes(c.samples.data));
      const outputs: Record<string, TensorFileEntry> = {};
      await mkdir(path.join(tmp, 'outputs', c.name));
      for (const name of g.outputs) {
        const t = c.outputs[name]!;
        outputs[name] = tensorEntry(`outputs/${c.name}/${name}.f32`, t);
        await writeFile(path.join(tmp, outputs[name].file), float32Bytes(t.data));
      }
      const notesText = JSON.stringify(c.notes, null, 0).replace(/\},\{/g, '},\n{') + '\n';
      const notesFile = `notes/${c.name}.json`;
      await writeFile(path.join(tmp, notesFile), notesText);
      manifest.cases.push({
        name: c.name, description: c.description, normalization: c.normalization, render: c.render, ...(c.rows ? { rows: c.rows } : {}),
        input, outputs, notes: { file: notesFile, count: c.notes.length, sha256: sha256(notesText) },
      });
    }
    await writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  });
  return manifest;
}

/** Largest golden tensor (elements) and notes file we read: ours are 22,500 floats and a few kB. */
const MAX_GOLDEN_ELEMENTS = 64 * 1024 ** 2;
const MAX_NOTES_BYTES = 16 * 1024 ** 2;

/** A declared tensor entry's shape, checked before its file is read. */
function checkTensorEntry(e: Partial<TensorFileEntry> | undefined, where: string): TensorFileEntry {
  if (!e || typeof e !== 'object') throw new A2mError(`${where}: expected a tensor entry {file, shape, dtype, sha256}`);
  if (!Array.isArray(e.shape) || e.shape.length > 8 || e.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new A2mError(`${where}.shape: expected up to 8 non-negative integer dimensions, got ${JSON.stringify(e.shape)}`);
  }
  if (e.shape.reduce((a, b) => a * b, 1) > MAX_GOLDEN_ELEMENTS) throw new A2mError(`${where}.shape: [${e.shape}] is more than the ${MAX_GOLDEN_ELEMENTS} elements a golden tensor may hold`);
  if (e.dtype !== 'float32') throw new A2mError(`${where}.dtype: expected "float32", got ${JSON.stringify(e.dtype)}`);
  if (typeof e.sha256 !== 'string') throw new A2mError(`${where}.sha256: expected the file's sha256`);
  return e as TensorFileEntry;
}

/** Reads a declared tensor file inside the golden folder: confined, size checked against its shape first. */
async function readGoldenTensor(root: ConfinedRoot, e: TensorFileEntry, where: string): Promise<HostTensor> {
  const bytes = await root.read(e.file, `${where}.file`, 4 * e.shape.reduce((a, b) => a * b, 1));
  return float32FromBytes(bytes, e.shape, root.display(e.file), e.sha256);
}

/**
 * Reads and checks a golden folder: format, version, every file's size and
 * sha256. Every path the manifest declares must stay inside the folder and
 * be a regular file no bigger than its shape says.
 */
export async function readGolden(dir: string): Promise<Golden> {
  const file = path.join(dir, 'manifest.json');
  const root = await ConfinedRoot.open(dir, 'golden folder');
  if (!(await root.has('manifest.json', file))) throw new A2mError(`${file}: missing (not a golden folder; create one with \`a2m golden\`)`);
  const m = await root.readJson<GoldenManifest>('manifest.json', file);
  if (m?.format !== GOLDEN_FORMAT) throw new A2mError(`${file}: format is "${m?.format}", expected "${GOLDEN_FORMAT}"`);
  if (m.version !== GOLDEN_VERSION) throw new A2mError(`${file}: golden version ${m.version}, this tool reads ${GOLDEN_VERSION} (regenerate with \`a2m golden\`)`);
  if (!Array.isArray(m.cases) || !m.cases.length || !Array.isArray(m.outputs) || !m.model?.sha256) throw new A2mError(`${file}: missing cases, outputs or model`);
  const thresholds = thresholdsFrom(m.thresholds, `${file}: thresholds`);
  const cases: GoldenCase[] = [];
  for (const [i, c] of m.cases.entries()) {
    const at = `${file}: cases[${i}]`;
    const samples = await readGoldenTensor(root, checkTensorEntry(c.input, `${at}.input`), `${at}.input`);
    const outputs: Record<string, HostTensor> = {};
    for (const name of m.outputs) {
      const e = c.outputs?.[name];
      if (!e) throw new A2mError(`${file}: case ${c.name} has no entry for output ${name}`);
      outputs[name] = await readGoldenTensor(root, checkTensorEntry(e, `${at}.outputs.${name}`), `${at}.outputs.${name}`);
    }
    const text = await root.readText(c.notes?.file, `${at}.notes.file`, MAX_NOTES_BYTES);
    const notesPath = root.display(c.notes.file);
    if (sha256(text) !== c.notes.sha256) throw new A2mError(`${notesPath}: sha256 differs from the manifest (edited or corrupt; regenerate with \`a2m golden\`)`);
    if (outputs.probs && outputs.probs.shape[0] !== samples.shape[0]) throw new A2mError(`${at}: input batch ${samples.shape[0]} but outputs batch ${outputs.probs.shape[0]}`);
    cases.push({ name: c.name, description: c.description, normalization: c.normalization, render: c.render, ...(Array.isArray(c.rows) ? { rows: c.rows } : {}), samples, outputs, notes: JSON.parse(text) as Note[] });
  }
  return { model: m.model, producedBy: m.producedBy, thresholds, outputs: m.outputs, cases, dir: path.resolve(dir) };
}
