/**
 * Dataset layout: a folder tree of `<name>.<audio ext>` + `<name>.csv` pairs.
 * Here: finding the pairs (and the files that do not pair), checking a whole
 * tree reporting every problem, and describing it (hours, notes, keys, polyphony).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { decodeFile, SAMPLE_RATE } from '../audio/decode.js';
import { probeAudio } from '../audio/probe.js';
import { AUDIO_EXTENSIONS } from '../audio/input.js';
import { FRAMES_PER_SECOND, PIANO_HIGH, PIANO_LOW, type Note } from '../types.js';
import { parseCsvAll } from './csv.js';

/** Audio extensions a dataset may use (anything ffmpeg decodes; these are the ones we look for). */

export interface DatasetPair {
  /** Path of the stem relative to the dataset root, e.g. "set1/piece". */
  name: string;
  audio: string;
  csv: string;
}

export interface DatasetScan {
  pairs: DatasetPair[];
  /** Audio files with no CSV beside them. */
  loneAudio: string[];
  /** CSV files with no audio beside them. */
  loneCsv: string[];
  /** CSVs beside more than one audio file of their name (which one is meant?): [csv, ...audio]. */
  ambiguous: string[][];
}

/** Walks `dir` (hidden files and folders skipped) and pairs audio with CSV by stem. */
export async function scanDataset(dir: string): Promise<DatasetScan> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push(p);
    }
  };
  try {
    await walk(dir);
  } catch (e) {
    throw new A2mError(`${dir}: dataset folder not found or unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  const stem = (f: string): string => f.slice(0, f.length - path.extname(f).length);
  const audioByStem = new Map<string, string[]>();
  const csvByStem = new Map<string, string>();
  for (const f of files.sort()) {
    const ext = path.extname(f).toLowerCase();
    if (ext === '.csv') csvByStem.set(stem(f), f);
    else if (AUDIO_EXTENSIONS.includes(ext)) audioByStem.set(stem(f), [...(audioByStem.get(stem(f)) ?? []), f]);
  }
  const scan: DatasetScan = { pairs: [], loneAudio: [], loneCsv: [], ambiguous: [] };
  for (const [s, audios] of audioByStem) {
    const csv = csvByStem.get(s);
    if (!csv) scan.loneAudio.push(...audios);
    else if (audios.length > 1) scan.ambiguous.push([csv, ...audios]);
    else scan.pairs.push({ name: path.relative(dir, s), audio: audios[0]!, csv });
  }
  for (const [s, csv] of csvByStem) if (!audioByStem.has(s)) scan.loneCsv.push(csv);
  scan.pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scan;
}

export interface DatasetProblem {
  severity: 'error' | 'warning';
  /** One line naming the file (and line) and what was expected. */
  message: string;
}

export interface CheckReport {
  pairs: number;
  /** Total audio seconds of the pairs that could be read. */
  seconds: number;
  problems: DatasetProblem[];
}

export interface CheckOptions {
  /** Decode every audio file fully (slow) instead of reading its header. */
  decode?: boolean;
  /** Parallel ffprobe/ffmpeg processes (default 4). */
  jobs?: number;
}

/** Notes may end this far past the audio's end (release tails get trimmed; encoders round lengths). */
const END_SLACK = 0.5;

/** Validates a whole dataset tree and returns every problem found (errors and warnings). */
export async function checkDataset(dir: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const scan = await scanDataset(dir);
  const problems: DatasetProblem[] = [];
  const error = (message: string): void => void problems.push({ severity: 'error', message });
  const warn = (message: string): void => void problems.push({ severity: 'warning', message });
  for (const f of scan.loneAudio) error(`${f}: audio file without a CSV (expected ${f.replace(/\.[^.]+$/, '.csv')})`);
  for (const f of scan.loneCsv) error(`${f}: CSV without an audio file (expected one of ${AUDIO_EXTENSIONS.map((e) => path.basename(f, '.csv') + e).join(', ')})`);
  for (const [csv, ...audios] of scan.ambiguous) error(`${csv}: several audio files share its name (${audios.map((g) => path.basename(g)).join(', ')}), expected one`);
  if (scan.pairs.length === 0 && problems.length === 0) error(`${dir}: no <name>.<audio> + <name>.csv pairs found`);

  let seconds = 0;
  await forEachLimit(scan.pairs, opts.jobs ?? 4, async (p) => {
    const text = await readFile(p.csv, 'utf8').catch((e: NodeJS.ErrnoException) => {
      error(`${p.csv}: cannot read (${e.code ?? e.message})`);
      return null;
    });
    const parsed = text === null ? null : parseCsvAll(text, p.csv);
    for (const e of parsed?.errors ?? []) error(e.message);
    let duration: number | null = null;
    try {
      duration = opts.decode ? (await decodeFile(p.audio)).channels[0].length / SAMPLE_RATE : (await probeAudio(p.audio)).duration;
      if (!Number.isFinite(duration)) {
        duration = (await decodeFile(p.audio)).channels[0].length / SAMPLE_RATE; // header without a length: decode to measure
      }
      seconds += duration;
    } catch (e) {
      error((e as Error).message);
    }
    if (!parsed) return;
    if (parsed.notes.length === 0 && parsed.errors.length === 0) warn(`${p.csv}: no notes (silent piece?)`);
    const lastEnd = lastOffset(parsed.notes);
    if (duration !== null && lastEnd > duration + END_SLACK) {
      error(`${p.csv}: notes run to ${lastEnd.toFixed(2)} s, expected them within the audio's ${duration.toFixed(2)} s (${path.basename(p.audio)})`);
    }
    for (const m of overlappingSameKey(parsed.notes)) warn(`${p.csv}: ${m}`);
  });
  return { pairs: scan.pairs.length, seconds, problems };
}

/** Same-key overlaps: the second strike comes before the first note's release (a target can only show one). */
function overlappingSameKey(notes: readonly Note[]): string[] {
  const out: string[] = [];
  const lastByKey = new Map<number, Note>();
  for (const n of notes) {
    const prev = lastByKey.get(n.pitch);
    if (prev && n.onset < prev.offset - 1e-6) {
      out.push(`key ${n.pitch} struck at ${n.onset.toFixed(3)} s while its note from ${prev.onset.toFixed(3)} s is held until ${prev.offset.toFixed(3)} s (it will be treated as a re-attack)`);
    }
    if (!prev || n.offset > prev.offset) lastByKey.set(n.pitch, n);
  }
  return out.slice(0, 5).concat(out.length > 5 ? [`... and ${out.length - 5} more same-key overlaps`] : []);
}

export interface DatasetStats {
  pairs: number;
  hours: number;
  notes: number;
  notesPerSecond: number;
  /** Notes per key, index = MIDI pitch - 21 (88 keys). */
  pitchHistogram: number[];
  /** Velocity histogram, 10 bins over 0..1. */
  velocityHistogram: number[];
  /** Frames (50 fps) by number of sounding notes; the last bin counts >= 10. */
  polyphonyHistogram: number[];
  /** Mean notes sounding over frames with at least one. */
  meanPolyphony: number;
  maxPolyphony: number;
}

/** Describes a dataset; unreadable pairs are skipped (run `checkDataset` for why). */
export async function datasetStats(dir: string, opts: { jobs?: number } = {}): Promise<DatasetStats> {
  const scan = await scanDataset(dir);
  const st: DatasetStats = {
    pairs: scan.pairs.length, hours: 0, notes: 0, notesPerSecond: 0,
    pitchHistogram: new Array(PIANO_HIGH - PIANO_LOW + 1).fill(0), velocityHistogram: new Array(10).fill(0),
    polyphonyHistogram: new Array(11).fill(0), meanPolyphony: 0, maxPolyphony: 0,
  };
  let seconds = 0;
  await forEachLimit(scan.pairs, opts.jobs ?? 4, async (p) => {
    const text = await readFile(p.csv, 'utf8').catch(() => null);
    if (text === null) return;
    const { notes } = parseCsvAll(text, p.csv);
    const info = await probeAudio(p.audio).catch(() => null);
    const duration = info && Number.isFinite(info.duration) && info.duration >= 0 ? info.duration : lastOffset(notes);
    seconds += duration;
    st.notes += notes.length;
    for (const n of notes) {
      st.pitchHistogram[n.pitch - PIANO_LOW]!++;
      st.velocityHistogram[Math.min(9, Math.floor(n.velocity * 10))]!++;
    }
    accumulatePolyphony(notes, duration, st);
  });
  const sounding = st.polyphonyHistogram.slice(1).reduce((a, b) => a + b, 0);
  const weighted = st.polyphonyHistogram.reduce((a, c, i) => a + c * i, 0);
  st.meanPolyphony = sounding ? weighted / sounding : 0;
  st.hours = seconds / 3600;
  st.notesPerSecond = seconds ? st.notes / seconds : 0;
  return st;
}

/** The latest note end, 0 for none (a loop: Math.max(...notes) overflows the stack on 100k+ notes). */
function lastOffset(notes: readonly Note[]): number {
  let end = 0;
  for (const n of notes) if (n.offset > end) end = n.offset;
  return end;
}

/**
 * Counts sounding notes per 50 fps frame via +1/-1 events (a sweep, not a
 * frame x note loop). Only frames up to the last note's end get an array
 * slot; the silent rest (however long the header says the audio is) is added
 * to the zero bin as a count.
 */
function accumulatePolyphony(notes: readonly Note[], duration: number, st: DatasetStats): void {
  const total = Math.ceil(duration * FRAMES_PER_SECOND) + 1;
  const frames = Math.min(total, Math.ceil(lastOffset(notes) * FRAMES_PER_SECOND) + 1);
  st.polyphonyHistogram[0]! += total - frames;
  const delta = new Int32Array(frames + 1);
  for (const n of notes) {
    const a = Math.min(frames, Math.floor(n.onset * FRAMES_PER_SECOND));
    const b = Math.min(frames, Math.max(a + 1, Math.ceil(n.offset * FRAMES_PER_SECOND)));
    delta[a]!++;
    delta[b]!--;
  }
  let active = 0;
  for (let f = 0; f < frames; f++) {
    active += delta[f]!;
    st.polyphonyHistogram[Math.min(10, active)]!++;
    if (active > st.maxPolyphony) st.maxPolyphony = active;
  }
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  // NaN or 0 workers would check nothing and report a clean dataset.
  if (!Number.isSafeInteger(limit) || limit < 1) throw new A2mError(`jobs: expected a positive integer, got ${limit}`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
