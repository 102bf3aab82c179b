import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import { loadModel } from '../../model/load.js';
import { makeRunner, BACKENDS, DEFAULT_BATCH, MAX_BATCH, TFJS_DEFAULT_BATCH, PRECISIONS, type Backend } from '../../infer/backends.js';
import { positiveInt } from '../options.js';
import type { Precision } from '../../../converters/types.js';
import { validateDataset } from '../../eval/validate.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { loadCheckpoint, saveCheckpoint } from '../../model/checkpoint.js';
import { formatBreakdown } from '../../eval/breakdown.js';

interface Args { dataset: string[]; model: string; backend: string; precision: string; batch?: number; json?: string; 'seed-metrics': boolean; tune: boolean; 'write-thresholds': boolean; breakdown: boolean }

const f3 = (x: number | undefined) => (x === undefined ? '  -  ' : x.toFixed(3));

const command: CommandModule<object, Args> = {
  ...COMMANDS.validate,
  builder: (y) => y
    .positional('dataset', { type: 'string', array: true, demandOption: true, describe: 'folder(s) of <name>.<audio> + <name>.csv; with several, the means are over all their pieces and each folder\'s means are shown too' })
    .option('model', { type: 'string', default: 'default', describe: 'checkpoint folder or "default"' })
    .option('backend', { type: 'string', default: 'tfjs', describe: `where the model runs: ${BACKENDS.join(', ')}` })
    .option('precision', { type: 'string', choices: PRECISIONS, default: 'fp32', describe: 'score the fp32, fp16 or int8 export (needs --backend savedmodel, onnx or tflite)' })
    .option('batch', { ...positiveInt('batch', MAX_BATCH), describe: `5 s windows per model call (default ${DEFAULT_BATCH} for exported backends, measured in ONNX Runtime; ${TFJS_DEFAULT_BATCH} for tfjs); notes do not depend on it` })
    .option('json', { type: 'string', describe: 'write the full report as JSON' })
    .option('seed-metrics', { type: 'boolean', default: true, describe: 'also compute loss / hit rate / eventized diff on consecutive windows' })
    .option('tune', { type: 'boolean', default: false, describe: 'grid-search decoding thresholds on these folders (validation splits, never test data): the onset thresholds for onset F1, then release for onset+offset F1 at no cost in onset F1' })
    .option('write-thresholds', { type: 'boolean', default: false, describe: 'with --tune: store the tuned thresholds in the model checkpoint (used by transcribe by default)' })
    .option('breakdown', { type: 'boolean', default: false, describe: 'also show where notes are missed (recall by register, velocity, duration, chord size), what the false alarms are, and how offsets miss by note length' })
    .example('a2m validate data/val', 'the default model on a validation split')
    .example('a2m validate data/val --breakdown --no-seed-metrics', 'where the default model misses notes and what its false alarms are')
    .example('a2m validate data/val --backend tflite --precision int8', 'the accuracy cost of the int8 TFLite export (compare with --precision fp32)')
    .example('a2m validate data/val --model runs/small/best --tune --write-thresholds', 'tune decoding thresholds into a checkpoint')
    .example('a2m validate data/val data/val-music --tune', 'tune on the procedural and the real-music validation splits together'),
  handler: async (a) => {
    const { model, source, thresholds } = await loadModel(a.model);
    const runner = await makeRunner(model, a.backend as Backend, a.precision as Precision, { batch: a.batch });
    const report = await validateDataset(model, source, runner, a.dataset, {
      thresholds, seedMetrics: a['seed-metrics'], tune: a.tune, breakdown: a.breakdown,
      onPiece: (name, i, n) => process.stderr.write(`\r[${i + 1}/${n}] ${name}`.padEnd(60)),
    });
    process.stderr.write('\n');
    const w = process.stdout;
    w.write(`${'piece'.padEnd(28)} ${'sec'.padStart(6)} ${'ref'.padStart(5)} ${'est'.padStart(5)}   onset P/R/F1        +offset F1  +vel F1\n`);
    for (const p of report.pieces) {
      w.write(`${p.name.slice(0, 28).padEnd(28)} ${p.seconds.toFixed(1).padStart(6)} ${String(p.refNotes).padStart(5)} ${String(p.estNotes).padStart(5)}   ${f3(p.onset.precision)} ${f3(p.onset.recall)} ${f3(p.onset.f1)}   ${f3(p.onsetOffset.f1)}      ${f3(p.onsetVelocity?.f1)}\n`);
    }
    const m = report.mean;
    w.write(`${'mean'.padEnd(28)} ${''.padStart(18)}   ${f3(m.onsetPrecision)} ${f3(m.onsetRecall)} ${f3(m.onsetF1)}   ${f3(m.onsetOffsetF1)}      ${f3(m.onsetVelocityF1)}\n`);
    if (report.seed) w.write(`seed metrics: loss ${report.seed.loss.toFixed(1)} per window, hit rate ${report.seed.hitRate.toFixed(3)}, eventized diff ${report.seed.eventizedDiff.toFixed(2)} per window\n`);
    if (report.breakdown) w.write(formatBreakdown(report.breakdown));
    for (const d of report.datasets ?? []) {
      w.write(`${d.dir}: ${d.pieces} pieces, onset F1 ${f3(d.mean.onsetF1)}, onset+offset F1 ${f3(d.mean.onsetOffsetF1)}\n`);
    }
    const t = report.tuning;
    if (t) {
      w.write(`tuned thresholds: onset F1 ${t.baseline.toFixed(3)} -> ${t.tuned.toFixed(3)}`);
      if (t.offsets) w.write(`, then onset+offset F1 ${t.offsets.baseline.toFixed(3)} -> ${t.offsets.tuned.toFixed(3)} (onset F1 ${t.offsets.onsetF1.toFixed(3)})`);
      w.write(` with ${JSON.stringify(t.thresholds)}\n`);
      for (const d of t.datasets ?? []) w.write(`  tuned, ${d.dir}: onset F1 ${f3(d.onsetF1)}, onset+offset F1 ${f3(d.onsetOffsetF1)}\n`);
    }
    if (a.json) await writeFileAtomic(a.json, JSON.stringify(report, null, 2) + '\n');
    if (a.tune && a['write-thresholds'] && report.tuning) {
      const ck = await loadCheckpoint(source);
      await saveCheckpoint(source, { ...ck, state: { ...(ck.state ?? {}), thresholds: report.tuning.thresholds, thresholdsTunedOn: report.dataset } });
      w.write(`thresholds written to ${source}\n`);
    }
    await runner.dispose();
    model.dispose();
  },
};
export default command;
