// Security issue #17, numeric options: `--jobs abc` used to become NaN, start
// zero workers and exit 0 (`dataset check --jobs abc` said "clean" for a
// dataset with errors). Every numeric option is parsed strictly and refused
// with an A2mError naming the option, the rule and what was typed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import yargs, { type CommandModule } from 'yargs';
import { A2mError } from '../../src/errors.js';
import { intInRange, nonNegativeInt, numberInRange, positiveInt, positiveNumber } from '../../src/cli/options.js';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
let dir: string;
before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-sec-opt-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const refuses = (coerce: (raw: unknown) => number, raw: unknown, message: string) =>
  assert.throws(() => coerce(raw), (e: unknown) => e instanceof A2mError && e.message === message, String(raw));

test('the factories: strict parsing, one-line messages quoting what was typed', () => {
  const jobs = positiveInt('jobs').coerce;
  assert.equal(jobs('3'), 3);
  assert.equal(jobs(' 12 '), 12);
  assert.equal(jobs('1e2'), 100);
  assert.equal(jobs(2), 2, 'defaults pass through the same check');
  refuses(jobs, 'abc', '--jobs: expected a positive integer, got "abc"');
  for (const bad of ['0', '-1', '1.5', '', 'NaN', 'Infinity', '1e400', '0x10', '2abc', '9007199254740993']) {
    assert.throws(() => jobs(bad), /^A2mError: --jobs: expected a positive integer, got "/, bad);
  }
  refuses(jobs, ['1', '2'], '--jobs: expected a positive integer, got 2 values ("1", "2"); give it once');
  refuses(positiveInt('jobs', 256).coerce, '257', '--jobs: expected a positive integer <= 256, got "257"');
  refuses(intInRange('ios', 15, 18).coerce, '19', '--ios: expected an integer 15..18, got "19"');
  assert.equal(intInRange('ios', 15, 18).coerce('17'), 17);
  refuses(nonNegativeInt('seed').coerce, '-3', '--seed: expected an integer >= 0, got "-3"');
  assert.equal(nonNegativeInt('seed').coerce('0'), 0);
  refuses(numberInRange('hours', 0, 100000).coerce, 'inf', '--hours: expected a number 0..100000, got "inf"');
  assert.equal(numberInRange('hours', 0, 100000).coerce('0.25'), 0.25);
  refuses(positiveNumber('lr', 1).coerce, '0', '--lr: expected a number > 0 and <= 1, got "0"');
  refuses(positiveNumber('max-minutes').coerce, '-5', '--max-minutes: expected a number > 0, got "-5"');
});

/** Parses argv with one command module as the CLI does; the bad value must stop it before the handler. */
async function parseError(file: string, argv: string[]): Promise<string> {
  const mod = (await import(path.join(projectRoot, 'src', 'cli', 'commands', `${file}.ts`))).default as CommandModule;
  const wrapped: CommandModule = { ...mod, handler: () => { throw new Error(`${file}: handler ran for ${argv.join(' ')}`); } };
  try {
    await yargs(argv).command(wrapped).strict().fail((msg, err) => { throw err ?? new A2mError(msg); }).parseAsync();
  } catch (e) {
    // yargs rethrows a coerce error as its own YError with the same message; the CLI prints that one line.
    assert.ok(e instanceof Error, String(e));
    assert.ok(!e.message.includes('\n'));
    return e.message;
  }
  throw new Error(`${argv.join(' ')}: accepted`);
}

test('every command refuses bad numeric options before doing anything', { timeout: 120_000 }, async () => {
  const cases: [string, string[], RegExp][] = [
    ['transcribe', ['transcribe', 'x.wav', '--jobs', 'abc'], /^--jobs: expected a positive integer <= 256, got "abc"$/],
    ['dataset', ['dataset', 'check', 'd', '--jobs', 'abc'], /^--jobs: expected a positive integer/],
    ['dataset', ['dataset', 'render', '--out', 'o', '--jobs', '0'], /^--jobs: .* got "0"$/],
    ['dataset', ['dataset', 'render', '--out', 'o', '--hours', 'lots'], /^--hours: expected a number 0\.\.100000, got "lots"$/],
    ['dataset', ['dataset', 'render', '--out', 'o', '--seed', '1.5'], /^--seed: expected an integer >= 0/],
    ['dataset', ['dataset', 'export-midi', 'a.csv', '--out', 'o', '--program', '128'], /^--program: expected an integer 0\.\.127, got "128"$/],
    ['export', ['export', '-o', 'o', '--batch', '0'], /^--batch: expected a positive integer, got "0"$/],
    ['export', ['export', '-o', 'o', '--ios', '14'], /^--ios: expected an integer 15\.\.18, got "14"$/],
    ['convert', ['convert', 'm', '-o', 'o', '--batch', 'two'], /^--batch: /],
    ['convert', ['convert', 'm', '-o', 'o', '--ios', '19'], /^--ios: /],
    ['bundle', ['bundle', '-o', 'o', '--ios', 'x'], /^--ios: /],
    ['train', ['train', '--data', 'd', '--val', 'v', '--steps', 'abc'], /^--steps: expected a positive integer, got "abc"$/],
    ['train', ['train', '--data', 'd', '--val', 'v', '--lr', 'NaN'], /^--lr: /],
    ['train', ['train', '--data', 'd', '--val', 'v', '--clip-norm', '0'], /^--clip-norm: expected a number > 0/],
    ['train', ['train', '--data', 'd', '--val', 'v', '--keep', '-1'], /^--keep: /],
    ['train', ['train', '--data', 'd', '--val', 'v', '--max-minutes', '1e999'], /^--max-minutes: /],
  ];
  for (const [file, argv, re] of cases) assert.match(await parseError(file, argv), re, argv.join(' '));
});

test('a2m dataset check --jobs abc on a dataset with errors: refused, exit 1 (it used to say "clean")', { timeout: 60_000 }, async () => {
  // A pair whose only error is a CSV line: found by the workers alone (zero workers found nothing).
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono:d=1', path.join(dir, 'piece.wav')]);
  await writeFile(path.join(dir, 'piece.csv'), '0,0.5,60,0.5\n0,0.5,200,0.5\n');
  const a2m = (...args: string[]) => execa(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'dataset', 'check', dir, ...args], { reject: false, timeout: 50_000, env: { A2M_DEV: '1' } }); // the sources, not a possibly stale dist/
  const r = await a2m('--jobs', 'abc');
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /a2m: error: --jobs: expected a positive integer <= 256, got "abc"/);
  assert.doesNotMatch(r.stdout, /clean/);
  const ok = await a2m('--jobs', '1');
  assert.equal(ok.exitCode, 1);
  assert.match(ok.stderr, /piece\.csv:2: column 3 \(key\)/);
});
