/**
 * JSON Schema (draft 2020-12) of the verify report, version 1. docs/verify.md
 * carries a copy (a test keeps the two identical) and test/verify validates
 * real reports against it with Ajv.
 */
import { PRECISIONS } from '../../converters/types.js';

const num = { type: 'number' } as const;
const numOrNull = { type: ['number', 'null'] } as const;
const str = { type: 'string' } as const;
const shape = { type: 'array', items: { type: 'integer', minimum: 0 } } as const;
const precision = { enum: [...PRECISIONS] };

const tolerance = {
  type: 'object',
  required: ['atol', 'rtol', 'tensors', 'exactNotes', 'minNoteF1', 'bisect'],
  properties: {
    atol: { type: 'number', minimum: 0 }, rtol: { type: 'number', minimum: 0 },
    tensors: { type: 'boolean' }, exactNotes: { type: 'boolean' },
    minNoteF1: { type: 'number', minimum: 0 }, bisect: { type: 'number', minimum: 0 },
  },
} as const;

const output = {
  type: 'object',
  required: ['name', 'maxAbs', 'maxRel', 'meanAbs', 'cosine', 'pctBeyond', 'nonFinite', 'withinTolerance'],
  properties: {
    name: str, maxAbs: numOrNull, maxRel: numOrNull, meanAbs: numOrNull, cosine: numOrNull,
    pctBeyond: { type: 'number', minimum: 0, maximum: 100 }, nonFinite: { type: 'integer', minimum: 0 }, withinTolerance: { type: 'boolean' },
  },
} as const;

const notes = {
  type: ['object', 'null'],
  required: ['f1', 'exact', 'cases'],
  properties: {
    f1: { type: 'number', minimum: 0, maximum: 1 }, exact: { type: 'boolean' },
    cases: {
      type: 'array',
      items: {
        type: 'object', required: ['case', 'goldenNotes', 'notes', 'f1', 'exact'],
        properties: { case: str, goldenNotes: { type: 'integer', minimum: 0 }, notes: { type: 'integer', minimum: 0 }, f1: { type: 'number', minimum: 0, maximum: 1 }, exact: { type: 'boolean' }, withinTolerance: { type: 'boolean' } },
      },
    },
  },
} as const;

const bisect = {
  type: ['object', 'null'],
  required: ['status', 'message', 'case', 'node', 'error', 'threshold', 'exports', 'probes', 'seconds'],
  properties: {
    status: { enum: ['found', 'not-found', 'error'] }, message: str, case: str,
    node: {
      type: ['object', 'null'], required: ['name', 'op', 'inputs', 'outputShape'],
      properties: {
        name: str, op: str, outputShape: shape,
        inputs: { type: 'array', items: { type: 'object', required: ['name', 'shape', 'kind'], properties: { name: str, shape, kind: { enum: ['input', 'constant', 'node'] } } } },
      },
    },
    error: { type: ['object', 'null'], required: ['maxAbs', 'maxRef', 'relative'], properties: { maxAbs: numOrNull, maxRef: num, relative: numOrNull } },
    threshold: num, exports: { type: 'integer', minimum: 0 }, probes: { type: 'integer', minimum: 0 }, seconds: num,
  },
} as const;

const row = {
  type: 'object',
  required: ['format', 'precision', 'artifact', 'runtime', 'oracle', 'status', 'failures', 'error', 'bytes', 'latencyMs', 'outputs', 'notes', 'bisect'],
  properties: {
    format: str, precision, artifact: str, runtime: str, oracle: { type: 'boolean' },
    status: { enum: ['pass', 'fail', 'error'] },
    failures: { type: 'array', items: str },
    error: { type: ['string', 'null'] },
    bytes: { type: ['integer', 'null'], minimum: 0 },
    latencyMs: { type: ['object', 'null'], required: ['load', 'firstWindow', 'medianWindow'], properties: { load: num, firstWindow: num, medianWindow: num } },
    outputs: { type: 'array', items: output },
    notes, bisect,
  },
} as const;

export const REPORT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/audio-to-midi/audio-to-midi/docs/verify-report-v1.schema.json',
  title: 'a2m verify report, version 1',
  type: 'object',
  required: ['schema', 'version', 'tool', 'toolVersion', 'passed', 'exportDir', 'export', 'golden', 'tolerances', 'summary', 'results'],
  properties: {
    schema: { const: 'a2m-verify-report' },
    version: { const: 1 },
    tool: { const: 'audio-to-midi' },
    toolVersion: str,
    passed: { type: 'boolean' },
    exportDir: str,
    export: { type: 'object', required: ['preset', 'modelSha256', 'batch'], properties: { preset: str, modelSha256: str, batch: { type: 'integer', minimum: 1 } } },
    golden: {
      type: 'object', required: ['dir', 'modelSha256', 'producedBy', 'cases'],
      properties: { dir: { type: ['string', 'null'] }, modelSha256: str, producedBy: str, cases: { type: 'array', items: str } },
    },
    tolerances: { type: 'object', required: [...PRECISIONS], properties: Object.fromEntries(PRECISIONS.map((p) => [p, tolerance])) },
    summary: {
      type: 'object', required: ['rows', 'passed', 'failed', 'errors'],
      properties: { rows: { type: 'integer', minimum: 0 }, passed: { type: 'integer', minimum: 0 }, failed: { type: 'integer', minimum: 0 }, errors: { type: 'integer', minimum: 0 } },
    },
    results: { type: 'array', items: row },
    batchParity: {
      type: 'array',
      items: {
        type: 'object', required: ['format', 'precision', 'artifact', 'runtime', 'oracle', 'batch', 'maxAbsError', 'beyond', 'status'],
        properties: {
          format: str, precision: { enum: [...PRECISIONS] }, artifact: str, runtime: str, oracle: { type: 'boolean' },
          batch: { type: 'integer', minimum: 1 }, maxAbsError: { type: ['number', 'null'] }, beyond: { type: 'integer', minimum: 0 },
          status: { enum: ['pass', 'fail', 'error'] }, note: str,
        },
      },
    },
  },
} as const;
