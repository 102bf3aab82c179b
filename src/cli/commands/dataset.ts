/**
 * `a2m dataset ...`: render training data, check and describe datasets, move
 * notes between MIDI and CSV.
 */
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_SOUNDFONTS, renderDataset } from '../../data/render.js';

const render: CommandModule<object, { out: string; hours?: number; seed: number; soundfont?: string[]; jobs: number; 'from-midi'?: string[]; format: string }> = {
  command: 'render',
  describe: 'render a training dataset (FLAC + CSV pairs) from procedural piano material and/or MIDI files with FluidSynth',
  builder: (y) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (created; finished pieces are kept, so a rerun resumes)' })
      .option('hours', { type: 'number', describe: 'hours of procedural material (default 1, or 0 with --from-midi)' })
      .option('seed', { type: 'number', default: 1, describe: 'random seed: the same seed gives the same files' })
      .option('soundfont', { type: 'string', array: true, describe: `SoundFonts to draw timbres from (default: ${DEFAULT_SOUNDFONTS.join(', ')})` })
      .option('jobs', { type: 'number', default: 2, describe: 'pieces rendered in parallel' })
      .option('from-midi', { type: 'string', array: true, describe: 'MIDI files or folders to render as well' })
      .option('format', { choices: ['flac', 'wav'], default: 'flac', describe: 'audio file format' })
      .example('$0 dataset render --hours 0.1 --out /tmp/x --seed 1', 'six minutes of procedural pieces')
      .example('$0 dataset render --from-midi songs/ --out data/midi', 'render a folder of MIDI files'),
  handler: async (a) => {
    const hours = a.hours ?? (a['from-midi'] ? 0 : 1);
    const r = await renderDataset({
      out: a.out, hours, seed: a.seed, soundfonts: a.soundfont, jobs: a.jobs, fromMidi: a['from-midi'],
      format: a.format as 'flac' | 'wav', progress: process.stderr.isTTY,
    });
    console.log(`rendered ${r.rendered} pieces (${(r.seconds / 60).toFixed(1)} min of audio) into ${r.out}${r.skipped ? `; ${r.skipped} already there` : ''}`);
  },
};

const dataset: CommandModule = {
  command: 'dataset <command>',
  describe: 'render, check and describe datasets (<name>.<audio> + <name>.csv pairs)',
  builder: (y: Argv) => y.command(render as unknown as CommandModule).demandCommand(1, 'give a dataset command (see a2m dataset --help)'),
  handler: () => {},
};

export default dataset;
