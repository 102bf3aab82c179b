/**
 * Weight layout changes done once at export (IR -> MIL layouts):
 *   Dense  w [K, N]           -> linear weight [N, K]          perm [1, 0]
 *   Conv1D w [K, Cin/g, Cout] -> conv weight  [Cout, Cin/g, K]  perm [2, 1, 0]
 * Direct loops for these two (the base preset moves 11.6 M weights through them),
 * writing into the blob writer's scratch buffer.
 */
import type { HostTensor } from '../../src/ir/tensor.js';

export function transposeMatrix(t: HostTensor, out: Float32Array): void {
  const [R, C] = t.shape as [number, number];
  const src = t.data;
  // 32x32 tiles keep both the reads and the strided writes in cache.
  for (let r0 = 0; r0 < R; r0 += 32) for (let c0 = 0; c0 < C; c0 += 32) {
    const r1 = Math.min(R, r0 + 32), c1 = Math.min(C, c0 + 32);
    for (let r = r0; r < r1; r++) { const o = r * C; for (let c = c0; c < c1; c++) out[c * R + r] = src[o + c]!; }
  }
}

export function reverseAxes3(t: HostTensor, out: Float32Array): void {
  const [A, B, C] = t.shape as [number, number, number];
  const src = t.data;
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) {
    const o = (a * B + b) * C;
    for (let c = 0; c < C; c++) out[(c * B + b) * A + a] = src[o + c]!;
  }
}
