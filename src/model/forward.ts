/**
 * The network, written once against ModelOps (see ops.ts).
 *   samples [B, 2, N] -> front end -> [B, 250, D] -> transformer -> heads
 * Outputs: logits / probs [B, 250, 90] (frame head, the seed's), and per
 * configured extra head: onset_logits / onset_probs, velocity (0..1).
 */
import type { ModelOps, Init } from './ops.js';
import { HEAD_NAMES, type ModelConfig, type HeadName, type ConvNextFrontend, type LogSpecFrontend, type KeyHeadConfig, hopOf } from './config.js';
import { localAttentionMask, logSpecKernels, riseKernel, ropeRotation, ropeTables } from './tables.js';

/** Power gain inside log(1 + g * power): a note at RMS-normalised level reaches ~3. */
export const LOG_POWER_GAIN = 1e4;
const scalar = (v: number) => ({ shape: [1], data: new Float32Array([v]) });
const W = (fanIn: number): Init => ({ kind: 'normal', std: Math.sqrt(1 / fanIn) });
const ZEROS: Init = { kind: 'const', value: 0 };
const ONES: Init = { kind: 'const', value: 1 };
/** Init of the bias before a front end's first LayerNorm (log-spec proj, ConvNeXt stem): see logSpecFrontend (keeps silent frames' rows away from LayerNorm's epsilon). */
const PROJ_BIAS: Init = { kind: 'normal', std: 0.1 };
/** ConvNeXt layer-scale init (DESIGN.md). */
const LAYER_SCALE: Init = { kind: 'const', value: 1e-6 };

function layerNorm<T>(o: ModelOps<T>, cfg: ModelConfig, name: string, x: T): T {
  const c = o.shape(x).at(-1)!;
  return o.scope(name, () => o.layerNorm(x, o.param('gamma', [c], ONES), o.param('beta', [c], ZEROS), cfg.layerNormEpsilon));
}

function linear<T>(o: ModelOps<T>, name: string, x: T, out: number, bias: boolean, init?: Init, biasInit: Init = ZEROS): T {
  const inp = o.shape(x).at(-1)!;
  return o.scope(name, () => o.dense(x, o.param('w', [inp, out], init ?? W(inp)), bias ? o.param('b', [out], biasInit) : null));
}

/**
 * linear() over the concatenation of `parts` on the last axis, with the same
 * parameters (one [sum of widths, out] weight and a bias), computed as one
 * dense per part on that part's rows of the weight, summed. The concatenated
 * tensor is never built: in the key head it was the largest copy of the
 * graph. The weight slices are constants in an export (folded by the IR).
 */
function splitDense<T>(o: ModelOps<T>, name: string, parts: T[], out: number): T {
  const widths = parts.map((p) => o.shape(p).at(-1)!);
  const inp = widths.reduce((a, b) => a + b, 0);
  return o.scope(name, () => {
    const w = o.param('w', [inp, out], W(inp));
    const b = o.param('b', [out], ZEROS);
    let row = 0;
    const terms = parts.map((p, i) => {
      const rows = o.slice(w, [row, 0], [widths[i]!, out]);
      row += widths[i]!;
      return o.dense(p, rows, i === 0 ? b : null);
    });
    return terms.reduce((sum, t) => o.add(sum, t));
  });
}

function conv<T>(o: ModelOps<T>, name: string, x: T, cout: number, k: number, stride: number, pad: [number, number], groups = 1, biasInit: Init = ZEROS): T {
  const cin = o.shape(x).at(-1)!;
  return o.scope(name, () => o.conv1d(x, o.param('w', [k, cin / groups, cout], W((k * cin) / groups)), o.param('b', [cout], biasInit),
    { stride, padBegin: pad[0], padEnd: pad[1], groups }));
}

/** ConvNeXt block: dwconv k -> LN -> 1x1 (c->2c) -> GELU -> 1x1 (2c->c) -> layer-scale -> residual. */
function convNextBlock<T>(o: ModelOps<T>, cfg: ModelConfig, name: string, x: T, k: number): T {
  return o.scope(name, () => {
    const c = o.shape(x).at(-1)!;
    let y = conv(o, 'dw', x, c, k, 1, [(k - 1) >> 1, k >> 1], c);
    y = layerNorm(o, cfg, 'ln', y);
    y = o.gelu(linear(o, 'pw1', y, 2 * c, true));
    y = linear(o, 'pw2', y, c, true);
    y = o.mul(y, o.param('gamma', [c], LAYER_SCALE));
    return o.add(x, y);
  });
}

/** A front end's output [B, T, D], and the log-spec rolls [B, T, 88·bps] it computed (log-spec front end only). */
interface FrontendOut<T> { h: T; logPowers: T[] }

function convNextFrontend<T>(o: ModelOps<T>, cfg: ModelConfig, fe: ConvNextFrontend, x: T): FrontendOut<T> {
  return o.scope('frontend', () => {
    // Random bias, for the reason PROJ_BIAS gives: silence must not reach stem_ln as a constant row.
    x = conv(o, 'stem', x, fe.dims[0]!, fe.stemKernel, fe.stemStride, [0, 0], 1, PROJ_BIAS);
    x = layerNorm(o, cfg, 'stem_ln', x);
    for (let s = 0; s < fe.dims.length; s++) {
      x = o.scope(`stage${s}`, () => {
        if (s > 0) {
          x = layerNorm(o, cfg, 'down_ln', x);
          x = conv(o, 'down', x, fe.dims[s]!, 2, 2, [0, 0]);
        }
        for (let b = 0; b < fe.depths[s]!; b++) x = convNextBlock(o, cfg, `block${b}`, x, fe.blockKernel);
        return x;
      });
    }
    return { h: x, logPowers: [] };
  });
}

/** Mono mix -> constant-Q conv -> log power -> projection -> ConvNeXt blocks over time. */
function logSpecFrontend<T>(o: ModelOps<T>, cfg: ModelConfig, fe: LogSpecFrontend, x: T): FrontendOut<T> {
  return o.scope('frontend', () => {
    const hop = hopOf(cfg);
    const { bins, kernelSize } = logSpecKernels(cfg, fe, false);
    const mix = o.constant('mono_mix', () => ({ shape: [cfg.channels, 1], data: new Float32Array(cfg.channels).fill(1 / cfg.channels) }));
    const mono = o.dense(x, mix, null);
    // Centre each K-sample kernel on its frame: frame t covers samples around t*hop + hop/2.
    const padTotal = kernelSize - hop;
    const padBegin = Math.floor(padTotal / 2);
    const spec = o.conv1d(mono, o.constant('cq_kernels', () => logSpecKernels(cfg, fe, true).kernels), null, { stride: hop, padBegin, padEnd: padTotal - padBegin, groups: 1 });
    const [B, T] = o.shape(spec);
    const re = o.slice(spec, [0, 0, 0], [B!, T!, bins]);
    const im = o.slice(spec, [0, 0, bins], [B!, T!, bins]);
    const power = o.add(o.mul(re, re), o.mul(im, im));
    // log(1 + g * power): silence maps to ~0 and notes to positive values. A plain
    // log(power + floor) made every frame look alike (the floor dominates most
    // bins: frames had cosine similarity 0.99), which stalled training.
    const one = o.constant('one', () => scalar(1));
    const logPower = (gainName: string, gain: number) => o.log(o.add(o.mul(power, o.constant(gainName, () => scalar(gain))), one));
    const logPowers = [logPower('power_gain', LOG_POWER_GAIN)];
    // A silent frame's log powers are 0, so with a zero bias its projection is a constant row, and
    // proj_ln (then each block's LN) would scale the runtime's rounding of log(1 + g·power), about
    // 6e-8, up by 1/sqrt(epsilon) = 1000 per LN into O(1) features: an initialised model's exports
    // then disagree by up to 4e-2 (LiteRT.js) and 2.4e-4 (ONNX Runtime). A random bias gives the
    // silent row a spread far above epsilon, as training does, so rounding stays rounding.
    let h = linear(o, 'proj', logPowers[0]!, fe.dim, true, undefined, PROJ_BIAS);
    // Zero-started: see LogSpecFrontend.quietGain.
    if (fe.quietGain !== undefined) {
      logPowers.push(logPower('quiet_gain', fe.quietGain));
      h = o.add(h, linear(o, 'proj_quiet', logPowers[1]!, fe.dim, false, ZEROS));
    }
    h = layerNorm(o, cfg, 'proj_ln', h);
    for (let b = 0; b < fe.depth; b++) h = convNextBlock(o, cfg, `block${b}`, h, fe.blockKernel);
    return { h, logPowers };
  });
}

/**
 * The per-key head (KeyHeadConfig): [B, T, keys, n] additions to n heads'
 * logits, zero at the start.
 *   per piano key, each log-spec branch's bins and their rise since the last
 *   frame -> [B, T, 88, F] -> the keys at each offset (one gather; a zero row
 *   off the keyboard) -> [B, T, keys, offsets·F] + an `embed`-wide slice of
 *   the transformer output per key -> shared MLP -> n.
 * The gather stays channels-last throughout: this head is memory-bound, and
 * transposing to key-last (to pad with a placement matmul) cost more than the
 * MLP itself.
 */
function keyHead<T>(o: ModelOps<T>, cfg: ModelConfig, kh: KeyHeadConfig, logPowers: T[], x: T, n: number): T {
  return o.scope('key_head', () => {
    const [B, Tn, bins] = o.shape(logPowers[0]!);
    const bps = bins! / 88;
    const K = cfg.keys;
    const rise = o.constant('key_rise', () => riseKernel(bins!));
    const branches: T[] = [];
    for (const lp of logPowers) {
      for (const v of [lp, o.conv1d(lp, rise, null, { stride: 1, padBegin: 1, padEnd: 0, groups: bins! })]) {
        branches.push(o.reshape(v, [B!, Tn!, 88, bps]));
      }
    }
    // One N-ary concat: each element is copied once (a tree of pairs copied it once per level).
    const perKey = branches.length === 1 ? branches[0]! : o.concat(branches, 3);
    const F = o.shape(perKey)[3]!;
    // The IR has no pad op: one zero key row (this tensor's first row times 0) is appended after the 88
    // keys, and every offset that falls off the keyboard gathers that row. It copies BT x 1 x F, where
    // padding the key axis (a 1-tap conv by 1.0) copied the whole tensor once more.
    const flat = o.reshape(perKey, [B! * Tn!, 88, F]);
    const zeroRow = o.mul(o.gather(flat, [0], 1), o.constant('zero', () => scalar(0)));
    const withZero = o.concat([flat, zeroRow], 1);
    // Every key's neighbours in one gather: row k * offsets + j is key k at offset j (or the zero row), so
    // [B*T, K*offsets, F] reshapes to offset-major features per key (index = offset index * F + f),
    // the order the 'hidden' weights were trained on.
    const rows = Array.from({ length: K }, (_, k) => kh.offsets.map((d) => (k + d >= 0 && k + d < 88 ? k + d : 88))).flat();
    const windows = o.reshape(o.gather(withZero, rows, 1), [B!, Tn!, K, kh.offsets.length * F]);
    const embed = o.reshape(linear(o, 'embed', x, K * kh.embed, true), [B!, Tn!, K, kh.embed]);
    const hidden = o.gelu(splitDense(o, 'hidden', [windows, embed], kh.hidden));
    return linear(o, 'out', hidden, n, true, ZEROS);
  });
}

/** Splits [B, T, H*D] into heads [B, H, T, D]. */
function toHeads<T>(o: ModelOps<T>, x: T, heads: number, d: number): T {
  const [B, Tn] = o.shape(x);
  return o.transpose(o.reshape(x, [B!, Tn!, heads, d]), [0, 2, 1, 3]);
}

function attention<T>(o: ModelOps<T>, cfg: ModelConfig, x: T, local: boolean): T {
  const t = cfg.transformer;
  const [B, Tn] = o.shape(x);
  const inner = t.heads * t.headDim;
  // Latent K/V: dim -> latent -> (K, V). No biases in attention (DESIGN.md).
  const q0 = linear(o, 'q', x, inner, false);
  const kv = linear(o, 'kv_down', x, t.latent, false);
  const k0 = linear(o, 'k_up', kv, inner, false);
  const v0 = linear(o, 'v_up', kv, inner, false);
  const cos = o.constant('rope_cos', () => ropeTables(Tn!, t.headDim, t.ropeTheta).cos);
  const sin = o.constant('rope_sin', () => ropeTables(Tn!, t.headDim, t.ropeTheta).sin);
  const rot = o.constant('rope_rot', () => ropeRotation(t.headDim));
  const applyRope = (h: T) => o.add(o.mul(h, cos), o.mul(o.dense(h, rot, null), sin));
  const scale = o.constant('qk_scale', () => scalar(1 / Math.sqrt(t.headDim)));
  const q = o.mul(applyRope(toHeads(o, q0, t.heads, t.headDim)), scale);
  const k = applyRope(toHeads(o, k0, t.heads, t.headDim));
  const v = toHeads(o, v0, t.heads, t.headDim);
  let scores = o.batchMatMul(q, k, true);
  if (local) scores = o.add(scores, o.constant('local_mask', () => localAttentionMask(Tn!, t)));
  const ctx = o.batchMatMul(o.softmax(scores), v, false);
  const merged = o.reshape(o.transpose(ctx, [0, 2, 1, 3]), [B!, Tn!, inner]);
  return linear(o, 'out', merged, t.dim, false);
}

/** FFN: dim -> ffn, split into a, b; GELU(a) * b -> dim. */
function feedForward<T>(o: ModelOps<T>, cfg: ModelConfig, x: T): T {
  const t = cfg.transformer;
  const [B, Tn] = o.shape(x);
  const h = linear(o, 'up', x, t.ffn, true);
  const half = t.ffn / 2;
  const a = o.slice(h, [0, 0, 0], [B!, Tn!, half]);
  const b = o.slice(h, [0, 0, half], [B!, Tn!, half]);
  return linear(o, 'down', o.mul(o.gelu(a), b), t.dim, true);
}

export type ModelOutputs<T> = Record<string, T>;

export function forward<T>(o: ModelOps<T>, cfg: ModelConfig, samples: T): ModelOutputs<T> {
  // Channels-first input [B, C, N] as users feed it; the network runs channels-last.
  let x = o.transpose(samples, [0, 2, 1]);
  const fe = cfg.frontend.kind === 'convnext' ? convNextFrontend(o, cfg, cfg.frontend, x) : logSpecFrontend(o, cfg, cfg.frontend, x);
  x = fe.h;
  const t = cfg.transformer;
  for (let l = 0; l < t.layers; l++) {
    x = o.scope(`layer${l}`, () => {
      const local = l % 2 === 0;
      const a = o.scope(local ? 'local_attn' : 'global_attn', () => attention(o, cfg, layerNorm(o, cfg, 'ln', x), local));
      x = o.add(x, o.dropout(a, cfg.dropout));
      const f = o.scope('ffn', () => feedForward(o, cfg, layerNorm(o, cfg, 'ln', x)));
      return o.add(x, o.dropout(f, cfg.dropout));
    });
  }
  x = layerNorm(o, cfg, 'final_ln', x);
  // Linear heads first, so their parameters are created (and seeded) in the same order with or without a key head.
  const logits: Partial<Record<'frame' | HeadName, T>> = { frame: linear(o, 'head_frame', x, cfg.keys, true) };
  for (const h of HEAD_NAMES) if (cfg.heads.includes(h)) logits[h] = linear(o, `head_${h}`, x, cfg.keys, true);
  if (cfg.keyHead) {
    if (!fe.logPowers.length) throw new Error(`preset ${cfg.preset}: keyHead needs the log-spec front end`);
    const names = Object.keys(logits) as ('frame' | HeadName)[];
    const add = keyHead(o, cfg, cfg.keyHead, fe.logPowers, x, names.length);
    const [B, Tn] = o.shape(x);
    names.forEach((name, j) => {
      logits[name] = o.add(logits[name]!, o.reshape(o.slice(add, [0, 0, 0, j], [B!, Tn!, cfg.keys, 1]), [B!, Tn!, cfg.keys]));
    });
  }
  const out: ModelOutputs<T> = {};
  out.logits = o.output('logits', logits.frame!);
  out.probs = o.output('probs', o.sigmoid(out.logits));
  if (logits.onset) {
    out.onset_logits = o.output('onset_logits', logits.onset);
    out.onset_probs = o.output('onset_probs', o.sigmoid(out.onset_logits));
  }
  if (logits.velocity) out.velocity = o.output('velocity', o.sigmoid(logits.velocity));
  if (logits.offset) {
    out.offset_logits = o.output('offset_logits', logits.offset);
    out.offset_probs = o.output('offset_probs', o.sigmoid(out.offset_logits));
  }
  return out;
}

