/**
 * Renders a training dataset: procedural pieces (and optionally MIDI files
 * and music21 corpus pieces, see music21.ts) -> FluidSynth with a random
 * piano timbre and effects -> `<out>/<name>.flac`
 * + `<out>/<name>.csv`, with CSV times corrected for the renderer's measured
 * onset latency. Every random choice comes from (seed, piece index), so a seed
 * gives the same files whatever the job count; finished pieces are skipped on
 * a rerun, so a long render can be resumed.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { A2mError } from '../errors.js';
import { errorReason } from '../util/error-reason.js';
import { writeAudioFile, type PlanarAudio } from '../audio/pcm.js';
import type { Note } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { writeCsv } from './csv.js';
import { readMidiFile } from './midi.js';
import { checkMusic21Folders, describeMusic21, exportMusic21, type Music21Options, type Music21Piece } from './music21.js';
import { generatePiece } from './procedural.js';
import { SALAMANDER, SALAMANDER_LAYERS, salamanderAvailable } from './sampler.js';
import { createRng, deriveSeed, type Rng } from './random.js';
import { addNoise, codecRoundTrip, eqFilters, scaleToPeak, trimTail, type CodecSettings, type EqSettings, type NoiseSettings } from './render-effects.js';
import { applyLatency, measureLatencyCached, synthesize, type LatencyMeasurement, type Reverb } from './synth.js';

/** The SoundFonts allowed for training (Debian fluid-soundfont-gm, timgm6mb-soundfont). */
export const DEFAULT_SOUNDFONTS = ['/usr/share/sounds/sf2/FluidR3_GM.sf2', '/usr/share/sounds/sf2/TimGM6mb.sf2'];

/** Every training timbre available here: the SoundFonts plus the Salamander sampler when its packages are installed. */
export const DEFAULT_TIMBRES = [...DEFAULT_SOUNDFONTS, ...(salamanderAvailable() ? [SALAMANDER] : [])];

/**
 * Timbres held out for evaluation (DESIGN.md: anything derived from
 * MuseScore's SoundFonts): training on them would leak the test set.
 */
const HELD_OUT = /musescore|librescore|\.sf3$/i;
export const isHeldOutTimbre = (soundfont: string): boolean => HELD_OUT.test(soundfont);

/** The held-out timbre `--held-out` renders with by default (Debian musescore-general-soundfont-small or its HQ / lossless variants). */
export const HELD_OUT_SOUNDFONTS = ['/usr/share/sounds/sf3/MuseScore_General.sf3'];

/** The CSV comment that marks a piece rendered for held-out evaluation; `a2m train` refuses such pieces. */
export const HELD_OUT_MARK = 'held-out evaluation piece: never train on it';

/** Pieces (CSV paths) whose header carries HELD_OUT_MARK (every piece rendered in a held-out timbre does). */
export async function findHeldOutPieces(csvFiles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const f of csvFiles) {
    const head = (await readFile(f, 'utf8')).split('\n', 8);
    if (head.some((l) => l.startsWith('%') && l.includes(HELD_OUT_MARK))) found.push(f);
  }
  return found;
}

export interface RenderDatasetOptions {
  out: string;
  /** Hours of procedural material (0 with fromMidi renders only the MIDI files). */
  hours: number;
  seed: number;
  /** Timbres: .sf2 paths and/or SALAMANDER ("salamander"); default DEFAULT_TIMBRES. */
  soundfonts?: string[];
  /** Pieces rendered at once (each runs fluidsynth/ffmpeg child processes); default 2. */
  jobs?: number;
  /** MIDI files or folders of them (searched recursively) to render as well. */
  fromMidi?: string[];
  format?: 'flac' | 'wav';
  /** Show a cli-progress bar on stderr. */
  progress?: boolean;
  /** Range of procedural piece lengths in seconds (default [20, 60]; tests use short pieces). */
  pieceSeconds?: [number, number];
  /** An evaluation set in held-out timbres only (default HELD_OUT_SOUNDFONTS); its CSVs carry HELD_OUT_MARK. */
  heldOut?: boolean;
  /**
   * Pieces of the music21 corpus to render as well (exported into
   * `<out>/music21-s<seed>/` first). The reserved folders need heldOut.
   */
  music21?: Music21Options;
  /** Progress lines (the music21 export's). */
  log?: (line: string) => void;
}

export interface RenderDatasetResult {
  out: string;
  /** Pieces rendered by this call. */
  rendered: number;
  /** Pieces already present (resumed). */
  skipped: number;
  /** Seconds of audio rendered by this call. */
  seconds: number;
  latencies: Record<string, LatencyMeasurement>;
}

/** Everything random about how one piece sounds. */
export interface RenderSettings {
  /** A .sf2 path, or SALAMANDER for the sampler. */
  soundfont: string;
  program: number;
  reverb: Reverb | null;
  eq: EqSettings;
  /** Random gain: the piece's peak level, dBFS. */
  peakDb: number;
  noise: NoiseSettings | null;
  codec: CodecSettings | null;
  /** Velocity curve exponent for what is played (1 = none); the CSV keeps the written velocity. */
  velocityCurve?: number;
}

/** One piece to render: its name and where its notes come from. */
export interface PiecePlan {
  name: string;
  seed: number;
  /** Procedural length (s), or the MIDI file to read. */
  source: { kind: 'procedural'; seconds: number } | { kind: 'midi'; file: string } | { kind: 'music21'; piece: Music21Piece };
}

/** Procedural piece lengths (s): long enough for phrases, short enough to shuffle well. */
const DEFAULT_PIECE_SECONDS: [number, number] = [20, 60];

/** GM piano programs and how often each is drawn (acoustic grand most). */
const PROGRAMS: readonly (readonly [number, number])[] = [[0.5, 0], [0.3, 1], [0.2, 2]];

/** Draws how a piece will sound. Probabilities: reverb 1/2, EQ bump 0.3, noise 0.3, codec 0.25, velocity curve 1/2 (exponent 0.7..1.4). */
export function drawRenderSettings(rng: Rng, soundfonts: readonly string[]): RenderSettings {
  const soundfont = rng.pick(soundfonts);
  const program = rng.weighted(PROGRAMS); // drawn for every timbre, so later draws do not depend on which
  return {
    soundfont,
    program: soundfont === SALAMANDER ? 0 : program,
    reverb: rng.chance(0.5)
      ? { roomSize: round(rng.uniform(0.2, 0.95)), damp: round(rng.uniform(0, 0.8)), width: round(rng.uniform(0.5, 1)), level: round(rng.uniform(0.3, 1)), send: rng.int(30, 127) }
      : null,
    eq: {
      tiltDb: round(rng.uniform(-8, 8)),
      peak: rng.chance(0.3) ? { freq: Math.round(100 * 2 ** rng.uniform(0, 6)), gainDb: round(rng.uniform(-6, 6)) } : null,
    },
    peakDb: round(rng.uniform(-20, -0.5)),
    noise: rng.chance(0.3) ? { color: rng.pick(['white', 'pink'] as const), snrDb: round(rng.uniform(15, 45)) } : null,
    codec: rng.chance(0.25) ? { codec: rng.pick(['mp3', 'aac'] as const), kbps: rng.pick([32, 48, 64, 96, 128]) } : null,
    // Drawn last so the draws above stay what they were before this was added.
    velocityCurve: rng.chance(0.5) ? round(Math.exp(rng.uniform(Math.log(0.7), Math.log(1.4)))) : 1,
  };
}

/** The pieces a render produces, in order: MIDI files first, then exported music21 pieces, then procedural pieces until `hours` is reached. */
export async function planDataset(opts: Pick<RenderDatasetOptions, 'hours' | 'seed' | 'fromMidi' | 'pieceSeconds'> & { music21Pieces?: readonly Music21Piece[] }): Promise<PiecePlan[]> {
  const [minLen, maxLen] = opts.pieceSeconds ?? DEFAULT_PIECE_SECONDS;
  const plans: PiecePlan[] = [];
  const midiFiles = (await Promise.all((opts.fromMidi ?? []).map(findMidiFiles))).flat();
  const used = new Set<string>();
  midiFiles.forEach((file, i) => {
    let name = `midi-s${opts.seed}-${path.basename(file).replace(/\.midi?$/i, '').replace(/[^\w.-]+/g, '_')}`;
    while (used.has(name)) name += '_';
    used.add(name);
    plans.push({ name, seed: deriveSeed(opts.seed, 1, i), source: { kind: 'midi', file } });
  });
  (opts.music21Pieces ?? []).forEach((piece, i) => {
    plans.push({ name: piece.name, seed: deriveSeed(opts.seed, 3, i), source: { kind: 'music21', piece } });
  });
  let total = 0;
  for (let i = 0; total < opts.hours * 3600; i++) {
    const seed = deriveSeed(opts.seed, 0, i);
    const seconds = round(createRng(deriveSeed(seed, 7)).uniform(minLen, maxLen));
    plans.push({ name: `proc-s${opts.seed}-${String(i).padStart(5, '0')}`, seed, source: { kind: 'procedural', seconds } });
    total += seconds;
  }
  return plans;
}

async function findMidiFiles(p: string): Promise<string[]> {
  let st;
  try {
    st = await stat(p);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new A2mError(`${p}: ${missing ? 'no such MIDI file or folder' : 'cannot read the MIDI file or folder'} (${errorReason(e)})`, { cause: e });
  }
  if (!st.isDirectory()) return [p];
  const entries = await readdir(p, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.midi?$/i.test(e.name)).map((e) => path.join(e.parentPath, e.name)).sort();
}

/** Checks the SoundFonts exist and are training timbres (or, with heldOut, that every one is a held-out timbre). */
export function checkSoundfonts(soundfonts: readonly string[], heldOut = false): void {
  if (soundfonts.length === 0) throw new A2mError('no SoundFont given: expected at least one .sf2 file');
  if (heldOut) {
    for (const sf of soundfonts) {
      if (!HELD_OUT.test(sf)) throw new A2mError(`${sf}: --held-out renders evaluation data in held-out timbres only (MuseScore-derived SoundFonts); this is a training timbre`);
      if (!existsSync(sf)) throw new A2mError(`${sf}: SoundFont not found (Debian: apt-get install musescore-general-soundfont-small)`);
    }
    return;
  }
  for (const sf of soundfonts) {
    if (sf === SALAMANDER) {
      if (!salamanderAvailable()) throw new A2mError(`${SALAMANDER}: the Salamander samples are not installed (npm install ${SALAMANDER_LAYERS.map((l) => `@audio-samples/piano-velocity${l}`).join(' ')})`);
      continue;
    }
    if (HELD_OUT.test(sf)) throw new A2mError(`${sf}: MuseScore-derived SoundFonts are reserved for held-out evaluation, not training`);
    if (!existsSync(sf) || !statSync(sf).isFile()) {
      throw new A2mError(`${sf}: SoundFont not found (Debian: apt-get install fluid-soundfont-gm timgm6mb-soundfont)`);
    }
  }
}

/** Renders the whole dataset; see the module comment. */
export async function renderDataset(opts: RenderDatasetOptions): Promise<RenderDatasetResult> {
  const soundfonts = opts.soundfonts && opts.soundfonts.length > 0 ? opts.soundfonts : opts.heldOut ? HELD_OUT_SOUNDFONTS : DEFAULT_TIMBRES;
  checkSoundfonts(soundfonts, opts.heldOut);
  // Data rules first: a reserved corpus folder outside a held-out render is refused before anything is written.
  const music21 = opts.music21 ? { ...opts.music21, folders: checkMusic21Folders(opts.music21.folders, opts.heldOut ?? false) } : undefined;
  const format = opts.format ?? 'flac';
  const jobs = Math.max(1, opts.jobs ?? Math.min(2, os.cpus().length));
  const out = path.resolve(opts.out);
  await mkdir(out, { recursive: true });
  const music21Export = music21
    ? await exportMusic21({ ...music21, dir: path.join(out, `music21-s${opts.seed}`), seed: opts.seed, heldOut: opts.heldOut ?? false, log: opts.log })
    : undefined;
  const music21Pieces = music21Export?.pieces;
  if (music21Pieces?.some((p) => p.reserved) && !soundfonts.every(isHeldOutTimbre)) {
    throw new A2mError('reserved music21 folders render only in held-out timbres'); // unreachable past the checks above; kept as the last guard
  }
  const plans = await planDataset({ ...opts, music21Pieces });
  const todo = plans.filter((p) => !(existsSync(path.join(out, `${p.name}.${format}`)) && existsSync(path.join(out, `${p.name}.csv`))));
  const latencyCache = new Map<string, Promise<LatencyMeasurement>>();
  const latencyOf = (sf: string, program: number): Promise<LatencyMeasurement> => {
    const key = `${path.basename(sf)}#${program}`;
    if (!latencyCache.has(key)) latencyCache.set(key, measureLatencyCached(sf, program));
    return latencyCache.get(key)!;
  };

  const bar = opts.progress
    ? new cliProgress.SingleBar({ format: 'render [{bar}] {value}/{total} pieces | {audio} min audio | eta {eta_formatted}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(todo.length, 0, { audio: '0.0' });
  let seconds = 0;
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    // After one piece fails the others stop taking work, so the error is reported promptly.
    while (!failed && next < todo.length) {
      const plan = todo[next++]!;
      try {
        const pieceSeconds = await renderPiece(plan, soundfonts, out, format, latencyOf);
        seconds += pieceSeconds; // not `seconds += await ...`: that reads `seconds` before the await
      } catch (e) {
        failed = true;
        throw e;
      }
      bar?.increment(1, { audio: (seconds / 60).toFixed(1) });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, todo.length)) }, worker));
  } finally {
    bar?.stop();
  }
  const latencies: Record<string, LatencyMeasurement> = {};
  for (const [k, v] of latencyCache) latencies[k] = await v;
  if (todo.length > 0) {
    // What --exclude-pieces left out sits next to the folders it named.
    const music21Record = music21 && { ...music21, ...(music21Export?.excluded ? { excluded: music21Export.excluded } : {}) };
    await writeFileAtomic(path.join(out, `render-s${opts.seed}.json`), JSON.stringify({ seed: opts.seed, hours: opts.hours, ...(music21Record ? { music21: music21Record } : {}), soundfonts, pieces: plans.length, latencies }, (_k, v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v), 1) + '\n');
  }
  return { out, rendered: todo.length, skipped: plans.length - todo.length, seconds, latencies };
}

/** Seconds a rendered piece may run past its last release before it is cut. */
const MAX_TAIL = 2;

/** Renders one piece to `<out>/<name>.<format>` + `.csv` (audio first, each atomically); returns its length in seconds. */
async function renderPiece(
  plan: PiecePlan,
  soundfonts: readonly string[],
  out: string,
  format: string,
  latencyOf: (sf: string, program: number) => Promise<LatencyMeasurement>,
): Promise<number> {
  const rng = createRng(plan.seed);
  const settings = drawRenderSettings(rng, soundfonts);
  const src = plan.source;
  // MIDI files (music21 exports too) are read with the sustain pedal applied: a note sounds until key and pedal are up.
  const notes = src.kind === 'procedural' ? generatePiece(deriveSeed(plan.seed, 1), { seconds: src.seconds }) : (await readMidiFile(src.kind === 'midi' ? src.file : src.piece.file)).notes;
  if (notes.length === 0) throw new A2mError(`${src.kind === 'midi' ? src.file : src.kind === 'music21' ? src.piece.file : plan.name}: no piano notes to render`);
  const latency = await latencyOf(settings.soundfont, settings.program);
  const r = await renderNotes(notes, settings, latency, deriveSeed(plan.seed, 2));
  await writeAudioFile(path.join(out, `${plan.name}.${format}`), r.audio);
  await writeCsv(path.join(out, `${plan.name}.csv`), r.notes, describe(plan, settings, r.latency));
  return r.audio.channels[0]!.length / r.audio.sampleRate;
}

export interface RenderedNotes {
  audio: PlanarAudio;
  /** The notes as they sound in `audio`: tick-quantised and shifted by the measured latency. */
  notes: Note[];
  latency: LatencyMeasurement;
}

/**
 * Synthesises notes with one piece's settings and applies its effects; the
 * returned notes are what the CSV must say. `latency` defaults to a (cached)
 * measurement for the settings' SoundFont and program.
 */
export async function renderNotes(notes: readonly Note[], settings: RenderSettings, latency?: LatencyMeasurement, noiseSeed = 0): Promise<RenderedNotes> {
  const lat = latency ?? (await measureLatencyCached(settings.soundfont, settings.program));
  const synth = await synthesize(notes, { soundfont: settings.soundfont, program: settings.program, reverb: settings.reverb, filters: eqFilters(settings.eq), velocityCurve: settings.velocityCurve });
  const csvNotes = applyLatency(synth.notes, lat);
  const lastRelease = csvNotes.reduce((m, n) => Math.max(m, n.offset), -Infinity); // no spread: a piece may hold 100k+ notes
  let audio = trimTail(synth.audio, lastRelease + 0.1, lastRelease + MAX_TAIL);
  scaleToPeak(audio, settings.peakDb);
  if (settings.noise) addNoise(audio, settings.noise, createRng(noiseSeed));
  if (settings.codec) audio = await codecRoundTrip(audio, settings.codec);
  return { audio, notes: csvNotes, latency: lat };
}

/** CSV header comments: how the piece was made, so a dataset explains itself. */
function describe(plan: PiecePlan, s: RenderSettings, lat: LatencyMeasurement): string[] {
  const src = plan.source.kind === 'midi' ? `midi=${path.basename(plan.source.file)}` : plan.source.kind === 'music21' ? describeMusic21(plan.source.piece) : `procedural seed=${plan.seed}`;
  const reserved = plan.source.kind === 'music21' && plan.source.piece.reserved;
  return [
    `a2m dataset render: ${plan.name} (${src})`,
    `timbre: ${s.soundfont === SALAMANDER ? 'Salamander Grand Piano V3 (sampler)' : `${path.basename(s.soundfont)} program ${s.program}`}; reverb ${s.reverb ? `room ${s.reverb.roomSize} damp ${s.reverb.damp} width ${s.reverb.width} level ${s.reverb.level} send ${s.reverb.send}` : 'off'}`,
    `effects: peak ${s.peakDb} dBFS; eq tilt ${s.eq.tiltDb} dB${s.eq.peak ? `, peak ${s.eq.peak.gainDb} dB at ${s.eq.peak.freq} Hz` : ''}; noise ${s.noise ? `${s.noise.color} snr ${s.noise.snrDb} dB` : 'off'}; codec ${s.codec ? `${s.codec.codec} ${s.codec.kbps}k` : 'none'}; velocity curve ${s.velocityCurve ?? 1}`,
    `onset latency corrected: median ${(lat.median * 1000).toFixed(2)} ms (per key, spread ${(lat.spread * 1000).toFixed(2)} ms)`,
    ...(isHeldOutTimbre(s.soundfont) || reserved ? [HELD_OUT_MARK] : []),
    'time,duration,key,velocity',
  ];
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

