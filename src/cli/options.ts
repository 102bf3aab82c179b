/**
 * Validated numeric options for yargs. yargs turns `--jobs abc` into NaN and
 * passes it on; NaN then fails every comparison, so a worker pool of
 * `Math.min(NaN, n)` workers starts none and the command "succeeds" having
 * done nothing. Each factory here returns option settings to spread into an
 * `.option()` definition:
 *
 *   .option('jobs', { ...positiveInt('jobs'), default: 2, describe: '...' })
 *
 * The value is kept as the raw text (`string: true`) so the error can quote
 * exactly what was typed, while help still shows [number]; `coerce` parses it
 * strictly (plain decimal or exponent notation: no hex, no "Infinity", no
 * empty string) and throws an A2mError such as
 *   --jobs: expected a positive integer, got "abc"
 * Defaults go through the same check.
 */
import { A2mError } from '../errors.js';

/** What an option definition gets from a factory. */
export interface NumericOption {
  type: 'number';
  string: true;
  requiresArg: true;
  coerce: (raw: unknown) => number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Builds an option whose value must parse as a finite number and pass `ok` (`expected` words the rule). */
export function numericOption(name: string, expected: string, ok: (v: number) => boolean): NumericOption {
  const fail = (got: string): never => {
    throw new A2mError(`--${name}: expected ${expected}, got ${got}`);
  };
  return {
    type: 'number', string: true, requiresArg: true,
    coerce: (raw: unknown): number => {
      if (Array.isArray(raw)) return fail(`${raw.length} values (${raw.map((r) => JSON.stringify(String(r))).join(', ')}); give it once`);
      const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : fail(JSON.stringify(raw) ?? String(raw));
      const v = DECIMAL.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(v) || !ok(v)) fail(JSON.stringify(text));
      return v;
    },
  };
}

/** An integer >= 1 (and <= max): worker counts, steps, batch sizes. */
export function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER): NumericOption {
  const expected = max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `a positive integer <= ${max}`;
  return numericOption(name, expected, (v) => Number.isSafeInteger(v) && v >= 1 && v <= max);
}

/**
 * Exactly `word` (`--batch dynamic`), or a positive integer <= max parsed as
 * strictly as positiveInt, with positiveInt's message (the option's help
 * names the word).
 */
export function positiveIntOr<W extends string>(name: string, word: W, max = Number.MAX_SAFE_INTEGER): { type: 'string'; requiresArg: true; coerce: (raw: unknown) => number | W } {
  const int = positiveInt(name, max);
  return { type: 'string', requiresArg: true, coerce: (raw: unknown) => (raw === word ? word : int.coerce(raw)) };
}

/** An integer >= 0: seeds, counts that may be zero. */
export function nonNegativeInt(name: string): NumericOption {
  return numericOption(name, 'an integer >= 0', (v) => Number.isSafeInteger(v) && v >= 0);
}

/** An integer lo..hi inclusive. */
export function intInRange(name: string, lo: number, hi: number): NumericOption {
  return numericOption(name, `an integer ${lo}..${hi}`, (v) => Number.isSafeInteger(v) && v >= lo && v <= hi);
}

/** A finite number lo..hi inclusive. */
export function numberInRange(name: string, lo: number, hi: number): NumericOption {
  return numericOption(name, `a number ${lo}..${hi}`, (v) => v >= lo && v <= hi);
}

/** A finite number > 0 (and <= max). */
export function positiveNumber(name: string, max = Number.MAX_VALUE): NumericOption {
  const expected = max === Number.MAX_VALUE ? 'a number > 0' : `a number > 0 and <= ${max}`;
  return numericOption(name, expected, (v) => v > 0 && v <= max);
}
