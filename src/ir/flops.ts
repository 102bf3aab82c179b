/** FLOPs of a graph (multiply-add = 2 FLOPs), from the static shapes: the roofline's numerator. Each op's rule is in its OpDef. */
import type { IrGraph } from './graph.js';
import { OPS, type OpDef } from './ops.js';

export function graphFlops(g: IrGraph): number {
  let f = 0;
  for (const n of g.nodes) {
    const out = g.shapes.get(n.output)!;
    const ins = n.inputs.map((i) => g.shapes.get(i)!);
    f += (OPS[n.op] as OpDef).flops(ins, out, n.attrs);
  }
  return f;
}
