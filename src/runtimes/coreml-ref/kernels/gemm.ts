/**
 * C[M,N] += A[M,K] . B[K,N] on row-major Float32Arrays with explicit offsets and
 * leading dimensions. Four rows of C at a time: each element of B loaded once
 * feeds four multiply-adds, and the innermost loop runs along contiguous rows of
 * B and C (V8 compiles it to a tight scalar loop; plain JS has no SIMD).
 * Products accumulate in float32 storage, as fp32 runtimes do.
 */
export function gemm(
  M: number, N: number, K: number,
  A: Float32Array, aOff: number, lda: number,
  B: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number,
): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (let k = 0; k < K; k++) {
      const x0 = A[a0 + k]!, x1 = A[a1 + k]!, x2 = A[a2 + k]!, x3 = A[a3 + k]!;
      const bk = bOff + k * ldb;
      for (let j = 0; j < N; j++) {
        const b = B[bk + j]!;
        C[c0 + j] += x0 * b;
        C[c1 + j] += x1 * b;
        C[c2 + j] += x2 * b;
        C[c3 + j] += x3 * b;
      }
    }
  }
  for (; i < M; i++) {
    const ci = cOff + i * ldc, ai = aOff + i * lda;
    for (let k = 0; k < K; k++) {
      const a = A[ai + k]!;
      const bk = bOff + k * ldb;
      for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j]!;
    }
  }
}

/** A row-major [rows, cols] matrix transposed into a new [cols, rows] array. */
export function transpose2d(src: Float32Array, off: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[off + r * cols + c]!;
  return out;
}
