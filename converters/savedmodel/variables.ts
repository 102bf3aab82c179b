/**
 * IR constants -> TF resource variables restored from the TensorBundle, as
 * TF 1 SavedModels do (VarHandleOp + ReadVariableOp, a V2 saver_def whose
 * restore op runs RestoreV2 -> AssignVariableOp for every variable).
 *
 *   fp32:  var(FLOAT) -> ReadVariableOp
 *   fp16:  var(HALF)  -> ReadVariableOp -> Cast(FLOAT)            (weights-only)
 *   int8:  var(INT8)  -> ReadVariableOp -> Cast(FLOAT) -> Mul(var scale[N])
 *
 * fp16 / int8 apply to the weights the IR precision plan names (src/ir/precision.ts:
 * the `weight` inputs of Dense / Conv, nearly all of the bytes); biases, norms and other
 * constants stay fp32. int8 is symmetric per output channel (the IR layout's last axis).
 * SavedModel's specialisation: int8 quantizes every such weight, however small (its
 * Cast + Mul dequantization costs the same for any size; TFLite's cut-off exists for its
 * hybrid kernels).
 */
import type { IrGraph } from '../../src/ir/graph.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import { planPrecision, quantizeInt8PerChannel, weightConstants } from '../../src/ir/precision.js';
import type { Precision } from '../types.js';
import type { BundleTensor } from './bundle.js';
import { DT } from './facts.js';
import { toHalfArray } from './fp16.js';
import { type TfGraph, stringTensor } from './graph-builder.js';
import type { SaverDef } from './proto.js';
import { SAVER_V2 } from './facts.js';

export type Storage = 'fp32' | 'fp16' | 'int8';

/** Which constants are stored reduced at a given precision (see the header). */
export function planStorage(graph: IrGraph, precision: Precision): Map<string, Storage> {
  const plan = new Map<string, Storage>();
  for (const name of graph.constants.keys()) plan.set(name, 'fp32');
  if (precision === 'fp32') return plan;
  const ir = planPrecision(graph, precision, { int8MinElements: 0 });
  for (const w of weightConstants(graph)) if (precision === 'fp16' ? ir.storesHalf(w) : ir.quantizes(w)) plan.set(w, precision);
  return plan;
}


const bytesOf = (a: Float32Array | Uint16Array | Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

interface Variable { node: string; dtype: number; shape: number[]; data: Uint8Array }

export class Variables {
  private vars: Variable[] = [];
  private reads = new Map<string, string>();

  constructor(private g: TfGraph, private graph: IrGraph, private plan: Map<string, Storage>) {}

  private variable(base: string, dtype: number, shape: number[], data: Uint8Array): string {
    // TF 1 convention: shared_name = the node name (the resource's identity in the session).
    const node = this.g.uniqueName(base);
    this.g.addAs('VarHandleOp', node, [], { shared_name: node, dtype, shape });
    this.vars.push({ node, dtype, shape, data });
    return node;
  }

  private readVar(v: string, dtype: number): string {
    return this.g.add('ReadVariableOp', `${v}/Read/ReadVariableOp`, [v], { dtype });
  }

  /** The float32 tensor holding IR constant `name` (one variable and read per constant, shared by consumers). */
  read(name: string): string {
    const cached = this.reads.get(name);
    if (cached) return cached;
    const t = this.graph.constants.get(name);
    if (!t) throw new Error(`IR value ${name} is not a constant`);
    let out: string;
    switch (this.plan.get(name) ?? 'fp32') {
      case 'fp32':
        out = this.readVar(this.variable(name, DT.FLOAT, t.shape, bytesOf(t.data)), DT.FLOAT);
        break;
      case 'fp16': {
        const v = this.variable(name, DT.HALF, t.shape, bytesOf(toHalfArray(t.data)));
        out = this.g.add('Cast', `${v}/Cast`, [this.readVar(v, DT.HALF)], { SrcT: DT.HALF, DstT: DT.FLOAT });
        break;
      }
      case 'int8': {
        // Output channels are the last axis of every IR weight layout.
        const { q, scale } = quantizeInt8PerChannel(t, t.shape.length - 1);
        const v = this.variable(name, DT.INT8, t.shape, bytesOf(q));
        const s = this.variable(`${v}/scale`, DT.FLOAT, [scale.length], bytesOf(scale));
        const f = this.g.add('Cast', `${v}/Cast`, [this.readVar(v, DT.INT8)], { SrcT: DT.INT8, DstT: DT.FLOAT });
        out = this.g.add('Mul', `${v}/dequantize`, [f, this.readVar(s, DT.FLOAT)], { T: DT.FLOAT });
        break;
      }
    }
    this.reads.set(name, out);
    return out;
  }

  /** Bundle contents: key = variable node name, in creation order. */
  bundleTensors(): BundleTensor[] {
    return this.vars.map((v) => ({ key: v.node, dtype: v.dtype, shape: v.shape, data: v.data }));
  }

  /**
   * The saver subgraph (tf.compat.v1 Saver, V2 format) and its SaverDef:
   *   saver_filename (string) -> save/RestoreV2 -> save/AssignVariableOp_i -> save/restore_all (NoOp)
   *   saver_filename, reads   -> save/SaveV2 -> save/control_dependency (Identity of the filename)
   * The loader feeds "<dir>/variables/variables" to saver_filename and runs save/restore_all.
   */
  addSaver(): SaverDef {
    const g = this.g;
    const filename = g.add('Placeholder', 'saver_filename', [], { dtype: DT.STRING, shape: [] });
    const keys = this.vars.map((v) => v.node);
    const dtypes = this.vars.map((v) => v.dtype);
    const names = g.add('Const', 'save/tensor_names', [], { value: stringTensor(keys), dtype: DT.STRING });
    const slices = g.add('Const', 'save/shape_and_slices', [], { value: stringTensor(keys.map(() => '')), dtype: DT.STRING });
    const restore = g.add('RestoreV2', 'save/RestoreV2', [filename, names, slices], { dtypes });
    const assigns = this.vars.map((v, i) => g.add('AssignVariableOp', 'save/AssignVariableOp', [v.node, `${restore}:${i}`], { dtype: v.dtype }));
    const restoreAll = g.add('NoOp', 'save/restore_all', [], {}, assigns);
    const reads = this.vars.map((v) => g.add('ReadVariableOp', `save/${v.node}/Read`, [v.node], { dtype: v.dtype }));
    const save = g.add('SaveV2', 'save/SaveV2', [filename, names, slices, ...reads], { dtypes });
    const saved = g.add('Identity', 'save/control_dependency', [filename], { T: DT.STRING }, [save]);
    return { filename_tensor_name: `${filename}:0`, save_tensor_name: `${saved}:0`, restore_op_name: restoreAll, version: SAVER_V2 };
  }
}
