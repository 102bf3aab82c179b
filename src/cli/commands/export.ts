import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import path from 'node:path';
import { loadHostModel } from '../../model/load.js';
import { exportModel } from '../../export/export.js';
import { portableSource } from '../../export/model-info.js';
import { FORMATS } from '../../../converters/index.js';
import { PRECISIONS, type Precision } from '../../../converters/types.js';
import { A2mError } from '../../errors.js';
import { intInRange, positiveIntOr } from '../options.js';

interface Args { model: string; format: string; precision: string; out: string; batch: number | 'dynamic'; ios?: number; opset?: number; author?: string; license?: string; 'model-version'?: string }

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

const command: CommandModule<object, Args> = {
  ...COMMANDS.export,
  builder: (y) => y
    .positional('model', { type: 'string', default: 'default', describe: 'checkpoint folder, "default", or preset:<name>' })
    .option('format', { type: 'string', default: FORMATS.join(','), describe: `comma-separated: ${FORMATS.join(', ')}` })
    .option('precision', { type: 'string', default: 'fp32', describe: 'comma-separated: fp32, fp16, int8' })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder (export.json lists what was written)' })
    .option('batch', { ...positiveIntOr('batch', 'dynamic'), default: 'dynamic', describe: 'batch of the exported graphs: "dynamic" (dim 0 free at run time; Core ML stays at 1) or a static size' })
    .option('ios', { ...intInRange('ios', 15, 18), describe: 'Core ML deployment target 15..18 (default 16)' })
    .option('opset', { type: 'number', choices: [17, 20], describe: 'ONNX opset: 17 (IR 8, the widest runtime support) or 20 (IR 9, native Gelu) [default: 17]' })
    .option('author', { type: 'string', describe: 'model author in every artifact\'s metadata [default: audio-to-midi]' })
    .option('license', { type: 'string', describe: 'model licence in every artifact\'s metadata [default: this tool\'s, Apache-2.0]' })
    .option('model-version', { type: 'string', describe: 'model version in every artifact\'s metadata (default <preset>-<weights sha256 prefix>)' })
    .example('a2m export -o out/ --format onnx,tflite', 'the default model as ONNX and TFLite')
    .example('a2m export runs/small/best -o out/ --precision fp32,fp16', 'a checkpoint, every format, two precisions'),
  handler: async (a) => {
    const precisions = list(a.precision) as Precision[];
    for (const p of precisions) if (!PRECISIONS.includes(p)) throw new A2mError(`unknown precision "${p}" (expected: ${PRECISIONS.join(', ')})`);
    const { model, source } = await loadHostModel(a.model);
    const m = await exportModel(model, {
      formats: list(a.format), precisions, out: a.out, batch: a.batch, coreml: { ios: a.ios }, onnx: { opset: a.opset },
      info: { author: a.author, license: a.license, version: a['model-version'], source: portableSource(source) },
      onProgress: (msg) => process.stderr.write(`exporting ${msg}\n`),
    });
    for (const e of m.artifacts) process.stdout.write(`${e.format.padEnd(10)} ${e.precision.padEnd(5)} ${path.join(a.out, e.path)}  (${e.seconds.toFixed(2)} s)\n`);
    process.stdout.write(`from ${source} (preset ${m.preset}, sha256 ${m.modelSha256.slice(0, 12)}); manifest ${path.join(a.out, 'export.json')}\n`);
    model.dispose();
  },
};
export default command;
