// Security issue #17, datasets: a CSV of 130,000 notes must not overflow the
// call stack (no Math.max(...notes) / push(...notes)), and absurd or
// non-finite CSV values (time/duration past 24 h, 1e308, keys off the piano,
// velocities past 1) are refused line by line instead of sizing typed arrays
// ("Invalid typed array length: Infinity" in `dataset stats`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { A2mError } from '../../src/errors.js';
import { MAX_CSV_SECONDS, parseCsv, parseCsvAll } from '../../src/data/csv.js';
import { checkDataset, datasetStats } from '../../src/data/dataset.js';

let dir: string;
before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-sec-data-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

async function silence(file: string, seconds: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `anullsrc=r=16000:cl=mono:d=${seconds}`, '-c:a', 'pcm_s16le', file]);
}

test('dataset check and stats on a 130,000-note CSV: no stack overflow', { timeout: 120_000 }, async () => {
  const root = path.join(dir, 'big');
  await silence(path.join(root, 'long.wav'), 14);
  // 130,000 short notes over 13 s, keys cycling over the piano (no same-key overlaps).
  const lines = Array.from({ length: 130_000 }, (_, i) => `${(i * 0.0001).toFixed(4)},0.005,${21 + (i % 88)},0.5`);
  await writeFile(path.join(root, 'long.csv'), lines.join('\n') + '\n');
  const r = await checkDataset(root);
  assert.deepEqual(r.problems, []);
  assert.equal(r.pairs, 1);
  const s = await datasetStats(root);
  assert.equal(s.notes, 130_000);
  assert.ok(Math.abs(s.hours * 3600 - 14) < 0.1, `${s.hours * 3600} s`);
  assert.equal(s.pitchHistogram.reduce((a, b) => a + b, 0), 130_000);
});

test('CSV values: non-finite, past 24 h, off the piano or past velocity 1 are refused with file:line', () => {
  const bad: [string, RegExp][] = [
    ['1e308,1e308,60,0.5', /column 1 \(time\): expected a time in seconds 0\.\.86400/],
    ['0,1e308,60,0.5', /column 2 \(duration\): expected a duration in seconds 0\.\.86400/],
    [`${MAX_CSV_SECONDS + 1},1,60,0.5`, /column 1 \(time\)/],
    ['0,Infinity,60,0.5', /column 2 \(duration\)/],
    ['0,NaN,60,0.5', /column 2 \(duration\)/],
    ['0,1,20,0.5', /column 3 \(key\): expected an integer MIDI key 21\.\.108/],
    ['0,1,109,0.5', /column 3 \(key\)/],
    ['0,1,60.5,0.5', /column 3 \(key\)/],
    ['0,1,60,1.5', /column 4 \(velocity\): expected a velocity 0\.\.1/],
    ['0,1,60,127', /column 4 \(velocity\)/],
  ];
  for (const [line, re] of bad) {
    assert.throws(() => parseCsv(`0,1,60,0.5\n${line}\n`, 'x.csv'), (e: unknown) => e instanceof A2mError && e.message.startsWith('x.csv:2: ') && re.test(e.message), line);
  }
  // The limits themselves are fine.
  assert.equal(parseCsv(`${MAX_CSV_SECONDS},${MAX_CSV_SECONDS},108,1\n0,0,21,0\n`, 'x.csv').length, 2);
  const all = parseCsvAll(bad.map(([l]) => l).join('\n'), 'x.csv');
  assert.equal(all.errors.length, bad.length);
  assert.equal(all.notes.length, 0);
});

test('dataset stats and check on crafted huge/infinite times: line errors, no typed-array crash', { timeout: 60_000 }, async () => {
  const root = path.join(dir, 'crafted');
  await mkdir(root, { recursive: true });
  // Unreadable audio: stats falls back to the notes' end for the duration (1e308 + 1e308 = Infinity, once).
  await writeFile(path.join(root, 'inf.wav'), 'not audio');
  await writeFile(path.join(root, 'inf.csv'), '1e308,1e308,60,0.5\n0,1,60,0.5\n');
  await silence(path.join(root, 'huge.wav'), 1);
  await writeFile(path.join(root, 'huge.csv'), '0,0.5,60,0.5\n1e12,1,61,0.5\n');
  const s = await datasetStats(root);
  assert.equal(s.notes, 2, 'the good lines count, the bad ones are skipped');
  assert.ok(Number.isFinite(s.hours) && s.hours < 1);
  const r = await checkDataset(root);
  const errors = r.problems.filter((p) => p.severity === 'error').map((p) => p.message);
  assert.ok(errors.some((m) => m.startsWith(path.join(root, 'inf.csv:1: column 1 (time)'))), errors.join('\n'));
  assert.ok(errors.some((m) => m.startsWith(path.join(root, 'huge.csv:2: column 1 (time)'))), errors.join('\n'));
});
