// NoteStream (stitched frames in chunk by chunk, notes out as they finish)
// against extractNotes over the whole roll: the same notes, value for value,
// for every head combination (frame rule with its rise test; onset rule;
// velocity mean/max over several frames), several threshold sets, and chunk
// sizes from 1 frame to the whole roll. Rolls are random but note-shaped
// (attacks, decays, shallow dips, plateaus from quantisation, so ties and
// re-attacks occur), plus plain quantised noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THRESHOLDS, NoteStream, compareNotes, extractNotes, type EventInputs, type EventThresholds } from '../../src/infer/events.js';
import { createRng, type Rng } from '../../src/data/random.js';
import type { Note } from '../../src/types.js';

const K = 90;
const T = 700;

/** Rounds to 0.05 steps so neighbouring frames often tie (plateaus, `<=` in the rise test). */
const q = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 20) / 20;

/**
 * Per key: notes that attack, decay towards a floor, sometimes dip and re-attack; an onset spike (sometimes a 2-frame plateau)
 * at each attack; an offset bump near most ends (sometimes early, inside the note, where it ends the note before the frame prob does).
 */
function noteShapedRolls(seed: number): Required<Pick<EventInputs, 'frames' | 'onsets' | 'velocities' | 'offsets'>> {
  const rng = createRng(seed);
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K), velocities = new Float32Array(T * K), offsets = new Float32Array(T * K);
  for (let k = 0; k < K; k++) {
    let t = rng.int(0, 30);
    while (t < T) {
      const len = rng.int(2, 60);
      const peak = rng.uniform(0.5, 1);
      for (let i = 0; i < len && t + i < T; i++) {
        let v = Math.max(0.45, peak * Math.exp(-0.04 * i)) + rng.uniform(-0.08, 0.08);
        if (i > 8 && rng.next() < 0.06) v -= rng.uniform(0.2, 0.5); // a dip: a re-attack candidate
        frames[(t + i) * K + k] = q(v);
        onsets[(t + i) * K + k] = q(i === 0 ? rng.uniform(0.3, 1) : rng.uniform(0, 0.3));
        velocities[(t + i) * K + k] = rng.next();
      }
      if (rng.next() < 0.3 && t + 1 < T) onsets[(t + 1) * K + k] = onsets[t * K + k]!; // plateau peak
      const end = t + (rng.next() < 0.3 ? rng.int(1, len) : len - 1);
      if (end < T) offsets[end * K + k] = q(rng.uniform(0.1, 1));
      t += len + (rng.next() < 0.4 ? 0 : rng.int(1, 40));
    }
  }
  return { frames, onsets, velocities, offsets };
}

function noiseRolls(rng: Rng): Required<Pick<EventInputs, 'frames' | 'onsets' | 'velocities' | 'offsets'>> {
  const make = () => Float32Array.from({ length: T * K }, () => q(rng.next()));
  return { frames: make(), onsets: make(), velocities: make(), offsets: make() };
}

const HEADS: { name: string; pick: (r: ReturnType<typeof noiseRolls>) => EventInputs }[] = [
  { name: 'frames only', pick: (r) => ({ frames: r.frames }) },
  { name: 'frames + velocity', pick: (r) => ({ frames: r.frames, velocities: r.velocities }) },
  { name: 'frames + onsets', pick: (r) => ({ frames: r.frames, onsets: r.onsets }) },
  { name: 'frame, onset and velocity heads', pick: (r) => ({ frames: r.frames, onsets: r.onsets, velocities: r.velocities }) },
  { name: 'all heads (with offsets)', pick: (r) => ({ frames: r.frames, onsets: r.onsets, velocities: r.velocities, offsets: r.offsets }) },
];

const THRESHOLD_SETS: Partial<EventThresholds>[] = [
  {},
  { release: 0.2, onset: 0.4 },
  { release: 0.2, onset: 0.3, reonset: 0.7 },
  { release: 0.2, onset: 0.3, reonset: 0.6, harmonic: 0.7 },
  { velocityFrames: 4, velocityReduce: 'max', allowFrameStarts: true, minNoteFrames: 1 },
  { riseFrames: 3, riseDelta: 0.1, velocityFrames: 3, reattack: 0.3 },
  { release: 0.3, sustainFrames: 8, sustainRelease: 0.05, offsetShift: -2 },
  { onset: 0.3, sustainFrames: 3, sustainRelease: 0.2, offsetShift: 3 },
  { onset: 0.3, offset: 0.4, release: 0.05 },
  { onset: 0.4, reonset: 0.6, offset: 0.2, release: 0.2, offsetShift: -1 },
];

/** Feeds `input` to a NoteStream in chunks of the given sizes (cycled); returns the notes sorted, and those finish() gave. */
function streamNotes(input: EventInputs, th: Partial<EventThresholds>, sizes: number[]): { notes: Note[]; atFinish: Note[] } {
  const keys = input.keys ?? K;
  const total = input.frames.length / keys;
  const s = new NoteStream({ onsets: Boolean(input.onsets), velocities: Boolean(input.velocities), offsets: Boolean(input.offsets), keys }, th);
  const notes: Note[] = [];
  const rows = (a: Float32Array | undefined, from: number, to: number) => a?.subarray(from * keys, to * keys);
  for (let t = 0, i = 0; t < total; i++) {
    const end = Math.min(total, t + sizes[i % sizes.length]!);
    notes.push(...s.push({ frames: rows(input.frames, t, end)!, onsets: rows(input.onsets, t, end), velocities: rows(input.velocities, t, end), offsets: rows(input.offsets, t, end), keys }));
    t = end;
  }
  const atFinish = s.finish();
  return { notes: [...notes, ...atFinish].sort(compareNotes), atFinish };
}

const CHUNKINGS: { name: string; sizes: number[] }[] = [
  { name: '1', sizes: [1] },
  { name: '7', sizes: [7] },
  { name: '250', sizes: [250] },
  { name: 'whole', sizes: [T] },
  { name: 'ragged incl. empty', sizes: [0, 3, 1, 0, 40, 2, 225, 13] },
];

for (const [source, rolls] of [['note-shaped', noteShapedRolls(5)], ['noise', noiseRolls(createRng(6))]] as const) {
  for (const head of HEADS) {
    test(`NoteStream = extractNotes: ${source} rolls, ${head.name}, chunks of ${CHUNKINGS.map((c) => c.name).join(' / ')}`, () => {
      const input = head.pick(rolls);
      for (const th of THRESHOLD_SETS) {
        const want = extractNotes(input, th);
        assert.ok(want.length > 50, `a meaningful case: ${want.length} notes`);
        for (const c of CHUNKINGS) {
          const { notes, atFinish } = streamNotes(input, th, c.sizes);
          assert.deepStrictEqual(notes, want, `thresholds ${JSON.stringify(th)}, chunks ${c.name}`);
          // Streaming for real: only the last frame's decisions and notes still open wait for finish().
          const riseFrames = th.riseFrames ?? DEFAULT_THRESHOLDS.riseFrames;
          for (const n of atFinish) assert.ok(Math.round(n.offset * 50) >= T - 1 - riseFrames, `note ending at ${n.offset}s held until finish`);
        }
      }
    });
  }
}

test('NoteStream checks its input: head set fixed at construction, [n, keys] rows, no use after finish', () => {
  const s = new NoteStream({ onsets: true, velocities: false });
  assert.throws(() => s.push({ frames: new Float32Array(K) }), /missing onset roll at frame 0/);
  assert.throws(() => s.push({ frames: new Float32Array(K), onsets: new Float32Array(K), velocities: new Float32Array(K) }), /unexpected velocity roll/);
  assert.throws(() => s.push({ frames: new Float32Array(K + 1), onsets: new Float32Array(K + 1) }), /not a multiple of 90 keys/);
  assert.throws(() => s.push({ frames: new Float32Array(K), onsets: new Float32Array(2 * K) }), /onset roll has 180 values/);
  s.finish();
  assert.throws(() => s.push({ frames: new Float32Array(K), onsets: new Float32Array(K) }), /after finish/);
});
