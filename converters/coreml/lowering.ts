/**
 * IR graph -> MIL ops, driving the emitter table. Tracks, per IR value, the MIL
 * value that holds it in each float dtype (inserting `cast` once where an fp16
 * op reads an fp32 value or back), turns IR constants into blob-backed consts
 * in the dtype their reader computes in, and names public outputs exactly.
 */
import type { IrGraph, IrNode } from '../../src/ir/graph.js';
import { symbolicBatchShapes } from '../../src/ir/dynamic-batch.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { MIL_DTYPE, type IosTarget } from './format.js';
import { MilBuilder, type TypeSpec } from './mil-builder.js';
import { sanitize } from './names.js';
import { pickEmitter, type EmitApi } from './emitters.js';

const CAST_NAME: Record<number, string> = { [MIL_DTYPE.FLOAT16]: 'fp16', [MIL_DTYPE.FLOAT32]: 'fp32' };
const SUFFIX: Record<number, string> = { [MIL_DTYPE.FLOAT16]: 'fp16', [MIL_DTYPE.FLOAT32]: 'fp32' };

export interface Lowered {
  builder: MilBuilder;
  inputs: { name: string; type: TypeSpec }[];
  outputs: { name: string; type: TypeSpec }[];
  /** IR value name -> the MIL value computing it (in its node's dtype), for bisecting. */
  valueNames: Map<string, string>;
}

export function lowerGraph(graph: IrGraph, ios: IosTarget, dtypes: Map<string, number>): Lowered {
  const b = new MilBuilder();
  // value name -> dtype -> MIL name holding it
  const held = new Map<string, Map<number, string>>();
  const hold = (v: string, dtype: number, mil: string) => { let m = held.get(v); if (!m) held.set(v, (m = new Map())); m.set(dtype, mil); };

  // Every MIL value declares its type: in a dynamic-batch graph the dims that scale with the
  // batch are -1 (unknown) here, so emitters that build shapes from these ([B, Cin, L]) carry it.
  const shapes = symbolicBatchShapes(graph);
  const inputs = graph.inputs.map((i) => ({ name: b.input(i.name, { dtype: MIL_DTYPE.FLOAT32, shape: shapes.get(i.name)! }), type: { dtype: MIL_DTYPE.FLOAT32, shape: shapes.get(i.name)! } }));
  for (const i of inputs) hold(i.name, MIL_DTYPE.FLOAT32, i.name);
  // Public output names are claimed up front so no intermediate can take them.
  const exactName = new Map<string, string>();
  const publicCount = new Map<string, number>();
  for (const o of graph.outputs) {
    if (!b.names.reserve(o.name)) throw new Error(`output name ${o.name} collides with another input/output`);
    publicCount.set(o.value, (publicCount.get(o.value) ?? 0) + 1);
  }
  const producer = new Map(graph.nodes.map((n) => [n.output, n]));
  for (const o of graph.outputs) {
    const p = producer.get(o.value);
    // The producing op can carry the public name itself when no cast or alias is needed.
    if (p && publicCount.get(o.value) === 1 && dtypes.get(p.name) === MIL_DTYPE.FLOAT32) exactName.set(o.value, o.name);
  }

  /** The MIL value holding IR value `v` in `dtype`, creating consts / casts on demand. */
  function valueIn(v: string, dtype: number): string {
    const have = held.get(v);
    const hit = have?.get(dtype);
    if (hit) return hit;
    const c = graph.constants.get(v);
    if (c) {
      const name = b.blobConst(dtype === MIL_DTYPE.FLOAT16 ? `${v}_fp16` : v, dtype, c.shape, c.data);
      hold(v, dtype, name);
      return name;
    }
    if (!have || have.size === 0) throw new Error(`IR value ${v} is used before it is computed`);
    const from = [...have.values()][0]!;
    const shape = b.types.get(from)!.shape;
    const cast = b.op('cast', `${sanitize(v)}_to_${SUFFIX[dtype]}`, { x: from, dtype: b.string(`${sanitize(v)}_to_${SUFFIX[dtype]}_dtype`, CAST_NAME[dtype]!) }, { dtype, shape });
    hold(v, dtype, cast);
    return cast;
  }

  // Transformed constants (e.g. a conv weight in [Cout, Cin, K]) cached by (value, key, dtype).
  const derived = new Map<string, string>();

  for (const node of graph.nodes) {
    const dtype = dtypes.get(node.name)!;
    const emit = pickEmitter(node.op, ios);
    if (!emit) throw new Error(`no Core ML emitter for ${node.op} at iOS ${ios} (validation should have caught this)`);
    const base = sanitize(node.name);
    const api: EmitApi = {
      node,
      name: node.name,
      attrs: node.attrs,
      dtype,
      base,
      outShape: shapes.get(node.output)!,
      inShape: (i) => shapes.get(node.inputs[i]!)!,
      input: (i) => valueIn(node.inputs[i]!, dtype),
      hasInput: (i) => i < node.inputs.length,
      constant: (i): HostTensor | null => graph.constants.get(node.inputs[i]!) ?? null,
      derivedConst(i, key, shape, make) {
        const v = node.inputs[i]!;
        const k = `${v}|${key}|${dtype}`;
        let name = derived.get(k);
        if (!name) {
          const t = graph.constants.get(v)!;
          name = b.blobConst(`${v}_${key}${dtype === MIL_DTYPE.FLOAT16 ? '_fp16' : ''}`, dtype, shape, (out) => make(t, out));
          derived.set(k, name);
        }
        return name;
      },
      ints: (what, values, scalar = false) => b.ints(`${base}_${what}`, values, scalar),
      bools: (what, values, scalar = false) => b.bools(`${base}_${what}`, values, scalar),
      string: (what, s) => b.string(`${base}_${what}`, s),
      scalar: (what, v) => b.scalar(`${base}_${what}`, v, dtype),
      temp: (type, what, ins, shape, tempDtype = dtype) => b.op(type, `${base}_${what}`, ins, { dtype: tempDtype, shape }),
      final: (type, ins) => {
        const exact = exactName.get(node.output);
        return b.op(type, exact ?? base, ins, { dtype, shape: shapes.get(node.output)! }, exact !== undefined);
      },
    };
    hold(node.output, dtype, emit(api));
  }

  const outputs = graph.outputs.map((o) => {
    const shape = shapes.get(o.value)!;
    const type = { dtype: MIL_DTYPE.FLOAT32, shape };
    if (exactName.get(o.value) === o.name) return { name: o.name, type };
    const have = held.get(o.value);
    if (have?.has(MIL_DTYPE.FLOAT32)) {
      b.op('identity', o.name, { x: have.get(MIL_DTYPE.FLOAT32)! }, type, true);
    } else {
      const src = valueIn(o.value, MIL_DTYPE.FLOAT16);
      b.op('cast', o.name, { x: src, dtype: b.string(`${o.name}_dtype`, 'fp32') }, type, true);
    }
    return { name: o.name, type };
  });
  const valueNames = new Map<string, string>();
  for (const n of graph.nodes) valueNames.set(n.output, held.get(n.output)!.get(dtypes.get(n.name)!)!);
  return { builder: b, inputs, outputs, valueNames };
}
