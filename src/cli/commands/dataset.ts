/**
 * `a2m dataset ...`: render training data, check and describe datasets, move
 * notes between MIDI and CSV.
 */
import { readdir, stat } from 'node:fs/promises';
import { COMMANDS } from '../registry.js';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { A2mError } from '../../errors.js';
import { readCsv, writeCsv } from '../../data/csv.js';
import { checkDataset, datasetStats, type DatasetStats } from '../../data/dataset.js';
import { readMidiFile, writeMidiFile } from '../../data/midi.js';
import { checkMusic21Folders, RESERVED_MUSIC21_FOLDERS, splitFolderList } from '../../data/music21.js';
import { DEFAULT_TIMBRES, HELD_OUT_SOUNDFONTS, renderDataset } from '../../data/render.js';
import { intInRange, nonNegativeInt, numberInRange, positiveInt } from '../options.js';
import { noteName } from '../../util/note-name.js';

type Args<T> = CommandModule<object, T>;

const render: Args<{
  out: string; hours?: number; seed: number; soundfont?: string[]; jobs: number; 'from-midi'?: string[]; format: string; 'held-out': boolean;
  music21?: string[]; 'max-seconds': number; excerpts?: number; 'pedal-fraction': number; 'exclude-pieces'?: string[];
}> = {
  command: 'render',
  describe: 'render a training dataset (FLAC + CSV pairs) from procedural piano material, MIDI files and/or music21 corpus pieces with FluidSynth',
  builder: (y) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (created; finished pieces are kept, so a rerun resumes)' })
      .option('hours', { ...numberInRange('hours', 0, 100000), describe: 'hours of procedural material (default 1, or 0 with --from-midi); with --music21, hours of corpus music instead (default 1)' })
      .option('seed', { ...nonNegativeInt('seed'), default: 1, describe: 'random seed: the same seed gives the same files' })
      .option('soundfont', { type: 'string', array: true, describe: `timbres to draw from: .sf2 files and/or "salamander" (the Salamander Grand sampler) (default: ${DEFAULT_TIMBRES.join(', ')})` })
      .option('jobs', { ...positiveInt('jobs', 256), default: 2, describe: 'pieces rendered in parallel' })
      .option('from-midi', { type: 'string', array: true, describe: 'MIDI files or folders to render as well' })
      .option('format', { choices: ['flac', 'wav'], default: 'flac', describe: 'audio file format' })
      .option('held-out', { type: 'boolean', default: false, describe: `an evaluation set in held-out timbres only (default ${HELD_OUT_SOUNDFONTS.join(', ')}); a2m train refuses its pieces` })
      .option('music21', {
        type: 'string', array: true,
        describe: `music21 corpus folders (comma-separated; or paths inside the corpus) played as humanised solo piano: tempo drift, onset jitter, voice and phrase dynamics, sustain pedal in part of the pieces, accompaniment under folk melodies (needs music21 in .venv). ${RESERVED_MUSIC21_FOLDERS.join(', ')} are reserved for evaluation: --held-out only`,
      })
      .option('max-seconds', { ...numberInRange('max-seconds', 5, 3600), default: 90, describe: 'with --music21: longest excerpt; longer pieces are cut at bar lines' })
      .option('excerpts', { ...positiveInt('excerpts', 1000), describe: 'with --music21: most consecutive excerpts per piece (default 3; 1 with --held-out)' })
      .option('pedal-fraction', { ...numberInRange('pedal-fraction', 0, 1), default: 0.4, describe: 'with --music21: share of pieces played with the sustain pedal (CSV notes last until key and pedal are up)' })
      .option('exclude-pieces', {
        type: 'string', array: true,
        describe: 'with --music21: dataset folders (comma-separated) whose music21 exports (every manifest.json under them) list pieces to leave out, so this split shares no piece with them (e.g. a validation split disjoint from data/train)',
      })
      .example('$0 dataset render --held-out --hours 0.3 --seed 2001 --out data/heldout', 'pieces in a timbre no model here was trained on (evaluation only)')
      .example('$0 dataset render --hours 0.1 --out /tmp/x --seed 1', 'six minutes of procedural pieces')
      .example('$0 dataset render --hours 20 --out data/train --seed 1 --jobs 2', 'a training set (resumable: rerun the same command)')
      .example('$0 dataset render --from-midi songs/ --out data/midi', 'render a folder of MIDI files')
      .example('$0 dataset render --music21 palestrina,haydn,essenFolksong --hours 1 --seed 11 --out data/train/m1', 'real music from the music21 corpus')
      .example('$0 dataset render --music21 palestrina,haydn --exclude-pieces data/train --hours 0.4 --seed 1011 --out data/val-music', 'real-music validation: no piece that data/train has')
      .example('$0 dataset render --held-out --music21 bach,mozart --hours 0.3 --max-seconds 75 --out data/heldout-repertoire', 'reserved composers, evaluation only'),
  handler: async (a) => {
    const music21 = a.music21 ? checkMusic21Folders(a.music21, a['held-out']) : undefined;
    const excludePieces = splitFolderList(a['exclude-pieces'] ?? []);
    if (a['exclude-pieces'] && (!music21 || excludePieces.length === 0)) throw new A2mError('--exclude-pieces: expected dataset folders such as data/train, with --music21');
    const hours = music21 ? 0 : (a.hours ?? (a['from-midi'] ? 0 : 1));
    const r = await renderDataset({
      out: a.out, hours, seed: a.seed, soundfonts: a.soundfont, jobs: a.jobs, fromMidi: a['from-midi'],
      format: a.format as 'flac' | 'wav', progress: process.stderr.isTTY, heldOut: a['held-out'],
      music21: music21 ? { folders: music21, hours: a.hours ?? 1, maxSeconds: a['max-seconds'], excerpts: a.excerpts, pedalFraction: a['pedal-fraction'], excludePieces } : undefined,
      log: (line) => console.error(`music21: ${line}`),
    });
    console.log(`rendered ${r.rendered} pieces (${(r.seconds / 60).toFixed(1)} min of audio) into ${r.out}${r.skipped ? `; ${r.skipped} already there` : ''}`);
  },
};

const check: Args<{ dir: string; decode: boolean; jobs: number }> = {
  command: 'check <dir>',
  describe: 'validate a dataset tree: pairing, every CSV line, audio readable and long enough; lists every problem',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'dataset folder' })
      .option('decode', { type: 'boolean', default: false, describe: 'fully decode every audio file (slow) instead of reading headers' })
      .option('jobs', { ...positiveInt('jobs', 256), default: 4, describe: 'files checked in parallel' })
      .example('$0 dataset check data/train', 'exit status 1 if any error'),
  handler: async (a) => {
    const r = await checkDataset(a.dir, { decode: a.decode, jobs: a.jobs });
    for (const p of r.problems) console.error(`${p.severity}: ${p.message}`);
    const errors = r.problems.filter((p) => p.severity === 'error').length;
    const warnings = r.problems.length - errors;
    const summary = `${r.pairs} pairs, ${(r.seconds / 3600).toFixed(2)} h`;
    if (errors) throw new A2mError(`${a.dir}: ${errors} error(s), ${warnings} warning(s) in ${summary} (listed above)`);
    console.log(`${a.dir}: ${summary}: clean${warnings ? ` (${warnings} warning(s))` : ''}`);
  },
};

const stats: Args<{ dir: string; json: boolean }> = {
  command: 'stats <dir>',
  describe: 'print hours, notes, pitch histogram, velocity and polyphony of a dataset',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'dataset folder' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' })
      .example('$0 dataset stats data/train', '')
      .example('$0 dataset stats data/train --json > stats.json', ''),
  handler: async (a) => {
    const s = await datasetStats(a.dir);
    console.log(a.json ? JSON.stringify(s, null, 1) : formatStats(a.dir, s));
  },
};

const importMidi: Args<{ inputs: string[]; out: string; pedal: boolean }> = {
  command: 'import-midi <inputs..>',
  describe: 'convert MIDI files (or folders of them) to dataset CSVs; the sustain pedal lengthens notes as they sound',
  builder: (y) =>
    y
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: '.mid files or folders' })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (folder structure is kept)' })
      .option('pedal', { type: 'boolean', default: true, describe: 'apply the sustain pedal (CC64) to note releases (--no-pedal to keep key releases)' })
      .example('$0 dataset import-midi songs/ --out data/csv', ''),
  handler: async (a) => {
    let n = 0;
    for (const [file, rel] of await expand(a.inputs, /\.midi?$/i)) {
      const r = await readMidiFile(file, { pedal: a.pedal });
      const out = path.join(a.out, rel.replace(/\.midi?$/i, '.csv'));
      await writeCsv(out, r.notes, [`imported from ${path.basename(file)}`]);
      console.log(`${out}: ${r.notes.length} notes${r.dropped ? ` (${r.dropped} drum or out-of-range notes left out)` : ''}`);
      n++;
    }
    if (n === 0) throw new A2mError(`${a.inputs.join(' ')}: no .mid files found`);
  },
};

const exportMidi: Args<{ inputs: string[]; out: string; program: number }> = {
  command: 'export-midi <inputs..>',
  describe: 'convert dataset CSVs (or folders of them) to MIDI files',
  builder: (y) =>
    y
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: '.csv files or folders' })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (folder structure is kept)' })
      .option('program', { ...intInRange('program', 0, 127), default: 0, describe: 'GM program of the track (0 = acoustic grand)' })
      .example('$0 dataset export-midi data/train --out /tmp/midi', ''),
  handler: async (a) => {
    let n = 0;
    for (const [file, rel] of await expand(a.inputs, /\.csv$/i)) {
      const notes = await readCsv(file);
      const out = path.join(a.out, rel.replace(/\.csv$/i, '.mid'));
      await writeMidiFile(out, notes, { program: a.program });
      console.log(`${out}: ${notes.length} notes`);
      n++;
    }
    if (n === 0) throw new A2mError(`${a.inputs.join(' ')}: no .csv files found`);
  },
};

/** Files and folders -> [file, path relative to its input root] for files matching `re`. */
async function expand(inputs: readonly string[], re: RegExp): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const input of inputs) {
    const st = await stat(input).catch(() => null);
    if (!st) throw new A2mError(`${input}: no such file or folder`);
    if (!st.isDirectory()) {
      out.push([input, path.basename(input)]);
      continue;
    }
    const entries = await readdir(input, { withFileTypes: true, recursive: true });
    for (const e of entries) {
      if (e.isFile() && re.test(e.name)) {
        const file = path.join(e.parentPath, e.name);
        out.push([file, path.relative(input, file)]);
      }
    }
  }
  return out.sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

function formatStats(dir: string, s: DatasetStats): string {
  const lines = [
    `${dir}: ${s.pairs} pairs, ${s.hours.toFixed(2)} h, ${s.notes} notes (${s.notesPerSecond.toFixed(1)}/s)`,
    `polyphony: mean ${s.meanPolyphony.toFixed(2)} while sounding, max ${s.maxPolyphony}; frames by notes sounding 0..10+: ${s.polyphonyHistogram.join(' ')}`,
    `velocity (0..1 in tenths): ${s.velocityHistogram.join(' ')}`,
    'notes per octave (C-based, A0..C8):',
  ];
  const max = Math.max(1, ...s.pitchHistogram);
  // One row per octave of keys (A0-B0, then C1-B1, ... C8), bars scaled to the busiest key.
  for (let start = 21; start <= 108; start = start === 21 ? 24 : start + 12) {
    const end = start === 21 ? 23 : Math.min(108, start + 11);
    const counts = s.pitchHistogram.slice(start - 21, end - 21 + 1);
    const bars = counts.map((c) => ' ▁▂▃▄▅▆▇█'[Math.round((c / max) * 8)]).join('');
    lines.push(`  ${noteName(start).padEnd(3)}-${noteName(end).padEnd(3)} ${bars.padEnd(12)} ${counts.reduce((a, b) => a + b, 0)}`);
  }
  return lines.join('\n');
}


const dataset: CommandModule = {
  ...COMMANDS.dataset,
  builder: (y: Argv) =>
    y
      .command(render as unknown as CommandModule)
      .command(check as unknown as CommandModule)
      .command(stats as unknown as CommandModule)
      .command(importMidi as unknown as CommandModule)
      .command(exportMidi as unknown as CommandModule)
      .demandCommand(1, 'give a dataset command (see a2m dataset --help)'),
  handler: () => {},
};

export default dataset;
