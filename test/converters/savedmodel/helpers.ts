/** Shared by the SavedModel tests: Python oracles, temp dirs, tolerance checks. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { venvPython } from '../../../src/util/paths.js';
import type { HostTensor } from '../../../src/ir/tensor.js';

export const hasPython = existsSync(venvPython);
export const NO_PYTHON = 'skipped: .venv/bin/python (TensorFlow oracle) not present';
const ORACLES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'oracles');

/** Runs oracles/<script> with the venv's Python; returns the JSON it prints last. */
export async function runOracle<T>(script: string, args: string[]): Promise<T> {
  const r = await execa(venvPython, [path.join(ORACLES, script), ...args], { env: { TF_CPP_MIN_LOG_LEVEL: '3' }, reject: false });
  if (r.exitCode !== 0) throw new Error(`${script} failed (${r.exitCode}):\n${r.stderr.split('\n').slice(-15).join('\n')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-savedmodel-'));
  try { return await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

