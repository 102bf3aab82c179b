/**
 * Runs every benchmark in sequence, each in its own process, then renders
 * SUMMARY.md from each result's `summary` table and writes the combined bench.json.
 *   npm run bench [-- --quick] [--only export,roofline] [--out-dir DIR] [--timeout SECONDS] [--quiet]
 *   (--bench-dir DIR runs DIR/<name>.ts instead of bench/<name>.ts: for the orchestrator's own tests)
 *
 * Each bench is `node --import tsx bench/<name>.ts [--quick] --out <dir>/<name>.json`
 * (what `npx tsx` runs, without npx's start-up). A bench whose file does not
 * exist is recorded as missing; a bench that fails (non-zero exit, timeout, no
 * JSON or no summary table) is recorded with its stderr tail and the others go
 * on; the exit status is 1 when any failed. Benches not selected by --only
 * appear in SUMMARY.md from their previous JSON in the same folder, marked so.
 * --quick writes to bench/results/quick/ so smoke runs never overwrite real results.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/util/paths.js';
import { writeFileAtomic } from '../src/util/atomic.js';
import { toolVersion } from '../src/util/version.js';
import { BENCHES, type BenchSummary, type MachineInfo, QUICK_RESULTS_DIR, RESULTS_DIR, machineInfo, machineLine, runChild } from './lib.js';


type Status = 'ok' | 'failed' | 'missing' | 'previous' | 'not run';

interface BenchRecord {
  name: string;
  status: Status;
  /** Wall seconds of the child process (start-up included). */
  seconds?: number;
  maxRssKiB?: number | null;
  /** User + system CPU seconds of the child (what a quiet machine would need, roughly). */
  cpuSeconds?: number | null;
  error?: string;
  /** The bench's own JSON. */
  result?: BenchResult;
}

interface BenchResult { bench?: string; date?: string; quick?: boolean; machine?: MachineInfo; summary: BenchSummary; [k: string]: unknown }

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'out-dir': { type: 'string' },
    timeout: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'bench-dir': { type: 'string' },
  },
});
const quick = args.quick === true;
const outDir = path.resolve(args['out-dir'] ?? (quick ? QUICK_RESULTS_DIR : RESULTS_DIR));
const timeoutMs = args.timeout ? Number(args.timeout) * 1000 : undefined;
const only = args.only?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((n) => !(BENCHES as readonly string[]).includes(n)) ?? [];
if (unknown.length) {
  console.error(`bench: unknown bench(es) ${unknown.join(', ')} (expected: ${BENCHES.join(', ')})`);
  process.exit(2);
}
const selected = new Set<string>(only ?? BENCHES);
const benchDir = path.resolve(args['bench-dir'] ?? path.join(projectRoot, 'bench'));

/** Why a result file cannot be rendered, or null when it can. */
function summaryProblem(r: unknown): string | null {
  const s = (r as { summary?: Partial<BenchSummary> } | null)?.summary;
  if (!s) return 'its JSON has no summary';
  if (typeof s.title !== 'string' || typeof s.baseline !== 'string') return 'summary lacks title or baseline';
  if (!Array.isArray(s.columns) || !Array.isArray(s.rows) || s.rows.length === 0) return 'summary table is empty';
  return null;
}

function readResult(file: string): { result?: BenchResult; problem?: string } {
  if (!existsSync(file)) return { problem: `wrote no ${path.relative(projectRoot, file)}` };
  let r: unknown;
  try { r = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { return { problem: `${path.relative(projectRoot, file)} is not JSON (${(e as Error).message})` }; }
  const problem = summaryProblem(r);
  return problem ? { problem } : { result: r as BenchResult };
}

const tail = (s: string, lines = 25) => s.trimEnd().split('\n').slice(-lines).join('\n');

async function runBench(name: string): Promise<BenchRecord> {
  const file = path.join(benchDir, `${name}.ts`);
  const out = path.join(outDir, `${name}.json`);
  if (!selected.has(name)) {
    const prev = readResult(out);
    return prev.result ? { name, status: 'previous', result: prev.result } : { name, status: 'not run' };
  }
  if (!existsSync(file)) return { name, status: 'missing', error: `${path.relative(projectRoot, file)} does not exist` };
  console.log(`\n=== bench ${name}${quick ? ' (quick)' : ''} ===`);
  // Identity of an earlier result file (inode + mtime): a bench that fails to rewrite it must not pass on the old one.
  const stamp = () => { try { const st = statSync(out); return `${st.ino}:${st.mtimeMs}`; } catch { return null; } };
  const before = stamp();
  const child = await runChild(process.execPath, ['--import', 'tsx', file, ...(quick ? ['--quick'] : []), '--out', out], {
    echo: !args.quiet, timeoutMs, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
  });
  const base = { name, seconds: child.seconds, cpuSeconds: child.cpuSeconds, maxRssKiB: child.maxRssKiB };
  if (child.timedOut) return { ...base, status: 'failed', error: `timed out after ${args.timeout} s\n${tail(child.stderr)}` };
  if (child.code !== 0) return { ...base, status: 'failed', error: `exit ${child.code ?? child.signal}\n${tail(child.stderr || child.stdout)}` };
  const got = readResult(out);
  if (got.problem) return { ...base, status: 'failed', error: got.problem };
  if (before !== null && stamp() === before) return { ...base, status: 'failed', error: `left ${path.relative(projectRoot, out)} unchanged` };
  return { ...base, status: 'ok', result: got.result };
}

/** A Markdown table cell: pipes escaped, newlines flattened. */
const cell = (v: unknown) => String(v ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mdTable = (columns: string[], rows: unknown[][]) =>
  [`| ${columns.map(cell).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

function renderMarkdown(records: BenchRecord[], machine: MachineInfo, started: Date, totalSeconds: number): string {
  const out: string[] = [
    `# Benchmarks${quick ? ' (quick smoke run)' : ''}`,
    '',
    `Rendered by \`npm run bench${quick ? ' -- --quick' : ''}\` (bench/run.ts) on ${started.toISOString()}, tool version ${toolVersion()}; ` +
      `machine: ${machineLine(machine)}. Each section is one bench's \`summary\` from its JSON in this folder; ` +
      `timings were taken on this machine${quick ? ' in --quick mode (smoke sizes: not results)' : ''}.`,
    '',
    mdTable(['bench', 'status', 'wall s', 'CPU s', 'peak RSS MiB'], records.map((r) => [
      r.name, r.status === 'previous' ? `ok (earlier run, ${r.result?.date ?? '?'})` : r.status,
      r.seconds != null ? r.seconds.toFixed(1) : '-', r.cpuSeconds != null ? r.cpuSeconds.toFixed(1) : '-', r.maxRssKiB != null ? (r.maxRssKiB / 1024).toFixed(0) : '-',
    ])),
    '',
    `Total wall time of this run: ${totalSeconds.toFixed(1)} s (CPU s: user + system of each bench process and its children).`,
  ];
  for (const r of records) {
    out.push('');
    if (!r.result) {
      out.push(`## ${r.name}: ${r.status}`, '');
      if (r.status === 'missing') out.push(`Missing: ${r.error}.`);
      else if (r.status === 'not run') out.push('Not selected (--only) and no earlier result in this folder.');
      else out.push('```', r.error ?? '', '```');
      continue;
    }
    const s = r.result.summary;
    const m = r.result.machine;
    out.push(`## ${s.title}`, '');
    out.push(`_bench \`${r.name}\`${r.status === 'previous' ? ' (earlier run)' : ''}, ${r.result.date ?? '?'}, ` +
      `${m && typeof m === 'object' ? machineLine(m) : 'machine unknown'}, quick: ${r.result.quick === true ? 'yes' : 'no'}_`, '');
    out.push(`Baseline: ${s.baseline}`, '', mdTable(s.columns, s.rows));
    if (s.notes?.length) out.push('', ...s.notes.map((n) => `- ${n}`));
  }
  return out.join('\n') + '\n';
}

const started = new Date();
const machine = machineInfo();
const t0 = performance.now();
// Benches may write straight to --out: the folder must exist.
mkdirSync(outDir, { recursive: true });
const records: BenchRecord[] = [];
for (const name of BENCHES) {
  const rec = await runBench(name);
  records.push(rec);
  if (rec.status === 'failed') console.error(`bench ${name} FAILED: ${rec.error?.split('\n')[0]}`);
  else if (rec.status === 'missing') console.error(`bench ${name}: missing (${rec.error})`);
}
const totalSeconds = (performance.now() - t0) / 1000;
await writeFileAtomic(path.join(outDir, 'SUMMARY.md'), renderMarkdown(records, machine, started, totalSeconds));
await writeFileAtomic(path.join(outDir, 'bench.json'), JSON.stringify({
  toolVersion: toolVersion(), date: started.toISOString(), quick, machine, totalSeconds,
  benches: records,
}, null, 2) + '\n');
console.log(`\n${records.map((r) => `${r.name}: ${r.status}${r.seconds != null ? ` (${r.seconds.toFixed(1)} s wall${r.cpuSeconds != null ? `, ${r.cpuSeconds.toFixed(1)} s CPU` : ''})` : ''}`).join('\n')}`);
console.log(`total ${totalSeconds.toFixed(1)} s; written ${path.relative(process.cwd(), path.join(outDir, 'SUMMARY.md'))} and bench.json`);
process.exit(records.some((r) => r.status === 'failed') ? 1 : 0);
