/**
 * Python oracles: the same artifacts run by TensorFlow's own Python runtimes
 * (tf.lite.Interpreter, tf.saved_model.load) and onnxruntime's Python package,
 * as extra report rows beside the Node runtimes. Present when the project venv
 * is (`.venv/bin/python`, made by `npm install`); one Python process runs
 * every job (oracle.py), unless a runtime crashes it: a corrupt .tflite
 * segfaults tf.lite.Interpreter. The crash (and its signal) is then that
 * artifact's error, and the jobs it had not reached run in a new process.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { HostTensor } from '../ir/tensor.js';
import { venvPython } from '../util/paths.js';
import { float32Bytes, readFloat32File } from './tensor-file.js';
import { median, splitBatch, stackBatch, type ArtifactRun } from './run-artifact.js';

export const ORACLE_FORMATS: readonly string[] = ['tflite', 'savedmodel', 'onnx'];
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'oracle.py');

export const hasOracles = (): boolean => existsSync(venvPython);

export interface OracleJob { id: string; format: string; file: string; batch: number; inputs: readonly HostTensor[]; inputName?: string }

interface PyResult { ok: boolean; runtime?: string; error?: string; outputs?: Record<string, number[]>; loadMs?: number; runMs?: number[] }
interface PyJob { id: string; format: string; path: string; input: string; shape: number[]; batches: string[]; outDir: string }

const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

/** How a Python process ended, in words: "killed by SIGSEGV (Segmentation fault)" or "exit 1: <last stderr line>". */
function howItEnded(r: { signal?: string; signalDescription?: string; exitCode?: number; stderr: string }): string {
  if (r.signal) return `killed by ${r.signal}${r.signalDescription ? ` (${r.signalDescription})` : ''}`;
  return `exit ${r.exitCode}${lastLine(r.stderr) ? `: ${lastLine(r.stderr)}` : ''}`;
}

/**
 * Runs `jobs` in as few oracle.py processes as crashes allow: a process that
 * dies blames the job it had started (oracle.py says `start` before each) and
 * the rest go on in a fresh one. Every job gets a result or an error.
 */
async function runPython(work: string, jobs: readonly PyJob[]): Promise<Map<string, PyResult>> {
  const results = new Map<string, PyResult>();
  let pending = [...jobs];
  for (let round = 0; pending.length; round++) {
    const file = path.join(work, `jobs-${round}.json`);
    await writeFile(file, JSON.stringify({ jobs: pending }));
    const r = await execa(venvPython, [SCRIPT, file], { reject: false, env: { TF_CPP_MIN_LOG_LEVEL: '3' } });
    let running: string | null = null;
    for (const line of r.stdout.split('\n')) {
      let msg: { start?: string; result?: string } & PyResult;
      try { msg = JSON.parse(line); } catch { continue; } // a runtime printing to stdout is not ours
      if (!msg || typeof msg !== 'object') continue;
      if (typeof msg.start === 'string') running = msg.start;
      else if (typeof msg.result === 'string') { results.set(msg.result, msg); running = null; }
    }
    const ended = howItEnded(r);
    const crashed = r.signal !== undefined || r.exitCode !== 0;
    if (crashed && running !== null) results.set(running, { ok: false, error: `oracle.py crashed on this artifact: ${ended}` });
    // A clean exit without a result, or a crash before any job started, cannot be pinned on one job: stop here.
    if (!crashed || running === null) {
      for (const j of pending) if (!results.has(j.id)) results.set(j.id, { ok: false, error: `oracle.py failed: ${ended}` });
    }
    pending = pending.filter((j) => !results.has(j.id));
  }
  return results;
}

/** Runs every job; each result is the artifact's run or the error that stopped it. */
export async function runOracles(jobs: readonly OracleJob[]): Promise<Map<string, ArtifactRun | { error: string }>> {
  const res = new Map<string, ArtifactRun | { error: string }>();
  if (!jobs.length) return res;
  const work = await mkdtemp(path.join(os.tmpdir(), 'a2m-oracle-'));
  try {
    const pyJobs: PyJob[] = [];
    for (const [j, job] of jobs.entries()) {
      const batches: string[] = [];
      for (let i = 0; i < job.inputs.length; i += job.batch) {
        const file = path.join(work, `in-${j}-${i}.f32`);
        await writeFile(file, float32Bytes(stackBatch(job.inputs.slice(i, i + job.batch), job.batch).data));
        batches.push(file);
      }
      pyJobs.push({ id: job.id, format: job.format, path: path.resolve(job.file), input: job.inputName ?? 'samples', shape: [job.batch, ...job.inputs[0]!.shape.slice(1)], batches, outDir: path.join(work, `out-${j}`) });
    }
    const results = await runPython(work, pyJobs);
    for (const [j, job] of jobs.entries()) {
      const p = results.get(job.id)!;
      if (!p.ok) { res.set(job.id, { error: p.error ?? 'oracle.py gave no error message' }); continue; }
      const outputs: Record<string, HostTensor>[] = job.inputs.map(() => ({}));
      for (let b = 0; b * job.batch < job.inputs.length; b++) {
        const count = Math.min(job.batch, job.inputs.length - b * job.batch);
        for (const [name, shape] of Object.entries(p.outputs!)) {
          const t = await readFloat32File(path.join(pyJobs[j]!.outDir, String(b), `${name}.f32`), shape);
          splitBatch(t, count).forEach((v, i) => { outputs[b * job.batch + i]![name] = v; });
        }
      }
      const per = p.runMs!.map((ms) => ms / job.batch);
      res.set(job.id, { runtime: p.runtime!, outputs, latency: { loadMs: p.loadMs!, firstWindowMs: per[0] ?? 0, medianWindowMs: median(per) } });
    }
    return res;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
