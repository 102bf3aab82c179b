/**
 * N-d convolution, NC[spatial] layout (MIL conv):
 *   x [B, Cin, *S], w [Cout, Cin/groups, *K], out [B, Cout, *O]
 *   O_d = floor((S_d + padBegin_d + padEnd_d - dil_d*(K_d-1) - 1) / stride_d) + 1
 * via im2col + gemm per group, over tiles of output positions so the column
 * buffer stays a few MB however long the signal is.
 */
import { gemm } from './gemm.js';

export interface ConvGeometry {
  strides: number[];
  dilations: number[];
  /** Per spatial dim: [begin, end]. */
  pads: [number, number][];
  groups: number;
}

// Column-buffer budget (floats): 1 MB keeps a tile of columns in L2 while the gemm sweeps it.
const TILE_ELEMENTS = 1 << 18;

export function convOutputSize(S: number[], K: number[], g: ConvGeometry): number[] {
  return S.map((s, d) => Math.floor((s + g.pads[d]![0] + g.pads[d]![1] - g.dilations[d]! * (K[d]! - 1) - 1) / g.strides[d]!) + 1);
}

export function convNd(
  x: Float32Array, xShape: number[], w: Float32Array, wShape: number[], bias: Float32Array | null, geo: ConvGeometry,
): { shape: number[]; data: Float32Array } {
  const [B, Cin] = xShape as [number, number];
  const S = xShape.slice(2), K = wShape.slice(2);
  const Cout = wShape[0]!, cinG = wShape[1]!;
  const r = S.length;
  const O = convOutputSize(S, K, geo);
  const P = O.reduce((a, b) => a * b, 1), Sp = S.reduce((a, b) => a * b, 1), Kp = K.reduce((a, b) => a * b, 1);
  const coutG = Cout / geo.groups;
  const rows = cinG * Kp;
  const out = new Float32Array(B * Cout * P);

  // Per kernel tap: its offset along each spatial dim (dilated).
  const kOff: Int32Array[] = [];
  for (let d = 0; d < r; d++) kOff.push(new Int32Array(Kp));
  for (let k = 0; k < Kp; k++) {
    let rem = k;
    for (let d = r - 1; d >= 0; d--) { kOff[d]![k] = (rem % K[d]!) * geo.dilations[d]!; rem = Math.floor(rem / K[d]!); }
  }
  const sStr = new Array<number>(r);
  { let acc = 1; for (let d = r - 1; d >= 0; d--) { sStr[d] = acc; acc *= S[d]!; } }

  const tile = Math.max(1, Math.min(P, Math.max(64, Math.floor(TILE_ELEMENTS / rows))));
  const cols = new Float32Array(rows * tile);
  // Per output position of the tile: its first input coordinate along each dim (may be negative: padding).
  const base: Int32Array[] = [];
  for (let d = 0; d < r; d++) base.push(new Int32Array(tile));

  for (let p0 = 0; p0 < P; p0 += tile) {
    const T = Math.min(tile, P - p0);
    for (let t = 0; t < T; t++) {
      let rem = p0 + t;
      for (let d = r - 1; d >= 0; d--) { base[d]![t] = (rem % O[d]!) * geo.strides[d]! - geo.pads[d]![0]; rem = Math.floor(rem / O[d]!); }
    }
    for (let b = 0; b < B; b++) {
      for (let g = 0; g < geo.groups; g++) {
        // im2col: row (ci, k), column t
        for (let ci = 0; ci < cinG; ci++) {
          const xc = (b * Cin + g * cinG + ci) * Sp;
          for (let k = 0; k < Kp; k++) {
            const row = (ci * Kp + k) * T;
            if (r === 1) {
              const ko = kOff[0]![k]!, b0 = base[0]!, S0 = S[0]!;
              for (let t = 0; t < T; t++) { const i = b0[t]! + ko; cols[row + t] = i >= 0 && i < S0 ? x[xc + i]! : 0; }
            } else if (r === 2) {
              const k0 = kOff[0]![k]!, k1 = kOff[1]![k]!, b0 = base[0]!, b1 = base[1]!, S0 = S[0]!, S1 = S[1]!;
              for (let t = 0; t < T; t++) {
                const i0 = b0[t]! + k0, i1 = b1[t]! + k1;
                cols[row + t] = i0 >= 0 && i0 < S0 && i1 >= 0 && i1 < S1 ? x[xc + i0 * S1 + i1]! : 0;
              }
            } else {
              for (let t = 0; t < T; t++) {
                let off = xc, inside = true;
                for (let d = 0; d < r; d++) {
                  const i = base[d]![t]! + kOff[d]![k]!;
                  if (i < 0 || i >= S[d]!) { inside = false; break; }
                  off += i * sStr[d]!;
                }
                cols[row + t] = inside ? x[off]! : 0;
              }
            }
          }
        }
        const oc = (b * Cout + g * coutG) * P + p0;
        gemm(coutG, T, rows, w, g * coutG * rows, rows, cols, 0, T, out, oc, P);
      }
    }
  }
  if (bias) for (let b = 0; b < B; b++) for (let co = 0; co < Cout; co++) {
    const o = (b * Cout + co) * P, bv = bias[co]!;
    for (let p = 0; p < P; p++) out[o + p]! += bv;
  }
  return { shape: [B, Cout, ...O], data: out };
}
