import type { CommandModule } from 'yargs';
import { COMMANDS } from '../registry.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadModel, type LoadedModel } from '../../model/load.js';
import { buildGolden, readGolden, resolveSource, type Golden } from '../../verify/golden.js';
import { verifyExport } from '../../verify/verify.js';
import { parseTolerances } from '../../verify/tolerances.js';
import { formatMarkdown, formatTerminal } from '../../verify/format-report.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { A2mError } from '../../errors.js';

interface Args {
  export: string; golden?: string; model?: string; tolerance: string[]; json?: string; markdown?: string;
  bisect: boolean; format?: string; oracles?: boolean; quiet: boolean;
}

/**
 * Goldens come from --golden or are built from --model, never from the export
 * folder itself: whoever made an export could also have made goldens that
 * match it (docs/security.md).
 */
function goldenDirFor(a: Args): string | null {
  return a.golden ?? null;
}

const command: CommandModule<object, Args> = {
  ...COMMANDS.verify,
  builder: (y) => y
    .positional('export', { type: 'string', demandOption: true, describe: 'export folder (with export.json, from `a2m export`)' })
    .option('golden', { type: 'string', describe: 'golden folder you trust (from `a2m golden`); goldens inside the export are not used' })
    .option('model', { type: 'string', describe: 'the exported model (checkpoint, "default", preset:<name>): builds goldens when there are none, and lets --bisect rebuild the graph' })
    .option('tolerance', { type: 'string', array: true, default: [], describe: 'override a tolerance: [<precision>.]<key>=<value>, keys atol rtol tensors exactNotes minNoteF1 bisect' })
    .option('json', { type: 'string', describe: 'write the report as JSON (schema: docs/verify.md)' })
    .option('markdown', { type: 'string', describe: 'write the report as Markdown' })
    .option('bisect', { type: 'boolean', default: false, describe: 'for each failing artifact, find the first IR node whose output diverges' })
    .option('format', { type: 'string', describe: 'only these formats (comma-separated)' })
    .option('oracles', { type: 'boolean', describe: 'also run the Python oracles (default: when .venv exists; --no-oracles to skip)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines on stderr' })
    .example('a2m export -o out/ && a2m verify out/ --model default', 'export, build goldens from the model, verify every format')
    .example('a2m verify out/ --golden golden/ --json verify.json --markdown verify.md', 'CI gate: reports for artifacts, exit 1 on any failure')
    .example('a2m verify out/ --model runs/small/best --bisect', 'goldens built from the checkpoint; name the first diverging node of a failing format')
    .example('a2m verify out/ --tolerance fp32.atol=1e-3 --tolerance int8.minNoteF1=0.95', 'looser checks')
    .epilog('Exit status: 0 when every row passes, 1 when any check fails or an artifact cannot run (and on usage errors).'),
  handler: async (a) => {
    const tolerances = parseTolerances(a.tolerance);
    const progress = a.quiet ? undefined : (msg: string) => process.stderr.write(`verify: ${msg}\n`);
    let loaded: LoadedModel | null = a.model ? await loadModel(a.model) : null;
    const dir = goldenDirFor(a);
    let golden: Golden;
    if (dir) golden = await readGolden(dir);
    else if (loaded) { progress?.(`building goldens from ${loaded.source}`); golden = await buildGolden(loaded); }
    else throw new A2mError(`${a.export}: no goldens given: pass --golden <dir> (made with \`a2m golden\`) or --model <checkpoint> to build them; goldens inside an export are not trusted, since whoever made the export could have made them match`);
    // Bisect rebuilds the graph: without --model, use the model the goldens name when it is here.
    if (a.bisect && !loaded && golden.model.source && (golden.model.source.startsWith('preset:') || existsSync(resolveSource(golden.model.source)))) {
      loaded = await loadModel(resolveSource(golden.model.source));
    }
    const report = await verifyExport({
      exportDir: a.export, golden, tolerances, oracles: a.oracles, bisect: a.bisect, model: loaded?.model ?? null,
      formats: a.format?.split(',').map((s) => s.trim()).filter(Boolean), onProgress: progress,
    });
    process.stdout.write(formatTerminal(report));
    if (a.json) await writeFileAtomic(a.json, JSON.stringify(report, null, 2) + '\n');
    if (a.markdown) await writeFileAtomic(a.markdown, formatMarkdown(report));
    loaded?.model.dispose();
    process.exitCode = report.passed ? 0 : 1;
  },
};
export default command;
