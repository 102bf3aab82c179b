import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import path from 'node:path';
import { loadModel } from '../../model/load.js';
import { buildGolden, writeGolden } from '../../verify/golden.js';

interface Args { model: string; out: string }

const command: CommandModule<object, Args> = {
  ...COMMANDS.golden,
  builder: (y) => y
    .positional('model', { type: 'string', default: 'default', describe: 'checkpoint folder, "default", or preset:<name>' })
    .option('out', { alias: 'o', type: 'string', default: 'golden', describe: 'golden folder (replaced atomically; never edit it by hand)' })
    .example('a2m golden', 'regenerate golden/ for the committed default model')
    .example('a2m golden runs/small/best -o runs/small/golden', 'goldens for a checkpoint, to verify its exports in CI')
    .epilog('Deterministic: running it twice gives identical files. The manifest records the model hash, the tool version and the runtime (tfjs-node + TensorFlow) that produced the outputs.'),
  handler: async (a) => {
    const loaded = await loadModel(a.model);
    const t0 = performance.now();
    const golden = await buildGolden(loaded);
    const manifest = await writeGolden(a.out, golden);
    for (const c of manifest.cases) {
      process.stdout.write(`${c.name.padEnd(14)} ${String(c.notes.count).padStart(4)} notes  gain ${c.normalization.gain.toFixed(3)}${c.normalization.applied ? '' : ' (not normalised)'}  ${c.description}\n`);
    }
    process.stdout.write(`model ${manifest.model.preset} ${manifest.model.sha256.slice(0, 12)} from ${manifest.model.source} on ${manifest.producedBy.runtime} (TensorFlow ${manifest.producedBy.tensorflow}); ` +
      `${manifest.cases.length} cases -> ${path.join(a.out, 'manifest.json')} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    loaded.model.dispose();
  },
};
export default command;
