import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { checkDataset, datasetStats, scanDataset } from '../../src/data/dataset.js';

let root = '';

async function wav(file: string, seconds: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=f=220:d=${seconds}:sample_rate=16000`, file]);
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'a2m-dataset-'));
  await wav(path.join(root, 'good.wav'), 2);
  await writeFile(path.join(root, 'good.csv'), '% ok\n0.1,0.5,60,0.5\n0.1,0.5,64,0.5\n0.1,1.5,67,0.5\n1.0,0.5,60,0.9\n');
  await wav(path.join(root, 'sub', 'nested.wav'), 1);
  await writeFile(path.join(root, 'sub', 'nested.csv'), '0,0.5,21,0.2\n');
  await wav(path.join(root, 'lonely.wav'), 1);
  await writeFile(path.join(root, 'orphan.csv'), '0,1,60,0.5\n');
  await wav(path.join(root, 'bad.wav'), 1);
  await writeFile(path.join(root, 'bad.csv'), '0,1,60,0.5\n0,1,110,0.5\n0,1,60\n');
  await wav(path.join(root, 'short.wav'), 1);
  await writeFile(path.join(root, 'short.csv'), '0.5,3,60,0.5\n');
  await wav(path.join(root, 'twice.wav'), 1);
  await wav(path.join(root, 'twice.flac'), 1);
  await writeFile(path.join(root, 'twice.csv'), '0,0.5,60,0.5\n');
  await writeFile(path.join(root, 'noise.wav.csv'), ''); // pairs with nothing: "noise.wav" is its stem
  await writeFile(path.join(root, 'notaudio.wav'), 'hello');
  await writeFile(path.join(root, 'notaudio.csv'), '0,0.5,60,0.5\n');
  await writeFile(path.join(root, 'README.txt'), 'ignored');
});

test('scan pairs audio with CSV by name, recursively, and reports lone and ambiguous files', async () => {
  const s = await scanDataset(root);
  assert.deepEqual(s.pairs.map((p) => p.name), ['bad', 'good', 'notaudio', 'short', path.join('sub', 'nested')]);
  assert.deepEqual(s.loneAudio.map((f) => path.basename(f)), ['lonely.wav']);
  assert.deepEqual(s.loneCsv.map((f) => path.basename(f)).sort(), ['noise.wav.csv', 'orphan.csv']);
  assert.deepEqual(s.ambiguous.map((g) => g.map((f) => path.basename(f))), [['twice.csv', 'twice.flac', 'twice.wav']]);
});

test('check reports every problem, each naming its file (and line)', async () => {
  const r = await checkDataset(root);
  const errors = r.problems.filter((p) => p.severity === 'error').map((p) => p.message);
  const has = (file: string, what: RegExp): void => {
    assert.ok(errors.some((m) => m.startsWith(path.join(root, file)) && what.test(m)), `no error for ${file} ${what}:\n${errors.join('\n')}`);
  };
  has('lonely.wav', /without a CSV/);
  has('orphan.csv', /without an audio file/);
  has('noise.wav.csv', /without an audio file/);
  has('twice.csv', /several audio files share its name \(twice\.flac, twice\.wav\)/);
  has('bad.csv:2', /key 21\.\.108, got "110"/);
  has('bad.csv:3', /expected 4 comma-separated fields/);
  has('short.csv', /notes run to 3\.50 s, expected them within the audio's 1\.00 s/);
  has('notaudio.wav', /not an audio file/);
  assert.equal(errors.length, 8, errors.join('\n'));
  assert.equal(r.pairs, 5);
});

test('check of a clean tree has no problems; a missing folder is one clear error', async () => {
  const clean = await mkdtemp(path.join(os.tmpdir(), 'a2m-clean-'));
  await wav(path.join(clean, 'a.wav'), 1);
  await writeFile(path.join(clean, 'a.csv'), '0,0.5,60,0.5\n0.2,0.5,60,0.5\n');
  const r = await checkDataset(clean);
  assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), []);
  assert.ok(r.problems.some((p) => p.severity === 'warning' && /key 60 struck at 0\.200 s/.test(p.message)));
  assert.ok(Math.abs(r.seconds - 1) < 0.01);
  await assert.rejects(checkDataset(path.join(clean, 'nope')), /nope: dataset folder not found/);
});

test('stats: hours, notes, pitch histogram and polyphony', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-stats-'));
  await wav(path.join(dir, 'a.wav'), 2);
  // Three notes together for 0.5 s (25 frames), then one alone for 0.5 s.
  await writeFile(path.join(dir, 'a.csv'), '0,0.5,60,0.5\n0,0.5,64,0.75\n0,0.5,67,0.25\n0.5,0.5,60,0.95\n');
  const s = await datasetStats(dir);
  assert.equal(s.pairs, 1);
  assert.ok(Math.abs(s.hours - 2 / 3600) < 1e-5);
  assert.equal(s.notes, 4);
  assert.equal(s.pitchHistogram[60 - 21], 2);
  assert.equal(s.pitchHistogram[64 - 21], 1);
  assert.equal(s.pitchHistogram.reduce((a, b) => a + b, 0), 4);
  assert.equal(s.maxPolyphony, 3);
  assert.equal(s.polyphonyHistogram[3], 25);
  assert.equal(s.polyphonyHistogram[1], 25);
  assert.ok(Math.abs(s.meanPolyphony - 2) < 1e-9);
  assert.deepEqual(s.velocityHistogram, [0, 0, 1, 0, 0, 1, 0, 1, 0, 1]);
});
