/**
 * Every IR op answered everywhere the add-op recipe (docs/CONTRIBUTING.md) names: its facts in
 * OPS, every format's emitter table and README op table, the op-case catalogue the converter
 * tests run, the tfjs importer's source table and the Python TF rebuild. Each failure names the op and the place
 * it is missing, so a new op cannot be half-added silently. Static: loads no runtime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OP_NAMES, OPS, type OpDef, type OpName } from '../../src/ir/ops.js';
import { projectRoot } from '../../src/util/paths.js';
import { pickEmitter as onnxEmitter } from '../../converters/onnx/emitters.js';
import { SUPPORTED_OPSETS } from '../../converters/onnx/facts.js';
import { pickEmitter as coremlEmitter } from '../../converters/coreml/emitters.js';
import { IOS_TARGETS, type IosTarget } from '../../converters/coreml/format.js';
import { EMITTERS as TFLITE_EMITTERS } from '../../converters/tflite/emitters.js';
import { EMITTERS as SAVEDMODEL_EMITTERS } from '../../converters/savedmodel/emitters.js';
import { EMITTERS as TFJS_EMITTERS } from '../../converters/tfjs/emitters.js';
import { IMPORT_RULES, IR_OP_SOURCES } from '../../converters/tfjs/import-table.js';
import { OP_CASES } from '../converters/onnx/op-graphs.js';

/** Each place an op must be answered: the file to edit, and what is missing there for `op` (null: present). */
const PLACES: { file: string; missing(op: OpName): string | null }[] = [
  {
    file: 'src/ir/ops.ts (OPS)',
    missing: (op) => {
      const def = OPS[op] as OpDef | undefined;
      if (!def) return 'no OpDef';
      if (typeof def.flops !== 'function' || typeof def.evaluate !== 'function' || typeof def.inferShape !== 'function') return 'OpDef lacks flops / evaluate / inferShape';
      return def.inputs.length ? null : 'OpDef has no inputs';
    },
  },
  {
    file: 'converters/onnx/emitters.ts',
    missing: (op) => {
      const at = SUPPORTED_OPSETS.filter((v) => typeof onnxEmitter(op, v) !== 'function');
      return at.length ? `no emitter at opset ${at.join(', ')} (${onnxEmitter(op, at[0]!)})` : null;
    },
  },
  {
    file: 'converters/coreml/emitters.ts',
    missing: (op) => {
      const at = (Object.keys(IOS_TARGETS).map(Number) as IosTarget[]).filter((ios) => !coremlEmitter(op, ios));
      return at.length ? `no MIL lowering at iOS ${at.join(', ')}` : null;
    },
  },
  { file: 'converters/tflite/emitters.ts', missing: (op) => (TFLITE_EMITTERS[op] ? null : 'no emitter') },
  { file: 'converters/savedmodel/emitters.ts', missing: (op) => (SAVEDMODEL_EMITTERS[op] ? null : 'no emitter') },
  { file: 'converters/tfjs/emitters.ts', missing: (op) => (TFJS_EMITTERS[op] ? null : 'no emitter') },
  {
    file: 'converters/tfjs/import-table.ts (IR_OP_SOURCES)',
    missing: (op) => {
      const sources = (IR_OP_SOURCES as Record<string, readonly string[] | undefined>)[op];
      if (!sources) return 'no entry (list the TF ops that import to it, or [] when TF spells it out)';
      const ruleless = sources.filter((tf) => !IMPORT_RULES[tf]);
      return ruleless.length ? `names TF op(s) ${ruleless.join(', ')} that have no IMPORT_RULES entry` : null;
    },
  },
  {
    file: 'test/converters/onnx/op-graphs.ts (OP_CASES)',
    missing: (op) => {
      const make = (OP_CASES as Record<string, (() => { graph: { nodes: { op: string }[] } }) | undefined>)[op];
      if (!make) return 'no op case';
      return make().graph.nodes.some((n) => n.op === op) ? null : 'its op case has no node of this op';
    },
  },
  // Each format README's op table (ONNX's README points to emitters.ts as its table instead).
  ...['coreml', 'tflite', 'savedmodel', 'tfjs'].map((format) => ({
    file: `converters/${format}/README.md`,
    missing: (op: OpName) => (new RegExp(`\\b${op}\\b`).test(readme(format)) ? null : 'not in its op table'),
  })),
  {
    file: 'bench/tf_train_step.py (OPS)',
    missing: (op) => (pythonOps().has(op) ? null : 'no TF mapping (the serialize test compares it with OP_NAMES)'),
  },
];

const readmes = new Map<string, string>();
const readme = (format: string): string => {
  if (!readmes.has(format)) readmes.set(format, readFileSync(path.join(projectRoot, 'converters', format, 'README.md'), 'utf8'));
  return readmes.get(format)!;
};

let pythonOpNames: Set<string> | undefined;
/** The keys of the Python rebuild's OPS dict: one `"Name": lambda` line each. */
function pythonOps(): Set<string> {
  pythonOpNames ??= new Set([...readFileSync(path.join(projectRoot, 'bench', 'tf_train_step.py'), 'utf8').matchAll(/^\s+"(\w+)": lambda/gm)].map((m) => m[1]!));
  return pythonOpNames;
}

/** Every (op, place) pair that is missing, as one line each. */
export function missingPlaces(ops: readonly OpName[]): string[] {
  const out: string[] = [];
  for (const op of ops) for (const p of PLACES) {
    const why = p.missing(op);
    if (why) out.push(`${op}: ${p.file}: ${why}`);
  }
  return out;
}

test('every IR op is answered in every place the add-op recipe names', () => {
  const missing = missingPlaces(OP_NAMES);
  assert.deepEqual(missing, [], `add the op there (docs/CONTRIBUTING.md, "Adding an IR op"):\n${missing.join('\n')}`);
});

test('the check names the op and the place when an entry is missing', () => {
  const onnx = PLACES.find((p) => p.file.startsWith('converters/onnx'))!;
  const saved = (TFLITE_EMITTERS as Record<string, unknown>).Sqrt;
  delete (TFLITE_EMITTERS as Record<string, unknown>).Sqrt;
  try {
    assert.deepEqual(missingPlaces(['Sqrt']), ['Sqrt: converters/tflite/emitters.ts: no emitter']);
  } finally {
    (TFLITE_EMITTERS as Record<string, unknown>).Sqrt = saved;
  }
  assert.equal(onnx.missing('Sqrt'), null);
});

test('each op states its FLOPs on its op case: finite, and zero only for layout ops', () => {
  for (const op of OP_NAMES) {
    const { graph } = OP_CASES[op]();
    for (const n of graph.nodes.filter((m) => m.op === op)) {
      const def = OPS[op] as OpDef;
      const f = def.flops(n.inputs.map((i) => graph.shapes.get(i)!), graph.shapes.get(n.output)!, n.attrs);
      assert.ok(Number.isFinite(f) && f >= 0, `${op}: flops ${f}`);
      assert.equal(f === 0, def.kind === 'layout', `${op} (${def.kind}): flops ${f}`);
    }
  }
});

test('input roles: learned weights are the kernels of Dense / Conv, learned params their biases and norms', () => {
  const roles = Object.fromEntries(OP_NAMES.map((op) => [op, (OPS[op] as OpDef).inputs.map((i) => `${i.name}:${i.role}${i.optional ? '?' : ''}`).join(' ')]));
  for (const op of ['Dense', 'Conv1D', 'Conv2D'] as const) assert.equal(roles[op], 'x:activation w:weight bias:param?');
  assert.equal(roles.LayerNorm, 'x:activation gamma:param beta:param');
  for (const op of OP_NAMES) {
    const def = OPS[op] as OpDef;
    if (def.kind === 'elementwise' || def.kind === 'layout') assert.ok(def.inputs.every((i) => i.role === 'activation'), `${op}: ${roles[op]}`);
  }
});
