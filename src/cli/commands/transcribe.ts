import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { COMMANDS } from '../registry.js';
import { BACKENDS, DEFAULT_BATCH, MAX_BATCH, TFJS_DEFAULT_BATCH, type Backend } from '../../infer/backend-names.js';
import { PRECISIONS, type Precision } from '../../../converters/types.js';
import type { EventFormat } from '../../infer/midi-out.js';
import type { EventThresholds } from '../../infer/events.js';
import { planOutputs, type OutputPlan, type TranscribeInput } from '../outputs.js';
import { numberInRange, positiveInt } from '../options.js';
import { A2mError } from '../../errors.js';
import { FRAMES_PER_SECOND } from '../../types.js';

interface Args {
  audio: string[]; out?: string; 'out-dir'?: string; events?: EventFormat; plot?: string; backend: string; precision: string; batch?: number;
  model: string; force: boolean; jobs: number; verbose?: boolean;
  'onset-threshold'?: number; 'frame-threshold'?: number; 'minimum-note-length'?: number; 'midi-tempo': number; 'save-model-outputs': boolean;
}

/**
 * Arguments -> audio files (folders searched recursively for audio
 * extensions; regular files only), each once, remembering which argument it
 * came from (outputs mirror folders: see ../outputs.ts).
 */
async function expandInputs(args: string[]): Promise<TranscribeInput[]> {
  const { AUDIO_EXTENSIONS } = await import('../../audio/input.js');
  const out: TranscribeInput[] = [];
  const seen = new Set<string>();
  const add = (input: TranscribeInput) => {
    const key = path.resolve(input.file);
    if (!seen.has(key)) { seen.add(key); out.push(input); }
  };
  for (const root of args) {
    const st = await stat(root).catch(() => null);
    if (!st?.isDirectory()) { add({ file: root, fromFolder: false, root }); continue; } // the decoder words a missing / odd file
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile() && AUDIO_EXTENSIONS.includes(path.extname(e.name).toLowerCase())).map((e) => path.join(e.parentPath, e.name)).sort();
    for (const file of files) add({ file, fromFolder: true, root });
  }
  return out;
}

/** Where outputs go (the rule is planOutputs' in ../outputs.ts). */
const OUTPUTS_HELP = [
  'Outputs: one input: -o, else the input with .mid for its extension (take.v2/a.wav -> take.v2/a.mid, .hidden.wav -> .hidden.mid); events and --save-model-outputs\' .npz beside the .mid.',
  'With --out-dir: each input\'s folders are mirrored below the deepest folder holding all inputs (rec/a/x.wav, rec/b/x.wav -> OUT/a/x.mid, OUT/b/x.mid);',
  'inputs in one folder sharing a name (x.wav, x.flac) keep their extension: x.wav.mid, x.flac.mid.',
  'Two outputs naming one file, or an output naming an input, are refused before any work; existing files are never replaced without --force.',
].join('\n');

/** The decoding flags (Basic Pitch's names) as thresholds over the model card's; absent flags keep the card's. */
function thresholdFlags(a: Args): Partial<EventThresholds> {
  const t: Partial<EventThresholds> = {};
  if (a['onset-threshold'] !== undefined) t.onset = a['onset-threshold'];
  if (a['frame-threshold'] !== undefined) t.activate = a['frame-threshold'];
  if (a['minimum-note-length'] !== undefined) t.minNoteFrames = Math.max(1, Math.round((a['minimum-note-length'] / 1000) * FRAMES_PER_SECOND));
  return t;
}

/** Every output path of a plan. */
const outputsOf = (p: OutputPlan) => [p.mid, p.events, p.plot, p.modelOutputs].filter((o): o is string => o !== undefined);

const command: CommandModule<object, Args> = {
  ...COMMANDS.transcribe,
  builder: (y) => y
    .positional('audio', { type: 'string', array: true, demandOption: true, describe: 'audio files or folders (anything ffmpeg reads)' })
    .option('out', { alias: 'o', type: 'string', describe: 'output .mid (one input only; default: the input with .mid)' })
    .option('out-dir', { type: 'string', describe: 'folder for the .mid (and events/plots) of each input, mirroring the inputs\' folders (see below)' })
    .option('events', { choices: ['json', 'csv'] as const, describe: 'also write note events (csv = the dataset format, usable as labels)' })
    .option('plot', { type: 'string', describe: 'piano-roll PNG path (one input), or any value with --out-dir to write <name>.png' })
    .option('save-model-outputs', { type: 'boolean', default: false, describe: 'also write the raw model outputs (frame, onset, velocity and, with an offset head, offset rolls [frames, 90], 50 frames/s) as <name>.npz for np.load' })
    .option('onset-threshold', { ...numberInRange('onset-threshold', 0, 1), describe: 'onset probability a note start needs [default: the model card\'s]' })
    .option('frame-threshold', { ...numberInRange('frame-threshold', 0, 1), describe: 'frame probability that starts a note without an onset head [default: the model card\'s]' })
    .option('minimum-note-length', { ...numberInRange('minimum-note-length', 1, 10000), describe: 'shortest note kept, in ms (rounded to 20 ms frames) [default: the model card\'s, 40 ms]' })
    .option('midi-tempo', { ...numberInRange('midi-tempo', 4, 1000), default: 120, describe: 'tempo written in the MIDI file, bpm (note times stay in seconds)' })
    .option('backend', { type: 'string', default: 'auto', describe: `where the model runs: auto, ${BACKENDS.join(', ')}` })
    .option('precision', { type: 'string', default: 'fp32', describe: `export precision for an exported backend: ${PRECISIONS.join(', ')} (accuracy cost: npm run bench:quantization)` })
    .option('model', { type: 'string', default: 'default', describe: 'checkpoint folder or "default"' })
    .option('force', { type: 'boolean', default: false, describe: 'overwrite existing outputs' })
    .option('batch', { ...positiveInt('batch', MAX_BATCH), describe: `5 s windows per model call (default ${DEFAULT_BATCH} for exported backends, measured in ONNX Runtime; ${TFJS_DEFAULT_BATCH} for tfjs); notes do not depend on it` })
    .option('jobs', { ...positiveInt('jobs', 256), default: 2, describe: 'files decoded / processed concurrently' })
    .example('a2m transcribe fixtures/demo/melody-over-chords.flac -o /tmp/demo.mid --plot /tmp/demo.png', 'one file, with a piano roll')
    .example('a2m transcribe recordings/ --out-dir midi/ --events csv', 'a folder')
    .example('a2m transcribe song.mp3 --onset-threshold 0.4 --minimum-note-length 60 --midi-tempo 90 --save-model-outputs', 'Basic Pitch\'s flags')
    .epilog(OUTPUTS_HELP),
  handler: async (a) => {
    const inputs = await expandInputs(a.audio);
    if (!inputs.length) throw new A2mError('no audio files found in the given paths');
    const plans = planOutputs(inputs, { out: a.out, outDir: a['out-dir'], events: a.events, plot: a.plot, modelOutputs: a['save-model-outputs'] });
    if (!a.force) {
      // Early and friendly; the writes themselves are exclusive too (a file created meanwhile is not overwritten).
      const clash = plans.flatMap(outputsOf).filter((o) => existsSync(o));
      if (clash.length) throw new A2mError(`${clash[0]} exists (${clash.length} output(s) would be overwritten): pass --force to overwrite`);
    }
    // The first files (one per job) decode in worker threads from here on, while the modules, the model and its runtime load.
    const { prefetchAudio } = await import('../../api/prefetch.js');
    const prefetched = plans.slice(0, Math.max(1, a.jobs)).map((p) => prefetchAudio(p.file));
    // Loaded here, not at the top: `a2m --help` and the other commands never pay for them.
    const { notesToMidi, writeEvents, writeOutputFile } = await import('../../infer/midi-out.js');
    const { Transcriber } = await import('../../api/transcribe.js');
    const log = a.verbose ? (m: string) => process.stderr.write(`${m}\n`) : undefined;
    let transcriber: import('../../api/transcribe.js').Transcriber;
    try {
      transcriber = await Transcriber.create({ model: a.model, backend: a.backend as Backend | 'auto', precision: a.precision as Precision, batch: a.batch, thresholds: thresholdFlags(a), log });
    } catch (e) {
      for (const f of prefetched) f.cancel();
      throw e;
    }
    process.stderr.write(`model ${transcriber.preset} on ${transcriber.runtime}\n`);
    const progress = await import('../progress.js');
    const bar = progress.bar(plans.length === 1 ? 'windows' : 'files');
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const i = next++;
        const p = plans[i]!;
        try {
          // Whole rolls only for the plot or the saved outputs: without them memory stays bounded on long files.
          const keepRolls = Boolean(p.plot || p.modelOutputs);
          const r = await transcriber.transcribe(prefetched[i] ?? p.file, {
            rolls: keepRolls,
            onProgress: plans.length === 1 ? ({ windowsDone, windowsTotal }) => bar.update(windowsDone, windowsTotal, path.basename(p.file)) : undefined,
          });
          const notes = r.notes.map((n) => ({ onset: n.time, offset: n.time + n.duration, pitch: n.key, velocity: n.velocity }));
          const write = { overwrite: a.force };
          await writeOutputFile(p.mid, notesToMidi(notes, { name: path.basename(p.file), tempo: a['midi-tempo'] }), write);
          if (p.events) await writeEvents(p.events, notes, a.events!, write);
          if (p.modelOutputs && r.rolls) {
            const { npzFloat32 } = await import('../../infer/npz.js');
            const frames = r.rolls.frames.length / transcriber.keys;
            const arrays = Object.fromEntries(Object.entries(r.rolls).filter(([, v]) => v).map(([k, v]) => [k, { data: v as Float32Array, shape: [frames, transcriber.keys] }]));
            await writeOutputFile(p.modelOutputs, npzFloat32(arrays), write);
          }
          if (p.plot && r.rolls) {
            const { renderPianoRoll } = await import('../../infer/plot.js');
            await writeOutputFile(p.plot, renderPianoRoll({ probs: r.rolls.frames, notes, title: path.basename(p.file) }).png, write);
          }
          bar.log(`${p.file}: ${notes.length} notes, ${r.seconds.toFixed(1)} s audio -> ${p.mid}`);
        } catch (e) {
          failures.push(`${(e as Error).message}`);
          bar.log(`failed: ${(e as Error).message}`);
        }
        if (plans.length > 1) bar.increment(path.basename(p.file), plans.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(a.jobs, plans.length)) }, worker));
    bar.stop();
    await transcriber.dispose();
    if (failures.length) {
      if (plans.length === 1) throw new A2mError(failures[0]!);
      process.stderr.write(`${failures.length} of ${plans.length} file(s) failed:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  },
};
export default command;
