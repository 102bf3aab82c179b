/** FLOPs of a graph (multiply-add = 2 FLOPs), from the static shapes: the roofline's numerator. */
import type { IrGraph } from './graph.js';
import { sizeOf } from './tensor.js';

export function graphFlops(g: IrGraph): number {
  let f = 0;
  for (const n of g.nodes) {
    const out = g.shapes.get(n.output)!;
    const ins = n.inputs.map((i) => g.shapes.get(i)!);
    switch (n.op) {
      case 'Conv1D': { const [K, cinG] = ins[1]!; f += 2 * sizeOf(out) * K! * cinG!; break; }
      case 'Conv2D': { const [KH, KW, cinG] = ins[1]!; f += 2 * sizeOf(out) * KH! * KW! * cinG!; break; }
      case 'Dense': f += 2 * sizeOf(out) * ins[1]![0]!; break;
      case 'BatchMatMul': f += 2 * sizeOf(out) * ins[0]!.at(-1)!; break;
      case 'LayerNorm': f += 8 * sizeOf(out); break;
      case 'Gelu': case 'Softmax': f += 8 * sizeOf(out); break;
      case 'Reshape': case 'Transpose': case 'Slice': case 'Concat': case 'Pad': break;
      default: f += sizeOf(out);
    }
  }
  return f;
}
