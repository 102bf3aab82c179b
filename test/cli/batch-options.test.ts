/**
 * --batch (#21): `export --batch dynamic|N`, `transcribe/validate --batch N`
 * (windows per model call, 1..MAX_BATCH) parse strictly and refuse anything
 * else before the handler runs, as every numeric option does (test/security/options.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import yargs, { type CommandModule } from 'yargs';
import { A2mError } from '../../src/errors.js';
import { positiveIntOr } from '../../src/cli/options.js';
import { MAX_BATCH } from '../../src/infer/backends.js';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

/** The value the handler would get for `key`, or the one-line error that stopped it. */
async function parse(file: string, argv: string[], key: string): Promise<unknown> {
  const mod = (await import(path.join(projectRoot, 'src', 'cli', 'commands', `${file}.ts`))).default as CommandModule;
  let got: unknown;
  const wrapped: CommandModule = { ...mod, handler: (a) => { got = (a as Record<string, unknown>)[key]; } };
  try {
    await yargs(argv).command(wrapped).strict().fail((msg, err) => { throw err ?? new A2mError(msg); }).parseAsync();
  } catch (e) {
    return (e as Error).message;
  }
  return got;
}

test('positiveIntOr: the word, or a strict positive integer', () => {
  const { coerce } = positiveIntOr('batch', 'dynamic', 8);
  assert.equal(coerce('dynamic'), 'dynamic');
  assert.equal(coerce('3'), 3);
  for (const bad of ['Dynamic', '0', '9', '1.5', 'abc', '']) assert.throws(() => coerce(bad), /^A2mError: --batch: expected a positive integer <= 8, got "/, bad);
});

test('export, transcribe and validate: --batch values', { timeout: 60_000 }, async () => {
  assert.equal(await parse('export', ['export', '-o', 'o'], 'batch'), 'dynamic', 'export defaults to a dynamic batch');
  assert.equal(await parse('export', ['export', '-o', 'o', '--batch', 'dynamic'], 'batch'), 'dynamic');
  assert.equal(await parse('export', ['export', '-o', 'o', '--batch', '4'], 'batch'), 4);
  assert.equal(await parse('transcribe', ['transcribe', 'x.wav', '--batch', '8'], 'batch'), 8);
  assert.equal(await parse('transcribe', ['transcribe', 'x.wav'], 'batch'), undefined, 'unset: the runner picks DEFAULT_BATCH');
  assert.equal(await parse('transcribe', ['transcribe', 'x.wav', '--batch', String(MAX_BATCH + 1)], 'batch'), `--batch: expected a positive integer <= ${MAX_BATCH}, got "${MAX_BATCH + 1}"`);
  assert.equal(await parse('validate', ['validate', 'd', '--batch', 'dynamic'], 'batch'), `--batch: expected a positive integer <= ${MAX_BATCH}, got "dynamic"`);
  assert.equal(await parse('validate', ['validate', 'd', '--batch', '2'], 'batch'), 2);
});
