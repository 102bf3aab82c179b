/**
 * `a2m validate`: a model on a dataset folder, end to end as users run it
 * (decode, normalise, overlapping windows, stitching, events), scored per
 * piece with the mir_eval-exact note metrics, plus the seed's window metrics
 * (loss, hit rate, eventized diff) on consecutive windows.
 */
import path from 'node:path';
import type { Model } from '../model/model.js';
import { listPairs, loadPieces, validationBatches } from '../data/loader.js';
import { readCsv } from '../data/csv.js';
import { transcribeFile } from '../infer/transcribe.js';
import type { WindowRunner } from '../infer/backends.js';
import type { EventThresholds } from '../infer/events.js';
import { scoreNotes } from './mir-eval.js';
import { addToBreakdown, emptyBreakdown, type Breakdown } from './breakdown.js';
import { SeedMetricsAccumulator, type SeedMetrics } from './frame-metrics.js';
import { scoreThresholds, tuneOffsets, tuneThresholds, ONSET_GRID, FRAME_GRID, type TuningPiece } from './tune.js';
import type { Note } from '../types.js';

export interface PieceResult {
  name: string;
  seconds: number;
  refNotes: number;
  estNotes: number;
  onset: { precision: number; recall: number; f1: number };
  onsetOffset: { precision: number; recall: number; f1: number };
  onsetVelocity?: { precision: number; recall: number; f1: number };
}

/** Mean scores over a set of pieces (per-piece means, as mir_eval reports are usually averaged). */
export interface MeanScores { onsetF1: number; onsetPrecision: number; onsetRecall: number; onsetOffsetF1: number; onsetVelocityF1?: number }

export interface ValidationReport {
  /** The dataset folder (resolved), or the folders joined by ", ". */
  dataset: string;
  /** With more than one folder: each folder's pieces and means (`mean` is over all pieces). */
  datasets?: { dir: string; pieces: number; mean: MeanScores }[];
  model: string;
  runtime: string;
  thresholds: Partial<EventThresholds>;
  pieces: PieceResult[];
  mean: MeanScores;
  seed?: SeedMetrics;
  /**
   * With `tune`: the onset stage (objective onset F1), then the offset stage
   * (release for onset+offset F1, onset F1 kept); `thresholds` are the final ones.
   */
  tuning?: {
    objective: string; baseline: number; tuned: number; thresholds: EventThresholds;
    offsets?: { objective: 'onsetOffset'; baseline: number; tuned: number; onsetF1: number };
    /** With more than one folder: each folder's mean scores at the final thresholds. */
    datasets?: { dir: string; onsetF1: number; onsetOffsetF1: number }[];
  };
  /** With `breakdown`: recall by register / velocity / duration / chord size and false alarms by kind, over all pieces. */
  breakdown?: Breakdown;
}

const prf = (s: { precision: number; recall: number; f1: number }) => ({ precision: s.precision, recall: s.recall, f1: s.f1 });

export interface ValidateOptions {
  thresholds: Partial<EventThresholds>;
  seedMetrics: boolean;
  tune: boolean;
  breakdown?: boolean;
  onPiece?: (name: string, i: number, n: number) => void;
}

export async function validateDataset(model: Model, modelName: string, runner: WindowRunner, dirs: string | readonly string[], o: ValidateOptions): Promise<ValidationReport> {
  // The same folder named twice is scored once.
  const folders = [...new Map((typeof dirs === 'string' ? [dirs] : dirs).map((d) => [path.resolve(d), d])).values()];
  const listed = [];
  for (const dir of folders) for (const p of await listPairs(dir)) listed.push({ dir, ...p });
  const velocity = model.config.heads.includes('velocity');
  const pieces: (PieceResult & { dir: string })[] = [];
  const tuning: (TuningPiece & { dir: string })[] = [];
  const breakdown = o.breakdown ? emptyBreakdown() : undefined;
  for (const [i, p] of listed.entries()) {
    o.onPiece?.(p.name, i, listed.length);
    const ref: Note[] = await readCsv(p.csv);
    const t = await transcribeFile(p.audio, runner, { thresholds: o.thresholds, keepRolls: o.tune }); // rolls only for tuning
    const s = scoreNotes(ref, t.notes, { velocity });
    pieces.push({
      dir: p.dir, name: p.name, seconds: t.seconds, refNotes: ref.length, estNotes: t.notes.length,
      onset: prf(s.onset), onsetOffset: prf(s.onsetOffset), ...(s.onsetVelocity ? { onsetVelocity: prf(s.onsetVelocity) } : {}),
    });
    if (breakdown) addToBreakdown(breakdown, ref, t.notes);
    if (o.tune && t.rolls) tuning.push({ dir: p.dir, inputs: t.rolls, notes: ref });
  }
  const meanOf = (ps: readonly PieceResult[]): MeanScores => {
    const mean = (f: (p: PieceResult) => number | undefined) => ps.reduce((a, p) => a + (f(p) ?? 0), 0) / Math.max(1, ps.length);
    return {
      onsetF1: mean((p) => p.onset.f1), onsetPrecision: mean((p) => p.onset.precision), onsetRecall: mean((p) => p.onset.recall),
      onsetOffsetF1: mean((p) => p.onsetOffset.f1), ...(velocity ? { onsetVelocityF1: mean((p) => p.onsetVelocity?.f1) } : {}),
    };
  };
  const report: ValidationReport = {
    dataset: folders.map((d) => path.resolve(d)).join(', '), model: modelName, runtime: runner.name, thresholds: o.thresholds,
    pieces: pieces.map(({ dir: _dir, ...p }) => p),
    mean: meanOf(pieces),
    ...(folders.length > 1 ? { datasets: folders.map((d) => {
      const own = pieces.filter((p) => p.dir === d);
      return { dir: path.resolve(d), pieces: own.length, mean: meanOf(own) };
    }) } : {}),
    ...(breakdown ? { breakdown } : {}),
  };
  if (o.seedMetrics) {
    const c = model.config;
    const grid = { sampleRate: c.sampleRate, windowSamples: c.windowSamples, frames: c.frames, keys: c.keys };
    const acc = new SeedMetricsAccumulator();
    for (const dir of folders) {
      const loaded = await loadPieces(dir, grid);
      // Through the runner, so an exported backend / precision is what gets scored here too.
      for (const b of validationBatches(loaded, grid, runner.batch)) {
        const probs = (await runner.run(b.audio, b.batch)).probs!;
        const per = c.frames * c.keys;
        for (let j = 0; j < b.batch; j++) acc.add(probs.subarray(j * per, (j + 1) * per), b.targets.frames.subarray(j * per, (j + 1) * per));
      }
    }
    report.seed = acc.result();
  }
  if (o.tune) {
    const onsetHead = model.config.heads.includes('onset');
    const grid = onsetHead ? { ...ONSET_GRID, onset: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6] } : FRAME_GRID;
    const r = tuneThresholds(tuning, { objective: 'onset', grid, start: o.thresholds });
    const off = tuneOffsets(tuning, r.thresholds);
    report.tuning = {
      objective: 'onset', baseline: r.baseline, tuned: r.score, thresholds: off.thresholds,
      offsets: { objective: 'onsetOffset', baseline: off.baseline, tuned: off.score, onsetF1: off.onset },
      ...(folders.length > 1 ? { datasets: folders.map((d) => {
        const own = tuning.filter((t) => t.dir === d);
        return { dir: path.resolve(d), onsetF1: scoreThresholds(own, off.thresholds, 'onset'), onsetOffsetF1: scoreThresholds(own, off.thresholds, 'onsetOffset') };
      }) } : {}),
    };
  }
  return report;
}

