/**
 * MIDI <-> notes, with @tonejs/midi. Import reads every non-drum track, applies
 * the sustain pedal (CC64) to note releases as sounding durations, and keeps
 * the 88 piano keys; export writes one piano track.
 */
import { readFile } from 'node:fs/promises';
import toneMidi from '@tonejs/midi';
import { A2mError } from '../errors.js';
import { PIANO_HIGH, PIANO_LOW, type Note } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { sortNotes } from './csv.js';
import { separateReattacks } from './procedural.js';

const { Midi } = toneMidi;
type MidiFile = InstanceType<typeof Midi>;

const SUSTAIN_CC = 64;
const REVERB_SEND_CC = 91;
const CHORUS_SEND_CC = 93;
/** GM channel 10 (index 9) is drums: never piano. */
const DRUM_CHANNEL = 9;

export interface MidiImport {
  notes: Note[];
  /** Notes outside 21..108 or on the drum channel that were left out. */
  dropped: number;
}

/** Parses MIDI bytes into piano notes; `file` names the source in errors. */
export function midiToNotes(bytes: Uint8Array, file: string, opts: { pedal?: boolean } = {}): MidiImport {
  let midi: MidiFile;
  try {
    midi = new Midi(bytes);
  } catch (e) {
    throw new A2mError(`${file}: expected a Standard MIDI File, got unparseable data (${(e as Error).message})`, { cause: e });
  }
  const notes: Note[] = [];
  let dropped = 0;
  for (const track of midi.tracks) {
    if (track.channel === DRUM_CHANNEL) {
      dropped += track.notes.length;
      continue;
    }
    const pedal = opts.pedal === false ? [] : pedalIntervals(track.controlChanges[SUSTAIN_CC] ?? []);
    for (const n of track.notes) {
      if (n.midi < PIANO_LOW || n.midi > PIANO_HIGH) {
        dropped++;
        continue;
      }
      const onset = n.time;
      let offset = Math.max(onset + n.duration, onset);
      const held = pedal.find(([a, b]) => offset >= a && offset < b);
      if (held) offset = held[1];
      notes.push({ onset, offset, pitch: n.midi, velocity: n.velocity });
    }
  }
  // Pedal-extended notes can run into the next strike of their key: release them there.
  return { notes: separateReattacks(sortNotes(notes)), dropped };
}

export async function readMidiFile(file: string, opts: { pedal?: boolean } = {}): Promise<MidiImport> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new A2mError(`${file}: cannot read the MIDI file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  return midiToNotes(bytes, file, opts);
}

/** [down, up) times of the sustain pedal from CC64 events (value >= 0.5 is down). */
function pedalIntervals(ccs: readonly { time: number; value: number }[]): [number, number][] {
  const out: [number, number][] = [];
  let down: number | null = null;
  for (const cc of [...ccs].sort((a, b) => a.time - b.time)) {
    if (cc.value >= 0.5 && down === null) down = cc.time;
    else if (cc.value < 0.5 && down !== null) {
      out.push([down, cc.time]);
      down = null;
    }
  }
  if (down !== null) out.push([down, Infinity]);
  return out;
}

export interface MidiExportOptions {
  /** GM program (0 = acoustic grand, 1 = bright, 2 = electric grand). */
  program?: number;
  /** Reverb send CC91 0..127 (written only when given). */
  reverbSend?: number;
  /** Chorus send CC93 0..127 (written only when given). */
  chorusSend?: number;
  /**
   * Writes a harmless controller event this many seconds after the last release,
   * so players that stop at the last event still render the release tail.
   */
  tailSeconds?: number;
  /**
   * Velocity curve exponent for what the file plays: round(127 * (v/127)^curve).
   * The returned notes keep the uncurved velocity (what a CSV should say).
   */
  velocityCurve?: number;
}

export interface MidiExport {
  bytes: Uint8Array;
  /** The notes as the file stores them: times snapped to MIDI ticks, velocity to 1..127 / 127 (before any curve). */
  notes: Note[];
}

/** Notes -> a one-track MIDI file. */
export function notesToMidi(notes: readonly Note[], opts: MidiExportOptions = {}): MidiExport {
  const midi = new Midi();
  const track = midi.addTrack();
  track.channel = 0;
  track.instrument.number = opts.program ?? 0;
  if (opts.reverbSend !== undefined) track.addCC({ number: REVERB_SEND_CC, value: opts.reverbSend / 127 + 1e-6, time: 0 });
  if (opts.chorusSend !== undefined) track.addCC({ number: CHORUS_SEND_CC, value: opts.chorusSend / 127 + 1e-6, time: 0 });
  let end = 0;
  const stored: Note[] = [];
  const snap = (t: number): number => midi.header.ticksToSeconds(midi.header.secondsToTicks(t));
  const curve = opts.velocityCurve ?? 1;
  for (const n of sortNotes([...notes])) {
    const vel = Math.min(127, Math.max(1, Math.round(n.velocity * 127)));
    const played = curve === 1 ? vel : Math.min(127, Math.max(1, Math.round(127 * (vel / 127) ** curve)));
    // The encoder floors velocity*127: nudge up so 64/127 is written as 64, not 63.
    track.addNote({ midi: n.pitch, time: n.onset, duration: Math.max(0, n.offset - n.onset), velocity: played / 127 + 1e-6 });
    stored.push({ onset: snap(n.onset), offset: snap(n.onset + Math.max(0, n.offset - n.onset)), pitch: n.pitch, velocity: vel / 127 });
    end = Math.max(end, n.offset);
  }
  if (opts.tailSeconds) track.addCC({ number: REVERB_SEND_CC, value: (opts.reverbSend ?? 0) / 127 + 1e-6, time: end + opts.tailSeconds });
  return { bytes: midi.toArray(), notes: sortNotes(stored) };
}

export async function writeMidiFile(file: string, notes: readonly Note[], opts: MidiExportOptions = {}): Promise<void> {
  await writeFileAtomic(file, notesToMidi(notes, opts).bytes);
}
