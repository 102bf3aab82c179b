/**
 * Notes -> files: a standard MIDI file, and the dataset's event formats
 * (CSV `time,duration,key,velocity` as in src/data/csv.ts, or the same
 * fields as JSON) so a transcription can be fed back as training labels.
 *
 * MIDI timing: 120 bpm and PPQ 1000 make one tick 0.5 ms (2000 ticks/s),
 * so every 50 fps frame time (40 ticks) and every millisecond (2 ticks) is
 * an exact tick; times are rounded to the nearest tick.
 */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ToneMidi from '@tonejs/midi';
import { A2mError } from '../errors.js';
import type { Note } from '../types.js';
import { tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { formatCsv, sortNotes } from '../data/csv.js';

const { Midi } = ToneMidi;

export const MIDI_BPM = 120;
export const MIDI_PPQ = 1000;
/** Ticks per second at MIDI_BPM. */
export const TICKS_PER_SECOND = (MIDI_PPQ * MIDI_BPM) / 60;
/** General MIDI program 0: Acoustic Grand Piano. */
export const PIANO_PROGRAM = 0;

export interface MidiOptions {
  /** Track / sequence name (default "audio-to-midi"). */
  name?: string;
  /**
   * Tempo written in the file, in bpm (default 120). Note times stay in
   * seconds; only the tick grid changes (PPQ 1000 at the given tempo), so a
   * score editor shows bars at this tempo.
   */
  tempo?: number;
}

/** Tempos a MIDI file can hold at PPQ 1000 (the tempo meta event stores microseconds per beat in 24 bits). */
export const MIDI_TEMPO_RANGE = { min: 4, max: 1000 } as const;

export interface WriteOptions {
  /** Replace an existing file (default true); false refuses it, atomically (see writeOutputFile). */
  overwrite?: boolean;
}

/**
 * Writes an output file whole (temp file, then into place). With
 * `overwrite: false` the temp file is hard-linked to the target, which fails
 * if the target exists at that instant: no window between a check and the
 * write in which another process (or another input of the same run) could
 * create it and then lose it. Filesystems without hard links fall back to an
 * exclusive copy (still never overwrites; a reader may see it half-copied).
 */
export async function writeOutputFile(file: string, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
  if (opts.overwrite ?? true) return writeFileAtomic(file, data);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    try {
      await link(tmp, file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw e;
      await copyFile(tmp, file, constants.COPYFILE_EXCL); // no hard links here (EPERM / ENOTSUP / EXDEV)
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new A2mError(`${file}: exists (not overwritten): pass --force to overwrite`, { cause: e });
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Notes -> type-1 SMF bytes: a conductor track (tempo 120, 4/4) and one
 * piano track on channel 1. Two notes on the same key may not overlap in
 * MIDI (a note-off would end both), so an earlier note is cut at the next
 * onset of its key; every note keeps at least one tick. Velocities are
 * round(v·127) clamped to 1..127 (0 would be a note-off).
 */
export function notesToMidi(notes: readonly Note[], opts: MidiOptions = {}): Uint8Array {
  const midi = new Midi();
  midi.header.fromJSON({ ...midi.header.toJSON(), name: opts.name ?? 'audio-to-midi', ppq: MIDI_PPQ });
  const tempo = opts.tempo ?? MIDI_BPM;
  if (!(tempo >= MIDI_TEMPO_RANGE.min && tempo <= MIDI_TEMPO_RANGE.max)) throw new A2mError(`MIDI tempo must be ${MIDI_TEMPO_RANGE.min}..${MIDI_TEMPO_RANGE.max} bpm, got ${tempo}`);
  midi.header.setTempo(tempo);
  midi.header.timeSignatures.push({ ticks: 0, timeSignature: [4, 4] });
  midi.header.update();
  const track = midi.addTrack();
  track.name = 'Piano';
  track.channel = 0;
  track.instrument.number = PIANO_PROGRAM;
  for (const n of toTicks(notes, (MIDI_PPQ * tempo) / 60)) track.addNote(n);
  return midi.toArray();
}

interface TickNote {
  midi: number;
  ticks: number;
  durationTicks: number;
  velocity: number;
}

function toTicks(notes: readonly Note[], ticksPerSecond: number): TickNote[] {
  notes.forEach((n, i) => {
    if (!Number.isInteger(n.pitch) || n.pitch < 0 || n.pitch > 127) throw new A2mError(`note ${i}: pitch must be a MIDI note 0..127, got ${n.pitch}`);
    if (!(n.onset >= 0) || !(n.offset >= n.onset)) throw new A2mError(`note ${i}: expected 0 <= onset <= offset, got [${n.onset}, ${n.offset}]`);
  });
  const sorted = sortNotes([...notes]);
  const out: TickNote[] = [];
  const byKey = new Map<number, TickNote>(); // last note per key, to cut overlaps
  for (const n of sorted) {
    const ticks = Math.round(n.onset * ticksPerSecond);
    const prev = byKey.get(n.pitch);
    if (prev && prev.ticks + prev.durationTicks > ticks) {
      if (prev.ticks === ticks) continue; // same key struck twice at one tick: keep the first
      prev.durationTicks = ticks - prev.ticks;
    }
    const end = Math.max(ticks + 1, Math.round(n.offset * ticksPerSecond));
    const midiVelocity = Math.min(127, Math.max(1, Math.round(n.velocity * 127)));
    // @tonejs/midi writes floor(velocity·127): aim at the middle of the step so rounding error cannot lose one.
    const note: TickNote = { midi: n.pitch, ticks, durationTicks: end - ticks, velocity: (midiVelocity + 0.5) / 127 };
    out.push(note);
    byKey.set(n.pitch, note);
  }
  return out;
}

/** Writes a MIDI file atomically (refusing an existing one with `overwrite: false`). */
export async function writeMidi(file: string, notes: readonly Note[], opts: MidiOptions & WriteOptions = {}): Promise<void> {
  await writeOutputFile(file, notesToMidi(notes, opts), opts);
}

/** Notes in the dataset CSV format (`time,duration,key,velocity`, velocity 0..1), sorted. */
export function notesToCsv(notes: readonly Note[], comments: readonly string[] = []): string {
  return formatCsv(notes, comments);
}

/** One event in the JSON output: the CSV's fields, same units. */
export interface NoteEvent {
  time: number;
  duration: number;
  key: number;
  velocity: number;
}

/** Notes as events {time, duration, key, velocity} (seconds, MIDI key, velocity 0..1), sorted. */
export function toNoteEvents(notes: readonly Note[]): NoteEvent[] {
  return sortNotes([...notes]).map((n) => ({
    time: n.onset,
    duration: Math.max(0, n.offset - n.onset),
    key: n.pitch,
    velocity: n.velocity,
  }));
}

/** Notes as a JSON array of {time, duration, key, velocity}, sorted. */
export function notesToJson(notes: readonly Note[]): string {
  return JSON.stringify(toNoteEvents(notes), null, 1) + '\n';
}

export type EventFormat = 'csv' | 'json';

const EVENT_WRITERS: Record<EventFormat, (notes: readonly Note[]) => string> = {
  csv: (notes) => notesToCsv(notes),
  json: notesToJson,
};

/** Writes notes as CSV or JSON events, atomically (refusing an existing file with `overwrite: false`). */
export async function writeEvents(file: string, notes: readonly Note[], format: EventFormat, opts: WriteOptions = {}): Promise<void> {
  const write = EVENT_WRITERS[format];
  if (!write) throw new A2mError(`unknown event format "${format}": expected csv or json`);
  await writeOutputFile(file, write(notes), opts);
}
