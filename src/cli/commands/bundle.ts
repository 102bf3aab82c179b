import type { Argv, CommandModule } from 'yargs';
import { loadModel } from '../../model/load.js';
import { buildBundle } from '../../bundle/build.js';
import { verifyBundle } from '../../bundle/verify.js';
import { parseTargets, TARGETS } from '../../bundle/targets.js';
import type { ArtifactParity } from '../../bundle/parity.js';
import type { Precision } from '../../../converters/types.js';
import { A2mError } from '../../errors.js';

interface BuildArgs {
  model: string; target: string; out: string; name: string; 'ios-precision': string; ios?: number;
  author: string; license: string; 'model-version'?: string;
}
interface VerifyArgs { dir: string; parity: boolean; model?: string }

const say = (msg: string) => process.stderr.write(`bundle: ${msg}\n`);

function parityLine(p: ArtifactParity): string {
  const worst = p.outputs.reduce((m, o) => Math.max(m, o.maxAbs), 0);
  const notes = p.notes.identical ? `notes identical (${p.notes.canonical})` : `notes ${p.notes.artifact} vs ${p.notes.canonical}, onset F1 ${p.notes.onsetF1}${p.notes.nearDecisions ? `, ${p.notes.nearDecisions} values at a decision` : ''}`;
  return `${p.pass ? 'ok  ' : 'FAIL'} ${p.path.padEnd(32)} ${`${p.format} ${p.precision}`.padEnd(16)} ${p.error ? p.error : `max abs ${worst.toExponential(2)}, ${notes}`}  [${p.runtime}]`;
}

const build: CommandModule<object, BuildArgs> = {
  command: '$0 [model]',
  describe: 'build app-ready bundles (iOS Core ML, Android TFLite + metadata, web tfjs/ONNX + demo page, TF Serving SavedModel)',
  builder: (y) => y
    .positional('model', { type: 'string', default: 'default', describe: 'checkpoint folder, "default", or preset:<name>' })
    .option('target', { alias: 't', type: 'string', default: TARGETS.join(','), describe: `comma-separated: ${TARGETS.join(', ')}` })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'bundle folder (replaced atomically once every artifact passed parity)' })
    .option('name', { type: 'string', default: 'audio2midi', describe: 'model name: file names, TF Serving model name, Core ML class (Audio2Midi)' })
    .option('ios-precision', { type: 'string', default: 'fp16', choices: ['fp16', 'fp32'], describe: 'Core ML package precision' })
    .option('ios', { type: 'number', describe: 'Core ML deployment target 15..18 (converter default when absent)' })
    .option('author', { type: 'string', default: 'audio-to-midi', describe: 'TFLite Metadata author' })
    .option('license', { type: 'string', default: 'Apache-2.0', describe: 'TFLite Metadata license' })
    .option('model-version', { type: 'string', describe: 'TFLite Metadata version (default <preset>-<weights sha256 prefix>)' })
    .example('a2m bundle -o dist/bundle', 'the default model, every target')
    .example('a2m bundle runs/small/best -t ios,android -o dist/mobile --ios-precision fp32', 'a checkpoint, mobile only, fp32 Core ML')
    .example('a2m bundle verify dist/bundle', 're-check checksums and parity of a bundle'),
  handler: async (a) => {
    const targets = parseTargets(a.target);
    const { model, source, state } = await loadModel(a.model);
    try {
      const r = await buildBundle(model, state, {
        targets, out: a.out, name: a.name, iosPrecision: a['ios-precision'] as Precision, ios: a.ios,
        author: a.author, license: a.license, modelVersion: a['model-version'],
        source: source.startsWith('preset:') ? undefined : source, onProgress: say,
      });
      for (const p of r.parity.artifacts) process.stdout.write(`${parityLine(p)}\n`);
      process.stdout.write(`${r.dir}: ${targets.join(', ')} from ${source} (preset ${r.manifest.model.preset}); ${r.manifest.files.length} files in manifest.json\n`);
    } finally { model.dispose(); }
  },
};

const verify: CommandModule<object, VerifyArgs> = {
  command: 'verify <dir>',
  describe: 're-check a bundle: every file against manifest.json, every artifact in its runtime against parity/',
  builder: (y) => y
    .positional('dir', { type: 'string', demandOption: true, describe: 'bundle folder (has manifest.json)' })
    .option('parity', { type: 'boolean', default: true, describe: 'also re-run every artifact (--no-parity: checksums only)' })
    .option('model', { type: 'string', describe: 'also check the bundle was made from this model (checkpoint folder or "default")' })
    .example('a2m bundle verify dist/bundle', 'checksums and parity')
    .example('a2m bundle verify dist/bundle --no-parity', 'checksums only (fast)'),
  handler: async (a) => {
    const loaded = a.model ? await loadModel(a.model) : undefined;
    try {
      const v = await verifyBundle(a.dir, { parity: a.parity, model: loaded?.model, onProgress: say });
      for (const c of v.checksums) process.stdout.write(`FAIL ${c.path}: ${c.problem}\n`);
      if (!v.checksums.length) process.stdout.write(`ok   ${v.manifest.files.length} files match manifest.json\n`);
      if (v.modelMismatch) process.stdout.write(`FAIL model: ${v.modelMismatch}\n`);
      for (const p of v.parity ?? []) process.stdout.write(`${parityLine(p)}\n`);
      if (!v.ok) {
        const bad = v.checksums.length + (v.modelMismatch ? 1 : 0) + (v.parity?.filter((p) => !p.pass).length ?? 0);
        throw new A2mError(`${a.dir}: ${bad} problem(s) (see above)`);
      }
      process.stdout.write(`${a.dir}: bundle verified\n`);
    } finally { loaded?.model.dispose(); }
  },
};

const command: CommandModule = {
  command: 'bundle',
  describe: 'app-ready bundles for iOS, Android, web and server (a2m bundle --help; a2m bundle verify --help)',
  builder: (y: Argv) => y.command(verify).command(build),
  handler: () => {},
};
export default command;
