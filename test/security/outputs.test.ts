// Security issue #17, transcribe outputs: inputs sharing a file name must not
// overwrite each other under --out-dir, -o / --plot / --events must be
// different files (and none of them an input), the no-overwrite rule must
// hold without a check-then-write race, and default names must be right for
// dotted folders and hidden files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import ToneMidi from '@tonejs/midi';
import { A2mError } from '../../src/errors.js';
import { planOutputs, stripExtension, type OutputOptions, type TranscribeInput } from '../../src/cli/outputs.js';
import { writeOutputFile } from '../../src/infer/midi-out.js';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const DEMO = path.join(projectRoot, 'fixtures', 'demo', 'melody-over-chords.flac');
let dir: string;
before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-sec-out-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const fromFolder = (root: string, ...files: string[]): TranscribeInput[] => files.map((f) => ({ file: path.join(root, f), fromFolder: true, root }));
const given = (...files: string[]): TranscribeInput[] => files.map((f) => ({ file: f, fromFolder: false, root: f }));
const refused = (inputs: TranscribeInput[], o: OutputOptions, re: RegExp) =>
  assert.throws(() => planOutputs(inputs, o), (e: unknown) => e instanceof A2mError && re.test(e.message) && !e.message.includes('\n'));

test('default output names: dotted folders and names, hidden files', () => {
  const mid = (f: string) => planOutputs(given(f), {})[0]!.mid;
  assert.equal(mid('take.v2/recording'), 'take.v2/recording.mid');
  assert.equal(mid('song.v2.wav'), 'song.v2.mid');
  assert.equal(mid('.hidden.wav'), '.hidden.mid');
  assert.equal(mid('.hidden'), '.hidden.mid');
  assert.equal(mid('dir.x/.hidden'), 'dir.x/.hidden.mid');
  assert.equal(stripExtension('a.b/c.d.flac'), 'a.b/c.d');
  // Events follow the MIDI file's name (-o or default), with the same rule.
  assert.equal(planOutputs(given('take.v2/rec'), { events: 'csv' })[0]!.events, 'take.v2/rec.csv');
  assert.equal(planOutputs(given('in.wav'), { out: 'o.v1/x.v2.mid', events: 'json' })[0]!.events, 'o.v1/x.v2.json');
});

test('--out-dir mirrors folders and tells same-stem inputs apart', () => {
  // a/x.wav, a/x.flac, b/x.wav: one run, three different files (they used to be one x.mid).
  const plans = planOutputs(fromFolder('.', 'a/x.flac', 'a/x.wav', 'b/x.wav'), { outDir: 'o', events: 'csv', plot: 'yes' });
  assert.deepEqual(plans.map((p) => p.mid), ['o/a/x.flac.mid', 'o/a/x.wav.mid', 'o/b/x.mid']);
  assert.deepEqual(plans.map((p) => p.events), ['o/a/x.flac.csv', 'o/a/x.wav.csv', 'o/b/x.csv']);
  assert.deepEqual(plans.map((p) => p.plot), ['o/a/x.flac.png', 'o/a/x.wav.png', 'o/b/x.png']);
  // The same files given as two folder arguments, or one by one: the deepest common folder is the base.
  const twoFolders = [...fromFolder('rec/a', 'x.flac', 'x.wav'), ...fromFolder('rec/b', 'x.wav')];
  assert.deepEqual(planOutputs(twoFolders, { outDir: 'o' }).map((p) => p.mid), ['o/a/x.flac.mid', 'o/a/x.wav.mid', 'o/b/x.mid']);
  assert.deepEqual(planOutputs(given('rec/a/x.wav', 'rec/b/x.wav'), { outDir: 'o' }).map((p) => p.mid), ['o/a/x.mid', 'o/b/x.mid']);
  // One folder: its own files land directly in --out-dir (as before), sub-folders are kept.
  assert.deepEqual(planOutputs(fromFolder('rec', 'x.wav', 'sub/y.wav'), { outDir: 'o' }).map((p) => p.mid), ['o/x.mid', 'o/sub/y.mid']);
  assert.deepEqual(planOutputs(given('/abs/song.wav'), { outDir: 'o' }).map((p) => p.mid), ['o/song.mid']);
});

test('outputs that would be one file, or an input, are refused before any work', () => {
  refused(given('in.wav'), { out: 'x.png', plot: 'x.png' }, /x\.png: the MIDI output of in\.wav and the plot output of in\.wav would be the same file/);
  refused(given('in.wav'), { out: 'song.csv', events: 'csv' }, /song\.csv: .*MIDI.* and .*events.* would be the same file/);
  refused(given('in.wav'), { plot: 'in.mid' }, /in\.mid: .*MIDI.* and .*plot.* would be the same file/);
  refused(given('in.wav'), { out: './in.wav' }, /would overwrite the input in\.wav/);
  refused(given('in.wav'), { plot: 'in.wav' }, /plot output would overwrite the input in\.wav/);
  refused(given('a.wav', 'b.wav'), { out: 'x.mid', outDir: 'o' }, /not both/);
  refused(given('a.wav', 'b.wav'), {}, /several inputs: give --out-dir/);
  // Disambiguated x.wav -> x.wav.mid meets the stem of x.wav.ogg: still one file, refused.
  refused(fromFolder('r', 'x.wav', 'x.flac', 'x.wav.ogg'), { outDir: 'o' }, /o\/x\.wav\.mid: .* would be the same file/);
});

test('writeOutputFile without overwrite: exclusive even under a race, nothing half-written left', async () => {
  const target = path.join(dir, 'race', 'out.mid');
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, 'precious');
  await assert.rejects(writeOutputFile(target, 'new', { overwrite: false }), (e: unknown) => e instanceof A2mError && /out\.mid: exists.*--force/.test(e.message));
  assert.equal(await readFile(target, 'utf8'), 'precious');
  await rm(target);
  // 16 writers at once: exactly one wins, the others are refused, the file is the winner's whole.
  const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => writeOutputFile(target, `writer ${i} `.repeat(5000), { overwrite: false })));
  const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
  assert.equal(won.length, 1, `${won.length} writers succeeded`);
  assert.ok(results.every((r) => r.status === 'fulfilled' || (r.reason instanceof A2mError && /exists/.test(r.reason.message))));
  assert.equal(await readFile(target, 'utf8'), `writer ${won[0]} `.repeat(5000));
  assert.deepEqual(await readdir(path.dirname(target)), ['out.mid'], 'no temp files left');
  await writeOutputFile(target, 'forced', { overwrite: true });
  assert.equal(await readFile(target, 'utf8'), 'forced');
});

test('a2m transcribe: a/x.wav, a/x.flac, b/x.wav in one run give three MIDI files; clashing flags refused before the model loads', { timeout: 180_000 }, async () => {
  const root = path.join(dir, 'cli');
  for (const [f, codec] of [['a/x.wav', 'pcm_s16le'], ['a/x.flac', 'flac'], ['b/x.wav', 'pcm_s16le']] as const) {
    await mkdir(path.join(root, path.dirname(f)), { recursive: true });
    // Different excerpts, so each output must hold its own input's notes.
    const start = { 'a/x.wav': '0', 'a/x.flac': '5', 'b/x.wav': '10' }[f];
    await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-ss', start, '-t', '3', '-i', DEMO, '-c:a', codec, path.join(root, f)]);
  }
  const a2m = (...args: string[]) => execa(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'transcribe', ...args],
    { cwd: root, reject: false, timeout: 150_000, env: { A2M_CACHE_DIR: path.join(dir, 'cache'), A2M_DEV: '1' } }); // the sources, not a possibly stale dist/

  const t0 = performance.now();
  const clash = await a2m('a/x.wav', '-o', 'x.png', '--plot', 'x.png');
  assert.equal(clash.exitCode, 1);
  assert.match(clash.stderr, /a2m: error: x\.png: .* would be the same file/);
  assert.doesNotMatch(clash.stderr, /model /, 'the refusal came only after the model loaded');
  assert.ok(performance.now() - t0 < 30_000);

  const r = await a2m('.', '--out-dir', 'o', '--backend', 'tfjs', '--jobs', '2');
  assert.equal(r.exitCode, 0, r.stderr);
  const mids = ['o/a/x.flac.mid', 'o/a/x.wav.mid', 'o/b/x.mid'];
  const notes = await Promise.all(mids.map(async (m) => new ToneMidi.Midi(await readFile(path.join(root, m))).tracks.flatMap((t) => t.notes.map((n) => `${n.midi}@${n.ticks}`)).join(' ')));
  assert.ok(notes.every((n) => n.length > 0), 'every output has notes');
  assert.equal(new Set(notes).size, 3, 'each output holds its own input\'s notes');

  const again = await a2m('.', '--out-dir', 'o', '--backend', 'tfjs');
  assert.equal(again.exitCode, 1);
  assert.match(again.stderr, /o\/a\/x\.flac\.mid exists \(3 output\(s\) would be overwritten\): pass --force/);
});
