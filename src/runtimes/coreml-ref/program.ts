/**
 * Loads the ML Program of an .mlpackage into an executable plan: checks the
 * Model / Program / Function structure, materialises every const, resolves each
 * op against the evaluator's op table and every argument against earlier
 * definitions. All problems found are reported together in one error.
 */
import { A2mError } from '../../errors.js';
import { IDENTIFIER, MAIN_FUNCTION, MIN_ML_PROGRAM_SPEC, MIL_PROGRAM_VERSION } from '../../../converters/coreml/format.js';
import type { ArrayFeatureType, Block, Operation } from '../../../converters/coreml/schema.js';
import type { LoadedPackage } from '../../../converters/coreml/package.js';
import { MIL_OPS, type MilOpDef } from './ops/index.js';
import type { MilTensor } from './tensor.js';
import { declaredType, materialize, type DeclaredType } from './values.js';

/** One argument binding: a named value or an inline constant. */
export type Arg = { name: string } | { value: MilTensor };

export interface Step {
  name: string;
  type: string;
  def: MilOpDef;
  inputs: Map<string, Arg[]>;
  outputs: { name: string; type: DeclaredType }[];
}

/**
 * The shapes a model description lets an input take (FeatureTypes.proto
 * ArrayFeatureType): `shape` alone is the one fixed shape; with enumeratedShapes
 * (= 21) or shapeRange (= 31) it is the default and those bound the rest. Core ML
 * refuses a feed outside them before it runs anything, so the evaluator does too.
 */
export interface InputShapes {
  /** The description's shape (the default when flexible); empty when it declares none. */
  default: number[];
  enumerated?: number[][];
  /** Per dim, inclusive; upper < 0 = unbounded. */
  ranges?: { lower: number; upper: number }[];
}

export interface Plan {
  file: string;
  specVersion: number;
  opset: string;
  inputs: { name: string; type: DeclaredType; shapes: InputShapes }[];
  /** Block outputs = the model's output feature names, in order. */
  outputs: string[];
  consts: Map<string, MilTensor>;
  steps: Step[];
  /** Op type -> count, consts included (for reports and tests). */
  opCounts: Record<string, number>;
}

function opName(op: Operation, index: number): string {
  const v = op.attributes?.name?.immediateValue?.tensor?.strings?.values?.[0];
  return v ?? op.outputs?.[0]?.name ?? `#${index}`;
}

export async function loadPlan(pkg: LoadedPackage): Promise<Plan> {
  try {
    return await buildPlan(pkg);
  } catch (e) {
    // Safety net: a structure no check above anticipated still ends in a one-line error naming the file.
    if (e instanceof A2mError) throw e;
    throw new A2mError(`${pkg.modelFile}: malformed ML Program (${(e as Error).message})`, { cause: e });
  }
}

async function buildPlan(pkg: LoadedPackage): Promise<Plan> {
  const file = pkg.modelFile;
  const m = pkg.model;
  const fail = (msg: string): never => { throw new A2mError(`${file}: ${msg}`); };
  if ((m.specificationVersion ?? 0) < MIN_ML_PROGRAM_SPEC) fail(`specificationVersion ${m.specificationVersion ?? 0}; ML Programs need >= ${MIN_ML_PROGRAM_SPEC}`);
  const prog = m.mlProgram ?? fail('not an ML Program (Model.mlProgram, field 502, is absent)');
  if (prog.version !== MIL_PROGRAM_VERSION) fail(`MIL Program.version ${prog.version ?? 0}, expected ${MIL_PROGRAM_VERSION}`);
  const fn = prog.functions?.[MAIN_FUNCTION] ?? fail(`MIL program has no "${MAIN_FUNCTION}" function (has: ${Object.keys(prog.functions ?? {}).join(', ') || 'none'})`);
  const opset = fn.opset ?? '';
  const block: Block = fn.block_specializations?.[opset] ?? fail(`function main has no block for its opset "${opset}"`);

  const problems: string[] = [];
  const defined = new Set<string>();
  const define = (name: string | undefined, where: string) => {
    if (!name) { problems.push(`${where}: unnamed value`); return; }
    if (!IDENTIFIER.test(name)) problems.push(`${where}: name "${name}" is not a valid MIL identifier`);
    if (defined.has(name)) problems.push(`${where}: value "${name}" defined twice`);
    defined.add(name);
  };

  const describedTypes = new Map((m.description?.input ?? []).map((d) => [d.name ?? '', d.type?.multiArrayType]));
  const inputs = (fn.inputs ?? []).map((i) => {
    define(i.name, 'function input');
    const type = declaredType(i.type?.tensorType, `${file}: function input ${i.name}`);
    return { name: i.name ?? '', type, shapes: inputShapes(describedTypes.get(i.name ?? ''), type, `input ${i.name}`, problems) };
  });

  const consts = new Map<string, MilTensor>();
  const steps: Step[] = [];
  const opCounts: Record<string, number> = {};
  const unsupported = new Map<string, string[]>();
  const ops = block.operations ?? [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const type = op.type ?? '';
    const name = opName(op, i);
    const where = `op ${name} (${type})`;
    opCounts[type] = (opCounts[type] ?? 0) + 1;
    if ((op.blocks ?? []).length) problems.push(`${where}: nested blocks (control flow) are not supported`);
    const outs = (op.outputs ?? []).map((o) => {
      define(o.name, where);
      try { return { name: o.name ?? '', type: declaredType(o.type?.tensorType, `${where} output ${o.name}`) }; }
      catch (e) { problems.push((e as Error).message); return { name: o.name ?? '', type: { dtype: 0, shape: [] } }; }
    });
    if (outs.length === 0) problems.push(`${where}: declares no outputs`);
    if (type === 'const') {
      const val = op.attributes?.val;
      if (!val) { problems.push(`${where}: const without a "val" attribute`); continue; }
      try { consts.set(outs[0]!.name, await materialize(val, pkg, `${file}: ${where}`)); }
      catch (e) { problems.push((e as Error).message.replace(`${file}: `, '')); }
      continue;
    }
    const def = MIL_OPS[type];
    if (!def) { unsupported.set(type, [...(unsupported.get(type) ?? []), name]); continue; }
    const args = new Map<string, Arg[]>();
    for (const [key, arg] of Object.entries(op.inputs ?? {})) {
      if (!def.required.includes(key) && !def.optional?.includes(key)) problems.push(`${where}: unknown input "${key}" (expected ${[...def.required, ...(def.optional ?? [])].join(', ')})`);
      const bound: Arg[] = [];
      for (const b of arg.arguments ?? []) {
        if (b.name !== undefined) {
          if (!defined.has(b.name)) problems.push(`${where}: input ${key} uses "${b.name}" before it is defined`);
          bound.push({ name: b.name });
        } else if (b.value) {
          try { bound.push({ value: await materialize(b.value, pkg, `${file}: ${where} input ${key}`) }); }
          catch (e) { problems.push((e as Error).message.replace(`${file}: `, '')); }
        } else problems.push(`${where}: input ${key} has an empty binding`);
      }
      if (bound.length === 0) problems.push(`${where}: input ${key} binds nothing`);
      args.set(key, bound);
    }
    for (const r of def.required) if (!args.has(r)) problems.push(`${where}: missing required input "${r}"`);
    steps.push({ name, type, def, inputs: args, outputs: outs });
  }
  for (const [type, names] of unsupported) problems.push(`unsupported op "${type}" (${names.length}x, e.g. ${names.slice(0, 3).join(', ')})`);
  const outputs = block.outputs ?? [];
  for (const o of outputs) if (!defined.has(o)) problems.push(`block output "${o}" is never defined`);
  const described = (m.description?.output ?? []).map((o) => o.name ?? '');
  if (described.join() !== outputs.join()) problems.push(`ModelDescription outputs [${described}] differ from the program's outputs [${outputs}]`);
  const describedIn = (m.description?.input ?? []).map((o) => o.name ?? '');
  if (describedIn.join() !== inputs.map((i) => i.name).join()) problems.push(`ModelDescription inputs [${describedIn}] differ from the function inputs [${inputs.map((i) => i.name)}]`);
  if (problems.length) throw new A2mError(`${file}: ${problems.length} problem(s): ${problems.join('; ')}`);
  return { file, specVersion: m.specificationVersion!, opset, inputs, outputs, consts, steps, opCounts };
}

/**
 * An input's allowed shapes from its description, checked as upstream's
 * InterfaceValidators.cpp does (enumerated: non-empty, each shape non-empty, the
 * default among them; ranges: one per dim, lower <= upper, the default inside)
 * and against the function input's declared type: every allowed shape must have
 * its rank and its known dims, or the program could not run at that shape.
 */
function inputShapes(a: ArrayFeatureType | undefined, type: DeclaredType, where: string, problems: string[]): InputShapes {
  const fits = (s: readonly number[]) => s.length === type.shape.length && type.shape.every((d, k) => d === null || d === s[k]);
  const typeText = `[${type.shape.map((d) => d ?? '?').join(',')}]`;
  const out: InputShapes = { default: [...(a?.shape ?? [])] };
  const hasDefault = out.default.length > 0;
  if (a?.enumeratedShapes) {
    const shapes = (a.enumeratedShapes.shapes ?? []).map((s) => [...(s.shape ?? [])]);
    if (!shapes.length) problems.push(`${where}: enumeratedShapes lists no shape`);
    if (shapes.some((s) => !s.length)) problems.push(`${where}: an enumerated shape has no dimensions`);
    if (hasDefault && !shapes.some((s) => s.join() === out.default.join())) problems.push(`${where}: default shape [${out.default}] is not among the enumerated shapes`);
    for (const s of shapes) if (s.length && !fits(s)) problems.push(`${where}: enumerated shape [${s}] does not fit the program's input type ${typeText}`);
    out.enumerated = shapes;
    if (!hasDefault && shapes[0]) out.default = shapes[0];
  } else if (a?.shapeRange) {
    const ranges = (a.shapeRange.sizeRanges ?? []).map((r) => ({ lower: r.lowerBound ?? 0, upper: r.upperBound ?? 0 }));
    if (ranges.some((r) => r.upper >= 0 && r.upper < r.lower)) problems.push(`${where}: a shapeRange has upperBound < lowerBound`);
    if (ranges.length !== type.shape.length) problems.push(`${where}: shapeRange has ${ranges.length} dims, the program's input type ${typeText}`);
    else if (type.shape.some((d, k) => d !== null && (d < ranges[k]!.lower || (ranges[k]!.upper >= 0 && d > ranges[k]!.upper)))) problems.push(`${where}: shapeRange excludes the program's input type ${typeText}`);
    if (hasDefault && (out.default.length !== ranges.length || out.default.some((d, k) => d < ranges[k]!.lower || (ranges[k]!.upper >= 0 && d > ranges[k]!.upper)))) problems.push(`${where}: default shape [${out.default}] is outside the shapeRange`);
    out.ranges = ranges;
    if (!hasDefault) out.default = ranges.map((r) => r.lower);
  } else if (hasDefault && !fits(out.default)) {
    problems.push(`${where}: described shape [${out.default}] does not fit the program's input type ${typeText}`);
  }
  return out;
}

/** Why a feed of `shape` is refused by the input's described shapes, or null (accepted). */
export function shapeRefusal(shapes: InputShapes, shape: readonly number[]): string | null {
  const text = (s: readonly number[]) => `[${s.join(',')}]`;
  if (shapes.enumerated) {
    return shapes.enumerated.some((s) => s.join() === shape.join()) ? null : `the model's enumerated shapes are ${shapes.enumerated.map(text).join(' ')}`;
  }
  if (shapes.ranges) {
    const ok = shape.length === shapes.ranges.length && shape.every((d, k) => d >= shapes.ranges![k]!.lower && (shapes.ranges![k]!.upper < 0 || d <= shapes.ranges![k]!.upper));
    return ok ? null : `the model's shape range is ${shapes.ranges.map((r) => `${r.lower}..${r.upper < 0 ? '' : r.upper}`).join(' x ')}`;
  }
  if (shapes.default.length && shapes.default.join() !== shape.join()) return `the model takes ${text(shapes.default)} only`;
  return null;
}
