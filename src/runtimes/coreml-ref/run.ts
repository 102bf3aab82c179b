/**
 * Executes a loaded plan op by op. Each op's results are checked against the
 * output types the file declares (dtype and every known dim), so a writer that
 * declares a wrong shape is caught even when the numbers happen to agree.
 * fp16-typed results are rounded to half precision after every op.
 */
import { A2mError } from '../../errors.js';
import { MIL_DTYPE } from '../../../converters/coreml/format.js';
import type { HostTensor } from '../../ir/tensor.js';
import { shapeRefusal, type Plan, type Step } from './program.js';
import type { OpContext } from './ops/types.js';
import { type MilTensor, convertData, dtypeName, fmt, isFloat, isInt, settle, sizeOf } from './tensor.js';

class OpFailure extends Error {}

/** Largest tensor an op may produce (elements): far above any real model here, low enough that corrupt parameters fail fast. */
export const MAX_ELEMENTS = 1 << 28;

function makeContext(step: Step, env: Map<string, MilTensor>): OpContext {
  const label = `${step.name} (${step.type})`;
  const fail = (msg: string): never => { throw new OpFailure(msg); };
  const resolve = (a: { name: string } | { value: MilTensor }) => ('value' in a ? a.value : env.get(a.name) ?? fail(`value "${a.name}" is not available`));
  const tensor = (name: string): MilTensor => {
    const a = step.inputs.get(name);
    if (!a) return fail(`missing input "${name}"`);
    if (a.length !== 1) return fail(`input "${name}" binds ${a.length} values, expected 1`);
    return resolve(a[0]!);
  };
  const numbers = (name: string, want: 'int' | 'float' | 'bool'): ArrayLike<number> => {
    const t = tensor(name);
    const ok = want === 'float' ? isFloat(t.dtype) : want === 'int' ? isInt(t.dtype) : t.dtype === MIL_DTYPE.BOOL;
    if (!ok) fail(`input "${name}" must be ${want}, got ${dtypeName(t.dtype)}`);
    return t.data as ArrayLike<number>;
  };
  const scalar = (name: string, want: 'int' | 'float' | 'bool') => {
    const d = numbers(name, want);
    if (d.length !== 1) fail(`input "${name}" must be a scalar, has ${d.length} values`);
    return d[0]!;
  };
  return {
    label,
    has: (name) => step.inputs.has(name),
    tensor,
    floats: (name) => numbers(name, 'float') as Float32Array,
    list(name) {
      const a = step.inputs.get(name);
      if (!a || a.length === 0) return fail(`missing input "${name}"`);
      return a.map(resolve);
    },
    ints: (name, fb) => (step.inputs.has(name) || !fb ? Array.from(numbers(name, 'int')) : fb),
    int: (name, fb) => (step.inputs.has(name) || fb === undefined ? scalar(name, 'int') : fb),
    float: (name, fb) => (step.inputs.has(name) || fb === undefined ? scalar(name, 'float') : fb),
    bools: (name, fb) => (step.inputs.has(name) || !fb ? Array.from(numbers(name, 'bool'), Boolean) : fb),
    bool: (name, fb) => (step.inputs.has(name) || fb === undefined ? Boolean(scalar(name, 'bool')) : fb),
    str(name, fb) {
      if (!step.inputs.has(name) && fb !== undefined) return fb;
      const t = tensor(name);
      if (t.dtype !== MIL_DTYPE.STRING || (t.data as string[]).length !== 1) return fail(`input "${name}" must be a string scalar`);
      return (t.data as string[])[0]!;
    },
    outputDtype: (i = 0) => step.outputs[i]?.type.dtype ?? fail(`no output ${i}`),
    fail,
    checkSize(shape) {
      let n = 1;
      for (const d of shape) { if (!Number.isSafeInteger(d) || d < 0) fail(`invalid output shape ${fmt(shape)}`); n *= d; }
      if (n > MAX_ELEMENTS) fail(`output shape ${fmt(shape)} has ${n} elements, over the evaluator's limit of ${MAX_ELEMENTS}`);
    },
  };
}

function checkOutput(file: string, step: Step, i: number, t: MilTensor): void {
  const decl = step.outputs[i]!.type;
  const where = `${file}: op ${step.name} (${step.type}) output ${step.outputs[i]!.name}`;
  if (decl.dtype !== t.dtype) throw new A2mError(`${where}: computed ${dtypeName(t.dtype)}, the file declares ${dtypeName(decl.dtype)}`);
  if (decl.shape.length !== t.shape.length || decl.shape.some((d, k) => d !== null && d !== t.shape[k]))
    throw new A2mError(`${where}: computed shape ${fmt(t.shape)}, the file declares ${fmt(decl.shape.map((d) => d ?? '?') as number[])}`);
}

export interface RunOptions {
  /** Also return these intermediate values by MIL name (for bisect). */
  keep?: Iterable<string>;
}

export function runPlan(plan: Plan, feeds: Record<string, HostTensor>, opts: RunOptions = {}): Record<string, MilTensor> {
  const env = new Map<string, MilTensor>(plan.consts);
  for (const inp of plan.inputs) {
    const f = feeds[inp.name];
    if (!f) throw new A2mError(`${plan.file}: missing input "${inp.name}" (inputs: ${plan.inputs.map((i) => i.name).join(', ')})`);
    const refused = shapeRefusal(inp.shapes, f.shape);
    if (refused) throw new A2mError(`${plan.file}: input "${inp.name}" has shape ${fmt(f.shape)}: ${refused}`);
    if (f.shape.length !== inp.type.shape.length || inp.type.shape.some((d, k) => d !== null && d !== f.shape[k]))
      throw new A2mError(`${plan.file}: input "${inp.name}" has shape ${fmt(f.shape)}, the model expects ${fmt(inp.type.shape.map((d) => d ?? -1))}`);
    env.set(inp.name, settle({ dtype: inp.type.dtype, shape: [...f.shape], data: convertData(f.data, inp.type.dtype) }));
  }
  const keep = new Set([...(opts.keep ?? []), ...plan.outputs]);
  const lastUse = new Map<string, number>();
  plan.steps.forEach((s, i) => { for (const args of s.inputs.values()) for (const a of args) if ('name' in a) lastUse.set(a.name, i); });

  plan.steps.forEach((step, i) => {
    let result: MilTensor | MilTensor[];
    try {
      result = step.def.run(makeContext(step, env));
    } catch (e) {
      if (e instanceof A2mError) throw e;
      throw new A2mError(`${plan.file}: op ${step.name} (${step.type}): ${(e as Error).message}`, { cause: e });
    }
    const outs = Array.isArray(result) ? result : [result];
    if (outs.length !== step.outputs.length) throw new A2mError(`${plan.file}: op ${step.name} (${step.type}) produced ${outs.length} outputs, the file declares ${step.outputs.length}`);
    outs.forEach((t, k) => {
      checkOutput(plan.file, step, k, t);
      env.set(step.outputs[k]!.name, settle(t));
    });
    for (const args of step.inputs.values()) for (const a of args)
      if ('name' in a && lastUse.get(a.name) === i && !keep.has(a.name) && !plan.consts.has(a.name)) env.delete(a.name);
  });
  const out: Record<string, MilTensor> = {};
  for (const name of keep) {
    const t = env.get(name);
    if (!t) throw new A2mError(`${plan.file}: value "${name}" was never computed`);
    out[name] = t;
  }
  return out;
}

/** An evaluator tensor as a host float tensor (what Sessions return). */
export function toHost(t: MilTensor): HostTensor {
  if (Array.isArray(t.data)) throw new A2mError(`coreml-ref: a string output cannot be returned as a float tensor`);
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  if (data.length !== sizeOf(t.shape)) throw new Error('internal: tensor size mismatch');
  return { shape: [...t.shape], data };
}
