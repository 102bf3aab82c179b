import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { loadModel } from '../../model/load.js';
import { makeRunner, BACKENDS, PRECISIONS, type Backend } from '../../infer/backends.js';
import type { Precision } from '../../../converters/types.js';
import { transcribeFile } from '../../infer/transcribe.js';
import { writeMidi, writeEvents, writeOutputFile, type EventFormat } from '../../infer/midi-out.js';
import { renderPianoRoll } from '../../infer/plot.js';
import { planOutputs, type TranscribeInput } from '../outputs.js';
import { positiveInt } from '../options.js';
import { A2mError } from '../../errors.js';
import { AUDIO_EXTENSIONS } from '../../data/loader.js';
import type { EventThresholds } from '../../infer/events.js';

interface Args {
  audio: string[]; out?: string; 'out-dir'?: string; events?: EventFormat; plot?: string; backend: string; precision: string;
  model: string; force: boolean; jobs: number;
}

/**
 * Arguments -> audio files (folders searched recursively for audio
 * extensions; regular files only), each once, remembering which argument it
 * came from (outputs mirror folders: see ../outputs.ts).
 */
async function expandInputs(args: string[]): Promise<TranscribeInput[]> {
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
  'Outputs: one input: -o, else the input with .mid for its extension (take.v2/a.wav -> take.v2/a.mid, .hidden.wav -> .hidden.mid); events beside the .mid.',
  'With --out-dir: each input\'s folders are mirrored below the deepest folder holding all inputs (rec/a/x.wav, rec/b/x.wav -> OUT/a/x.mid, OUT/b/x.mid);',
  'inputs in one folder sharing a name (x.wav, x.flac) keep their extension: x.wav.mid, x.flac.mid.',
  'Two outputs naming one file, or an output naming an input, are refused before any work; existing files are never replaced without --force.',
].join('\n');

const command: CommandModule<object, Args> = {
  command: 'transcribe <audio..>',
  describe: 'transcribe piano recordings to MIDI (plus optional events CSV/JSON and a piano-roll PNG)',
  builder: (y) => y
    .positional('audio', { type: 'string', array: true, demandOption: true, describe: 'audio files or folders (anything ffmpeg reads)' })
    .option('out', { alias: 'o', type: 'string', describe: 'output .mid (one input only; default: the input with .mid)' })
    .option('out-dir', { type: 'string', describe: 'folder for the .mid (and events/plots) of each input, mirroring the inputs\' folders (see below)' })
    .option('events', { choices: ['json', 'csv'] as const, describe: 'also write note events (csv = the dataset format, usable as labels)' })
    .option('plot', { type: 'string', describe: 'piano-roll PNG path (one input), or any value with --out-dir to write <name>.png' })
    .option('backend', { type: 'string', default: 'auto', describe: `where the model runs: auto, ${BACKENDS.join(', ')}` })
    .option('precision', { type: 'string', default: 'fp32', describe: `export precision for an exported backend: ${PRECISIONS.join(', ')} (accuracy cost: npm run bench:quantization)` })
    .option('model', { type: 'string', default: 'default', describe: 'checkpoint folder or "default"' })
    .option('force', { type: 'boolean', default: false, describe: 'overwrite existing outputs' })
    .option('jobs', { ...positiveInt('jobs', 256), default: 2, describe: 'files decoded / processed concurrently' })
    .example('a2m transcribe fixtures/demo/melody-over-chords.flac -o /tmp/demo.mid --plot /tmp/demo.png', 'one file, with a piano roll')
    .example('a2m transcribe recordings/ --out-dir midi/ --events csv', 'a folder')
    .epilog(OUTPUTS_HELP),
  handler: async (a) => {
    const inputs = await expandInputs(a.audio);
    if (!inputs.length) throw new A2mError('no audio files found in the given paths');
    const plans = planOutputs(inputs, { out: a.out, outDir: a['out-dir'], events: a.events, plot: a.plot });
    if (!a.force) {
      // Early and friendly; the writes themselves are exclusive too (a file created meanwhile is not overwritten).
      const clash = plans.flatMap((p) => [p.mid, p.events, p.plot]).filter((o): o is string => o !== undefined && existsSync(o));
      if (clash.length) throw new A2mError(`${clash[0]} exists (${clash.length} output(s) would be overwritten): pass --force to overwrite`);
    }
    const { model, state } = await loadModel(a.model);
    const thresholds = (state.thresholds ?? {}) as Partial<EventThresholds>;
    const runner = await makeRunner(model, a.backend as Backend | 'auto', a.precision as Precision);
    process.stderr.write(`model ${model.config.preset} on ${runner.name}\n`);
    const bar = inputs.length > 1 && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'transcribe |{bar}| {value}/{total} files | {file}' }, cliProgress.Presets.shades_classic) : null;
    bar?.start(plans.length, 0, { file: '' });
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < plans.length) {
        const p = plans[next++]!;
        try {
          // Whole rolls only for the plot: without it memory stays bounded on long files.
          const t = await transcribeFile(p.file, runner, { thresholds, keepRolls: Boolean(a.plot) });
          const write = { overwrite: a.force };
          await writeMidi(p.mid, t.notes, { name: path.basename(p.file), ...write });
          if (p.events) await writeEvents(p.events, t.notes, a.events!, write);
          if (p.plot && t.rolls) await writeOutputFile(p.plot, renderPianoRoll({ probs: t.rolls.frames, notes: t.notes, title: path.basename(p.file) }).png, write);
          if (!bar) process.stderr.write(`${p.file}: ${t.notes.length} notes, ${t.seconds.toFixed(1)} s audio in ${t.timing.totalSeconds.toFixed(1)} s -> ${p.mid}\n`);
        } catch (e) {
          failures.push(`${(e as Error).message}`);
          if (!bar) process.stderr.write(`failed: ${(e as Error).message}\n`);
        }
        bar?.increment(1, { file: path.basename(p.file) });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(a.jobs, plans.length)) }, worker));
    bar?.stop();
    await runner.dispose();
    model.dispose();
    if (failures.length) {
      if (plans.length === 1) throw new A2mError(failures[0]!);
      process.stderr.write(`${failures.length} of ${plans.length} file(s) failed:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  },
};
export default command;
