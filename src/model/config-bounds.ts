/**
 * A checkpoint's `config` comes from someone else's model.json: it is checked
 * against this table before anything is built from it, because the model is
 * allocated from the config (`transformer.layers = 1000` took more than 11 GB
 * before any other check could fail). The bounds are generous for real
 * presets (the largest, `base`, is well inside) and keep the largest allowed
 * model to a few GB.
 */
import { A2mError } from '../errors.js';
import { HEAD_NAMES, type ModelConfig } from './config.js';

/** An integer (or number) field and its inclusive bounds. */
interface NumberRule { int: boolean; lo: number; hi: number }
const int = (lo: number, hi: number): NumberRule => ({ int: true, lo, hi });
const num = (lo: number, hi: number): NumberRule => ({ int: false, lo, hi });

const GRID_RULES = {
  sampleRate: int(8000, 48000),
  channels: int(1, 2),
  windowSamples: int(1000, 480000),
  frames: int(1, 3000),
  keys: int(88, 128),
  layerNormEpsilon: num(1e-12, 1e-2),
  dropout: num(0, 0.9),
} as const;

const TRANSFORMER_RULES = {
  layers: int(1, 32),
  dim: int(4, 1024),
  heads: int(1, 32),
  headDim: int(2, 256),
  latent: int(2, 1024),
  ffn: int(2, 4096),
  localWindow: int(1, 3000),
  localStride: int(1, 3000),
  ropeTheta: num(1, 1e7),
} as const;

const FRONTEND_RULES = {
  convnext: { stemKernel: int(1, 1024), stemStride: int(1, 1024), blockKernel: int(1, 63) },
  logspec: { binsPerSemitone: int(1, 8), maxKernel: int(16, 16384), dim: int(4, 1024), depth: int(0, 16), blockKernel: int(1, 63) },
} as const;
/** Optional log-spec field. */
const QUIET_GAIN = num(0, 1e12);
/** ConvNeXt stage lists: at most this many stages, each width and depth bounded. */
const STAGES = { maxStages: 12, dim: int(1, 1024), depth: int(0, 32) } as const;
const KEY_HEAD_RULES = { embed: int(0, 64), hidden: int(1, 256) } as const;
const KEY_OFFSET = int(-48, 48);
const MAX_KEY_OFFSETS = 16;

type Obj = Record<string, unknown>;

function fail(where: string, field: string, why: string): never {
  throw new A2mError(`${where}: config.${field} ${why}`);
}

function object(v: unknown, where: string, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, field, `must be an object, got ${JSON.stringify(v)}`);
  return v as Obj;
}

function checkNumber(v: unknown, rule: NumberRule, where: string, field: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (rule.int && !Number.isInteger(v)) || v < rule.lo || v > rule.hi) {
    fail(where, field, `must be ${rule.int ? 'an integer' : 'a number'} in ${rule.lo}..${rule.hi}, got ${JSON.stringify(v)}`);
  }
}

function checkFields(o: Obj, rules: Record<string, NumberRule>, where: string, prefix: string): void {
  for (const [k, rule] of Object.entries(rules)) checkNumber(o[k], rule, where, `${prefix}${k}`);
}

function checkList(v: unknown, rule: NumberRule, maxLength: number, where: string, field: string): number[] {
  if (!Array.isArray(v) || v.length > maxLength) fail(where, field, `must be a list of at most ${maxLength} numbers, got ${JSON.stringify(v)?.slice(0, 80)}`);
  v.forEach((x, i) => checkNumber(x, rule, where, `${field}[${i}]`));
  return v as number[];
}

/**
 * Checks a config read from `where` (a model.json path) and returns it typed.
 * Every numeric field must be a finite number within its bounds, and the
 * shapes must fit together (frames divide the window, heads divide the width).
 */
export function checkModelConfig(value: unknown, where: string): ModelConfig {
  const c = object(value, where, '');
  if (typeof c.preset !== 'string' || c.preset.length > 100) fail(where, 'preset', `must be a preset name, got ${JSON.stringify(c.preset)}`);
  checkFields(c, GRID_RULES, where, '');
  if ((c.windowSamples as number) % (c.frames as number) !== 0) fail(where, 'frames', `(${c.frames}) must divide windowSamples (${c.windowSamples})`);

  const fe = object(c.frontend, where, 'frontend');
  const kind = fe.kind;
  if (kind !== 'convnext' && kind !== 'logspec') fail(where, 'frontend.kind', `must be "convnext" or "logspec", got ${JSON.stringify(kind)}`);
  checkFields(fe, FRONTEND_RULES[kind], where, 'frontend.');
  if (kind === 'convnext') {
    const dims = checkList(fe.dims, STAGES.dim, STAGES.maxStages, where, 'frontend.dims');
    const depths = checkList(fe.depths, STAGES.depth, STAGES.maxStages, where, 'frontend.depths');
    if (dims.length !== depths.length || dims.length === 0) fail(where, 'frontend.depths', `must have one entry per width in frontend.dims (${dims.length}), got ${depths.length}`);
  } else if (fe.quietGain !== undefined) {
    checkNumber(fe.quietGain, QUIET_GAIN, where, 'frontend.quietGain');
  }

  const tr = object(c.transformer, where, 'transformer');
  checkFields(tr, TRANSFORMER_RULES, where, 'transformer.');

  if (!Array.isArray(c.heads) || c.heads.some((h) => !(HEAD_NAMES as readonly string[]).includes(h)) || new Set(c.heads).size !== c.heads.length) {
    fail(where, 'heads', `must list distinct heads from ${HEAD_NAMES.join(', ')}, got ${JSON.stringify(c.heads)}`);
  }
  if (c.keyHead !== undefined) {
    const kh = object(c.keyHead, where, 'keyHead');
    checkFields(kh, KEY_HEAD_RULES, where, 'keyHead.');
    checkList(kh.offsets, KEY_OFFSET, MAX_KEY_OFFSETS, where, 'keyHead.offsets');
  }
  return c as unknown as ModelConfig;
}
