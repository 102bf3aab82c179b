/** The verify report as a terminal table and as Markdown (for CI job summaries and PR comments). */
import { batchParityTable } from './batch-parity.js';
import type { ResultRow, VerifyReport } from './report.js';

interface Column { head: string; cell(r: ResultRow): string; right?: boolean }

const sci = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v === 0 ? '0' : v.toExponential(1));
const worstOf = (r: ResultRow, pick: (o: ResultRow['outputs'][number]) => number | null, better: 'max' | 'min'): number | null => {
  const vals = r.outputs.map(pick);
  if (!vals.length) return null;
  if (vals.some((v) => v === null)) return null;
  return better === 'max' ? Math.max(...(vals as number[])) : Math.min(...(vals as number[]));
};
const runtimeShort = (r: ResultRow) => (r.oracle ? 'py: ' : '') + r.runtime.replace(/ \(.*\)$/, '');

const COLUMNS: Column[] = [
  { head: 'format', cell: (r) => r.format },
  { head: 'prec', cell: (r) => r.precision },
  { head: 'runtime', cell: runtimeShort },
  { head: 'status', cell: (r) => r.status.toUpperCase() },
  { head: 'max abs', cell: (r) => (r.outputs.length ? sci(worstOf(r, (o) => o.maxAbs, 'max')) : '-'), right: true },
  { head: 'max rel', cell: (r) => (r.outputs.length ? sci(worstOf(r, (o) => o.maxRel, 'max')) : '-'), right: true },
  { head: 'cos min', cell: (r) => { const c = worstOf(r, (o) => o.cosine, 'min'); return c === null ? '-' : c.toFixed(6); }, right: true },
  { head: '% beyond', cell: (r) => (r.outputs.length ? Math.max(...r.outputs.map((o) => o.pctBeyond)).toFixed(2) : '-'), right: true },
  { head: 'note F1', cell: (r) => (r.notes ? r.notes.f1.toFixed(4) : '-'), right: true },
  { head: 'exact', cell: (r) => (r.notes ? (r.notes.exact ? 'yes' : r.notes.cases.every((c) => c.exact || c.withinTolerance) ? 'ties' : 'no') : '-') },
  { head: 'ms/window', cell: (r) => (r.latencyMs ? r.latencyMs.medianWindow.toFixed(1) : '-'), right: true },
  { head: 'MB', cell: (r) => (r.bytes === null ? '-' : (r.bytes / 1e6).toFixed(2)), right: true },
];

function problems(r: ResultRow): string[] {
  const lines = r.failures.map((f) => f);
  if (r.bisect) lines.push(`bisect (${r.bisect.status}): ${r.bisect.message}`);
  return lines;
}

export function formatTerminal(rep: VerifyReport): string {
  const cells = rep.results.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.head.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => (COLUMNS[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(COLUMNS.map((c) => c.head)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  for (const r of rep.results) {
    const p = problems(r);
    if (p.length) out.push('', `${r.format} ${r.precision} on ${r.runtime}:`, ...p.map((l) => `  - ${l}`));
  }
  if (rep.batchParity?.length) out.push('', 'Batch parity (max abs error vs the batch-1 canonical outputs, golden windows cycled to whole batches):', batchParityTable(rep.batchParity));
  const s = rep.summary;
  out.push('', `${rep.passed ? 'PASS' : 'FAIL'}: ${s.passed}/${s.rows} passed, ${s.failed} failed, ${s.errors} could not run ` +
    `(model ${rep.export.preset} ${rep.export.modelSha256.slice(0, 12)}, ${rep.golden.cases.length} golden cases, batch ${rep.export.batch})`);
  return out.join('\n') + '\n';
}

const md = (s: string) => s.replace(/\|/g, '\\|');

export function formatMarkdown(rep: VerifyReport): string {
  const s = rep.summary;
  const out = [
    `# a2m verify: ${rep.passed ? 'PASS' : 'FAIL'}`,
    '',
    `Model \`${rep.export.preset}\` \`${rep.export.modelSha256.slice(0, 12)}\`, export batch ${rep.export.batch}; goldens ${rep.golden.dir ? `\`${rep.golden.dir}\`` : '(built from the model)'} ` +
      `produced by ${rep.golden.producedBy}, cases: ${rep.golden.cases.join(', ')}. ${s.passed}/${s.rows} rows passed, ${s.failed} failed, ${s.errors} could not run.`,
    '',
    `| ${COLUMNS.map((c) => c.head).join(' | ')} |`,
    `|${COLUMNS.map((c) => (c.right ? '---:' : '---')).join('|')}|`,
    ...rep.results.map((r) => `| ${COLUMNS.map((c) => md(c.cell(r))).join(' | ')} |`),
    '',
    '## Tolerances',
    '',
    '| precision | atol | rtol | tensors judged | exact notes | min note F1 | bisect |',
    '|---|---:|---:|---|---|---:|---:|',
    ...Object.entries(rep.tolerances).map(([p, t]) => `| ${p} | ${t.atol} | ${t.rtol} | ${t.tensors ? 'yes' : 'no'} | ${t.exactNotes ? 'yes' : 'no'} | ${t.minNoteF1} | ${t.bisect} |`),
  ];
  if (rep.batchParity?.length) out.push('', '## Batch parity', '', 'Max abs error of every output against the batch-1 canonical outputs, golden windows cycled to whole batches.', '', batchParityTable(rep.batchParity));
  const failing = rep.results.filter((r) => problems(r).length);
  if (failing.length) {
    out.push('', '## Failures');
    for (const r of failing) {
      out.push('', `### ${r.format} ${r.precision} (${md(r.runtime)})`, '', ...problems(r).map((l) => `- ${md(l)}`));
      if (r.outputs.length) {
        out.push('', '| output | max abs | max rel | mean abs | cosine | % beyond |', '|---|---:|---:|---:|---:|---:|');
        for (const o of r.outputs) out.push(`| ${o.name} | ${sci(o.maxAbs)} | ${sci(o.maxRel)} | ${sci(o.meanAbs)} | ${o.cosine === null ? '-' : o.cosine.toFixed(6)} | ${o.pctBeyond.toFixed(3)} |`);
      }
    }
  }
  return out.join('\n') + '\n';
}
