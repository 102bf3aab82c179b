import { test } from 'node:test';
import assert from 'node:assert/strict';
import toneMidi from '@tonejs/midi';
import { midiToNotes, notesToMidi } from '../../src/data/midi.js';
import { A2mError } from '../../src/errors.js';

const { Midi } = toneMidi;

test('notes -> MIDI -> notes keeps keys, velocities and times (to the MIDI tick)', () => {
  const notes = [
    { onset: 0.1, offset: 0.6, pitch: 21, velocity: 20 / 127 },
    { onset: 0.3333, offset: 2.5, pitch: 108, velocity: 1 },
    { onset: 1.25, offset: 1.3, pitch: 60, velocity: 64 / 127 },
  ];
  const m = notesToMidi(notes, { program: 2 });
  const back = midiToNotes(m.bytes, 'x.mid').notes;
  assert.equal(back.length, 3);
  const tick = 0.5 / 480; // default 120 bpm, 480 ticks per beat
  back.forEach((n, i) => {
    assert.equal(n.pitch, notes[i]!.pitch);
    assert.ok(Math.abs(n.onset - notes[i]!.onset) <= tick / 2 + 1e-9);
    assert.ok(Math.abs(n.offset - notes[i]!.offset) <= tick + 1e-9);
    assert.equal(Math.round(n.velocity * 127), Math.round(notes[i]!.velocity * 127));
  });
  assert.deepEqual(back, m.notes);
  assert.equal(new Midi(m.bytes).tracks[0]!.instrument.number, 2);
});

test('import applies the sustain pedal, drops drums and keys off the piano', () => {
  const midi = new Midi();
  const t = midi.addTrack();
  t.channel = 0;
  t.addNote({ midi: 60, time: 0, duration: 0.5, velocity: 0.5 });
  t.addNote({ midi: 64, time: 2, duration: 0.5, velocity: 0.5 });
  t.addNote({ midi: 12, time: 0, duration: 1, velocity: 0.5 });
  t.addCC({ number: 64, value: 1, time: 0.2 });
  t.addCC({ number: 64, value: 0, time: 1.5 });
  const drums = midi.addTrack();
  drums.channel = 9;
  drums.addNote({ midi: 36, time: 0, duration: 0.1, velocity: 1 });
  const r = midiToNotes(midi.toArray(), 'p.mid');
  assert.equal(r.dropped, 2);
  assert.deepEqual(r.notes.map((n) => n.pitch), [60, 64]);
  assert.ok(Math.abs(r.notes[0]!.offset - 1.5) < 1e-3, `pedal release ${r.notes[0]!.offset}`);
  assert.ok(Math.abs(r.notes[1]!.offset - 2.5) < 1e-3);
  const dry = midiToNotes(midi.toArray(), 'p.mid', { pedal: false });
  assert.ok(Math.abs(dry.notes[0]!.offset - 0.5) < 1e-3);
});

test('a file that is not MIDI is an error naming it', () => {
  assert.throws(() => midiToNotes(new TextEncoder().encode('hello'), 'bad.mid'), (e: unknown) => e instanceof A2mError && e.message.startsWith('bad.mid: expected a Standard MIDI File'));
});

test('a velocity curve changes what the file plays, not the velocity the notes report', () => {
  const notes = [{ onset: 0, offset: 1, pitch: 60, velocity: 64 / 127 }];
  const m = notesToMidi(notes, { velocityCurve: 1.4 });
  const played = Math.round(new Midi(m.bytes).tracks[0]!.notes[0]!.velocity * 127);
  assert.equal(played, Math.round(127 * (64 / 127) ** 1.4));
  assert.ok(played < 64);
  assert.equal(Math.round(m.notes[0]!.velocity * 127), 64);
});
