/**
 * Runs a tfjs graph model in tfjs itself (DESIGN principle 3):
 * - default export: `tf.loadGraphModel('file://…')` on tfjs-node (TensorFlow C kernels), the server path;
 * - `runOnWebBackend`: the same files loaded the way a web app does (tfjs's HTTP
 *   loader, fed by a fetch that serves the directory) on the pure-JS `cpu` or the
 *   `wasm` backend, in a child process so that backend choice never leaks into
 *   this process. This file is also that child's entry point (`--web-child`).
 * tfjs is imported lazily: tfjs-node registers its backend on import.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type * as TfCore from '@tensorflow/tfjs-core';
import { A2mError } from '../errors.js';
import type { HostTensor } from '../ir/tensor.js';
import type { Runtime, Session } from './types.js';
import { preflightGraphModel } from '../../converters/tfjs/reader.js';

export type WebBackend = 'cpu' | 'wasm';

/** `dir` or `dir/model.json` -> the model.json path; a clear error when it is not there. */
export function modelJsonPath(p: string): string {
  const file = existsSync(p) && statSync(p).isDirectory() ? path.join(p, 'model.json') : p;
  if (!existsSync(file)) throw new A2mError(`${file}: no such file (expected a tfjs graph model directory or its model.json)`);
  return path.resolve(file);
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!;
}

/** A loaded model's session over any tfjs backend (the caller picked it). */
function sessionOf(tf: typeof TfCore, model: GraphModel, file: string): Session {
  // Public names are the signature's keys (GraphModel.outputs lists node names instead).
  const sig = model.modelSignature as { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> } | undefined;
  const inputNames = sig?.inputs ? Object.keys(sig.inputs) : model.inputs.map((i) => i.name);
  const outputNames = sig?.outputs ? Object.keys(sig.outputs) : model.outputs.map((o) => o.name);
  return {
    async run(feeds) {
      const missing = inputNames.filter((n) => !feeds[n]);
      if (missing.length) throw new A2mError(`${file}: missing input(s) ${missing.join(', ')} (the model takes ${inputNames.join(', ')})`);
      const inputs: Record<string, TfCore.Tensor> = {};
      let outs: TfCore.Tensor[] = [];
      try {
        for (const n of inputNames) inputs[n] = tf.tensor(feeds[n]!.data, feeds[n]!.shape);
        // execute() runs graphs without control flow or dynamic shapes synchronously; the others need executeAsync.
        try { outs = [model.execute(inputs, outputNames)].flat() as TfCore.Tensor[]; } catch (e) {
          if (!/executeAsync|dynamic/.test(firstLine(e))) throw e;
          outs = [await model.executeAsync(inputs, outputNames)].flat() as TfCore.Tensor[];
        }
        if (outs.length !== outputNames.length || outs.some((t) => !(t instanceof tf.Tensor))) throw new Error(`returned ${outs.length} tensor(s) for ${outputNames.length} output(s)`);
        const res: Record<string, HostTensor> = {};
        for (let i = 0; i < outputNames.length; i++) res[outputNames[i]!] = { shape: [...outs[i]!.shape], data: Float32Array.from(await outs[i]!.data()) };
        return res;
      } catch (e) {
        throw new A2mError(`${file}: tfjs failed to run the graph model: ${firstLine(e)}`, { cause: e });
      } finally {
        Object.values(inputs).forEach((t) => t.dispose());
        outs.forEach((t) => t instanceof tf.Tensor && t.dispose());
      }
    },
    dispose: () => model.dispose(),
  };
}

function packageVersion(pkg: string): string {
  try { return (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version; } catch { return '?'; }
}

const tfjsGraphRuntime: Runtime = {
  name: `tf.loadGraphModel on tfjs-node ${packageVersion('@tensorflow/tfjs-node')} (TensorFlow C kernels)`,
  format: 'tfjs',
  async load(p) {
    const file = await preflightGraphModel(modelJsonPath(p));
    const tf = await import('@tensorflow/tfjs-node');
    let model: GraphModel;
    try {
      model = await tf.loadGraphModel(pathToFileURL(file).href);
    } catch (e) {
      throw new A2mError(`${file}: tfjs could not load the graph model: ${firstLine(e)}`, { cause: e });
    }
    return sessionOf(tf as unknown as typeof TfCore, model, file);
  },
};
export default tfjsGraphRuntime;

// ---- web backends, in a child process ----------------------------------------
interface WireTensor { shape: number[]; base64: string }
const toWire = (t: HostTensor): WireTensor => ({ shape: t.shape, base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') });
function fromWire(w: WireTensor): HostTensor {
  const b = Buffer.from(w.base64, 'base64');
  return { shape: w.shape, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
}

export interface WebRunResult {
  outputs: Record<string, HostTensor>;
  /** tfjs version and backend the child really used. */
  backend: string;
  loadMs: number;
  runMs: number;
}

/**
 * Loads and runs the model as a web app would, on the pure-JS `cpu` or the
 * `wasm` backend, in a fresh Node process (tfjs + tsx only, no tfjs-node).
 */
export async function runOnWebBackend(p: string, feeds: Record<string, HostTensor>, backend: WebBackend, timeoutMs = 120_000): Promise<WebRunResult> {
  const file = await preflightGraphModel(modelJsonPath(p));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'a2m-tfjs-web-'));
  try {
    const inFile = path.join(tmp, 'in.json'), outFile = path.join(tmp, 'out.json');
    await writeFile(inFile, JSON.stringify(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toWire(v)]))));
    const self = fileURLToPath(import.meta.url);
    const stderr = await new Promise<string>((resolve, reject) => {
      // The TypeScript source needs tsx (a clone); the compiled package runs as it is.
      const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
      const child = spawn(process.execPath, [...loader, self, '--web-child', backend, file, inFile, outFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new A2mError(`${file}: the ${backend} backend did not finish within ${timeoutMs} ms`)); }, timeoutMs);
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(err);
        else reject(new A2mError(`${file}: tfjs ${backend} backend failed: ${err.trim().split('\n').filter((l) => l.startsWith('A2M_ERROR ')).map((l) => l.slice(10)).join('; ') || err.trim().split('\n').at(-1)}`));
      });
    });
    void stderr;
    const out = JSON.parse(await readFile(outFile, 'utf8')) as { outputs: Record<string, WireTensor>; backend: string; loadMs: number; runMs: number };
    return { ...out, outputs: Object.fromEntries(Object.entries(out.outputs).map(([k, v]) => [k, fromWire(v)])) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Child side: pure tfjs, the requested backend, the HTTP loader over a file-serving fetch. */
async function webChild(backend: WebBackend, file: string, inFile: string, outFile: string): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Offline: the .wasm binaries ship inside the package.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(dist + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} could not be initialised`);
  await tf.ready();
  const dir = path.dirname(file);
  // A web server for exactly this directory: model.json and its shards, 404 for anything else.
  const fetchFunc = async (url: string | URL | Request): Promise<Response> => {
    const name = decodeURIComponent(new URL(String(url instanceof Request ? url.url : url)).pathname.split('/').pop()!);
    const p = path.join(dir, name);
    if (!existsSync(p)) return new Response(null, { status: 404 });
    return new Response(await readFile(p), { status: 200 });
  };
  const t0 = performance.now();
  const model = await tf.loadGraphModel(tf.io.http(`http://model.local/${path.basename(file)}`, { fetchFunc }));
  const t1 = performance.now();
  const feeds = JSON.parse(await readFile(inFile, 'utf8')) as Record<string, WireTensor>;
  const session = sessionOf(tf as unknown as typeof TfCore, model, file);
  const outputs = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, fromWire(v)])));
  const t2 = performance.now();
  const used = `tfjs ${tf.version.tfjs} ${tf.getBackend()}`;
  await writeFile(outFile, JSON.stringify({ backend: used, loadMs: t1 - t0, runMs: t2 - t1, outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, toWire(v)])) }));
}

if (process.argv[2] === '--web-child' && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [, , , backend, file, inFile, outFile] = process.argv;
  webChild(backend as WebBackend, file!, inFile!, outFile!).then(
    () => process.exit(0),
    (e) => { process.stderr.write(`A2M_ERROR ${firstLine(e)}\n`); process.exit(1); },
  );
}
