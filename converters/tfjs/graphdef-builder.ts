/**
 * Builds a GraphDef (proto3 JSON, as in model.json) node by node: unique valid
 * names, typed Const nodes whose values go to the weights manifest, and the
 * attributes TF's op registry declares (T, Tidx, ...), so the graph reads as
 * tensorflowjs_converter's own output does.
 */
import type { HostTensor } from '../../src/ir/tensor.js';
import { attr, shapeJson, NODE_NAME_RE, type AttrValueJson, type NodeDefJson, type TfDataType } from './format.js';
import type { WeightValue } from './weights.js';

export class GraphDefBuilder {
  readonly nodes: NodeDefJson[] = [];
  /** Const values in creation order: the weights manifest order. */
  readonly weights: WeightValue[] = [];
  private used = new Set<string>();
  private scalars = new Map<number, string>();

  /** A valid, unused node name derived from `want` (invalid characters become `_`, clashes get `_N`). */
  unique(want: string): string {
    let base = want.replace(/[^A-Za-z0-9_.\-/>]/g, '_');
    if (!NODE_NAME_RE.test(base)) base = `n${base}`;
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node named `unique(want)`, or exactly `want` when `reserved` (a name `unique` handed out earlier). */
  node(want: string, op: string, input: string[], attrs: Record<string, AttrValueJson> = {}, reserved = false): string {
    const name = reserved ? want : this.unique(want);
    const n: NodeDefJson = { name, op };
    if (input.length) n.input = input;
    n.attr = attrs;
    this.nodes.push(n);
    return name;
  }

  placeholder(want: string, shape: number[], dtype: TfDataType = 'DT_FLOAT'): string {
    return this.node(want, 'Placeholder', [], { dtype: attr.type(dtype), shape: attr.shape(shape) });
  }

  private constNode(want: string, dtype: TfDataType, shape: number[]): string {
    return this.node(want, 'Const', [], { dtype: attr.type(dtype), value: { tensor: { dtype, tensorShape: shapeJson(shape) } } });
  }

  constFloat(want: string, t: HostTensor): string {
    const name = this.constNode(want, 'DT_FLOAT', t.shape);
    this.weights.push({ name, dtype: 'float32', shape: [...t.shape], data: t.data });
    return name;
  }

  constInt(want: string, values: number[], shape: number[] = [values.length]): string {
    const name = this.constNode(want, 'DT_INT32', shape);
    this.weights.push({ name, dtype: 'int32', shape: [...shape], data: Int32Array.from(values) });
    return name;
  }

  /** One shared float32 scalar Const per distinct value (GELU, LayerNorm epsilon, ...). */
  scalar(v: number): string {
    const key = Math.fround(v);
    let name = this.scalars.get(key);
    if (!name) {
      name = this.constFloat(`const/scalar_${this.scalars.size}`, { shape: [], data: new Float32Array([key]) });
      this.scalars.set(key, name);
    }
    return name;
  }
}

/** Attribute bundles shared by many emitters. */
export const T_FLOAT = { T: attr.type('DT_FLOAT') } as const;
