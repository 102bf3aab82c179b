import type { Argv, CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import { loadModel } from '../../model/load.js';
import { buildBundle } from '../../bundle/build.js';
import { verifyBundle } from '../../bundle/verify.js';
import { DEFAULT_TARGETS, parseTargets, TARGETS } from '../../bundle/targets.js';
import type { Precision } from '../../../converters/types.js';
import { formatTerminal } from '../../verify/format-report.js';
import { parseTolerances } from '../../verify/tolerances.js';
import { A2mError } from '../../errors.js';
import { checkBundleSignature, keyFingerprint, loadPublicKey, loadSigningKey, readSignature } from '../../bundle/signature.js';
import { SIGNATURE_FILE } from '../../bundle/manifest.js';
import { intInRange } from '../options.js';

interface BuildArgs {
  model: string; target: string; out: string; name: string; 'ios-precision': string; ios?: number;
  author?: string; license?: string; 'model-version'?: string; 'golden-cases'?: string; oracles: boolean; tolerance: string[]; force: boolean; sign?: string;
}
interface VerifyArgs { dir: string; parity: boolean; model?: string; oracles: boolean; tolerance: string[]; 'public-key'?: string }

const say = (msg: string) => process.stderr.write(`bundle: ${msg}\n`);
const list = (s: string | undefined) => s?.split(',').map((x) => x.trim()).filter(Boolean);

const build: CommandModule<object, BuildArgs> = {
  command: '$0 [model]',
  describe: 'build app-ready bundles (iOS Core ML, Android TFLite + metadata, web tfjs/ONNX + demo page, TF Serving SavedModel + models.config + warm-up, Triton model repository)',
  builder: (y) => y
    .positional('model', { type: 'string', default: 'default', describe: 'checkpoint folder, "default", or preset:<name>' })
    .option('target', { alias: 't', type: 'string', default: DEFAULT_TARGETS.join(','), describe: `comma-separated: ${TARGETS.join(', ')} (triton: a Triton Inference Server model repository, ONNX + SavedModel backends; not in the default set)` })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'bundle folder (replaced atomically once every artifact passed parity)' })
    .option('name', { type: 'string', default: 'audio2midi', describe: 'model name: file names, TF Serving model name, Core ML class (Audio2Midi)' })
    .option('ios-precision', { type: 'string', default: 'fp16', choices: ['fp16', 'fp32'], describe: 'Core ML package precision' })
    .option('ios', { ...intInRange('ios', 15, 18), describe: 'Core ML deployment target 15..18 (converter default when absent)' })
    .option('author', { type: 'string', describe: 'model author in every artifact\'s metadata [default: audio-to-midi]' })
    .option('license', { type: 'string', describe: 'model licence in every artifact\'s metadata [default: this tool\'s, Apache-2.0]' })
    .option('model-version', { type: 'string', describe: 'model version in every artifact\'s metadata (default <preset>-<weights sha256 prefix>)' })
    .option('golden-cases', { type: 'string', describe: 'golden cases the parity report runs (comma-separated; default: all of `a2m golden`)' })
    .option('oracles', { type: 'boolean', default: false, describe: 'also run the Python oracles (TF, ONNX Runtime) in the parity report' })
    .option('tolerance', { type: 'string', array: true, default: [], describe: 'override a parity tolerance as `a2m verify` does: [<precision>.]<key>=<value> (recorded in parity.json)' })
    .option('force', { type: 'boolean', default: false, describe: 'replace --out even when it is not an earlier bundle' })
    .option('sign', { type: 'string', describe: `ed25519 private key PEM: sign manifest.json into ${SIGNATURE_FILE} (check with bundle verify --public-key)` })
    .example('a2m bundle -o dist/bundle', 'the default model: ios, android, web, server')
    .example('a2m bundle runs/small/best -t ios,android -o dist/mobile --ios-precision fp32', 'a checkpoint, mobile only, fp32 Core ML')
    .example('a2m bundle -t server,triton -o dist/serving', 'TF Serving and Triton Inference Server folders only')
    .example('a2m bundle verify dist/bundle', 're-check checksums and parity of a bundle')
    .example('a2m bundle -o dist/bundle --sign key.pem', 'sign it (openssl genpkey -algorithm ed25519 -out key.pem)'),
  handler: async (a) => {
    const targets = parseTargets(a.target);
    // Read the key before the slow build: a wrong key file must not cost a whole build.
    const signingKey = a.sign ? await loadSigningKey(a.sign) : undefined;
    const { model, source, state } = await loadModel(a.model);
    try {
      const r = await buildBundle(model, state, {
        targets, out: a.out, name: a.name, iosPrecision: a['ios-precision'] as Precision, coreml: { ios: a.ios },
        author: a.author, license: a.license, modelVersion: a['model-version'],
        source, goldenCases: list(a['golden-cases']), oracles: a.oracles, tolerances: parseTolerances(a.tolerance), force: a.force, onProgress: say, signingKey,
      });
      process.stdout.write(formatTerminal(r.parity));
      process.stdout.write(`${r.dir}: ${targets.join(', ')} from ${source} (preset ${r.manifest.model.preset}); ${r.manifest.files.length} files in manifest.json\n`);
      if (signingKey) process.stdout.write(`${r.dir}: manifest.json signed by ${keyFingerprint(signingKey)} (${SIGNATURE_FILE})\n`);
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
    .option('oracles', { type: 'boolean', default: false, describe: 'also run the Python oracles' })
    .option('tolerance', { type: 'string', array: true, default: [], describe: 'override a parity tolerance as `a2m verify` does: [<precision>.]<key>=<value>' })
    .option('public-key', { type: 'string', describe: `ed25519 public key PEM of whoever built the bundle: check ${SIGNATURE_FILE} (without it, the bundle's origin is not checked)` })
    .example('a2m bundle verify dist/bundle', 'checksums and parity')
    .example('a2m bundle verify dist/bundle --no-parity', 'checksums only (fast)')
    .example('a2m bundle verify dist/bundle --public-key builder.pub.pem', 'also check who built it'),
  handler: async (a) => {
    const origin = await checkOrigin(a.dir, a['public-key']);
    const loaded = a.model ? await loadModel(a.model) : undefined;
    try {
      const v = await verifyBundle(a.dir, { parity: a.parity, oracles: a.oracles, tolerances: parseTolerances(a.tolerance), model: loaded?.model, onProgress: say });
      for (const c of v.checksums) process.stdout.write(`FAIL ${c.path}: ${c.problem}\n`);
      if (!v.checksums.length) process.stdout.write(`ok   ${v.manifest.files.length} files match manifest.json\n`);
      if (v.modelMismatch) process.stdout.write(`FAIL model: ${v.modelMismatch}\n`);
      if (v.parity) process.stdout.write(formatTerminal(v.parity));
      if (!v.ok) {
        const bad = v.checksums.length + (v.modelMismatch ? 1 : 0) + (v.parity ? v.parity.summary.failed + v.parity.summary.errors : 0);
        throw new A2mError(`${a.dir}: ${bad} problem(s) (see above)`);
      }
      process.stdout.write(`${a.dir}: bundle verified (${origin})\n`);
    } finally { loaded?.model.dispose(); }
  },
};

/**
 * The signature first, and alone: when it fails, nothing in the folder is
 * trusted, so its models are not loaded into any runtime. Without a key the
 * checksums still run, and the user is told what they do not prove.
 */
async function checkOrigin(dir: string, publicKeyFile: string | undefined): Promise<string> {
  if (!publicKeyFile) {
    const sig = await readSignature(dir).catch(() => null);
    const signed = sig ? `; it carries ${SIGNATURE_FILE} by ${sig.publicKey.slice(0, 19)}…, unchecked` : '';
    process.stdout.write(`note ${dir}: origin not checked (no --public-key): checksums catch accidental damage, not tampering${signed}\n`);
    return 'origin not checked';
  }
  const sig = await checkBundleSignature(dir, await loadPublicKey(publicKeyFile));
  if (!sig.ok) {
    process.stdout.write(`FAIL signature: ${sig.problem}\n`);
    throw new A2mError(`${dir}: signature check failed against ${publicKeyFile} (${sig.key.slice(0, 19)}…); nothing else was checked or run`);
  }
  process.stdout.write(`ok   manifest.json signed by ${sig.key} (${publicKeyFile})\n`);
  return `signed by ${sig.key.slice(0, 19)}…`;
}

const command: CommandModule = {
  ...COMMANDS.bundle,
  builder: (y: Argv) => y.command(verify).command(build),
  handler: () => {},
};
export default command;
