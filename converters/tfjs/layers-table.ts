/**
 * Keras layer (class_name) -> IR nodes, one LAYER_RULES entry per layer, each
 * built from the closed IR op set. `check` looks at the config alone and runs
 * for every layer before anything is built, so every refusal (a layer class,
 * an activation, a dilation) is reported at once; `build` adds the nodes.
 * Layouts: Keras is channels-last like the IR; Keras conv kernels are
 * [K, Cin, Cout] / [KH, KW, Cin, Cout], the IR's own. Facts from tfjs-layers
 * 4.22 (`layers/*.js`, `activations.js`).
 */
import type { IrValue } from '../../src/ir/graph.js';
import { samePads } from '../../src/ir/shape-rules.js';
import { sizeOf } from '../../src/ir/tensor.js';
import { A2mError } from '../../src/errors.js';
import { UnsupportedLayer, type LayerConfig, type LayerContext, type Problem } from './layers-context.js';

export interface LayerRule {
  /** Config-only refusal (runs for every layer before any is built). */
  check?: (c: LayerConfig) => Problem;
  build: (c: LayerContext) => IrValue;
}

// ---- activations ----------------------------------------------------------------
type Activation = (c: LayerContext, x: IrValue) => IrValue;

/** Keras activation name -> IR. tfjs-layers' `gelu` is the erf form x·Φ(x) and is refused below; `gelu_new` is the tanh form, the IR's Gelu. */
const ACTIVATIONS: Record<string, Activation> = {
  linear: (_c, x) => x,
  relu: (c, x) => c.op('Relu', [x], {}),
  sigmoid: (c, x) => c.op('Sigmoid', [x], {}),
  tanh: (c, x) => c.op('Tanh', [x], {}),
  softmax: (c, x) => c.op('Softmax', [x], {}),
  gelu_new: (c, x) => c.op('Gelu', [x], {}),
  // tfjs-layers: x · sigmoid(x) (alpha 1).
  swish: (c, x) => c.op('Mul', [x, c.op('Sigmoid', [x], {})], {}),
};

/** Activations with a known reason to refuse (others get the supported list). */
const REFUSED_ACTIVATIONS: Record<string, string> = {
  gelu: "tfjs-layers' gelu is the exact erf form x·Φ(x); the IR's Gelu is the tanh approximation (gelu_new) and the IR has no erf",
  relu6: 'min(max(x, 0), 6) needs an IR Clip',
  elu: 'needs an IR Exp',
  selu: 'needs an IR Exp',
  softplus: 'needs an IR Exp',
  mish: 'needs an IR Exp',
  logsoftmax: 'needs an IR Exp',
  softsign: 'needs an IR Abs',
  hard_sigmoid: 'needs an IR Clip',
};

function activationProblem(c: LayerConfig, key = 'activation'): Problem {
  const name = c.activationName(key);
  if (ACTIVATIONS[name]) return null;
  return `activation "${name}": ${REFUSED_ACTIVATIONS[name] ?? 'not imported'} (imported: ${Object.keys(ACTIVATIONS).join(', ')})`;
}

function activate(c: LayerContext, x: IrValue, key = 'activation'): IrValue {
  return ACTIVATIONS[c.activationName(key)]!(c, x);
}

// ---- shared pieces ----------------------------------------------------------------
/** [before, after] zero padding of one spatial axis, as TF pads it ('same': the extra one after; 'causal': all before). */
function axisPads(padding: string, size: number, kernel: number, stride: number): [number, number] {
  if (padding === 'same') return samePads(size, kernel, stride);
  if (padding === 'causal') return [kernel - 1, 0];
  return [0, 0];
}

function convProblem(rank: number, paddings = ['valid', 'same']): (c: LayerConfig) => Problem {
  return (c) => c.channelsLastProblem() ?? c.dilationProblem(rank) ?? c.paddingProblem(paddings) ?? activationProblem(c);
}

/** Conv1D over x [B,L,Cin] with kernel w [K, Cin/groups, Cout]. */
function conv1d(c: LayerContext, x: IrValue, w: IrValue, bias: IrValue[], groups: number): IrValue {
  const stride = c.ints('strides', 1, [1])[0]!;
  const [padBegin, padEnd] = axisPads(c.str('padding', 'valid'), x.shape[1]!, w.shape[0]!, stride);
  return c.op('Conv1D', [x, w, ...bias], { stride, padBegin, padEnd, groups });
}

/** Conv2D over x [B,H,W,Cin] with kernel w [KH, KW, Cin/groups, Cout]. */
function conv2d(c: LayerContext, x: IrValue, w: IrValue, bias: IrValue[], groups: number): IrValue {
  const [sh, sw] = c.ints('strides', 2, [1, 1]) as [number, number];
  const [KH, KW] = w.shape as [number, number];
  const padding = c.str('padding', 'valid');
  const [pt, pb] = axisPads(padding, x.shape[1]!, KH, sh), [pl, pr] = axisPads(padding, x.shape[2]!, KW, sw);
  return c.op('Conv2D', [x, w, ...bias], { strides: [sh, sw], pads: [pt, pb, pl, pr], groups });
}

/**
 * A depthwise kernel [...K, Cin, mult] as the IR's grouped-conv kernel [...K, 1, Cin·mult]:
 * TF's output channel c·mult + m is group c's m-th channel, so the data keeps its order.
 */
function depthwiseKernel(c: LayerContext, spatial: number): { w: IrValue; cout: number } {
  const t = c.weight('depthwise_kernel');
  if (t.shape.length !== spatial + 2) throw new A2mError(`layer ${c.name} (${c.className}): depthwise_kernel [${t.shape}] should have rank ${spatial + 2}`);
  const [cin, mult] = t.shape.slice(spatial) as [number, number];
  return { w: c.weightValue('depthwise_kernel', [...t.shape.slice(0, spatial), 1, cin * mult]), cout: cin * mult };
}

/** Keras axis (negative from the end, batch included) -> non-negative. */
function axisOf(c: LayerContext, key: string, rank: number, fallback: number): number {
  const raw = c.call.config[key] ?? fallback;
  const a = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (typeof a !== 'number' || !Number.isInteger(a) || a < -rank || a >= rank) return c.bad(key, `an axis in [-${rank}, ${rank})`);
  return a < 0 ? a + rank : a;
}

/** Only the last axis is normalised by the IR's LayerNorm and by a folded per-channel BatchNorm. */
function lastAxisProblem(c: LayerConfig): Problem {
  const raw = c.call.config.axis ?? -1;
  const a = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  // A positive axis is checked against the rank at build time (the rank is unknown here).
  return typeof a === 'number' && (a === -1 || a > 0) ? null : `axis ${JSON.stringify(raw)}: only the last (channel) axis is imported`;
}

function requireLastAxis(c: LayerContext, x: IrValue): void {
  if (axisOf(c, 'axis', x.shape.length, -1) !== x.shape.length - 1) throw new UnsupportedLayer(`axis ${JSON.stringify(c.call.config.axis)} of a rank-${x.shape.length} input: only the last (channel) axis is imported`);
}

/** 1/count of input elements each output position of a 'same' average pool covers (TF leaves the padding out of the count). */
function sameAverageCounts(sizes: number[], kernels: number[], strides: number[], outs: number[]): Float32Array {
  const perAxis = sizes.map((size, a) => {
    const [before] = samePads(size, kernels[a]!, strides[a]!);
    return Array.from({ length: outs[a]! }, (_, o) => {
      const start = o * strides[a]! - before;
      return Math.min(size, start + kernels[a]!) - Math.max(0, start);
    });
  });
  const out = new Float32Array(sizeOf(outs));
  if (outs.length === 1) perAxis[0]!.forEach((n, i) => { out[i] = 1 / n; });
  else for (let i = 0; i < outs[0]!; i++) for (let j = 0; j < outs[1]!; j++) out[i * outs[1]! + j] = 1 / (perAxis[0]![i]! * perAxis[1]![j]!);
  return out;
}

/** Average pooling as a depthwise conv with 1/k weights ('valid'), or with ones then 1/count ('same', whose edge windows are smaller). */
function averagePool(c: LayerContext, spatial: 1 | 2): IrValue {
  const x = c.rank(c.x, spatial + 2);
  const channels = x.shape[spatial + 1]!;
  const pool = c.ints('pool_size', spatial);
  const strides = c.ints('strides', spatial, pool);
  const same = c.str('padding', 'valid') === 'same';
  const weight = same ? 1 : 1 / sizeOf(pool);
  const w = c.constant('window', { shape: [...pool, 1, channels], data: new Float32Array(sizeOf(pool) * channels).fill(weight) });
  const pads = pool.map((k, a) => axisPads(same ? 'same' : 'valid', x.shape[a + 1]!, k, strides[a]!));
  const summed = spatial === 1
    ? c.op('Conv1D', [x, w], { stride: strides[0]!, padBegin: pads[0]![0], padEnd: pads[0]![1], groups: channels })
    : c.op('Conv2D', [x, w], { strides: [strides[0]!, strides[1]!], pads: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]], groups: channels });
  if (!same) return summed;
  const outs = summed.shape.slice(1, spatial + 1);
  const counts = sameAverageCounts(x.shape.slice(1, spatial + 1), pool, strides, outs);
  return c.op('Mul', [summed, c.constant('inverse_counts', { shape: [1, ...outs, 1], data: counts })], {});
}

/**
 * Max pooling with windows that tile the input (strides = pool_size): crop to whole windows, then
 * per spatial axis fold the window into its own axis and ReduceMax it. Overlapping windows need an IR MaxPool.
 */
function maxPool(c: LayerContext, spatial: 1 | 2): IrValue {
  const x = c.rank(c.x, spatial + 2);
  const pool = c.ints('pool_size', spatial);
  const sizes = x.shape.slice(1, spatial + 1);
  const outs = sizes.map((s, a) => Math.floor(s / pool[a]!));
  if (c.str('padding', 'valid') === 'same' && sizes.some((s, a) => s % pool[a]! !== 0)) {
    throw new UnsupportedLayer(`padding "same" on input [${x.shape}] with pool_size [${pool}] pads the edge windows: needs an IR MaxPool (or an input size divisible by the pool)`);
  }
  if (outs.some((o) => o === 0)) throw new A2mError(`layer ${c.name} (${c.className}): pool_size [${pool}] is larger than the input [${x.shape}]`);
  const [B] = x.shape as [number];
  const C = x.shape[spatial + 1]!;
  let v = x;
  if (sizes.some((s, a) => s !== outs[a]! * pool[a]!)) {
    v = c.op('Slice', [v], { begin: x.shape.map(() => 0), size: [B, ...outs.map((o, a) => o * pool[a]!), C] });
  }
  if (spatial === 1) {
    const folded = c.op('Reshape', [v], { shape: [B * outs[0]!, pool[0]!, C] });
    return c.op('Reshape', [c.op('ReduceMax', [folded], { axes: [1], keepDims: false })], { shape: [B, outs[0]!, C] });
  }
  const [Ho, Wo] = outs as [number, number];
  const [ph, pw] = pool as [number, number];
  const rows = c.op('ReduceMax', [c.op('Reshape', [v], { shape: [B * Ho, ph, Wo * pw * C] })], { axes: [1], keepDims: false });
  const cols = c.op('ReduceMax', [c.op('Reshape', [rows], { shape: [B * Ho * Wo, pw, C] })], { axes: [1], keepDims: false });
  return c.op('Reshape', [cols], { shape: [B, Ho, Wo, C] });
}

function maxPoolProblem(spatial: number): (c: LayerConfig) => Problem {
  return (c) => {
    const pool = c.ints('pool_size', spatial);
    const strides = c.ints('strides', spatial, pool);
    if (strides.join() !== pool.join()) return `strides [${strides}] differ from pool_size [${pool}] (overlapping or gapped windows): needs an IR MaxPool`;
    return c.channelsLastProblem() ?? c.paddingProblem(['valid', 'same']);
  };
}

/** Mean over the spatial axes: [B, ...S, C] -> [B, C, S·] -> Dense with a 1/S column -> [B, C] (the IR has no ReduceMean). */
function globalAverage(c: LayerContext, spatial: 1 | 2): IrValue {
  const x = c.rank(c.x, spatial + 2);
  const [B] = x.shape as [number];
  const C = x.shape[spatial + 1]!;
  const S = sizeOf(x.shape.slice(1, spatial + 1));
  const flat = spatial === 1 ? x : c.op('Reshape', [x], { shape: [B, S, C] });
  const channelsFirst = c.op('Transpose', [flat], { perm: [0, 2, 1] });
  const mean = c.op('Dense', [channelsFirst, c.constant('mean_weights', { shape: [S, 1], data: new Float32Array(S).fill(1 / S) })], {});
  const keep = c.bool('keepdims', false);
  return c.op('Reshape', [mean], { shape: keep ? [B, ...new Array<number>(spatial).fill(1), C] : [B, C] });
}

function globalMax(c: LayerContext, spatial: 1 | 2): IrValue {
  const x = c.rank(c.x, spatial + 2);
  return c.op('ReduceMax', [x], { axes: spatial === 1 ? [1] : [1, 2], keepDims: c.bool('keepdims', false) });
}

/** Folds an n-input elementwise merge into a chain of the IR's 2-input op. */
function merge(op: 'Add' | 'Mul'): (c: LayerContext) => IrValue {
  return (c) => {
    if (c.inputs.length < 2) throw new A2mError(`layer ${c.name} (${c.className}) merges ${c.inputs.length} input(s), expected at least 2`);
    return c.inputs.slice(1).reduce((acc, v) => c.op(op, [acc, v], {}), c.inputs[0]!);
  };
}

/** Dropout and noise layers do nothing at inference. */
const identity: LayerRule = { build: (c) => c.x };

// ---- the table ------------------------------------------------------------------
export const LAYER_RULES: Record<string, LayerRule> = {
  Dense: {
    check: (c) => activationProblem(c),
    build: (c) => {
      const w = c.weight('kernel');
      return activate(c, c.op('Dense', [c.x, c.weightValue('kernel'), ...c.bias(w.shape[1]!)], {}));
    },
  },
  Conv1D: {
    check: convProblem(1, ['valid', 'same', 'causal']),
    build: (c) => {
      const x = c.rank(c.x, 3);
      const w = c.weightValue('kernel');
      return activate(c, conv1d(c, x, w, c.bias(w.shape[2]!), 1));
    },
  },
  Conv2D: {
    check: convProblem(2),
    build: (c) => {
      const x = c.rank(c.x, 4);
      const w = c.weightValue('kernel');
      return activate(c, conv2d(c, x, w, c.bias(w.shape[3]!), 1));
    },
  },
  DepthwiseConv2D: {
    check: convProblem(2),
    build: (c) => {
      const x = c.rank(c.x, 4);
      const { w, cout } = depthwiseKernel(c, 2);
      return activate(c, conv2d(c, x, w, c.bias(cout), x.shape[3]!));
    },
  },
  SeparableConv1D: {
    check: convProblem(1, ['valid', 'same', 'causal']),
    build: (c) => {
      const x = c.rank(c.x, 3);
      const { w, cout } = depthwiseKernel(c, 1);
      const depthwise = conv1d(c, x, w, [], x.shape[2]!);
      const pw = c.weight('pointwise_kernel');
      const pointwise = c.op('Conv1D', [depthwise, c.weightValue('pointwise_kernel', [1, cout, pw.shape[2]!]), ...c.bias(pw.shape[2]!)], { stride: 1, padBegin: 0, padEnd: 0, groups: 1 });
      return activate(c, pointwise);
    },
  },
  SeparableConv2D: {
    check: convProblem(2),
    build: (c) => {
      const x = c.rank(c.x, 4);
      const { w, cout } = depthwiseKernel(c, 2);
      const depthwise = conv2d(c, x, w, [], x.shape[3]!);
      const pw = c.weight('pointwise_kernel');
      const pointwise = c.op('Conv2D', [depthwise, c.weightValue('pointwise_kernel', [1, 1, cout, pw.shape[3]!]), ...c.bias(pw.shape[3]!)], { strides: [1, 1], pads: [0, 0, 0, 0], groups: 1 });
      return activate(c, pointwise);
    },
  },
  // Inference: (x - mean) / sqrt(var + eps) · gamma + beta = x · scale + offset, folded in float64.
  BatchNormalization: {
    check: lastAxisProblem,
    build: (c) => {
      const x = c.x;
      requireLastAxis(c, x);
      const C = x.shape.at(-1)!;
      const eps = c.num('epsilon', 1e-3);
      const mean = c.weight('moving_mean', [C]).data, variance = c.weight('moving_variance', [C]).data;
      const gamma = c.bool('scale', true) ? c.weight('gamma', [C]).data : undefined;
      const beta = c.bool('center', true) ? c.weight('beta', [C]).data : undefined;
      const scale = new Float32Array(C), offset = new Float32Array(C);
      for (let i = 0; i < C; i++) {
        const s = (gamma ? gamma[i]! : 1) / Math.sqrt(variance[i]! + eps);
        scale[i] = s;
        offset[i] = (beta ? beta[i]! : 0) - mean[i]! * s;
      }
      const scaled = c.op('Mul', [x, c.constant('folded_scale', { shape: [C], data: scale })], {});
      return c.op('Add', [scaled, c.constant('folded_offset', { shape: [C], data: offset })], {});
    },
  },
  LayerNormalization: {
    check: lastAxisProblem,
    build: (c) => {
      const x = c.x;
      requireLastAxis(c, x);
      const C = x.shape.at(-1)!;
      const gamma = c.bool('scale', true) ? c.weightValue('gamma') : c.constant('gamma', { shape: [C], data: new Float32Array(C).fill(1) });
      const beta = c.bool('center', true) ? c.weightValue('beta') : c.constant('beta', { shape: [C], data: new Float32Array(C) });
      return c.op('LayerNorm', [x, gamma, beta], { epsilon: c.num('epsilon', 1e-3) });
    },
  },
  Activation: { check: (c) => activationProblem(c), build: (c) => activate(c, c.x) },
  ReLU: {
    check: (c) => (c.has('max_value') || (c.has('negative_slope') && c.num('negative_slope') !== 0) || (c.has('threshold') && c.num('threshold') !== 0)
      ? 'max_value, negative_slope or threshold: needs an IR Clip / LeakyRelu' : null),
    build: (c) => c.op('Relu', [c.x], {}),
  },
  Softmax: {
    check: lastAxisProblem,
    build: (c) => { requireLastAxis(c, c.x); return c.op('Softmax', [c.x], {}); },
  },
  AveragePooling1D: { check: (c) => c.channelsLastProblem() ?? c.paddingProblem(['valid', 'same']), build: (c) => averagePool(c, 1) },
  AveragePooling2D: { check: (c) => c.channelsLastProblem() ?? c.paddingProblem(['valid', 'same']), build: (c) => averagePool(c, 2) },
  MaxPooling1D: { check: maxPoolProblem(1), build: (c) => maxPool(c, 1) },
  MaxPooling2D: { check: maxPoolProblem(2), build: (c) => maxPool(c, 2) },
  GlobalAveragePooling1D: { check: (c) => c.channelsLastProblem(), build: (c) => globalAverage(c, 1) },
  GlobalAveragePooling2D: { check: (c) => c.channelsLastProblem(), build: (c) => globalAverage(c, 2) },
  GlobalMaxPooling1D: { check: (c) => c.channelsLastProblem(), build: (c) => globalMax(c, 1) },
  GlobalMaxPooling2D: { check: (c) => c.channelsLastProblem(), build: (c) => globalMax(c, 2) },
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  AlphaDropout: identity,
  GaussianDropout: identity,
  GaussianNoise: identity,
  Flatten: {
    check: (c) => c.channelsLastProblem(),
    build: (c) => c.op('Reshape', [c.x], { shape: [c.x.shape[0]!, sizeOf(c.x.shape.slice(1))] }),
  },
  Reshape: {
    build: (c) => {
      const target = c.call.config.target_shape;
      if (!Array.isArray(target) || target.some((d) => !Number.isInteger(d) || d < -1)) return c.bad('target_shape', 'a list of sizes (one may be -1)');
      return c.op('Reshape', [c.x], { shape: [c.x.shape[0]!, ...(target as number[])] });
    },
  },
  // Keras dims are 1-based and leave the batch out.
  Permute: {
    build: (c) => {
      const dims = c.call.config.dims;
      if (!Array.isArray(dims) || dims.length !== c.x.shape.length - 1) return c.bad('dims', `a permutation of 1..${c.x.shape.length - 1}`);
      return c.op('Transpose', [c.x], { perm: [0, ...(dims as number[])] });
    },
  },
  Concatenate: {
    build: (c) => {
      if (c.inputs.length < 2) throw new A2mError(`layer ${c.name} (Concatenate) joins ${c.inputs.length} input(s), expected at least 2`);
      const axis = axisOf(c, 'axis', c.inputs[0]!.shape.length, -1);
      return c.op('Concat', c.inputs, { axis });
    },
  },
  Add: { build: merge('Add') },
  Multiply: { build: merge('Mul') },
  Subtract: {
    build: (c) => {
      if (c.inputs.length !== 2) throw new A2mError(`layer ${c.name} (Subtract) has ${c.inputs.length} inputs, expected 2`);
      return c.op('Sub', [c.inputs[0]!, c.inputs[1]!], {});
    },
  },
  Average: {
    build: (c) => c.op('Mul', [merge('Add')(c), c.constant('inverse_count', { shape: [1], data: Float32Array.of(1 / c.inputs.length) })], {}),
  },
  /**
   * Embedding without a Gather: one-hot rows from the (integer-valued) indices, 1 - |i - v| clipped at 0 by
   * Relu (|d| = Relu(d) + Relu(-d)), then a Dense with the table. Exact for indices in [0, V); an index
   * outside gives a zero vector where tfjs would fail.
   */
  Embedding: {
    build: (c) => {
      const table = c.weight('embeddings');
      if (table.shape.length !== 2) throw new A2mError(`layer ${c.name} (Embedding): embeddings [${table.shape}] should be [vocabulary, width]`);
      const [V] = table.shape as [number];
      const x = c.x;
      const column = c.op('Reshape', [x], { shape: [...x.shape, 1] });
      const vocabulary = c.constant('vocabulary', { shape: [V], data: Float32Array.from({ length: V }, (_, i) => i) });
      const above = c.op('Relu', [c.op('Sub', [column, vocabulary], {})], {});
      const below = c.op('Relu', [c.op('Sub', [vocabulary, column], {})], {});
      const distance = c.op('Add', [above, below], {});
      const oneHot = c.op('Relu', [c.op('Sub', [c.constant('one', { shape: [1], data: Float32Array.of(1) }), distance], {})], {});
      return c.op('Dense', [oneHot, c.weightValue('embeddings')], {});
    },
  },
  ZeroPadding1D: {
    build: (c) => {
      const x = c.rank(c.x, 3);
      return c.op('Pad', [x], { mode: 'constant', pads: [[0, 0], paddingPairs(c, 1)[0]!, [0, 0]] });
    },
  },
  ZeroPadding2D: {
    check: (c) => c.channelsLastProblem(),
    build: (c) => {
      const x = c.rank(c.x, 4);
      const [h, w] = paddingPairs(c, 2) as [[number, number], [number, number]];
      return c.op('Pad', [x], { mode: 'constant', pads: [[0, 0], h, w, [0, 0]] });
    },
  },
};

/** ZeroPadding's `padding`: n, [a, b] (1-D), [h, w] or [[t, b], [l, r]] (2-D). */
function paddingPairs(c: LayerContext, spatial: 1 | 2): [number, number][] {
  const raw = c.call.config.padding ?? 1;
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (ok(raw)) return new Array(spatial).fill([raw, raw]);
  if (Array.isArray(raw) && spatial === 1 && raw.length === 2 && raw.every(ok)) return [[raw[0] as number, raw[1] as number]];
  if (Array.isArray(raw) && spatial === 2 && raw.length === 2) {
    if (raw.every(ok)) { const [h, w] = raw as [number, number]; return [[h, h], [w, w]]; }
    if (raw.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) return raw as [number, number][];
  }
  return c.bad('padding', spatial === 1 ? 'n or [before, after]' : 'n, [h, w] or [[top, bottom], [left, right]]');
}

/** Layer classes refused with a reason (any other unknown class gets the supported list). */
export const REFUSED_LAYERS: Record<string, string> = {
  LSTM: 'recurrent layers are not imported (the IR has no loop; an unrolled LSTM needs Sigmoid/Tanh gates per step)',
  GRU: 'recurrent layers are not imported (the IR has no loop)',
  SimpleRNN: 'recurrent layers are not imported (the IR has no loop)',
  ConvLSTM2D: 'recurrent layers are not imported (the IR has no loop)',
  Bidirectional: 'recurrent layers are not imported (the IR has no loop)',
  TimeDistributed: 'wrapper layers are not imported',
  Conv2DTranspose: 'needs an IR transposed convolution',
  Conv1DTranspose: 'needs an IR transposed convolution',
  Conv3D: 'needs an IR 3-D convolution',
  UpSampling2D: 'needs an IR resize',
  LeakyReLU: 'needs an IR LeakyRelu (or Clip)',
  PReLU: 'needs an IR PRelu',
  ELU: 'needs an IR Exp',
  ThresholdedReLU: 'needs an IR comparison',
  Maximum: 'needs an IR elementwise Maximum',
  Minimum: 'needs an IR elementwise Minimum',
  Dot: 'not imported (a BatchMatMul with axes handling)',
  Masking: 'masks are not carried by the IR',
  Sequential: 'a model nested as a layer: save the inner model flattened',
  Model: 'a model nested as a layer: save the inner model flattened',
  Functional: 'a model nested as a layer: save the inner model flattened',
};

/** Why `className` cannot be imported, for the report. */
export function layerClassProblem(className: string): string {
  return `${REFUSED_LAYERS[className] ?? 'no IR mapping for this Keras layer'} (imported layers: ${Object.keys(LAYER_RULES).join(', ')})`;
}
