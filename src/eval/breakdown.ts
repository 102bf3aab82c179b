/**
 * Where a transcription goes wrong: recall of the reference notes by register,
 * written velocity, duration and chord size, the false alarms by kind, and
 * how the found notes' offsets miss (early or late, by the note's length).
 * Hits are mir_eval's own onset-only matching (50 ms, maximum bipartite), so
 * the buckets add up to the recall and precision `a2m validate` reports.
 */
import { matchNotes, notesToMir, offsetVerdict } from './mir-eval.js';
import type { Note } from '../types.js';

/** Notes whose onsets lie this close count as one chord (a rendered chord is struck within a few ms). */
const CHORD_SECONDS = 0.03;
/** A false alarm this close to a reference onset of its pitch is a timing error, not a phantom note. */
const NEAR_SECONDS = 0.15;
/** Intervals (semitones above a sounding note) where its strong partials fall (partials 2, 3, 4, 5, 6), and the octave below. */
const HARMONIC_INTERVALS = new Set([12, 19, 24, 28, 31, -12]);

interface Bucket { label: string; test: (x: number) => boolean }
const range = (label: string, lo: number, hi: number): Bucket => ({ label, test: (x) => x >= lo && x < hi });

/** Each axis: what it measures of a reference note, and its buckets in order. */
export const RECALL_AXES: ReadonlyArray<{ axis: string; value: (n: Note, chordSize: number) => number; buckets: Bucket[] }> = [
  { axis: 'register (MIDI)', value: (n) => n.pitch, buckets: [range('21-47', 0, 48), range('48-71', 48, 72), range('72-95', 72, 96), range('96-108', 96, 128)] },
  { axis: 'velocity (MIDI)', value: (n) => Math.round(n.velocity * 127), buckets: [range('1-37', 0, 38), range('38-63', 38, 64), range('64-88', 64, 89), range('89-127', 89, 128)] },
  { axis: 'duration (s)', value: (n) => n.offset - n.onset, buckets: [range('<0.1', 0, 0.1), range('0.1-0.25', 0.1, 0.25), range('0.25-1', 0.25, 1), range('>=1', 1, Infinity)] },
  { axis: 'notes struck together', value: (_n, c) => c, buckets: [range('1', 1, 2), range('2', 2, 3), range('3-4', 3, 5), range('5+', 5, Infinity)] },
];

/**
 * Offsets by the reference note's length: long held notes are where the frame
 * head fades before the key (or pedal) lets go, short ones where its prob
 * outlasts the key, so one row per regime shows which of the two to work on.
 */
export const OFFSET_BUCKETS: readonly Bucket[] = [range('<0.25', 0, 0.25), range('0.25-1', 0.25, 1), range('1-2', 1, 2), range('>=2', 2, Infinity)];

/** Onset-matched notes of one length bucket: offset within mir_eval's tolerance, ended before it, ended after it. */
export interface OffsetCell { bucket: string; matched: number; within: number; early: number; late: number }

const VERDICT_FIELD = { [-1]: 'early', 0: 'within', 1: 'late' } as const;

/** A false alarm's kind, first that applies. */
export const FALSE_ALARM_KINDS = ['onset 50-150 ms off', 're-attack inside a held note', 'harmonic of a sounding note', 'neighbour of a sounding note', 'other'] as const;
export type FalseAlarmKind = (typeof FALSE_ALARM_KINDS)[number];

export interface RecallCell { bucket: string; hits: number; notes: number }
export interface Breakdown {
  recall: Array<{ axis: string; cells: RecallCell[] }>;
  falseAlarms: Record<FalseAlarmKind, number>;
  offsets: OffsetCell[];
  refNotes: number;
  estNotes: number;
}

export function emptyBreakdown(): Breakdown {
  return {
    recall: RECALL_AXES.map((a) => ({ axis: a.axis, cells: a.buckets.map((b) => ({ bucket: b.label, hits: 0, notes: 0 })) })),
    falseAlarms: Object.fromEntries(FALSE_ALARM_KINDS.map((k) => [k, 0])) as Record<FalseAlarmKind, number>,
    offsets: OFFSET_BUCKETS.map((b) => ({ bucket: b.label, matched: 0, within: 0, early: 0, late: 0 })),
    refNotes: 0,
    estNotes: 0,
  };
}

function falseAlarmKind(e: Note, ref: readonly Note[]): FalseAlarmKind {
  if (ref.some((r) => r.pitch === e.pitch && Math.abs(r.onset - e.onset) <= NEAR_SECONDS)) return 'onset 50-150 ms off';
  const sounding = ref.filter((r) => r.onset <= e.onset && r.offset >= e.onset);
  if (sounding.some((r) => r.pitch === e.pitch)) return 're-attack inside a held note';
  if (sounding.some((r) => HARMONIC_INTERVALS.has(e.pitch - r.pitch))) return 'harmonic of a sounding note';
  if (sounding.some((r) => Math.abs(r.pitch - e.pitch) <= 2)) return 'neighbour of a sounding note';
  return 'other';
}

/** Adds one piece (reference vs estimate) into `into`. */
export function addToBreakdown(into: Breakdown, ref: readonly Note[], est: readonly Note[]): Breakdown {
  const matches = matchNotes(notesToMir(ref), notesToMir(est), { offsetRatio: null });
  const hitRef = new Set(matches.map(([r]) => r));
  const hitEst = new Set(matches.map(([, e]) => e));
  ref.forEach((n, i) => {
    const chord = ref.filter((m) => Math.abs(m.onset - n.onset) < CHORD_SECONDS).length;
    RECALL_AXES.forEach((a, ai) => {
      const v = a.value(n, chord);
      const bi = a.buckets.findIndex((b) => b.test(v));
      if (bi < 0) return;
      const cell = into.recall[ai]!.cells[bi]!;
      cell.notes++;
      if (hitRef.has(i)) cell.hits++;
    });
  });
  est.forEach((e, j) => { if (!hitEst.has(j)) into.falseAlarms[falseAlarmKind(e, ref)]++; });
  for (const [ri, ei] of matches) {
    const r = ref[ri]!;
    const cell = into.offsets[OFFSET_BUCKETS.findIndex((b) => b.test(r.offset - r.onset))];
    if (!cell) continue;
    cell.matched++;
    cell[VERDICT_FIELD[offsetVerdict(r.onset, r.offset, est[ei]!.offset)]]++;
  }
  into.refNotes += ref.length;
  into.estNotes += est.length;
  return into;
}

/** Plain-text tables for the terminal. */
export function formatBreakdown(b: Breakdown): string {
  const lines: string[] = [`error breakdown over all pieces (onset-only matching, ${b.refNotes} reference notes, ${b.estNotes} estimated)`];
  for (const { axis, cells } of b.recall) {
    lines.push(`  recall by ${axis}:`);
    for (const c of cells) lines.push(`    ${c.bucket.padEnd(10)} ${c.notes ? (c.hits / c.notes).toFixed(3) : '  -  '}  (${c.hits}/${c.notes}, ${b.refNotes ? ((100 * c.notes) / b.refNotes).toFixed(0) : 0}% of notes)`);
  }
  const fa = Object.values(b.falseAlarms).reduce((x, y) => x + y, 0);
  lines.push(`  false alarms: ${fa} of ${b.estNotes} estimated notes`);
  for (const k of FALSE_ALARM_KINDS) lines.push(`    ${k.padEnd(30)} ${b.falseAlarms[k]}`);
  lines.push('  offsets of the notes found, by reference length (s): within mir_eval\'s tolerance (max(50 ms, 20 %)) / ended early / late');
  const share = (n: number, of: number) => (of ? (n / of).toFixed(3) : '  -  ');
  for (const c of b.offsets) lines.push(`    ${c.bucket.padEnd(10)} ${share(c.within, c.matched)} / ${share(c.early, c.matched)} / ${share(c.late, c.matched)}  (${c.matched} notes)`);
  return lines.join('\n') + '\n';
}
