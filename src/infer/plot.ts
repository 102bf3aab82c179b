/**
 * The probability piano roll as a PNG: frame probabilities as a heat map
 * (time in seconds across, MIDI note names up the side, a colour bar), the
 * extracted notes outlined on top.
 *
 * Drawn with @napi-rs/canvas (Skia; the binary ships inside the npm
 * package). Text uses DejaVu Sans from @fontsource/dejavu-sans, registered
 * from node_modules, so labels render the same on a machine without
 * system fonts. Long inputs are max-pooled to at most `maxWidth` pixel
 * columns (a 20 ms blip stays visible in an hour-long roll).
 */
import { createRequire } from 'node:module';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { A2mError } from '../errors.js';
import { FRAMES_PER_SECOND, MIDI_OFFSET, NUM_KEYS, PIANO_HIGH, PIANO_LOW, type Note } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { noteName } from '../util/note-name.js';

export interface PianoRollPlot {
  /** Frame probabilities [T, keys] row-major. */
  probs: Float32Array;
  /** Notes to outline. */
  notes?: readonly Note[];
  /** Frames per second of `probs` (default 50). */
  fps?: number;
  /** Row width of `probs` (default 90). */
  keys?: number;
  /** Output PNG path (written atomically). */
  out: string;
  /** Title above the plot. */
  title?: string;
  /** MIDI range shown [low, high]; default: the sounding range, padded, at least two octaves. */
  pitchRange?: [number, number];
  /** Cap on the heat map's width in pixels (default 2400). */
  maxWidth?: number;
}

export interface PlotSize {
  width: number;
  height: number;
}

/** Where the heat map landed: its pixel box and the MIDI range shown, bottom row = `pitchRange[0]`. */
export interface PlotLayout extends PlotSize {
  plot: { x: number; y: number; w: number; h: number };
  pitchRange: [number, number];
  seconds: number;
}

const FONT_FAMILY = 'A2mSans';
/** Plotly's 10-stop Inferno: perceptually even, dark at 0 so silence recedes. */
const INFERNO = ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#f7d13d', '#fcffa4'].map(hexRgb);
/** Candidate time-axis steps, seconds: the first that leaves >= MIN_TICK_PX between ticks wins. */
const TIME_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const MIN_TICK_PX = 70;

const STYLE = {
  background: '#ffffff',
  text: '#222222',
  grid: 'rgba(255,255,255,0.18)',
  outline: 'rgba(64, 230, 255, 0.95)',
  font: 13,
  titleFont: 15,
  margin: { left: 62, right: 86, top: 34, bottom: 46 },
  rowPx: { min: 5, max: 14 },
  plotHeight: { min: 260, max: 700 },
  pxPerFrame: 2,
  minWidth: 600,
  maxWidth: 2400,
};

let fontReady = false;
/** Registers the bundled font once; falls back to system fonts if it is missing. */
function ensureFont(): string {
  if (!fontReady) {
    fontReady = true;
    try {
      const require = createRequire(import.meta.url);
      GlobalFonts.registerFromPath(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff2'), FONT_FAMILY);
    } catch {
      /* system sans-serif */
    }
  }
  return `${FONT_FAMILY}, DejaVu Sans, sans-serif`;
}

/** MIDI 60 -> "C4" (the project's one definition; re-exported for the plot's users). */
export { noteName };

/** Renders the plot to PNG bytes. */
export function renderPianoRoll(p: Omit<PianoRollPlot, 'out'>): { png: Buffer } & PlotLayout {
  const K = p.keys ?? NUM_KEYS;
  const fps = p.fps ?? FRAMES_PER_SECOND;
  if (p.probs.length === 0 || p.probs.length % K !== 0) throw new A2mError(`plot: probability roll of ${p.probs.length} values is not [frames, ${K}]`);
  const T = p.probs.length / K;
  const notes = p.notes ?? [];
  const [lo, hi] = p.pitchRange ?? autoRange(p.probs, K, notes);
  const nRows = hi - lo + 1;

  const m = STYLE.margin;
  const plotW = Math.round(Math.min(p.maxWidth ?? STYLE.maxWidth, Math.max(STYLE.minWidth, T * STYLE.pxPerFrame)));
  const rowPx = Math.min(STYLE.rowPx.max, Math.max(STYLE.rowPx.min, Math.round(STYLE.plotHeight.max / nRows)));
  const plotH = Math.max(STYLE.plotHeight.min, nRows * rowPx);
  const width = m.left + plotW + m.right, height = m.top + plotH + m.bottom;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  const family = ensureFont();
  g.fillStyle = STYLE.background;
  g.fillRect(0, 0, width, height);

  const seconds = T / fps;
  const xOf = (t: number) => m.left + (t / seconds) * plotW;
  const yOf = (midi: number) => m.top + plotH - ((midi - lo) / nRows) * plotH; // bottom edge of the row

  drawHeatmap(g, p.probs, K, T, lo, hi, m.left, m.top, plotW, plotH);
  // Octave lines at each C, to read pitches off the roll.
  g.strokeStyle = STYLE.grid;
  g.lineWidth = 1;
  for (let midi = lo; midi <= hi; midi++) {
    if (midi % 12 !== 0) continue;
    const y = Math.round(yOf(midi)) + 0.5;
    line(g, m.left, y, m.left + plotW, y);
  }
  // Notes.
  g.strokeStyle = STYLE.outline;
  g.lineWidth = 1.5;
  for (const n of notes) {
    if (n.pitch < lo || n.pitch > hi) continue;
    const x0 = xOf(n.onset), x1 = Math.max(xOf(n.offset), x0 + 2);
    g.strokeRect(x0, yOf(n.pitch + 1) + 0.75, x1 - x0, yOf(n.pitch) - yOf(n.pitch + 1) - 1.5);
  }
  g.strokeStyle = STYLE.text;
  g.lineWidth = 1;
  g.strokeRect(m.left - 0.5, m.top - 0.5, plotW + 1, plotH + 1);

  drawTimeAxis(g, family, seconds, xOf, m.top + plotH, plotW);
  drawPitchAxis(g, family, lo, hi, yOf, rowPx);
  drawColourBar(g, family, m.left + plotW + 18, m.top, plotH);
  if (p.title) {
    g.fillStyle = STYLE.text;
    g.font = `bold ${STYLE.titleFont}px ${family}`;
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    g.fillText(p.title, m.left, m.top - 12);
  }
  return { png: canvas.toBuffer('image/png'), width, height, plot: { x: m.left, y: m.top, w: plotW, h: plotH }, pitchRange: [lo, hi], seconds };
}

/** Renders and writes the PNG atomically; returns its size in pixels. */
export async function plotPianoRoll(p: PianoRollPlot): Promise<PlotLayout> {
  const { png, ...layout } = renderPianoRoll(p);
  await writeFileAtomic(p.out, png);
  return layout;
}

/** The keys that sound (prob > 0.25 or a note), padded by 3, widened to two octaves, within the piano. */
function autoRange(probs: Float32Array, K: number, notes: readonly Note[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  const keys = Math.min(K, PIANO_HIGH - MIDI_OFFSET + 1);
  for (let i = 0; i < probs.length; i++) {
    const k = i % K;
    if (k < keys && probs[i]! > 0.25) {
      lo = Math.min(lo, k + MIDI_OFFSET);
      hi = Math.max(hi, k + MIDI_OFFSET);
    }
  }
  for (const n of notes) {
    lo = Math.min(lo, n.pitch);
    hi = Math.max(hi, n.pitch);
  }
  if (lo > hi) return [48, 72]; // silence: show the middle
  lo -= 3;
  hi += 3;
  const short = 24 - (hi - lo);
  if (short > 0) {
    lo -= Math.floor(short / 2);
    hi += Math.ceil(short / 2);
  }
  lo = Math.max(PIANO_LOW, lo);
  hi = Math.min(PIANO_HIGH, hi);
  return [lo, hi];
}

/** One pixel column = max over the frames it covers; one row band = one key. */
function drawHeatmap(g: SKRSContext2D, probs: Float32Array, K: number, T: number, lo: number, hi: number, x0: number, y0: number, w: number, h: number): void {
  const img = g.createImageData(w, h);
  const nRows = hi - lo + 1;
  const col = new Float32Array(nRows);
  for (let x = 0; x < w; x++) {
    const f0 = Math.floor((x / w) * T);
    const f1 = Math.max(f0 + 1, Math.floor(((x + 1) / w) * T));
    col.fill(0);
    for (let f = f0; f < f1 && f < T; f++) {
      for (let r = 0; r < nRows; r++) {
        const k = lo + r - MIDI_OFFSET;
        if (k >= 0 && k < K) col[r] = Math.max(col[r]!, probs[f * K + k]!);
      }
    }
    for (let y = 0; y < h; y++) {
      const r = nRows - 1 - Math.min(nRows - 1, Math.floor((y / h) * nRows));
      const c = LUT_INDEX(col[r]!);
      const o = (y * w + x) * 4;
      img.data[o] = LUT[c]!;
      img.data[o + 1] = LUT[c + 1]!;
      img.data[o + 2] = LUT[c + 2]!;
      img.data[o + 3] = 255;
    }
  }
  g.putImageData(img, x0, y0);
}

function drawTimeAxis(g: SKRSContext2D, family: string, seconds: number, xOf: (t: number) => number, yAxis: number, plotW: number): void {
  const step = TIME_STEPS.find((s) => (s / seconds) * plotW >= MIN_TICK_PX) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  g.fillStyle = STYLE.text;
  g.strokeStyle = STYLE.text;
  g.font = `${STYLE.font}px ${family}`;
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (let i = 0; i * step <= seconds + 1e-9; i++) {
    const t = i * step;
    const x = Math.round(xOf(t)) + 0.5;
    line(g, x, yAxis, x, yAxis + 5);
    g.fillText(formatSeconds(t, step), x, yAxis + 8);
  }
  g.fillText(step >= 60 ? 'time (m:ss)' : 'time (s)', xOf(seconds / 2), yAxis + 26);
}

function formatSeconds(t: number, step: number): string {
  if (step >= 60) return `${Math.floor(t / 60)}:${String(Math.round(t % 60)).padStart(2, '0')}`;
  return step < 1 ? t.toFixed(1) : String(Math.round(t));
}

/** Every key ticked (C longer); names on the white keys that fit (see `labelled`). */
function drawPitchAxis(g: SKRSContext2D, family: string, lo: number, hi: number, yOf: (m: number) => number, rowPx: number): void {
  g.fillStyle = STYLE.text;
  g.strokeStyle = STYLE.text;
  g.font = `${STYLE.font - 1}px ${family}`;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  const x = STYLE.margin.left;
  // E|F and B|C are adjacent rows: labelling every white key needs tall rows; else C and G (5 and 7 rows apart).
  const labelled = rowPx >= 14 ? (n: string) => !n.includes('#') : rowPx >= 7 ? (n: string) => /^[CG]-?\d/.test(n) : (n: string) => /^C-?\d/.test(n);
  for (let midi = lo; midi <= hi; midi++) {
    const name = noteName(midi);
    const isC = midi % 12 === 0;
    const label = labelled(name);
    const y = (yOf(midi) + yOf(midi + 1)) / 2;
    line(g, x - (isC ? 6 : 3), Math.round(y) + 0.5, x, Math.round(y) + 0.5);
    if (label) g.fillText(name, x - 8, y);
  }
  g.save();
  g.translate(14, (yOf(lo) + yOf(hi + 1)) / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.font = `${STYLE.font}px ${family}`;
  g.fillText('note', 0, 0);
  g.restore();
}

function drawColourBar(g: SKRSContext2D, family: string, x: number, y: number, h: number): void {
  const w = 14;
  for (let i = 0; i < h; i++) {
    const [r, gg, b] = colour(1 - i / (h - 1));
    g.fillStyle = `rgb(${r},${gg},${b})`;
    g.fillRect(x, y + i, w, 1);
  }
  g.strokeStyle = STYLE.text;
  g.lineWidth = 1;
  g.strokeRect(x - 0.5, y - 0.5, w + 1, h + 1);
  g.fillStyle = STYLE.text;
  g.font = `${STYLE.font - 1}px ${family}`;
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    const yy = Math.round(y + (1 - v) * (h - 1)) + 0.5;
    line(g, x + w, yy, x + w + 4, yy);
    g.fillText(v.toFixed(2), x + w + 7, yy);
  }
  g.save();
  g.translate(x + w + 46, y + h / 2);
  g.rotate(Math.PI / 2);
  g.textAlign = 'center';
  g.font = `${STYLE.font}px ${family}`;
  g.fillText('probability', 0, 0);
  g.restore();
}

/** Probability (clamped to 0..1) -> RGB along the Inferno stops. */
function colour(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(x));
  const f = x - i;
  const a = INFERNO[i]!, b = INFERNO[i + 1]!;
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as [number, number, number];
}

/** 256-step RGB table of `colour`, so the heat map costs a lookup per pixel. */
const LUT = Uint8Array.from({ length: 256 * 3 }, (_, i) => colour(Math.floor(i / 3) / 255)[i % 3]!);
const LUT_INDEX = (v: number): number => 3 * Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));

function hexRgb(h: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

function line(g: SKRSContext2D, x0: number, y0: number, x1: number, y1: number): void {
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.stroke();
}
