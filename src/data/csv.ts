/**
 * The dataset's note CSV (seed-compatible): no header, `%` comment lines,
 * one note per line `time,duration,key,velocity` — seconds, seconds, MIDI
 * note 21..108, velocity 0..1. Blank lines are ignored.
 */
import { readFile } from 'node:fs/promises';
import { A2mError } from '../errors.js';
import { PIANO_HIGH, PIANO_LOW, type Note } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';

/**
 * Longest time or duration accepted (24 h): a piece is minutes long, and an
 * absurd value (1e300, or one whose sum with its duration overflows to
 * Infinity) would otherwise size frame arrays and targets downstream.
 */
export const MAX_CSV_SECONDS = 24 * 3600;

/** What each column must hold; one row per column keeps the checks and messages together. */
const COLUMNS: readonly { name: string; expected: string; ok: (v: number) => boolean }[] = [
  { name: 'time', expected: `a time in seconds 0..${MAX_CSV_SECONDS} (24 h)`, ok: (v) => v >= 0 && v <= MAX_CSV_SECONDS },
  { name: 'duration', expected: `a duration in seconds 0..${MAX_CSV_SECONDS} (24 h)`, ok: (v) => v >= 0 && v <= MAX_CSV_SECONDS },
  { name: 'key', expected: `an integer MIDI key ${PIANO_LOW}..${PIANO_HIGH}`, ok: (v) => Number.isInteger(v) && v >= PIANO_LOW && v <= PIANO_HIGH },
  { name: 'velocity', expected: 'a velocity 0..1', ok: (v) => v >= 0 && v <= 1 },
];

/** Parses CSV text; `file` names the source in errors ("file:line: ..."). Notes come back sorted by onset. */
export function parseCsv(text: string, file: string): Note[] {
  const notes: Note[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const note = parseLine(lines[i]!, file, i + 1);
    if (note) notes.push(note);
  }
  return sortNotes(notes);
}

/** One line -> a note, or null for blank / comment lines. */
function parseLine(raw: string, file: string, lineNo: number): Note | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('%')) return null;
  const where = `${file}:${lineNo}`;
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length !== COLUMNS.length) {
    throw new A2mError(`${where}: expected 4 comma-separated fields time,duration,key,velocity, got ${fields.length}: "${clip(line)}"`);
  }
  const values = fields.map((f, c) => {
    const col = COLUMNS[c]!;
    // Number('') is 0 and Number('0x10') is 16: accept only plain decimal numbers.
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(f) ? Number(f) : NaN;
    if (!Number.isFinite(v) || !col.ok(v)) {
      throw new A2mError(`${where}: column ${c + 1} (${col.name}): expected ${col.expected}, got "${clip(f)}"`);
    }
    return v;
  });
  const [time, duration, key, velocity] = values as [number, number, number, number];
  return { onset: time, offset: time + duration, pitch: key, velocity };
}

/** Parses every line, collecting each bad line's error instead of stopping at the first (for `dataset check`). */
export function parseCsvAll(text: string, file: string): { notes: Note[]; errors: A2mError[] } {
  const notes: Note[] = [];
  const errors: A2mError[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    try {
      const note = parseLine(line, file, i + 1);
      if (note) notes.push(note);
    } catch (e) {
      if (!(e instanceof A2mError)) throw e;
      errors.push(e);
    }
  });
  return { notes: sortNotes(notes), errors };
}

export async function readCsv(file: string): Promise<Note[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new A2mError(`${file}: cannot read the CSV (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  return parseCsv(text, file);
}

/** Formats notes as CSV text; `comments` become leading `%` lines. */
export function formatCsv(notes: readonly Note[], comments: readonly string[] = []): string {
  const out = comments.map((c) => `% ${c}`);
  for (const n of sortNotes([...notes])) {
    out.push([fmt(n.onset), fmt(Math.max(0, n.offset - n.onset)), String(n.pitch), fmt(n.velocity)].join(','));
  }
  return out.join('\n') + '\n';
}

/** Writes a CSV atomically (temp + rename). */
export async function writeCsv(file: string, notes: readonly Note[], comments: readonly string[] = []): Promise<void> {
  await writeFileAtomic(file, formatCsv(notes, comments));
}

/** Onset, then pitch: a stable order so written files are deterministic. */
export function sortNotes(notes: Note[]): Note[] {
  return notes.sort((a, b) => a.onset - b.onset || a.pitch - b.pitch || a.offset - b.offset);
}

/** Microsecond precision is far below a 20 ms frame and keeps files short. */
function fmt(v: number): string {
  const s = v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
