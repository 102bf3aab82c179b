/**
 * Python oracles: the same artifacts run by TensorFlow's own Python runtimes
 * (tf.lite.Interpreter, tf.saved_model.load) and onnxruntime's Python package,
 * as extra report rows beside the Node runtimes. Present when the project venv
 * is (`.venv/bin/python`, made by `npm install`); one Python process runs
 * every job (oracle.py).
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

/** Runs every job; each result is the artifact's run or the error that stopped it. */
export async function runOracles(jobs: readonly OracleJob[]): Promise<Map<string, ArtifactRun | { error: string }>> {
  const res = new Map<string, ArtifactRun | { error: string }>();
  if (!jobs.length) return res;
  const work = await mkdtemp(path.join(os.tmpdir(), 'a2m-oracle-'));
  try {
    const pyJobs = [];
    for (const [j, job] of jobs.entries()) {
      const batches: string[] = [];
      for (let i = 0; i < job.inputs.length; i += job.batch) {
        const file = path.join(work, `in-${j}-${i}.f32`);
        await writeFile(file, float32Bytes(stackBatch(job.inputs.slice(i, i + job.batch), job.batch).data));
        batches.push(file);
      }
      pyJobs.push({ id: job.id, format: job.format, path: path.resolve(job.file), input: job.inputName ?? 'samples', shape: [job.batch, ...job.inputs[0]!.shape.slice(1)], batches, outDir: path.join(work, `out-${j}`) });
    }
    await writeFile(path.join(work, 'jobs.json'), JSON.stringify({ jobs: pyJobs }));
    const r = await execa(venvPython, [SCRIPT, path.join(work, 'jobs.json')], { reject: false, env: { TF_CPP_MIN_LOG_LEVEL: '3' } });
    let parsed: { results: Record<string, PyResult> } | null = null;
    try { parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? ''); } catch { /* reported below */ }
    for (const [j, job] of jobs.entries()) {
      const p = parsed?.results[job.id];
      if (!p || !p.ok) { res.set(job.id, { error: p?.error ?? `oracle.py failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').pop() ?? ''}` }); continue; }
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
