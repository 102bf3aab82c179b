import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkDataset } from '../../src/data/dataset.js';
import { readCsv } from '../../src/data/csv.js';
import { DEFAULT_SOUNDFONTS, HELD_OUT_MARK, HELD_OUT_SOUNDFONTS, checkSoundfonts, findHeldOutPieces, planDataset, renderDataset, renderNotes, type RenderSettings } from '../../src/data/render.js';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../src/util/paths.js';
import { generatePiece } from '../../src/data/procedural.js';
import { A2mError } from '../../src/errors.js';

const haveSoundfonts = DEFAULT_SOUNDFONTS.every((f) => existsSync(f));
const skip = !haveSoundfonts && 'SoundFonts not installed';

async function listing(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of (await readdir(dir)).sort()) out.set(f, await readFile(path.join(dir, f)));
  return out;
}

test('a tiny render is the same for a seed whatever the job count, and `dataset check` finds it clean', { skip }, async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'a2m-render-'));
  // TimGM6mb only: it loads in 0.1 s where FluidR3 (148 MB) takes ~1 s per piece; the alignment test covers FluidR3.
  const opts = { hours: 9 / 3600, seed: 5, pieceSeconds: [3, 5] as [number, number], soundfonts: [DEFAULT_SOUNDFONTS[1]!] };
  const a = await renderDataset({ ...opts, out: path.join(root, 'a'), jobs: 2 });
  const b = await renderDataset({ ...opts, out: path.join(root, 'b'), jobs: 1 });
  assert.ok(a.rendered >= 2);
  assert.equal(a.rendered, b.rendered);
  const [la, lb] = [await listing(a.out), await listing(b.out)];
  assert.deepEqual([...la.keys()], [...lb.keys()]);
  for (const [name, bytes] of la) assert.ok(bytes.equals(lb.get(name)!), `${name} differs between runs`);
  const audio = [...la.keys()].filter((f) => f.endsWith('.flac'));
  assert.equal(audio.length, a.rendered);
  for (const f of audio) assert.ok(la.has(f.replace('.flac', '.csv')));
  const report = await checkDataset(a.out);
  assert.deepEqual(report.problems, []);
  assert.equal(report.pairs, a.rendered);
  assert.ok(Math.abs(report.seconds - a.seconds) < 0.1);
  // A rerun resumes: nothing left to render.
  const again = await renderDataset({ ...opts, out: a.out, jobs: 2 });
  assert.equal(again.rendered, 0);
  assert.equal(again.skipped, a.rendered);
  // Another seed gives other pieces.
  const other = await planDataset({ ...opts, seed: 6 });
  assert.notDeepEqual(other.map((p) => p.seed), (await planDataset(opts)).map((p) => p.seed));
});

test('noise and codec effects are deterministic too, and the CSV is the tick-quantised, latency-shifted notes', { skip }, async () => {
  const settings: RenderSettings = {
    soundfont: DEFAULT_SOUNDFONTS[1]!, program: 0, reverb: { roomSize: 0.5, damp: 0.5, width: 1, level: 0.5, send: 60 },
    eq: { tiltDb: 3, peak: { freq: 500, gainDb: -4 } }, peakDb: -10, noise: { color: 'pink', snrDb: 25 }, codec: { codec: 'aac', kbps: 48 },
  };
  const notes = generatePiece(1, { seconds: 3 });
  const [x, y] = [await renderNotes(notes, settings, undefined, 9), await renderNotes(notes, settings, undefined, 9)];
  assert.deepEqual(x.audio.channels, y.audio.channels);
  assert.equal(x.notes.length, notes.length);
  // Each source note has its CSV note: same key and velocity, a few ms later (latency, plus < 1 ms tick rounding).
  const unmatched = [...x.notes];
  for (const src of notes) {
    const i = unmatched.findIndex((n) => n.pitch === src.pitch && n.onset - src.onset > 0 && n.onset - src.onset < 0.015);
    assert.ok(i >= 0, `no CSV note for key ${src.pitch} at ${src.onset.toFixed(3)} s`);
    assert.equal(Math.round(unmatched[i]!.velocity * 127), Math.round(src.velocity * 127));
    unmatched.splice(i, 1);
  }
  const peak = Math.max(...x.audio.channels.map((c) => c.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  assert.ok(peak < 1);
  // The audio covers every note.
  assert.ok(x.audio.channels[0]!.length / 16000 >= Math.max(...x.notes.map((n) => n.offset)));
});

test('refuses held-out (MuseScore) and missing SoundFonts', () => {
  assert.throws(() => checkSoundfonts(['/usr/share/sounds/sf2/MuseScore_General.sf2']), /held-out evaluation/);
  assert.throws(() => checkSoundfonts(['/nope/piano.sf2']), (e: unknown) => e instanceof A2mError && /\/nope\/piano\.sf2: SoundFont not found/.test(e.message));
});

test('--held-out renders only held-out timbres, marks the CSVs, and a2m train refuses those pieces', async () => {
  assert.throws(() => checkSoundfonts([DEFAULT_SOUNDFONTS[0]!], true), /held-out timbres only.*training timbre/);
  // Needs Debian musescore-general-soundfont-small (.ci/run installs it): a missing package fails here, loudly.
  assert.ok(existsSync(HELD_OUT_SOUNDFONTS[0]!), `${HELD_OUT_SOUNDFONTS[0]} missing: apt-get install musescore-general-soundfont-small`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'a2m-heldout-'));
  const r = await renderDataset({ out: path.join(root, 'heldout'), hours: 2 / 3600, seed: 9, pieceSeconds: [3, 4], heldOut: true, jobs: 1 });
  assert.equal(r.rendered, 1);
  const csv = path.join(r.out, (await readdir(r.out)).find((f) => f.endsWith('.csv'))!);
  const text = await readFile(csv, 'utf8');
  assert.match(text, /% timbre: MuseScore_General\.sf3/);
  assert.ok(text.includes(`% ${HELD_OUT_MARK}`));
  assert.ok((await readCsv(csv)).length > 0);
  assert.deepEqual(await findHeldOutPieces([csv]), [csv]);
  const run = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'train', '--data', r.out, '--val', r.out, '--preset', 'tiny', '--out', path.join(root, 'run'), '--steps', '1'], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /held-out evaluation timbre; training on it would leak/);
  assert.ok(!existsSync(path.join(root, 'run')), 'nothing written for a refused run');
});

test('rendering MIDI files: a CSV per file from the MIDI notes', { skip }, async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'a2m-render-midi-'));
  const { writeMidiFile } = await import('../../src/data/midi.js');
  const notes = [{ onset: 0.2, offset: 0.6, pitch: 60, velocity: 0.8 }, { onset: 0.7, offset: 1.2, pitch: 67, velocity: 0.5 }];
  await writeMidiFile(path.join(root, 'in', 'tune.mid'), notes);
  const r = await renderDataset({ out: path.join(root, 'out'), hours: 0, seed: 2, fromMidi: [path.join(root, 'in')] });
  assert.equal(r.rendered, 1);
  const csv = await readCsv(path.join(root, 'out', 'midi-s2-tune.csv'));
  assert.deepEqual(csv.map((n) => n.pitch), [60, 67]);
  assert.ok(Math.abs(csv[0]!.onset - 0.2) < 0.015);
});

test('a MIDI path that cannot be read says why: a missing one ENOENT, a file used as a folder ENOTDIR', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'a2m-render-bad-midi-'));
  const file = path.join(root, 'tune.mid');
  await writeFile(file, '');
  await assert.rejects(planDataset({ hours: 0, seed: 1, fromMidi: [path.join(root, 'absent.mid')] }),
    (e: Error) => e instanceof A2mError && /absent\.mid: no such MIDI file or folder \(ENOENT: no such file or directory/.test(e.message));
  await assert.rejects(planDataset({ hours: 0, seed: 1, fromMidi: [path.join(file, 'inner.mid')] }),
    (e: Error) => e instanceof A2mError && /inner\.mid: cannot read the MIDI file or folder \(ENOTDIR: not a directory/.test(e.message));
  await rm(root, { recursive: true, force: true });
});
