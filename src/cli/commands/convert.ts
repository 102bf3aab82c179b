import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import path from 'node:path';
import { convertModel } from '../../convert/convert.js';
import { FORMATS } from '../../../converters/index.js';
import { PRECISIONS, UnsupportedOpsError, type Precision } from '../../../converters/types.js';
import { A2mError } from '../../errors.js';
import { intInRange, positiveInt } from '../options.js';

interface Args { source: string; to: string; out: string; precision: string; batch: number; ios?: number; opset?: number; rename: string[]; author?: string; license?: string; 'model-version'?: string; description?: string }

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** `old=new` pairs (repeatable or comma-separated) -> a map; the old name may itself hold ':' (Identity_1:0). */
function parseRenames(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items.flatMap(list)) {
    const eq = item.lastIndexOf('=');
    if (eq <= 0) throw new A2mError(`--rename ${item}: expected old=new`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(2)} MiB`;

const command: CommandModule<object, Args> = {
  ...COMMANDS.convert,
  builder: (y) => y
    .positional('source', { type: 'string', demandOption: true, describe: 'tfjs graph model or tfjs-layers model (model.save()): its directory or model.json' })
    .option('to', { type: 'string', default: FORMATS.join(','), describe: `comma-separated target formats: ${FORMATS.join(', ')}` })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder (convert.json lists what was written)' })
    .option('precision', { type: 'string', default: 'fp32', describe: 'comma-separated: fp32, fp16, int8' })
    .option('batch', { ...positiveInt('batch'), default: 1, describe: 'static size for a dynamic (-1) batch dim of the source' })
    .option('ios', { ...intInRange('ios', 15, 18), describe: 'Core ML deployment target 15..18 (default 16)' })
    .option('opset', { type: 'number', choices: [17, 20], describe: 'ONNX opset: 17 (IR 8, the widest runtime support) or 20 (IR 9, native Gelu) [default: 17]' })
    .option('rename', { type: 'string', array: true, default: [], describe: 'rename outputs: old=new (repeatable, or comma-separated); names a format refuses are renamed automatically (convert.json: names)' })
    .option('author', { type: 'string', describe: 'model author for every artifact\'s metadata [default: the source\'s own, or none]' })
    .option('license', { type: 'string', describe: 'model licence for every artifact\'s metadata [default: the source\'s own, or none]' })
    .option('model-version', { type: 'string', describe: 'model version for every artifact\'s metadata [default: the source\'s own, or none]' })
    .option('description', { type: 'string', describe: 'model description for every artifact\'s metadata [default: the source\'s own, or none]' })
    .example('a2m convert node_modules/@spotify/basic-pitch/model -o out/bp', 'Basic Pitch to every format')
    .example('a2m convert model/model.json --to onnx,tflite -o out/ --rename Identity_1:0=note,Identity_2:0=onset', 'two formats, readable output names')
    .example('a2m convert model/ --to coreml --precision fp16 --ios 17 -o out/', 'an fp16 Core ML package for iOS 17'),
  handler: async (a) => {
    const precisions = list(a.precision) as Precision[];
    for (const p of precisions) if (!PRECISIONS.includes(p)) throw new A2mError(`unknown precision "${p}" (expected: ${PRECISIONS.join(', ')})`);
    let m;
    try {
      m = await convertModel(a.source, {
        formats: list(a.to), precisions, out: a.out, batch: a.batch, coreml: { ios: a.ios }, onnx: { opset: a.opset }, rename: parseRenames(a.rename),
        info: { author: a.author, license: a.license, version: a['model-version'], description: a.description },
        onProgress: (msg) => process.stderr.write(`converting: ${msg}\n`),
      });
    } catch (e) {
      if (!(e instanceof UnsupportedOpsError)) throw e;
      // Every problem on its own line, then one summary line (the CLI prints an error's first line).
      for (const p of e.problems) process.stderr.write(`  ${p.node} (${p.op}) -> ${p.target}: ${p.reason}\n`);
      const targets = [...new Set(e.problems.map((p) => p.target))].join(', ');
      throw new A2mError(`${a.source}: ${e.problems.length} unsupported op(s) for ${targets} (listed above); nothing was written`);
    }
    process.stdout.write(`imported ${m.source.path} in ${m.importSeconds.toFixed(2)} s: inputs ${m.inputs.map((i) => `${i.name} [${i.shape}]`).join(', ')}; outputs ${m.outputs.map((o) => `${o.name} [${o.shape}]`).join(', ')}\n`);
    for (const n of m.names) process.stdout.write(`${n.kind} ${n.original} -> ${n.written} (${n.by === '--rename' ? '--rename' : `a name ${n.by} cannot write; --rename ${n.original}=<name> to choose`})\n`);
    for (const e of m.artifacts) process.stdout.write(`${e.format.padEnd(10)} ${e.precision.padEnd(5)} ${path.join(a.out, e.path).padEnd(40)} ${mib(e.bytes).padStart(10)}  (${e.seconds.toFixed(2)} s)\n`);
    process.stdout.write(`manifest ${path.join(a.out, 'convert.json')}\n`);
  },
};
export default command;
