/** Validates verify reports against the documented JSON Schema with Ajv (an independent validator). */
import Ajv2020Module from 'ajv/dist/2020.js';
import { REPORT_SCHEMA } from '../../src/verify/report-schema.js';

// ajv ships CommonJS with `exports.default`; under NodeNext the default import is the module object.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(REPORT_SCHEMA);

/** Problems of `report` against REPORT_SCHEMA (empty when valid). */
export function schemaErrors(report: unknown): string[] {
  // JSON round trip: what a user's CI parses, not our in-memory object.
  return validate(JSON.parse(JSON.stringify(report))) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
