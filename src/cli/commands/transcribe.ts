import type { CommandModule } from 'yargs';
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { loadModel } from '../../model/load.js';
import { makeRunner, BACKENDS, PRECISIONS, type Backend } from '../../infer/backends.js';
import type { Precision } from '../../../converters/types.js';
import { transcribeFile } from '../../infer/transcribe.js';
import { writeMidi, writeEvents, type EventFormat } from '../../infer/midi-out.js';
import { plotPianoRoll } from '../../infer/plot.js';
import { A2mError } from '../../errors.js';
import { AUDIO_EXTENSIONS } from '../../data/loader.js';
import type { EventThresholds } from '../../infer/events.js';

interface Args {
  audio: string[]; out?: string; 'out-dir'?: string; events?: EventFormat; plot?: string; backend: string; precision: string;
  model: string; force: boolean; jobs: number;
}

async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of inputs) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      const entries = await readdir(p, { recursive: true, withFileTypes: true });
      out.push(...entries.filter((e) => e.isFile() && AUDIO_EXTENSIONS.includes(path.extname(e.name).toLowerCase())).map((e) => path.join(e.parentPath, e.name)).sort());
    } else out.push(p);
  }
  return out;
}

const command: CommandModule<object, Args> = {
  command: 'transcribe <audio..>',
  describe: 'transcribe piano recordings to MIDI (plus optional events CSV/JSON and a piano-roll PNG)',
  builder: (y) => y
    .positional('audio', { type: 'string', array: true, demandOption: true, describe: 'audio files or folders (anything ffmpeg reads)' })
    .option('out', { alias: 'o', type: 'string', describe: 'output .mid (one input only)' })
    .option('out-dir', { type: 'string', describe: 'folder for <name>.mid (and events/plots) of each input' })
    .option('events', { choices: ['json', 'csv'] as const, describe: 'also write note events (csv = the dataset format, usable as labels)' })
    .option('plot', { type: 'string', describe: 'piano-roll PNG path (one input), or any value with --out-dir to write <name>.png' })
    .option('backend', { type: 'string', default: 'auto', describe: `where the model runs: auto, ${BACKENDS.join(', ')}` })
    .option('precision', { type: 'string', default: 'fp32', describe: `export precision for an exported backend: ${PRECISIONS.join(', ')} (accuracy cost: npm run bench:quantization)` })
    .option('model', { type: 'string', default: 'default', describe: 'checkpoint folder or "default"' })
    .option('force', { type: 'boolean', default: false, describe: 'overwrite existing outputs' })
    .option('jobs', { type: 'number', default: 2, describe: 'files decoded / processed concurrently' })
    .example('a2m transcribe fixtures/demo/melody-over-chords.flac -o /tmp/demo.mid --plot /tmp/demo.png', 'one file, with a piano roll')
    .example('a2m transcribe recordings/ --out-dir midi/ --events csv', 'a folder'),
  handler: async (a) => {
    const inputs = await expandInputs(a.audio);
    if (!inputs.length) throw new A2mError('no audio files found in the given paths');
    if (inputs.length > 1 && !a['out-dir']) throw new A2mError('several inputs: give --out-dir (or transcribe one file with -o)');
    const outFor = (file: string, ext: string) => a['out-dir'] ? path.join(a['out-dir'], path.basename(file, path.extname(file)) + ext)
      : ext === '.mid' ? (a.out ?? file.replace(/\.[^.]+$/, '') + '.mid') : (a.out ?? file).replace(/\.[^.]+$/, '') + ext;
    const plans = inputs.map((file) => {
      const mid = outFor(file, '.mid');
      const outputs = [mid, ...(a.events ? [outFor(file, `.${a.events}`)] : []), ...(a.plot ? [a['out-dir'] ? outFor(file, '.png') : a.plot] : [])];
      return { file, mid, outputs };
    });
    if (!a.force) {
      const clash = plans.flatMap((p) => p.outputs).filter((o) => existsSync(o));
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
          await writeMidi(p.mid, t.notes, { name: path.basename(p.file) });
          if (a.events) await writeEvents(outFor(p.file, `.${a.events}`), t.notes, a.events);
          if (a.plot && t.rolls) await plotPianoRoll({ probs: t.rolls.frames, notes: t.notes, out: a['out-dir'] ? outFor(p.file, '.png') : a.plot, title: path.basename(p.file) });
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
