/**
 * The CLI as a user runs it, whole processes, next to Basic Pitch's whole Node process.
 *   npm run bench:cli [-- --quick] [--out <json>] [--repeats N]
 *
 * First `npm run build` (scripts/build.mjs), unless dist/ is already newer than every
 * source, so bin/a2m.js runs the current compiled dist/ as an installed package does
 * (--quick instead runs the sources through tsx, A2M_DEV=1: it is part of `npm test`,
 * which must not rebuild dist/ under tests running beside it).
 *
 *  - `a2m --help`: wall seconds of the whole process, median of 5 (1 with --quick).
 *  - `a2m transcribe <60 s file> -o x.mid --backend onnx`: wall seconds, real-time factor
 *    (audio s / wall s) and peak RSS (GNU time %M) of the whole process, median of
 *    `repeats` runs after one untimed run that writes the ONNX export into a fresh
 *    A2M_CACHE_DIR (its time is reported as the cold run; --quick times only that run).
 *  - Basic Pitch, same file: `node bench/cli-basic-pitch.mjs` (decode with ffmpeg, its npm
 *    model.json in tfjs-node with oneDNN off as bench/transcribe.ts runs it, outputToNotesPoly
 *    defaults, a MIDI file via @tonejs/midi), same measurements.
 * Audio: fixtures/demo/melody-over-chords.flac (24.7 s) looped with ffmpeg to exactly 60 s
 * (10 s with --quick), 16 kHz stereo FLAC in a temp folder.
 * CPU seconds (user + system, GNU time) are reported beside wall time: on a loaded machine
 * wall time stretches, CPU time much less.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { benchArgs, fmtRatio, median, runChild, writeResult, type BenchSummary, type ChildResult } from './lib.js';
import { ffmpegBin } from '../src/audio/ffmpeg.js';
import { projectRoot } from '../src/util/paths.js';

const DEMO = path.join(projectRoot, 'fixtures/demo/melody-over-chords.flac');
const A2M = path.join(projectRoot, 'bin/a2m.js');
const BASIC_PITCH = path.join(projectRoot, 'bench/cli-basic-pitch.mjs');

interface Runs {
  /** Wall seconds of each timed run. */
  seconds: number[];
  cpuSeconds: (number | null)[];
  maxRssMiB: (number | null)[];
  /** Medians over the timed runs. */
  medianSeconds: number;
  medianCpuSeconds: number | null;
  medianMaxRssMiB: number | null;
}

function summarise(rs: ChildResult[]): Runs {
  const cpu = rs.map((r) => (r.cpuSeconds === null ? null : Math.round(r.cpuSeconds * 100) / 100));
  const rss = rs.map((r) => (r.maxRssKiB === null ? null : Math.round((r.maxRssKiB / 1024) * 10) / 10));
  const known = <T>(xs: (T | null)[]) => xs.filter((x): x is T => x !== null);
  return {
    seconds: rs.map((r) => Math.round(r.seconds * 1000) / 1000), cpuSeconds: cpu, maxRssMiB: rss,
    medianSeconds: median(rs.map((r) => r.seconds)),
    medianCpuSeconds: known(cpu).length ? median(known(cpu)) : null,
    medianMaxRssMiB: known(rss).length ? median(known(rss)) : null,
  };
}

async function timed(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, check?: (r: ChildResult) => void): Promise<ChildResult> {
  const r = await runChild(cmd, args, { env, timeoutMs: 600_000 });
  if (r.code !== 0 || r.timedOut) {
    const tail = (r.stderr || r.stdout).split('\n').filter((l) => l.trim() && !/already registered|^I0000|oneDNN|cpu_feature_guard/.test(l)).slice(-3).join(' | ');
    throw new Error(`${label}: ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}: ${tail}`);
  }
  check?.(r);
  process.stderr.write(`  ${label}: ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds?.toFixed(2) ?? '?'} s CPU, ${r.maxRssKiB ? (r.maxRssKiB / 1024).toFixed(0) : '?'} MiB\n`);
  return r;
}

/** Newest modification time (ms) of any file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** dist/ (its entry point's mtime) was built after the last change to src/, converters/, the tsconfigs and the build script. */
function distIsCurrent(): boolean {
  const main = path.join(projectRoot, 'dist/src/cli/main.js');
  if (!existsSync(main)) return false;
  const sources = Math.max(newestMtime(path.join(projectRoot, 'src')), newestMtime(path.join(projectRoot, 'converters')),
    ...['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'].map((f) => statSync(path.join(projectRoot, f)).mtimeMs));
  return statSync(main).mtimeMs > sources;
}

async function main(): Promise<void> {
  const ctx = benchArgs('cli', { repeats: { type: 'string' } });
  const quick = ctx.quick;
  const seconds = quick ? 10 : 60;
  const repeats = Math.max(1, Number(ctx.values.repeats ?? (quick ? 1 : 3)));
  const helpRuns = quick ? 1 : 5;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'a2m-bench-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, A2M_CACHE_DIR: path.join(tmp, 'cache'), TF_CPP_MIN_LOG_LEVEL: '2' };
  if (quick) env.A2M_DEV = '1';
  else delete env.A2M_DEV;
  try {
    let buildSeconds: number | null = null;
    let build = quick ? 'not built (--quick runs the sources)' : '';
    if (!quick && distIsCurrent()) build = 'dist/ already newer than every source: not rebuilt (a rebuild would pull dist/ from under anything running it)';
    else if (!quick) {
      console.error('npm run build ...');
      const b = await runChild(process.execPath, [path.join(projectRoot, 'scripts/build.mjs')], {});
      if (b.code !== 0) throw new Error(`npm run build failed: ${b.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      buildSeconds = b.seconds;
      build = `npm run build before the runs: ${b.seconds.toFixed(1)} s`;
    }
    const audio = path.join(tmp, `demo-${seconds}s.flac`);
    await execa(ffmpegBin(), ['-v', 'error', '-nostdin', '-y', '-stream_loop', '-1', '-i', DEMO, '-t', String(seconds), '-ar', '16000', '-ac', '2', '-c:a', 'flac', audio]);

    console.error(`a2m --help x${helpRuns}`);
    const help: ChildResult[] = [];
    for (let i = 0; i < helpRuns; i++) {
      help.push(await timed(`help ${i + 1}`, process.execPath, [A2M, '--help'], env, (r) => {
        if (!r.stdout.includes('a2m transcribe')) throw new Error(`a2m --help printed no command list: ${r.stdout.slice(0, 300)}`);
      }));
    }

    const mid = path.join(tmp, 'x.mid'), events = path.join(tmp, 'x.json');
    const ours = (label: string) => timed(label, process.execPath, [A2M, 'transcribe', audio, '-o', mid, '--backend', 'onnx', '--events', 'json', '--force'], env);
    // --quick: the cold run is the only one (a smoke test of the plumbing, kept cheap for npm test).
    console.error(`a2m transcribe (${seconds} s, --backend onnx): 1 cold${quick ? '' : ` + ${repeats}`}`);
    const cold = await ours('cold (writes the export)');
    const oursRuns: ChildResult[] = quick ? [cold] : [];
    for (let i = 0; i < (quick ? 0 : repeats); i++) oursRuns.push(await ours(`run ${i + 1}`));
    const ourNotes = (JSON.parse(readFileSync(events, 'utf8')) as unknown[]).length;

    // Basic Pitch's best setting here (see bench/transcribe.ts): TF's oneDNN kernels are ~100x slower on its graph.
    const bpEnv = { ...env, TF_ENABLE_ONEDNN_OPTS: '0' };
    const bpMid = path.join(tmp, 'bp.mid');
    console.error(`Basic Pitch (${seconds} s): ${repeats} run(s)`);
    const bpRuns: ChildResult[] = [];
    let bpNotes = 0;
    for (let i = 0; i < repeats; i++) {
      bpRuns.push(await timed(`basic pitch ${i + 1}`, process.execPath, [BASIC_PITCH, audio, bpMid], bpEnv, (r) => {
        bpNotes = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { notes: number }).notes;
      }));
    }

    const helpS = summarise(help), oursS = summarise(oursRuns), bpS = summarise(bpRuns), coldS = summarise([cold]);
    const rtf = (s: number) => seconds / s;
    const fmtS = (s: number | null) => (s === null ? '—' : s.toFixed(2));
    const fmtMiB = (m: number | null) => (m === null ? '—' : m.toFixed(0));
    const runner = quick ? 'sources via tsx (A2M_DEV=1, --quick)' : 'compiled dist/ (npm run build)';
    const summary: BenchSummary = {
      title: `CLI whole-process cost: start-up and a ${seconds} s transcription vs Basic Pitch's Node process`,
      baseline: `Basic Pitch's whole Node process (bench/cli-basic-pitch.mjs: ffmpeg decode, @spotify/basic-pitch on its model.json in tfjs-node with oneDNN off, outputToNotesPoly defaults, MIDI via @tonejs/midi) on the same ${seconds} s file, same run`,
      columns: ['command', 'runs', 'wall s (median)', 'x real time', 'CPU s (median)', 'peak RSS MiB', 'vs Basic Pitch (wall)', 'notes'],
      rows: [
        ['a2m --help', help.length, fmtS(helpS.medianSeconds), '—', fmtS(helpS.medianCpuSeconds), fmtMiB(helpS.medianMaxRssMiB), '—', '—'],
        [`a2m transcribe -o x.mid --backend onnx (${runner})`, oursRuns.length, fmtS(oursS.medianSeconds), `${rtf(oursS.medianSeconds).toFixed(1)}x`, fmtS(oursS.medianCpuSeconds), fmtMiB(oursS.medianMaxRssMiB), fmtRatio(bpS.medianSeconds / oursS.medianSeconds), ourNotes],
        ['  same, cold export cache (first run)', 1, fmtS(coldS.medianSeconds), `${rtf(coldS.medianSeconds).toFixed(1)}x`, fmtS(coldS.medianCpuSeconds), fmtMiB(coldS.medianMaxRssMiB), fmtRatio(bpS.medianSeconds / coldS.medianSeconds), '—'],
        ['Basic Pitch npm, whole Node process', bpRuns.length, fmtS(bpS.medianSeconds), `${rtf(bpS.medianSeconds).toFixed(1)}x`, fmtS(bpS.medianCpuSeconds), fmtMiB(bpS.medianMaxRssMiB), '1.0x', bpNotes],
      ],
      notes: [
        `Audio: ${path.relative(projectRoot, DEMO)} looped to exactly ${seconds} s (16 kHz stereo FLAC). Each figure is a whole process (node start-up, module loading, model load, decode, inference, notes, MIDI written), wall time from spawn to exit; peak RSS and CPU seconds from GNU time.`,
        `"vs Basic Pitch": Basic Pitch's median wall seconds / ours (above 1x: we finish sooner). Notes are each system's own count (different models, different thresholds: not an accuracy comparison).`,
        `Ours runs ${runner}; the timed runs find the ONNX export in the cache (the cold row writes it). Basic Pitch runs with TF_ENABLE_ONEDNN_OPTS=0, its fastest setting here.`,
        `Machine load average at start: ${ctx.machine.loadAverage.join(' ')} on ${ctx.machine.cpus} CPUs; wall times stretch with load, CPU seconds much less.`,
        `Build: ${build}.`,
        ...(quick ? ['--quick: 10 s of audio, sources via tsx, 1 help run, 1 run each (ours: the cold one): a smoke test, not a measurement.'] : []),
      ],
    };
    await writeResult(ctx, {
      audio: { seconds, source: `${path.relative(projectRoot, DEMO)} looped with ffmpeg -stream_loop to ${seconds} s, 16 kHz stereo FLAC (temp file)` },
      runner, build, buildSeconds, repeats,
      help: helpS,
      transcribe: { ...oursS, coldSeconds: coldS.medianSeconds, coldMaxRssMiB: coldS.medianMaxRssMiB, rtf: rtf(oursS.medianSeconds), notes: ourNotes },
      basicPitch: { ...bpS, rtf: rtf(bpS.medianSeconds), notes: bpNotes },
    }, summary);
    for (const row of summary.rows) console.log(row.join(' | '));
    for (const n of summary.notes ?? []) console.log(`- ${n}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
