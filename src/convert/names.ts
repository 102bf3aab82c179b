/**
 * Public names a third-party model brings (Basic Pitch's outputs are keyed
 * "Identity_1:0") made valid for every requested format: each converter states
 * its rule (Converter.publicNames, beside its writer); a name some format
 * refuses becomes an identifier ("Identity_1_0"), unique among the graph's
 * values. `--rename` wins: its names are taken as given, and refused by name
 * when a format cannot write them. The mapping goes into convert.json and
 * into every artifact's metadata (`sourceNames`).
 */
import type { IrGraph } from '../ir/graph.js';
import type { PublicNameRule } from '../../converters/types.js';
import { A2mError } from '../errors.js';

export interface FormatRule extends PublicNameRule { format: string }

/** A public name that changed on the way from the source to the artifacts. */
export interface NameChange {
  kind: 'input' | 'output';
  /** As the source's signature has it. */
  original: string;
  /** As every artifact has it. */
  written: string;
  /** `--rename`, or the formats whose rule refused the original. */
  by: string;
}

/** The formats (with their rule) that refuse `name`. */
export function refusedBy(name: string, rules: readonly FormatRule[]): FormatRule[] {
  return rules.filter((r) => !r.valid.test(name));
}

/** An identifier close to `name`: invalid characters become `_`, and a leading digit gets a `_` before it. */
export function identifierFor(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}

/**
 * Renames, in place, every input and output that some format in `rules` refuses,
 * except those in `given` (the --rename targets: checked, never changed).
 */
export function makePublicNamesValid(g: IrGraph, rules: readonly FormatRule[], given: ReadonlySet<string>, where: string): NameChange[] {
  const changes: NameChange[] = [];
  // Every value name is taken: a renamed input must not capture a node's output or a constant.
  const taken = new Set<string>([...g.shapes.keys(), ...g.inputs.map((i) => i.name), ...g.outputs.map((o) => o.name)]);
  const fresh = (base: string) => {
    const s = identifierFor(base);
    let c = s;
    for (let i = 1; taken.has(c); i++) c = `${s}_${i}`;
    taken.add(c);
    return c;
  };
  const check = (kind: string, name: string) => {
    const bad = refusedBy(name, rules);
    if (bad.length) throw new A2mError(`${where}: --rename gives ${kind} name "${name}", which ${bad.map((r) => `${r.format} cannot write (${r.rule})`).join('; ')}`);
  };

  for (const inp of g.inputs) {
    const bad = refusedBy(inp.name, rules);
    if (!bad.length) continue;
    const from = inp.name;
    const to = fresh(from);
    renameValue(g, from, to);
    changes.push({ kind: 'input', original: from, written: to, by: bad.map((r) => r.format).join(', ') });
  }
  for (const o of g.outputs) {
    if (given.has(o.name)) { check('output', o.name); continue; }
    const bad = refusedBy(o.name, rules);
    if (!bad.length) continue;
    const from = o.name;
    o.name = fresh(from);
    changes.push({ kind: 'output', original: from, written: o.name, by: bad.map((r) => r.format).join(', ') });
  }
  for (const c of changes) if (refusedBy(c.written, rules).length) throw new Error(`${c.written}: still refused by ${refusedBy(c.written, rules).map((r) => r.format).join(', ')}`);
  return changes;
}

/** An input is a value: its name changes in the graph's inputs, shapes, node inputs and output references. */
function renameValue(g: IrGraph, from: string, to: string): void {
  for (const i of g.inputs) if (i.name === from) i.name = to;
  const shape = g.shapes.get(from);
  if (shape) { g.shapes.delete(from); g.shapes.set(to, shape); }
  for (const n of g.nodes) n.inputs = n.inputs.map((v) => (v === from ? to : v));
  for (const o of g.outputs) if (o.value === from) o.value = to;
}
