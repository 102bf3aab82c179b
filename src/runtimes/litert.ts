/**
 * LiteRT (Google's TFLite runtime, the `@litertjs/core` WASM build) running a
 * .tflite in Node: the judge of TFLite exports.
 *
 * The package is written for browsers and workers. Its loader runs the
 * Emscripten script with `importScripts` and reads `self.ModuleFactory`; the
 * script itself takes its Node path (`require('node:fs')`, `__filename` to
 * find its .wasm). So, only while the module loads, we provide `self`,
 * `importScripts` (running the script with `vm.runInThisContext`), `require`
 * and `__dirname`/`__filename` pointing at the package's wasm folder, then put
 * the globals back as they were (tfjs and others sniff `self`). The loaded
 * WASM module is process-wide and shared by every session.
 */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { CompiledModel, Tensor as LiteRtTensor } from '@litertjs/core';
import type { Runtime, Session } from './types.js';
import type { HostTensor } from '../ir/tensor.js';
import { A2mError } from '../errors.js';

const require = createRequire(import.meta.url);
const PACKAGE_JSON = require.resolve('@litertjs/core/package.json');
const LITERT_VERSION: string = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).version;
const WASM_DIR = path.join(path.dirname(PACKAGE_JSON), 'wasm');

type LiteRtModule = typeof import('@litertjs/core');
let loading: Promise<LiteRtModule> | undefined;

const SHIM_GLOBALS = ['self', 'importScripts', 'require', '__dirname', '__filename', 'Module'] as const;

/**
 * Emscripten's stderr hook. LiteRT logs INFO lines per environment and per
 * compiled model, and warns that no NPU accelerator exists (never, in Node);
 * drop those, keep every other warning and error (A2M_LITERT_VERBOSE=1 keeps all).
 */
const EXPECTED_LOG_LINES = [/^INFO: /, /NPU accelerator could not be loaded/];
function printErr(line: string): void {
  if (process.env.A2M_LITERT_VERBOSE || !EXPECTED_LOG_LINES.some((re) => re.test(line))) console.error(line);
}

/** Loads the WASM module once per process (concurrent callers share the promise; a failure can be retried). */
export function loadLiteRtModule(): Promise<LiteRtModule> {
  loading ??= (async () => {
    const lrt = await import('@litertjs/core');
    const g = globalThis as Record<string, unknown>;
    const saved = SHIM_GLOBALS.map((k) => [k, Object.getOwnPropertyDescriptor(g, k)] as const);
    g.self = globalThis;
    g.require = require;
    // The loader passes `self.Module` to the Emscripten factory as its settings.
    g.Module = { printErr };
    g.importScripts = (url: string | URL) => {
      const file = url instanceof URL || String(url).startsWith('file:') ? new URL(String(url)).pathname : String(url);
      g.__filename = file;
      g.__dirname = path.dirname(file);
      vm.runInThisContext(readFileSync(file, 'utf8'), { filename: file });
    };
    // loadLiteRt always tries WebGPU for its default environment and warns when
    // there is none (never, in Node); drop that one warning while it loads.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => { if (!String(args[0]).startsWith('Failed to create default WebGPU device')) warn(...args); };
    try {
      await lrt.loadLiteRt(WASM_DIR + path.sep);
    } finally {
      console.warn = warn;
      for (const [k, d] of saved) {
        if (d) Object.defineProperty(g, k, d);
        else delete g[k];
      }
    }
    return lrt;
  })().catch((e) => {
    loading = undefined;
    throw new A2mError(`LiteRT.js ${LITERT_VERSION}: could not load its WASM module from ${WASM_DIR}: ${(e as Error).message}`, { cause: e });
  });
  return loading;
}

const fmt = (s: ArrayLike<number>) => `[${Array.from(s).join(',')}]`;

/** A compiled model behind the Session contract: named float32 feeds in, outputs by signature name. */
class LiteRtSession implements Session {
  private readonly inputs: { name: string; shape: number[]; dtype: string }[];

  constructor(private readonly lrt: LiteRtModule, private readonly model: CompiledModel, private readonly file: string) {
    this.inputs = model.getInputDetails().map((d) => ({ name: d.name, shape: Array.from(d.shape), dtype: d.dtype }));
  }

  /**
   * LiteRT.js's CompiledModel has no resize and refuses a -1 input dim, so a
   * dynamic-batch .tflite (converters/tflite/README.md) declares its input at
   * batch 1: a larger batch on a batch-1 input runs one window per call and
   * the outputs are stacked back (TFLite's interpreter resizes instead).
   */
  async run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const rows = Object.values(feeds)[0]?.shape[0] ?? 1;
    const perRow = rows > 1 && this.inputs.every((spec) => spec.shape[0] === 1 && feeds[spec.name]?.shape[0] === rows && fmt(feeds[spec.name]!.shape.slice(1)) === fmt(spec.shape.slice(1)));
    if (!perRow) return this.runOnce(feeds);
    const parts: Record<string, HostTensor>[] = [];
    for (let r = 0; r < rows; r++) {
      parts.push(await this.runOnce(Object.fromEntries(Object.entries(feeds).map(([k, t]) => {
        const per = t.data.length / rows;
        return [k, { shape: [1, ...t.shape.slice(1)], data: t.data.subarray(r * per, (r + 1) * per) }];
      }))));
    }
    return Object.fromEntries(Object.keys(parts[0]!).map((name) => {
      const first = parts[0]![name]!, per = first.data.length, data = new Float32Array(per * rows);
      parts.forEach((p, r) => data.set(p[name]!.data, r * per));
      return [name, { shape: [rows, ...first.shape.slice(1)], data }];
    }));
  }

  private async runOnce(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const names = this.inputs.map((i) => i.name);
    const given = Object.keys(feeds);
    if (given.length !== names.length || !names.every((n) => n in feeds)) {
      throw new A2mError(`${this.file}: inputs are [${names.join(', ')}]; got [${given.join(', ')}]`);
    }
    const tensors: Record<string, LiteRtTensor> = {};
    let outputs: Record<string, LiteRtTensor> | undefined;
    try {
      for (const spec of this.inputs) {
        const t = feeds[spec.name]!;
        if (spec.dtype !== 'float32') throw new A2mError(`${this.file}: input ${spec.name} is ${spec.dtype}; only float32 inputs can be fed`);
        if (fmt(t.shape) !== fmt(spec.shape)) throw new A2mError(`${this.file}: input ${spec.name} has static shape ${fmt(spec.shape)}; got ${fmt(t.shape)}`);
        if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new A2mError(`${this.file}: input ${spec.name} has ${t.data.length} values for shape ${fmt(t.shape)}`);
        tensors[spec.name] = new this.lrt.Tensor(t.data, t.shape);
      }
      try {
        outputs = await this.model.run(tensors);
      } catch (e) {
        throw new A2mError(`${this.file}: LiteRT failed to run the model: ${(e as Error).message}`, { cause: e });
      }
      const result: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(outputs)) {
        if (t.type.dtype !== 'float32') throw new A2mError(`${this.file}: output ${name} is ${t.type.dtype}; only float32 outputs are returned`);
        // Copy out of the WASM heap: the tensor's memory is freed below.
        result[name] = { shape: Array.from(t.type.layout.dimensions), data: Float32Array.from(t.toTypedArray() as Float32Array) };
      }
      return result;
    } finally {
      for (const t of Object.values(tensors)) t.delete();
      for (const t of Object.values(outputs ?? {})) t.delete();
    }
  }

  dispose(): void {
    if (!this.model.deleted) this.model.delete();
  }
}

const liteRt: Runtime = {
  name: `LiteRT.js ${LITERT_VERSION} (WASM, CPU)`,
  format: 'tflite',
  batchNote: 'one window per call: LiteRT.js cannot resize',
  async load(file: string): Promise<Session> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new A2mError(`${file}: no such TFLite model file`);
    const bytes = new Uint8Array(await readFile(file));
    const lrt = await loadLiteRtModule();
    let model: CompiledModel;
    try {
      model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm' });
    } catch (e) {
      throw new A2mError(`${file}: LiteRT could not load the model: ${(e as Error).message}`, { cause: e });
    }
    const dynamic = model.getInputDetails().find((d) => Array.from(d.shape).some((x) => x < 0));
    if (dynamic) {
      model.delete();
      throw new A2mError(`${file}: input ${dynamic.name} has dynamic shape ${fmt(dynamic.shape)}; LiteRT.js runs static shapes only (export with a fixed batch)`);
    }
    return new LiteRtSession(lrt, model, file);
  },
};

export default liteRt;
