/**
 * format.ts against TensorFlow's own generated schema (schema_py_generated.py
 * in the venv's TF 2.21): enum values, options union indices, and the vtable
 * slot and default of every field we write or read. The facts are typed in by
 * hand from schema.fbs; this proves them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../src/util/paths.js';
import {
  BUILTIN_OPERATOR_NAMES, BUILTIN_OPTIONS_NAMES, EMITTED_OPS, OPTIONS_TABLES, SLOTS, TENSOR_TYPE_NAMES, type FieldSpec,
} from '../../../converters/tflite/format.js';

function findSchemaPy(): string | null {
  const lib = path.join(projectRoot, '.venv', 'lib');
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const f = path.join(lib, py, 'site-packages', 'tensorflow', 'lite', 'python', 'schema_py_generated.py');
    if (existsSync(f)) return f;
  }
  return null;
}
const schemaPy = findSchemaPy();
const SKIP = schemaPy ? false : 'skipped: TensorFlow (schema_py_generated.py) not in .venv';
const src = schemaPy ? readFileSync(schemaPy, 'utf8') : '';

/** `class Name(object):` followed by `    KEY = value` lines. */
function pyEnum(name: string): Map<string, number> {
  const block = src.split(`\nclass ${name}(object):\n`)[1]?.split('\n\n')[0] ?? '';
  return new Map([...block.matchAll(/^ {4}(\w+) = (-?\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** `def <Table>Add<Field>(builder, x): builder.Prepend<T>Slot(<slot>, x, <default>)` -> snake_case field -> slot, default. */
function pyFields(table: string): Map<string, { slot: number; dflt: string }> {
  const re = new RegExp(`^def ${table}Add(\\w+)\\(builder, \\w+\\):\\n\\s+builder\\.Prepend\\w+Slot\\((\\d+), [^,]+, ([^)]+)\\)`, 'gm');
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
  return new Map([...src.matchAll(re)].map((m) => [snake(m[1]!), { slot: Number(m[2]), dflt: m[3]!.trim() }]));
}

test('enum values: BuiltinOperator, BuiltinOptions, TensorType', { skip: SKIP }, () => {
  for (const [enumName, list] of [['BuiltinOperator', BUILTIN_OPERATOR_NAMES], ['BuiltinOptions', BUILTIN_OPTIONS_NAMES], ['TensorType', TENSOR_TYPE_NAMES]] as const) {
    const upstream = pyEnum(enumName);
    assert.ok(upstream.size > 10, `${enumName} parsed from ${schemaPy}`);
    list.forEach((name, code) => { if (name) assert.equal(upstream.get(name), code, `${enumName}.${name}`); });
  }
  // The codes FORMATS.md lists, as the emitters use them.
  for (const [name, code] of Object.entries({ ADD: 0, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9, LOGISTIC: 14, MUL: 18, RESHAPE: 22, SOFTMAX: 25, TRANSPOSE: 39, MEAN: 40, SUB: 41, DIV: 42, SLICE: 65, LOG: 73, SQRT: 75, RSQRT: 76, SQUARED_DIFFERENCE: 99, BATCH_MATMUL: 126, GELU: 150 })) {
    assert.equal(BUILTIN_OPERATOR_NAMES.indexOf(name as never), code, name);
  }
});

const DEPRECATED = new Set(['SignatureDef.deprecated_tag']);

test('table field slots and defaults', { skip: SKIP }, () => {
  const tables: [string, Record<string, number | FieldSpec>][] = [
    ...Object.entries(SLOTS) as [string, Record<string, number>][],
    ...Object.entries(OPTIONS_TABLES) as [string, Record<string, FieldSpec>][],
  ];
  for (const [table, fields] of tables) {
    const upstream = pyFields(table);
    for (const [field, spec] of Object.entries(fields)) {
      // Deprecated fields keep their slot but generated code has no builder for them.
      if (DEPRECATED.has(`${table}.${field}`)) continue;
      const slot = typeof spec === 'number' ? spec : spec.slot;
      // Union members appear upstream as <field>_type (slot n) and <field> (slot n+1).
      const up = upstream.get(field);
      assert.ok(up, `${table}.${field} exists upstream (fields: ${[...upstream.keys()].join(', ')})`);
      assert.equal(up.slot, slot, `${table}.${field} slot`);
      if (typeof spec !== 'number') {
        const dflt = spec.default ?? 0;
        assert.equal(Number(up.dflt === 'True' ? 1 : up.dflt === 'False' ? 0 : up.dflt), dflt, `${table}.${field} default`);
      }
    }
  }
});

test('every emitted op names an options table that exists, as the op\'s union member', { skip: SKIP }, () => {
  for (const [op, spec] of Object.entries(EMITTED_OPS)) {
    assert.ok(BUILTIN_OPERATOR_NAMES.includes(op as never), op);
    if (spec.options) assert.ok(BUILTIN_OPTIONS_NAMES.indexOf(spec.options) > 0, `${op} -> ${spec.options}`);
  }
});
