/**
 * The ops interface the network is written against (DESIGN principle 1).
 * Two interpreters implement it: tfjs (src/model/tfjs-ops.ts) trains and
 * infers; the IR builder (src/model/ir-ops.ts) records the graph every
 * converter consumes. No format gets its own copy of the network.
 */
import type { HostTensor } from '../ir/tensor.js';
import type { Conv1DAttrs } from '../ir/ops.js';

export type Init =
  | { kind: 'normal'; std: number }
  | { kind: 'const'; value: number };

export interface ModelOps<T> {
  /** A trainable parameter, created on first use by `init`. */
  param(name: string, shape: number[], init: Init): T;
  /**
   * A fixed table derived from the config (RoPE, masks, spectral kernels).
   * Names are global (not scoped) so layers share one table; `make` runs once.
   */
  constant(name: string, make: () => HostTensor): T;
  /** Names everything created inside (parameters and graph nodes). */
  scope<R>(name: string, fn: () => R): R;
  /** Marks a model output under a public name (`logits`, `probs`, ...). */
  output(name: string, x: T): T;
  shape(x: T): number[];

  conv1d(x: T, w: T, bias: T | null, attrs: Conv1DAttrs): T;
  dense(x: T, w: T, bias: T | null): T;
  batchMatMul(a: T, b: T, transposeB: boolean): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  layerNorm(x: T, gamma: T, beta: T, epsilon: number): T;
  gelu(x: T): T;
  sigmoid(x: T): T;
  softmax(x: T): T;
  sqrt(x: T): T;
  log(x: T): T;
  reshape(x: T, shape: number[]): T;
  transpose(x: T, perm: number[]): T;
  slice(x: T, begin: number[], size: number[]): T;
  /** Entries `indices` (constant, in [0, dim)) of `axis`, in order: one copy where a Slice per run and a Concat of them copy twice. */
  gather(x: T, indices: number[], axis: number): T;
  /** Joins two or more parts along `axis` in one op (one copy, where a tree of pairs copies once per level). */
  concat(parts: T[], axis: number): T;
  /** Training-only regularisation; the identity when recording a graph. */
  dropout(x: T, rate: number): T;
}
