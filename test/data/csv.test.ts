import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatCsv, parseCsv, parseCsvAll, readCsv, writeCsv } from '../../src/data/csv.js';
import { A2mError } from '../../src/errors.js';

const fixtures = path.join(import.meta.dirname, '..', '..', 'fixtures', 'csv');

test('a good CSV parses: comments and blank lines skipped, columns mapped to notes', async () => {
  const file = path.join(fixtures, 'good.csv');
  const notes = await readCsv(file);
  // Expected values read from the fixture's data lines independently of the parser.
  const rows = readFileSync(file, 'utf8').split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(',').map(Number));
  assert.equal(notes.length, rows.length);
  const sorted = [...rows].sort((a, b) => a[0]! - b[0]! || a[2]! - b[2]!);
  sorted.forEach(([t, d, k, v], i) => {
    assert.equal(notes[i]!.onset, t);
    assert.ok(Math.abs(notes[i]!.offset - (t! + d!)) < 1e-12);
    assert.equal(notes[i]!.pitch, k);
    assert.equal(notes[i]!.velocity, v);
  });
});

/** Each bad fixture, the text that marks its bad line, and what the message must say. */
const BAD: [string, string, RegExp][] = [
  ['bad-key.csv', ',109,', /column 3 \(key\): expected an integer MIDI key 21\.\.108, got "109"/],
  ['bad-fields.csv', '1.0,0.5,62', /expected 4 comma-separated fields time,duration,key,velocity, got 3/],
  ['bad-velocity.csv', ',1.5', /column 4 \(velocity\): expected a velocity 0\.\.1, got "1\.5"/],
  ['bad-number.csv', 'abc', /column 2 \(duration\): expected a duration in seconds 0\.\.86400 \(24 h\), got "abc"/],
  ['bad-time.csv', '-0.1', /column 1 \(time\): expected a time in seconds 0\.\.86400 \(24 h\), got "-0\.1"/],
];

for (const [name, marker, what] of BAD) {
  test(`${name}: error names file:line and what was expected`, async () => {
    const file = path.join(fixtures, name);
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;
    assert.ok(line > 0);
    await assert.rejects(readCsv(file), (e: unknown) => {
      assert.ok(e instanceof A2mError);
      assert.ok(e.message.startsWith(`${file}:${line}: `), e.message);
      assert.match(e.message, what);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });
}

test('parseCsvAll collects every bad line', () => {
  const text = '0,1,60,0.5\n0,1,200,0.5\nx\n1,1,61,0.5\n';
  const r = parseCsvAll(text, 'f.csv');
  assert.equal(r.notes.length, 2);
  assert.deepEqual(r.errors.map((e) => e.message.split(':').slice(0, 2).join(':')), ['f.csv:2', 'f.csv:3']);
});

test('rejects hex, empty and non-finite numbers', () => {
  for (const bad of ['0x1,1,60,0.5', ',1,60,0.5', 'Infinity,1,60,0.5', '0,1,60.5,0.5', '0,1,60,NaN']) {
    assert.throws(() => parseCsv(bad, 'x.csv'), A2mError, bad);
  }
});

test('write then read gives the same notes (to the microsecond) and the file is atomic', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-csv-'));
  const notes = [
    { onset: 0.1234567, offset: 0.5, pitch: 60, velocity: 64 / 127 },
    { onset: 0, offset: 2, pitch: 21, velocity: 1 },
  ];
  const file = path.join(dir, 'x.csv');
  await writeCsv(file, notes, ['made by a test']);
  const text = await readFile(file, 'utf8');
  assert.ok(text.startsWith('% made by a test\n'));
  const back = await readCsv(file);
  assert.equal(back.length, 2);
  assert.equal(back[0]!.pitch, 21);
  assert.ok(Math.abs(back[1]!.onset - 0.1234567) < 1e-6);
  assert.ok(Math.abs(back[1]!.velocity - 64 / 127) < 1e-6);
  assert.equal(formatCsv([]), '\n');
});
