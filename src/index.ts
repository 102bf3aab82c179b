/**
 * audio-to-midi as a library (docs/api.md). Every function here is what the
 * CLI runs, so a script and `a2m` give the same notes and the same files.
 *
 *   import { transcribe } from 'audio-to-midi';
 *   const { notes, midi } = await transcribe('piano.flac', { midi: true });
 *
 * TensorFlow (tfjs-node) is loaded only by what needs it: goldens, bundles,
 * training and `backend: 'tfjs'`. Transcription, export, verify and convert
 * run on ONNX Runtime and the project's own serializers.
 */
import { loadHostModel, type LoadedModel } from './model/load.js';
import type { ModelLike } from './model/host-model.js';
import { exportModel as exportLoadedModel, type ExportManifest, type ExportRequest } from './export/export.js';
import { buildGolden, readGolden, type Golden } from './verify/golden.js';
import { verifyExport, type VerifyOptions } from './verify/verify.js';
import type { VerifyReport } from './verify/report.js';
import { buildBundle, type BundleRequest, type BundleResult } from './bundle/build.js';
import { convertModel, type ConvertManifest, type ConvertRequest } from './convert/convert.js';

export { transcribe, Transcriber, prefetchAudio, PrefetchedAudio } from './api/transcribe.js';
export type { TranscribeInput, TranscribeResult, TranscriberOptions, TranscribeCallOptions, PcmInput, NoteEvent, EventThresholds, Rolls } from './api/transcribe.js';
export { notesToMidi, type MidiOptions } from './infer/midi-out.js';
import { A2mError } from './errors.js';
export { A2mError };
export type { ModelLike, LoadedModel, ExportManifest, ExportRequest, VerifyReport, BundleRequest, BundleResult, ConvertManifest, ConvertRequest, Golden };

/** A checkpoint ("default", or a folder) as host arrays: enough to export it or run an export, no TensorFlow. */
export function loadModel(spec = 'default'): Promise<LoadedModel<ModelLike>> {
  return loadHostModel(spec);
}

async function modelOf(model: string | ModelLike): Promise<ModelLike> {
  return typeof model === 'string' ? (await loadHostModel(model)).model : model;
}

/** Writes the model in the given formats and precisions into `req.out`, with export.json. */
export async function exportModel(model: string | ModelLike, req: ExportRequest): Promise<ExportManifest> {
  return exportLoadedModel(await modelOf(model), req);
}

export interface VerifyRequest extends Omit<VerifyOptions, 'exportDir' | 'golden' | 'model'> {
  /** A golden folder you trust (from `a2m golden`), or goldens already in memory. */
  golden?: string | Golden;
  /** Or build the goldens from this model (checkpoint folder or "default"; needs tfjs-node). */
  model?: string;
}

/** Runs every artifact of an export folder in its own runtime against the goldens; `report.passed` is the gate. */
export async function verify(exportDir: string, req: VerifyRequest): Promise<VerifyReport> {
  const { golden, model, ...rest } = req;
  let g: Golden;
  if (typeof golden === 'string') g = await readGolden(golden);
  else if (golden) g = golden;
  else if (model) {
    const { loadModel: loadTfjs } = await import('./model/load.js');
    const loaded = await loadTfjs(model);
    try { g = await buildGolden(loaded); } finally { loaded.model.dispose(); }
  } else throw new A2mError('verify: pass golden (a folder or goldens) or model (to build them); goldens inside the export are not trusted');
  return verifyExport({ ...rest, exportDir, golden: g });
}

/** Builds app-ready bundles (needs tfjs-node: the parity goldens come from the canonical model). */
export async function bundle(model: string, req: BundleRequest): Promise<BundleResult> {
  const { loadModel: loadTfjs } = await import('./model/load.js');
  const loaded = await loadTfjs(model);
  try {
    return await buildBundle(loaded.model, loaded.state, { source: loaded.source, ...req });
  } finally {
    loaded.model.dispose();
  }
}

/** Converts a tfjs graph model (a folder with model.json) to other formats. */
export function convert(source: string, req: ConvertRequest): Promise<ConvertManifest> {
  return convertModel(source, req);
}
