/**
 * Decompositions of IR ops that some formats have no single op for, written once against a tiny
 * builder that each format's emitter context adapts to. The formats then differ only in how one
 * step is spelled (ONNX `Mul`, TF `AddV2`, TFLite `MUL`), never in the formula or the order of
 * its steps, so the IR's reference evaluation (src/ir/ops.ts) and every converter agree.
 *
 * Each step takes a `role`: the name of the helper value it makes, which the format turns into a
 * node name below the IR node's. The last step of a decomposition passes no role: it makes the
 * IR node's own output.
 */
import { GELU_TANH_CUBIC, GELU_TANH_SCALE } from '../../src/ir/ops.js';

export interface ArithmeticBuilder<V> {
  mul(a: V, b: V, role?: string): V;
  add(a: V, b: V, role?: string): V;
  /** A float scalar constant, broadcast against the other operand. */
  scalar(value: number): V;
}

export interface GeluBuilder<V> extends ArithmeticBuilder<V> {
  tanh(x: V, role?: string): V;
  /** x³; without it, x·x·x as two multiplies (roles `square`, `cube`). */
  cube?(x: V, role: string): V;
}

/** Gelu(x), tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function decomposeGeluTanh<V>(b: GeluBuilder<V>, x: V): V {
  const x3 = b.cube ? b.cube(x, 'cube') : b.mul(b.mul(x, x, 'square'), x, 'cube');
  const inner = b.add(x, b.mul(x3, b.scalar(GELU_TANH_CUBIC), 'cubic_term'), 'inner');
  const t = b.tanh(b.mul(inner, b.scalar(GELU_TANH_SCALE), 'scaled'), 'tanh');
  const halfX = b.mul(x, b.scalar(0.5), 'half_x');
  return b.mul(halfX, b.add(t, b.scalar(1), 'one_plus_tanh'));
}

export interface LayerNormBuilder<V> extends ArithmeticBuilder<V> {
  sub(a: V, b: V, role?: string): V;
  /** (a - b)², one op where the format has it (TF SquaredDifference). */
  squaredDifference(a: V, b: V, role: string): V;
  /** The mean over the last axis, keeping it as size 1. */
  meanLastAxis(x: V, role: string): V;
  rsqrt(x: V, role: string): V;
}

/**
 * LayerNorm(x, gamma, beta; epsilon) over the last axis, as tf.moments computes it:
 * mean = E[x]; var = E[(x - mean)²]; (x - mean) · rsqrt(var + eps) · gamma + beta.
 */
export function decomposeLayerNorm<V>(b: LayerNormBuilder<V>, x: V, gamma: V, beta: V, epsilon: number): V {
  const mean = b.meanLastAxis(x, 'mean');
  const variance = b.meanLastAxis(b.squaredDifference(x, mean, 'sq_diff'), 'variance');
  const inv = b.rsqrt(b.add(variance, b.scalar(epsilon), 'var_eps'), 'rsqrt');
  const normed = b.mul(b.sub(x, mean, 'centered'), inv, 'normed');
  return b.add(b.mul(normed, gamma, 'scaled'), beta);
}
