import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import { loadHostModel } from '../../model/load.js';
import { runPasses } from '../../ir/passes.js';
import { paramCount } from '../../ir/graph.js';
import { fmtShape } from '../../ir/tensor.js';
import { graphFlops } from '../../ir/flops.js';

interface Args { model: string; json: boolean }

const command: CommandModule<object, Args> = {
  ...COMMANDS.inspect,
  builder: (y) => y
    .positional('model', { type: 'string', default: 'default', describe: 'checkpoint folder, "default", or preset:<name>' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .example('a2m inspect', 'the committed default model')
    .example('a2m inspect preset:base', 'the seed architecture (untrained)'),
  handler: async (a) => {
    const { model, source } = await loadHostModel(a.model);
    const g = runPasses(await model.graph(1));
    const ops: Record<string, number> = {};
    for (const n of g.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
    const params = paramCount(g, (n) => !n.startsWith('const/'));
    const tables = paramCount(g, (n) => n.startsWith('const/'));
    const summary = {
      source, preset: model.config.preset, parameters: params, fixedTableValues: tables, weightBytesFp32: params * 4,
      nodes: g.nodes.length, ops: Object.fromEntries(Object.entries(ops).sort((x, y) => y[1] - x[1])),
      flopsPerWindow: graphFlops(g),
      inputs: g.inputs.map((i) => ({ name: i.name, shape: i.shape })),
      outputs: g.outputs.map((o) => ({ name: o.name, shape: g.shapes.get(o.value)! })),
      config: model.config,
    };
    if (a.json) { process.stdout.write(JSON.stringify(summary, null, 2) + '\n'); return; }
    const w = process.stdout;
    w.write(`model     ${source}\npreset    ${summary.preset}\nparams    ${params.toLocaleString('en')} (${(params * 4 / 2 ** 20).toFixed(1)} MiB fp32) + ${tables.toLocaleString('en')} fixed table values\n`);
    w.write(`FLOPs     ${(summary.flopsPerWindow / 1e9).toFixed(2)} G per 5 s window\nnodes     ${g.nodes.length}\n`);
    w.write(`inputs    ${summary.inputs.map((i) => `${i.name} ${fmtShape(i.shape)} float32`).join(', ')}\n`);
    w.write(`outputs   ${summary.outputs.map((o) => `${o.name} ${fmtShape(o.shape)}`).join(', ')}\nops\n`);
    for (const [op, n] of Object.entries(summary.ops)) w.write(`  ${op.padEnd(12)} ${n}\n`);
    model.dispose();
  },
};
export default command;
