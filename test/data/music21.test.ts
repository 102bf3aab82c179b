// Real music from the music21 corpus (scripts/music21-export.py + src/data/music21.ts): the data rules,
// determinism, the sustain-pedal labels and one tiny render. These need music21 in .venv and fail
// (not skip) without it: `.venv/bin/pip install music21`, or `npm install`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatCsv, readCsv } from '../../src/data/csv.js';
import { checkDataset } from '../../src/data/dataset.js';
import { MAX_MANIFEST_BYTES, readExcludedPieces } from '../../src/data/exclude-pieces.js';
import { midiToNotes, readMidiFile } from '../../src/data/midi.js';
import { checkMusic21Folders, exportMusic21, MUSIC21_SCRIPT, music21Python, RESERVED_MUSIC21_FOLDERS } from '../../src/data/music21.js';
import { DEFAULT_SOUNDFONTS, HELD_OUT_MARK, HELD_OUT_SOUNDFONTS, findHeldOutPieces, renderDataset } from '../../src/data/render.js';
import { A2mError } from '../../src/errors.js';
import type { Note } from '../../src/types.js';

const made: string[] = [];
const tmp = async (tag: string): Promise<string> => {
  const d = await mkdtemp(path.join(os.tmpdir(), `a2m-music21-${tag}-`));
  made.push(d);
  return d;
};
after(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));
const TIMGM = DEFAULT_SOUNDFONTS[1]!;

test('music21 is installed where the exporter runs (else: .venv/bin/pip install music21)', () => {
  const r = spawnSync(music21Python(), ['-c', 'import music21; print(music21.__version__)'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `music21 is not importable by ${music21Python()}: run \`${music21Python()} -m pip install music21\` (${r.stderr.trim().split('\n').pop()})`);
});

test('reserved corpus folders are refused outside a held-out render, by the CLI layer and by the exporter itself', async () => {
  assert.equal(RESERVED_MUSIC21_FOLDERS.length, 11);
  for (const folders of [['bach'], ['palestrina,Mozart'], ['haydn', 'schumann_robert/opus48no2.mxl']]) {
    assert.throws(() => checkMusic21Folders(folders, false), (e: Error) => e instanceof A2mError && /reserved for held-out evaluation/.test(e.message) && /--held-out/.test(e.message), folders.join(' '));
  }
  assert.deepEqual(checkMusic21Folders(['bach,mozart'], true), ['bach', 'mozart']);
  assert.deepEqual(checkMusic21Folders(['palestrina, haydn/opus74no1'], false), ['palestrina', 'haydn/opus74no1']);
  assert.throws(() => checkMusic21Folders(['../bach'], true), /not a file-system path/);
  assert.throws(() => checkMusic21Folders(['/tmp/x'], false), /not a file-system path/);

  // renderDataset refuses before it writes anything.
  const out = path.join(await tmp('refuse'), 'set');
  await assert.rejects(renderDataset({ out, hours: 0, seed: 1, soundfonts: [TIMGM], music21: { folders: ['monteverdi', 'bach'], hours: 0.01 } }), /bach: reserved for held-out evaluation/);
  assert.equal(existsSync(out), false);
  // A held-out render takes held-out timbres only.
  await assert.rejects(renderDataset({ out, hours: 0, seed: 1, heldOut: true, soundfonts: [TIMGM], music21: { folders: ['bach'], hours: 0.01 } }), /held-out timbres only/);
  // The exporter refuses on its own too (exit 4), whatever calls it.
  const r = spawnSync(music21Python(), [MUSIC21_SCRIPT, '--folders', 'josquin,Schubert', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 4, r.stderr);
  assert.match(r.stderr, /Schubert: reserved for held-out evaluation/);
  assert.equal(existsSync(out), false);
});

test('the exporter is deterministic: the same seed gives the same MIDI and CSV, another seed other ones', async () => {
  const root = await tmp('det');
  // A vocal-polyphony piece (4 parts) and a folk tune that gets an accompaniment on its chord symbols; pedal in every piece.
  const opts = { folders: ['palestrina/Agnus_03.krn', 'nottingham-dataset'], hours: 1, maxSeconds: 20, excerpts: 1, pedalFraction: 1, maxPieces: 2, heldOut: false };
  const [{ pieces: a }, { pieces: b }, { pieces: c }] = await Promise.all([
    exportMusic21({ ...opts, dir: path.join(root, 'a'), seed: 3 }),
    exportMusic21({ ...opts, dir: path.join(root, 'b'), seed: 3 }),
    exportMusic21({ ...opts, dir: path.join(root, 'c'), seed: 4 }),
  ]);
  assert.equal(a.length, 2);
  assert.deepEqual(a.map((p) => p.source), ['palestrina/Agnus_03.krn', 'nottingham-dataset/reelsa-c.abc']);
  assert.equal(a[1]!.accompaniment, 'chord symbols');
  assert.ok(a.every((p) => p.pedal && !p.reserved && p.seconds > 5 && p.seconds <= 21));
  const csvOf = async (file: string) => formatCsv((await readMidiFile(file)).notes);
  for (const [x, y] of a.map((p, i) => [p, b[i]!] as const)) {
    assert.equal(x.name, y.name);
    assert.ok((await readFile(x.file)).equals(await readFile(y.file)), `${x.name}: MIDI differs between runs`);
    assert.equal(await csvOf(x.file), await csvOf(y.file));
  }
  for (const [x, z] of a.map((p, i) => [p, c[i]!] as const)) assert.notEqual(await csvOf(x.file), await csvOf(z.file), `${x.name}: seed 4 played it like seed 3`);

  // Humanised, not quantised: onsets off any grid, velocities spread, and the pedal lengthens notes.
  const notes = (await readMidiFile(a[0]!.file)).notes;
  const keyOnly = (await readMidiFile(a[0]!.file, { pedal: false })).notes;
  const vel = new Set(notes.map((n) => Math.round(n.velocity * 127)));
  assert.ok(vel.size >= 10, `only ${vel.size} distinct velocities`);
  const sum = (ns: typeof notes) => ns.reduce((s, n) => s + n.offset - n.onset, 0);
  assert.ok(sum(notes) > sum(keyOnly) * 1.1, 'the sustain pedal lengthened no notes');
  const onsetGaps = notes.slice(1).map((n, i) => n.onset - notes[i]!.onset).filter((g) => g > 0 && g < 0.03);
  assert.ok(onsetGaps.length > 0, 'chord notes were struck at exactly the same time');
});

test('--exclude-pieces: a second export with the same seed shares no piece (corpus file + folk tune) with the first', async () => {
  const root = await tmp('exclude');
  // Several tunes of one folk ABC file: another tune of the same file is another piece, the same tune is not.
  const opts = { folders: ['palestrina', 'essenFolksong/altdeu10.abc'], hours: 1, maxSeconds: 8, excerpts: 1, maxPieces: 4, heldOut: false, seed: 5 };
  const first = await exportMusic21({ ...opts, dir: path.join(root, 'train', 'm', 'music21-s5') });
  assert.equal(first.excluded, null);
  const second = await exportMusic21({ ...opts, dir: path.join(root, 'val', 'music21-s5'), excludePieces: [path.join(root, 'train')] });
  const key = (p: { source: string; tune: number | null }) => `${p.source}#${p.tune}`;
  const taken = new Set(first.pieces.map(key));
  assert.equal(first.pieces.length, 4);
  assert.equal(second.pieces.length, 4);
  assert.deepEqual(second.pieces.filter((p) => taken.has(key(p))).map(key), []);
  assert.ok(second.pieces.some((p) => p.tune !== null), 'no folk tune in the second export');
  assert.deepEqual(second.excluded, { manifests: 1, listed: 4, removed: 4 });
  const manifest = JSON.parse(await readFile(path.join(root, 'val', 'music21-s5', 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.exclude_pieces, [path.join(root, 'train')]);

  // Reusing an export reads its manifest's piece paths as someone else's: a path leaving the folder is refused, naming the field.
  const firstDir = path.join(root, 'train', 'm', 'music21-s5');
  const firstManifest = JSON.parse(await readFile(path.join(firstDir, 'manifest.json'), 'utf8'));
  for (const [bad, why] of [['../../val/music21-s5/x.mid', /uses "\.\."/], ['/etc/hostname', /absolute path/]] as const) {
    firstManifest.pieces[1].file = bad;
    await writeFile(path.join(firstDir, 'manifest.json'), JSON.stringify(firstManifest));
    await assert.rejects(exportMusic21({ ...opts, dir: firstDir }), (e: Error) => e instanceof A2mError && /manifest\.json: pieces\[1\]\.file/.test(e.message) && why.test(e.message), bad);
  }
});

test('--exclude-pieces refuses, naming the file: malformed manifests, a folder without one, links that leave the folder', async () => {
  const root = await tmp('exclude-bad');
  const refuses = async (folder: string, pattern: RegExp) => {
    await assert.rejects(
      exportMusic21({ folders: ['palestrina'], hours: 1, maxSeconds: 8, excerpts: 1, maxPieces: 1, heldOut: false, seed: 5, dir: path.join(root, 'out'), excludePieces: [folder] }),
      (e: Error) => e instanceof A2mError && pattern.test(e.message),
      folder,
    );
  };
  const withManifest = async (name: string, text: string | Buffer): Promise<string> => {
    await mkdir(path.join(root, name, 'music21-s1'), { recursive: true });
    await writeFile(path.join(root, name, 'music21-s1', 'manifest.json'), text);
    return path.join(root, name);
  };
  await refuses(await withManifest('json', '{"pieces": ['), /json\/music21-s1\/manifest\.json: not valid JSON.*expected a music21 export manifest/);
  await refuses(await withManifest('nopieces', '{"seed": 1}'), /nopieces\/music21-s1\/manifest\.json: no "pieces" list/);
  await refuses(await withManifest('source', '{"pieces": [{"tune": null}]}'), /source\/music21-s1\/manifest\.json: pieces\[0\]\.source is null/);
  await refuses(await withManifest('tune', '{"pieces": [{"source": "palestrina/Agnus_03.krn", "tune": "3"}]}'), /tune\/music21-s1\/manifest\.json: pieces\[0\]\.tune is "3", not a tune index or null/);
  await refuses(await withManifest('big', Buffer.alloc(16 * 1024 ** 2 + 1, 32)), /big = "music21-s1\/manifest\.json": is 16777217 bytes, more than the 16777216/);
  await mkdir(path.join(root, 'empty', 'sub'), { recursive: true });
  await refuses(path.join(root, 'empty'), /empty: no music21 manifest\.json under it/);
  await refuses(path.join(root, 'missing'), /missing: no such dataset folder/);

  // A valid manifest outside the folder, reached by a link to its folder or to the file itself: refused, not read.
  const outside = await withManifest('outside', '{"pieces": [{"source": "palestrina/Agnus_03.krn", "tune": null}]}');
  await mkdir(path.join(root, 'dirlink'));
  await symlink(outside, path.join(root, 'dirlink', 'm1'));
  await refuses(path.join(root, 'dirlink'), /dirlink: entry = "m1": is a link to .*outside, outside the folder/);
  await mkdir(path.join(root, 'filelink', 'music21-s1'), { recursive: true });
  await symlink(path.join(outside, 'music21-s1', 'manifest.json'), path.join(root, 'filelink', 'music21-s1', 'manifest.json'));
  await refuses(path.join(root, 'filelink'), /filelink: entry = "music21-s1\/manifest\.json": is a link to .*outside the folder/);
  assert.equal(existsSync(path.join(root, 'out')), false, 'the exporter wrote before it checked --exclude-pieces');
});

test('--exclude-pieces reads manifests through ConfinedRoot: FIFOs, files over the cap and links to folders are refused unread', async () => {
  const root = await tmp('exclude-confine');
  const folder = async (name: string, manifests: Record<string, string>): Promise<string> => {
    for (const [rel, text] of Object.entries(manifests)) {
      await mkdir(path.dirname(path.join(root, name, rel)), { recursive: true });
      await writeFile(path.join(root, name, rel), text);
    }
    return path.join(root, name);
  };
  const piece = (source: string, tune: number | null) => JSON.stringify({ pieces: [{ source, tune }, { source: 'palestrina/Agnus_03.krn', tune: null }] });
  const own = path.join(root, 'ok', 'new', 'manifest.json');
  const ok = await folder('ok', { 'm1/manifest.json': piece('essenFolksong/altdeu10.abc', 2), 'm2/deep/manifest.json': piece('haydn/x.mxl', null), 'new/manifest.json': piece('own/piece.krn', null) });
  // The export's own manifest is skipped; a piece two manifests list is listed once.
  assert.deepEqual(await readExcludedPieces([ok], own), {
    manifests: 2,
    pieces: [['essenFolksong/altdeu10.abc', 2], ['haydn/x.mxl', null], ['palestrina/Agnus_03.krn', null]],
  });

  const refuses = (dir: string, pattern: RegExp) => assert.rejects(readExcludedPieces([dir], own), (e: Error) => e instanceof A2mError && pattern.test(e.message), dir);
  // A FIFO would hang the reader: refused from its stat, never opened.
  const fifo = await folder('fifo', { 'm1/.keep': '' });
  const mk = spawnSync('mkfifo', [path.join(fifo, 'm1', 'manifest.json')]);
  assert.equal(mk.status, 0, String(mk.stderr));
  await refuses(fifo, /fifo: entry = "m1\/manifest\.json": is a FIFO; expected a regular file or folder/);
  // Over the cap (a sparse file: no 16 MiB written): refused before it is read.
  const big = await folder('big', { 'm1/manifest.json': '' });
  const handle = await open(path.join(big, 'm1', 'manifest.json'), 'r+');
  await handle.truncate(MAX_MANIFEST_BYTES + 1);
  await handle.close();
  await refuses(big, new RegExp(`big = "m1/manifest\\.json": is ${MAX_MANIFEST_BYTES + 1} bytes, more than the ${MAX_MANIFEST_BYTES} this file may hold; expected a music21 export manifest`));
  // A link to a folder outside is refused; so is one to a folder inside (not followed: its target is walked anyway).
  const linkOut = await folder('linkout', { 'm1/manifest.json': piece('a/b.krn', null) });
  await symlink(path.join(ok, 'm1'), path.join(linkOut, 'm2'));
  await refuses(linkOut, /linkout: entry = "m2": is a link to .*ok\/m1, outside the folder/);
  const linkIn = await folder('linkin', { 'm1/manifest.json': piece('a/b.krn', null) });
  await symlink(path.join(linkIn, 'm1'), path.join(linkIn, 'm2'));
  await refuses(linkIn, /linkin: entry = "m2": is a link to a folder; links to folders are not followed/);
  // A missing tune is an error naming the field, like a wrong one.
  await refuses(await folder('notune', { 'm1/manifest.json': '{"pieces": [{"source": "a/b.krn"}]}' }), /notune\/m1\/manifest\.json: pieces\[0\]\.tune is "missing", not a tune index or null/);
});

test('pedal labels follow MAESTRO: a note lasts until key and pedal are up; a re-strike ends the note before it', () => {
  // The exporter's own MIDI writer, on a hand-made example.
  const notes = [
    [0.0, 0.2, 72, 80], // released before the pedal goes down: unchanged
    [0.1, 0.5, 60, 80], // released under the pedal: lasts until the pedal is up (1.2)... unless re-struck (1.0)
    [0.6, 0.8, 64, 70], // released under the pedal: until 1.2
    [1.0, 1.1, 60, 90], // the re-strike: ends the sustained 60 at 1.0 - 10 ms, itself lasts until 1.2
    [1.3, 1.5, 67, 60], // after the pedal: unchanged
    [1.4, 2.0, 48, 60], // held past the next pedal-down: key up at 2.0 lies inside [1.8, 2.5) -> 2.5
  ];
  const pedal = [[0.3, 1.2], [1.8, 2.5]];
  const code = `import importlib.util, sys
spec = importlib.util.spec_from_file_location('m', sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
sys.stdout.buffer.write(m.midi_bytes(${JSON.stringify(notes)}, ${JSON.stringify(pedal)}))`;
  const r = spawnSync(music21Python(), ['-c', code, MUSIC21_SCRIPT], { maxBuffer: 1 << 20 });
  assert.equal(r.status, 0, r.stderr.toString());
  const got = midiToNotes(new Uint8Array(r.stdout), 'hand-made.mid').notes.map((n) => [+n.onset.toFixed(3), +n.offset.toFixed(3), n.pitch]);
  assert.deepEqual(got, [
    [0, 0.2, 72],
    [0.1, 0.99, 60],
    [0.6, 1.2, 64],
    [1, 1.2, 60],
    [1.3, 1.5, 67],
    [1.4, 2.5, 48],
  ]);
  const keyOnly = midiToNotes(new Uint8Array(r.stdout), 'hand-made.mid', { pedal: false }).notes.map((n) => [+n.onset.toFixed(3), +n.offset.toFixed(3), n.pitch]);
  assert.deepEqual(keyOnly, notes.map(([a, b, k]) => [a, b, k]));
});

test('a tiny real render: a corpus excerpt through the render pipeline, a held-out one marked for evaluation only', { skip: !existsSync(TIMGM) && 'TimGM6mb not installed' }, async () => {
  const root = await tmp('render');
  const out = path.join(root, 'train');
  const music21 = { folders: ['essenFolksong/altdeu10.abc'], hours: 1, maxSeconds: 6, excerpts: 1, maxPieces: 1 };
  const r = await renderDataset({ out, hours: 0, seed: 9, soundfonts: [TIMGM], music21 });
  assert.equal(r.rendered, 1);
  assert.ok(r.seconds > 2 && r.seconds < 12, `${r.seconds} s`);
  const report = await checkDataset(out);
  assert.deepEqual(report.problems, []);
  const csv = (await readdir(out)).find((f) => f.endsWith('.csv'))!;
  const head = (await readFile(path.join(out, csv), 'utf8')).split('\n').slice(0, 6).join('\n');
  assert.match(head, /music21 essenFolksong\/altdeu10\.abc tune \d+, excerpt 1 of 1; .*accompaniment generated on/);
  assert.deepEqual(await findHeldOutPieces([path.join(out, csv)]), []);
  // The CSV is the exported MIDI (pedal applied) moved by the timbre's onset latency: same keys, a few ms later.
  const [piece] = (await exportMusic21({ ...music21, dir: path.join(out, 'music21-s9'), seed: 9, heldOut: false })).pieces;
  // (Per-key latencies differ, so compare key by key.)
  const byKey = (ns: Note[]) => [...ns].sort((x, y) => x.pitch - y.pitch || x.onset - y.onset);
  const midi = byKey((await readMidiFile(piece!.file)).notes);
  const rendered = byKey(await readCsv(path.join(out, csv)));
  assert.equal(rendered.length, midi.length);
  rendered.forEach((n, i) => {
    assert.equal(n.pitch, midi[i]!.pitch);
    assert.ok(n.onset - midi[i]!.onset > 0 && n.onset - midi[i]!.onset < 0.02);
  });
  // A rerun resumes: no new export, nothing rendered.
  const manifest = path.join(out, 'music21-s9', 'manifest.json');
  const mtime = statSync(manifest).mtimeMs;
  const again = await renderDataset({ out, hours: 0, seed: 9, soundfonts: [TIMGM], music21 });
  assert.equal(again.rendered, 0);
  assert.equal(statSync(manifest).mtimeMs, mtime);

  // A reserved folder in a held-out render: the MuseScore timbre, and every CSV carries the mark `a2m train` refuses.
  if (!existsSync(HELD_OUT_SOUNDFONTS[0]!)) return;
  const held = path.join(root, 'heldout');
  await renderDataset({ out: held, hours: 0, seed: 9, heldOut: true, music21: { folders: ['bach/bwv66.6.mxl'], hours: 1, maxSeconds: 5 } });
  const heldCsv = (await readdir(held)).filter((f) => f.endsWith('.csv')).map((f) => path.join(held, f));
  assert.equal(heldCsv.length, 1);
  assert.deepEqual(await findHeldOutPieces(heldCsv), heldCsv);
  const text = await readFile(heldCsv[0]!, 'utf8');
  assert.match(text, /MuseScore_General/);
  assert.ok(text.includes(HELD_OUT_MARK));
  assert.match(text, /transposed \+0/); // held-out material keeps the composer's keys
});
