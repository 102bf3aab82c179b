/**
 * IR -> MIL for the image ops imported models bring (Basic Pitch): Conv2D and
 * Pad (iOS 15 ops throughout). MIL conv is
 * channels-first, so Conv2D wraps its conv in NHWC<->NCHW transposes, as
 * Conv1D does.
 */
import type { HostTensor } from '../../src/ir/tensor.js';
import type { Emitter } from './emit-context.js';
import { dims } from '../../src/ir/shape-rules.js';

/** Conv2D weight HWIO [KH, KW, Cin/g, Cout] -> MIL conv weight OIHW [Cout, Cin/g, KH, KW]. */
export function hwioToOihw(t: HostTensor, out: Float32Array): void {
  const [KH, KW, I, O] = dims(t.shape, 4);
  const src = t.data;
  for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) for (let i = 0; i < I; i++) {
    const s = ((kh * KW + kw) * I + i) * O;
    for (let o = 0; o < O; o++) out[((o * I + i) * KH + kh) * KW + kw] = src[s + o]!;
  }
}

export const IMAGE_EMITTERS = {
  Pad: {
    // IR Pad(x; mode constant|reflect, pads [[before, after] per axis], value)
    // MIL pad(x, pad [b, a per axis over the LAST N axes], mode, constant_val): N from the first padded axis
    15: (e) => {
      const { mode, pads, value = 0 } = e.attrs;
      const padded = pads.findIndex(([b, a]) => b !== 0 || a !== 0);
      const first = padded < 0 ? pads.length - 1 : padded;
      return e.final('pad', {
        x: e.input(0), pad: e.ints('pad', pads.slice(first).flat()), mode: e.string('mode', mode),
        constant_val: e.scalar('constant_val', value),
      });
    },
  },
  Conv2D: {
    // IR Conv2D(x [B,H,W,Cin], w [KH,KW,Cin/g,Cout], bias? [Cout]; strides, pads [t,b,l,r], groups) -> [B,Ho,Wo,Cout]
    // MIL transpose(x,[0,3,1,2]) -> conv(x [B,Cin,H,W], weight [Cout,Cin/g,KH,KW], bias, strides, pad_type=custom,
    //     pad [t,b,l,r], dilations, groups) -> transpose(., [0,2,3,1])
    15: (e) => {
      const { strides, pads, groups } = e.attrs;
      const [B, H, W, Cin] = dims(e.inShape(0), 4);
      const [KH, KW, cinG, Cout] = dims(e.inShape(1), 4);
      const [, HO, WO] = dims(e.outShape, 4);
      const x = e.temp('transpose', 'nchw', { x: e.input(0), perm: e.ints('nchw_perm', [0, 3, 1, 2]) }, [B, Cin, H, W]);
      const weight = e.constant(1)
        ? e.derivedConst(1, 'oihw', [Cout, cinG, KH, KW], hwioToOihw)
        : e.temp('transpose', 'w_oihw', { x: e.input(1), perm: e.ints('w_perm', [3, 2, 0, 1]) }, [Cout, cinG, KH, KW]);
      const ins: Record<string, string> = {
        x, weight,
        strides: e.ints('strides', strides),
        pad_type: e.string('pad_type', 'custom'),
        pad: e.ints('pad', pads),
        dilations: e.ints('dilations', [1, 1]),
        groups: e.ints('groups', [groups], true),
      };
      if (e.hasInput(2)) ins.bias = e.input(2);
      const y = e.temp('conv', 'conv', ins, [B, Cout, HO, WO]);
      return e.final('transpose', { x: y, perm: e.ints('nhwc_perm', [0, 2, 3, 1]) });
    },
  },
} satisfies { readonly [O in 'Pad' | 'Conv2D']: Emitter<O> };
