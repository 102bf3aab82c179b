/**
 * `a2m bundle`: model -> app-ready folders for iOS, Android, web and server.
 *
 *   <out>/
 *     manifest.json      sha256 of every file; targets, artifacts, model, tool versions
 *     export.json        the artifacts as an export folder (so `a2m verify <bundle>` works)
 *     golden/            golden inputs, the canonical model's outputs and notes (src/verify)
 *     parity.json, .md   `a2m verify` on exactly these files: every artifact in its runtime
 *     MODEL_CARD.md      copied from the checkpoint folder, or a generated stub
 *     README.md
 *     ios/      <Class>.mlpackage, Audio2Midi.json, README.md (Swift)
 *     android/  <name>.tflite (+ TFLite Metadata), Audio2Midi.json, README.md (Kotlin)
 *     web/      audio-to-midi-web.js (+ .d.ts, package.json), model/ (tfjs), model.onnx, index.html, app.js, style.css, tf.min.js, Audio2Midi.json, README.md
 *     server/   <name>/1/ (SavedModel + assets.extra/tf_serving_warmup_requests), models.config, batching_parameters.txt, Audio2Midi.json, README.md
 *     triton/   <name>_onnx/, <name>_savedmodel/ (config.pbtxt + 1/model.*), Audio2Midi.json, README.md  (only with -t triton)
 *
 * The folder is built in a temp dir and renamed into place, only after every
 * artifact passed parity. Nothing in it depends on time, paths or randomness:
 * the same model and options give byte-identical bundles.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ConfinedRoot } from '../util/confine.js';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Model } from '../model/model.js';
import { modelHash } from '../export/export.js';
import { ourModelInfo } from '../export/model-info.js';
import { runPasses } from '../ir/passes.js';
import { planArtifactList, writeArtifacts } from '../export/artifacts.js';
import type { FormatOptions, Precision } from '../../converters/types.js';
import { writeDirAtomic } from '../util/atomic.js';
import { toolVersion } from '../util/version.js';
import { A2mError } from '../errors.js';
import { buildContract, CONTRACT_FILE, type AppContract } from './contract.js';
import { artifactsFor, bundleNames, type Target } from './targets.js';
import { androidTfliteOptions } from './android.js';
import { webBundleFiles } from './web.js';
import { tritonConfigText, TRITON_BACKENDS, type TritonFormat } from './triton.js';
import { tfServingFiles } from './tf-serving.js';
import { rootReadme, targetReadme } from './readme.js';
import { signBundle } from './signature.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, MANIFEST_FILE, fileEntries, toolVersions, type BundleManifest } from './manifest.js';
import {
  EXPORT_FILE, PARITY_JSON, PARITY_MD, bundleExportManifest, failureSummary, goldenDirOf, verifyBundleParity,
} from './parity.js';
import { buildGolden, modelThresholds, readGolden, writeGolden } from '../verify/golden.js';
import { formatMarkdown } from '../verify/format-report.js';
import type { VerifyReport } from '../verify/report.js';
import type { Tolerances } from '../verify/tolerances.js';
import { recordGraph } from '../export/export.js';

export const MODEL_CARD_FILE = 'MODEL_CARD.md';

export interface BundleRequest {
  targets: Target[];
  out: string;
  /** Lower-case model name (default `audio2midi`). */
  name?: string;
  /** Core ML precision (default fp16). */
  iosPrecision?: Precision;
  /** Core ML options (`ios`: deployment target; converter default when absent). */
  coreml?: FormatOptions['coreml'];
  /** The model's author, licence and version in every artifact's metadata (default: this tool's name and licence, preset-hash). */
  author?: string;
  license?: string;
  modelVersion?: string;
  /** Where the model came from (a checkpoint folder, or preset:<name>): its MODEL_CARD.md is copied when present. */
  source?: string;
  /** Golden cases to verify on (default: all of src/verify/inputs.ts). */
  goldenCases?: string[];
  /** Also run the Python oracles in the parity report (default false: they judge no shipped runtime). */
  oracles?: boolean;
  /** Parity tolerances (default src/verify's; overrides are recorded in parity.json). */
  tolerances?: Tolerances;
  /** Replace `out` even when it is not an earlier bundle. */
  force?: boolean;
  /** An ed25519 private key (signature.ts loadSigningKey): manifest.json is signed into manifest.sig before the folder is renamed into place. */
  signingKey?: KeyObject;
  onProgress?: (msg: string) => void;
}

export interface BundleResult { dir: string; manifest: BundleManifest; parity: VerifyReport }

/**
 * The bundle replaces its output folder whole: refuse a folder that is not an
 * earlier bundle (a typo like `-o ~` must not delete anything) unless forced.
 */
async function checkOutputFolder(out: string, force: boolean): Promise<void> {
  if (force || !existsSync(out)) return;
  if (!(await stat(out)).isDirectory()) throw new A2mError(`${out}: exists and is not a folder (give a new folder for the bundle)`);
  const entries = await readdir(out);
  if (!entries.length) return;
  try {
    if (JSON.parse(await readFile(path.join(out, MANIFEST_FILE), 'utf8')).format === BUNDLE_FORMAT) return;
  } catch { /* not a bundle */ }
  throw new A2mError(`${out}: folder exists and is not an a2m bundle (${entries.length} entries); the bundle replaces the whole folder: give a new folder, or --force`);
}

export async function buildBundle(model: Model, state: Record<string, unknown>, req: BundleRequest): Promise<BundleResult> {
  await checkOutputFolder(req.out, req.force ?? false);
  const names = bundleNames(req.name ?? 'audio2midi');
  const artifacts = artifactsFor(req.targets, names, { iosPrecision: req.iosPrecision ?? 'fp16' });
  // Every artifact is checked against its converter before the graph, the golden set or any file is made.
  const plan = await planArtifactList(artifacts);
  const say = req.onProgress ?? (() => {});

  // Batch-polymorphic in every format (converters/index.ts DYNAMIC_BATCH_FORMATS): servers batch requests
  // (the Triton configs read max_batch_size from the written artifacts); Core ML takes batches 1..8 (enumerated).
  const graph = runPasses(await recordGraph(model, 'dynamic'));
  const sha = await modelHash(model);
  const version = toolVersion();
  graph.metadata = { ...graph.metadata, preset: model.config.preset, modelSha256: sha, toolVersion: version };
  const contract = buildContract({
    name: names.name, preset: model.config.preset, sha256: sha, parameters: model.paramCount(), toolVersion: version,
    input: { name: graph.inputs[0]!.name, shape: graph.inputs[0]!.shape },
    outputs: graph.outputs.map((o) => ({ name: o.name, shape: graph.shapes.get(o.value)! })),
    thresholds: modelThresholds(state),
  });
  // One record for every artifact's metadata; the TFLite ModelMetadata below reads the same one.
  const info = ourModelInfo({ preset: model.config.preset, modelSha256: sha, name: names.name, source: req.source }, { author: req.author, license: req.license, version: req.modelVersion });
  say(`golden inputs and canonical outputs (${req.goldenCases?.join(', ') ?? 'all cases'})`);
  // The golden manifest ships too: it names the model's source as the artifacts do (a folder name, not this machine's path).
  const golden = await buildGolden({ model, state, source: info.source ?? `preset:${model.config.preset}` }, { cases: req.goldenCases });

  let manifest!: BundleManifest;
  let parity!: VerifyReport;
  await writeDirAtomic(req.out, async (dir) => {
    await writeArtifacts(graph, plan, dir, {
      metadata: graph.metadata, info, coreml: req.coreml,
      // Only the Android .tflite is written, so the TFLite Metadata block reaches just that artifact.
      tflite: androidTfliteOptions(contract, { version: info.version, author: info.author, license: info.license }),
      onProgress: say,
    });
    // Serving configs are read from the artifacts just written: they describe the files the servers load.
    if (req.targets.includes('server')) {
      say('server: models.config, batching parameters, warm-up request');
      const savedModel = artifacts.find((x) => x.target === 'server')!.path;
      // One window (batch 1): a request every SavedModel accepts, fixed batch or not.
      const window = golden.cases.find((c) => c.samples.shape[0] === 1);
      if (!window) throw new A2mError('server: the golden set has no single-window case for the TF Serving warm-up request');
      const input = { name: contract.input.name, tensor: window.samples };
      for (const f of await tfServingFiles(dir, { savedModel, name: names.name, input })) await writeBytes(dir, f.path, f.bytes);
    }
    if (req.targets.includes('triton')) {
      say('triton: config.pbtxt per model');
      const order = contract.outputs.map((o) => o.name);
      for (const format of Object.keys(TRITON_BACKENDS) as TritonFormat[]) {
        const c = await tritonConfigText(dir, names.name, format, order);
        await writeText(dir, c.path, c.text);
      }
    }
    for (const t of req.targets) {
      await writeText(dir, `${t}/${CONTRACT_FILE}`, JSON.stringify(contract, null, 2) + '\n');
      await writeText(dir, `${t}/README.md`, targetReadme(t, { contract, names, artifacts }));
    }
    if (req.targets.includes('web')) {
      say('web: ES module and demo page');
      const pkg = { name: names.name, version: version, description: `${names.name}: piano transcription (audio -> notes, MIDI) in the browser with TensorFlow.js`, author: info.author, license: info.license };
      for (const [f, bytes] of await webBundleFiles(pkg)) await writeBytes(dir, `web/${f}`, bytes);
    }

    await writeText(dir, EXPORT_FILE, JSON.stringify(bundleExportManifest({
      toolVersion: version, preset: contract.model.preset, modelSha256: sha, input: contract.input, outputs: contract.outputs, artifacts,
      dynamicBatch: graph.dynamicBatch,
    }), null, 2) + '\n');
    await writeGolden(goldenDirOf(dir), golden);
    parity = await verifyBundleParity(dir, await readGolden(goldenDirOf(dir)), { oracles: req.oracles, tolerances: req.tolerances, onProgress: say });
    if (!parity.passed) throw new A2mError(`bundle not written: parity failed for ${failureSummary(parity)}`);
    await writeText(dir, PARITY_JSON, JSON.stringify(parity, null, 2) + '\n');
    await writeText(dir, PARITY_MD, formatMarkdown(parity));

    const card = await readModelCard(req.source);
    if (card) await writeBytes(dir, MODEL_CARD_FILE, card);
    else await writeText(dir, MODEL_CARD_FILE, stubModelCard(contract, state));
    await writeText(dir, 'README.md', rootReadme({ contract, names, artifacts, targets: req.targets }));

    manifest = {
      format: BUNDLE_FORMAT, version: BUNDLE_VERSION, name: names.name, targets: req.targets,
      model: { preset: contract.model.preset, sha256: sha, parameters: contract.model.parameters },
      versions: toolVersions(), artifacts, parity: PARITY_JSON,
      files: await fileEntries(dir),
    };
    await writeText(dir, MANIFEST_FILE, JSON.stringify(manifest, null, 2) + '\n');
    if (req.signingKey) await signBundle(dir, req.signingKey);
  });
  return { dir: req.out, manifest, parity };
}

/** Largest model card shipped (ours is 12 kB). */
const MAX_MODEL_CARD_BYTES = 1024 ** 2;

/**
 * The checkpoint's MODEL_CARD.md, read inside the checkpoint folder: a card
 * that is a link out of it (or a FIFO, or huge) is refused, not shipped.
 */
export async function readModelCard(source: string | undefined): Promise<Buffer | null> {
  if (!source || source.startsWith('preset:')) return null;
  const root = await ConfinedRoot.open(source, 'checkpoint folder');
  const where = path.join(source, MODEL_CARD_FILE);
  return (await root.has(MODEL_CARD_FILE, where)) ? root.read(MODEL_CARD_FILE, where, MAX_MODEL_CARD_BYTES) : null;
}

async function writeText(dir: string, rel: string, text: string): Promise<void> {
  await writeBytes(dir, rel, new TextEncoder().encode(text));
}

async function writeBytes(dir: string, rel: string, bytes: Uint8Array): Promise<void> {
  const file = path.join(dir, ...rel.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
}

/** Used when the checkpoint has no MODEL_CARD.md: says what is known, and that it is not a measured card. */
function stubModelCard(c: AppContract, state: Record<string, unknown>): string {
  const step = typeof state.step === 'number' ? `, trained ${state.step} steps` : state.step === undefined ? ' (no training state: untrained or randomised weights)' : '';
  return [
    `# Model card: ${c.name}`,
    '',
    `Generated by \`a2m bundle\`: the checkpoint had no ${MODEL_CARD_FILE}, so no accuracy figures are known.`,
    '',
    `- Preset \`${c.model.preset}\`, ${c.model.parameters.toLocaleString('en')} parameters${step}.`,
    `- Weights sha256 \`${c.model.sha256}\`.`,
    `- Input: ${c.input.sampleRate} Hz stereo, ${c.windowing.windowSeconds} s windows; outputs ${c.outputs.map((o) => o.name).join(', ')} at ${c.frames.rate} frames/s.`,
    '',
  ].join('\n');
}
