/**
 * Helpers every bench shares: the common command line (`--quick`, `--out`),
 * machine info, the result JSON with its `summary` table (rendered by
 * bench/run.ts into SUMMARY.md), medians, sizes on disk, and the peak RSS of a
 * child process.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFileAtomic } from '../src/util/atomic.js';
import { projectRoot } from '../src/util/paths.js';
import { toolVersion } from '../src/util/version.js';

export const RESULTS_DIR = path.join(projectRoot, 'bench', 'results');
/** Smoke runs (`--quick`) write here so they never overwrite real results. */
export const QUICK_RESULTS_DIR = path.join(RESULTS_DIR, 'quick');

/** Every bench bench/run.ts runs, in order (cheap and independent first): bench/<name>.ts, `npm run bench:<name>`. */
export const BENCHES = ['loader', 'training', 'export', 'roofline', 'transcribe', 'cli', 'memory', 'accuracy', 'accuracy-heldout', 'accuracy-repertoire', 'quantization', 'basic-pitch'] as const;

/** The table bench/run.ts renders into SUMMARY.md. */
export interface BenchSummary {
  title: string;
  /** What each figure is compared against (measured in the same run). */
  baseline: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
}

export interface MachineInfo { cpus: number; cpuModel: string; totalMemGiB: number; loadAverage: number[] }

export function machineInfo(): MachineInfo {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/** One line for logs and SUMMARY.md. */
export function machineLine(m: MachineInfo): string {
  return `${m.cpus} x ${m.cpuModel}, ${m.totalMemGiB} GiB, load average ${m.loadAverage.map((v) => v.toFixed(1)).join(' ')} at start`;
}

/** Default result path: bench/results/<name>.json, or bench/results/quick/<name>.json for --quick. */
export function defaultOut(name: string, quick: boolean): string {
  return path.join(quick ? QUICK_RESULTS_DIR : RESULTS_DIR, `${name}.json`);
}

/**
 * Parses `--quick`, `--out <json>` and the bench's own options (node:util
 * parseArgs; unknown options are an error). Machine info is taken here, at
 * start, before the bench loads the machine itself.
 */
export function benchArgs<O extends NonNullable<ParseArgsConfig['options']>>(name: string, options: O = {} as O) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, ...options },
    allowPositionals: false,
  });
  const v = values as Record<string, unknown>;
  const quick = v.quick === true;
  const out = path.resolve(typeof v.out === 'string' ? v.out : defaultOut(name, quick));
  return { name, quick, out, values, machine: machineInfo(), started: new Date() };
}

/** Writes the result JSON atomically: { bench, toolVersion, date, machine, quick, baseline, ...raw, summary }. */
export async function writeResult(
  ctx: { name: string; quick: boolean; out: string; machine: MachineInfo; started: Date },
  raw: Record<string, unknown>,
  summary: BenchSummary,
): Promise<void> {
  const doc = {
    bench: ctx.name, toolVersion: toolVersion(), date: ctx.started.toISOString(), machine: ctx.machine,
    quick: ctx.quick, baseline: summary.baseline, ...raw, summary,
  };
  await writeFileAtomic(ctx.out, JSON.stringify(doc, null, 2) + '\n');
  console.log(`written ${path.relative(process.cwd(), ctx.out)}`);
}

/** The median (upper median for even counts: a value that was measured, not an average of two). */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Bytes of a file, or of every file under a folder. */
export function bytesOf(p: string): number {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((n, e) => n + bytesOf(path.join(p, e)), 0) : s.size;
}

export const fmtMiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
export const fmtKiB = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
/** A ratio cell: "2.3x". */
export const fmtRatio = (r: number) => `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}x`;

export interface ChildResult {
  code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; stdout: string; stderr: string; seconds: number;
  maxRssKiB: number | null;
  /** User + system CPU seconds of the child and its descendants (less disturbed than wall time on a busy machine). */
  cpuSeconds: number | null;
}

/**
 * Runs a command as a child process and reports its peak resident set size and
 * CPU seconds, measured by GNU time (`/usr/bin/time -f '%M %U %S'`: the
 * kernel's rusage of the child) when it is installed, else null. Output is captured (and echoed when
 * `echo` is set). The child runs in its own process group so that a timeout,
 * or Ctrl-C here, ends it and everything it started (GNU time does not pass
 * SIGTERM on).
 */
export function runChild(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; echo?: boolean; timeoutMs?: number } = {}): Promise<ChildResult> {
  const rssFile = path.join(os.tmpdir(), `a2m-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const timed = hasGnuTime();
  const [file, argv] = timed ? ['/usr/bin/time', ['-q', '-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: opts.cwd ?? projectRoot, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = (sig: NodeJS.Signals) => { try { process.kill(-child.pid!, sig); } catch { /* already gone */ } };
    const onSignal = (sig: NodeJS.Signals) => { killGroup(sig); process.exit(130); };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; if (opts.echo) process.stdout.write(d); });
    child.stderr.on('data', (d: Buffer) => { stderr += d; if (opts.echo) process.stderr.write(d); });
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; killGroup('SIGTERM'); }, opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', async (code, signal) => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      let maxRssKiB: number | null = null, cpuSeconds: number | null = null;
      if (timed) {
        try {
          // GNU time may write a status line before the figures: they are the last line.
          const m = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)!);
          if (m) { maxRssKiB = Number(m[1]); cpuSeconds = Number(m[2]) + Number(m[3]); }
        } catch { /* killed before time wrote it */ }
        rmSync(rssFile, { force: true });
      }
      resolve({ code, signal, timedOut, stdout, stderr, seconds: (performance.now() - t0) / 1000, maxRssKiB, cpuSeconds });
    });
  });
}

let gnuTime: boolean | undefined;
function hasGnuTime(): boolean {
  if (gnuTime === undefined) {
    try { gnuTime = statSync('/usr/bin/time').isFile(); } catch { gnuTime = false; }
  }
  return gnuTime;
}
