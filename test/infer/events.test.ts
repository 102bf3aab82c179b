// Event extraction on synthetic rolls built from known notes through the
// training-target rule (src/data/targets.ts), clean and blurred, with
// repeated notes (re-attacks), and with an onset / velocity head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THRESHOLDS, PEAK_RISE, extractNotes, notesToFrames, parseThresholds, type EventThresholds } from '../../src/infer/events.js';
import { THRESHOLD_RULES, checkThresholds } from '../../src/infer/threshold-bounds.js';
import { windowTargets } from '../../src/data/targets.js';
import { scoreNotes } from '../../src/eval/mir-eval.js';
import { FRAMES_PER_SECOND as FPS, MIDI_OFFSET, NUM_KEYS as K, type Note } from '../../src/types.js';
import { mulberry32 } from '../../src/util/prng.js';

const T = 250;

/**
 * Random notes on the frame grid: per key a sequence of notes where half of
 * them are re-struck right at the previous note's end (the case the frame
 * head's single 0 frame must carry), the rest after a gap.
 */
function randomNotes(seed: number, keys: number): Note[] {
  const r = mulberry32(seed);
  const notes: Note[] = [];
  for (let i = 0; i < keys; i++) {
    const pitch = MIDI_OFFSET + 8 * i + Math.floor(r() * 8);
    let f0 = Math.floor(r() * 20);
    while (f0 < T - 12) {
      const f1 = Math.min(T, f0 + 3 + Math.floor(r() * 40));
      notes.push({ onset: f0 / FPS, offset: f1 / FPS, pitch, velocity: (1 + Math.floor(r() * 127)) / 127 });
      f0 = r() < 0.5 ? f1 : f1 + 2 + Math.floor(r() * 10);
    }
  }
  return notes.sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
}

/** What the target rule makes of a note list: a re-attacked note ends one frame before the next onset. */
function quantised(notes: Note[]): { onset: number; offset: number; pitch: number }[] {
  return notes
    .map((n) => {
      const f0 = Math.round(n.onset * FPS);
      let f1 = Math.max(f0 + 1, Math.round(n.offset * FPS));
      const nextOn = notes.filter((m) => m.pitch === n.pitch && m.onset > n.onset).map((m) => Math.round(m.onset * FPS));
      if (nextOn.length) f1 = Math.min(f1, Math.min(...nextOn) - 1);
      return { onset: f0 / FPS, offset: Math.min(T, f1) / FPS, pitch: n.pitch };
    })
    .sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
}

/** Temporal blur (3-tap) and a contrast squeeze: the 0 frame becomes a shallow dip. */
function blur(roll: Float32Array, w = [0.2, 0.6, 0.2], scale = 0.9): Float32Array {
  const out = new Float32Array(roll.length);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let d = -1; d <= 1; d++) s += w[d + 1]! * (roll[Math.min(T - 1, Math.max(0, t + d)) * K + k] ?? 0);
      out[t * K + k] = 0.05 + scale * s;
    }
  }
  return out;
}

const strip = (ns: Note[]) => ns.map(({ onset, offset, pitch }) => ({ onset, offset, pitch }));

test('clean target rolls give back the notes exactly (incl. re-attacks)', () => {
  for (const seed of [1, 2, 3]) {
    const notes = randomNotes(seed, 10);
    const reattacks = notes.filter((n, i) => notes.some((m, j) => j !== i && m.pitch === n.pitch && Math.abs(m.onset - n.offset) < 1e-9)).length;
    assert.ok(reattacks >= 5, `seed ${seed}: want re-attacks in the data, got ${reattacks}`);
    const { frames } = windowTargets(notes, 0, { frames: T, keys: K });
    const got = extractNotes({ frames }, { minNoteFrames: 1 });
    assert.deepEqual(strip(got), quantised(notes), `seed ${seed}`);
    for (const n of got) assert.equal(n.velocity, DEFAULT_THRESHOLDS.defaultVelocity);
  }
});

test('blurred rolls: the rise test splits re-attacks whose dip stays above release', () => {
  const notes = randomNotes(7, 10);
  const { frames } = windowTargets(notes, 0, { frames: T, keys: K });
  const soft = blur(frames);
  // The dips really are shallow: no frame of a sounding key drops below release.
  let minInNote = 1;
  for (const n of notes) for (let f = Math.round(n.onset * FPS) + 1; f < Math.round(n.offset * FPS) - 1; f++) minInNote = Math.min(minInNote, soft[f * K + n.pitch - MIDI_OFFSET]!);
  assert.ok(minInNote > DEFAULT_THRESHOLDS.release, `dips should stay above release, min ${minInNote}`);

  const got = extractNotes({ frames: soft });
  const s = scoreNotes(notes, got);
  assert.equal(s.onset.f1, 1, `onset F1 with the rise test: ${JSON.stringify(s.onset)}`);
  // Onsets within a frame, offsets within two (pairs in key order).
  const byKey = <N extends { pitch: number; onset: number }>(ns: N[]) => [...ns].sort((a, b) => a.pitch - b.pitch || a.onset - b.onset);
  for (const [a, b] of zip(byKey(got), byKey(quantised(notes)))) {
    assert.equal(a.pitch, b.pitch);
    assert.ok(Math.abs(a.onset - b.onset) <= 1 / FPS + 1e-9, `key ${a.pitch}: onset ${a.onset} vs ${b.onset}`);
    assert.ok(Math.abs(a.offset - b.offset) <= 2 / FPS + 1e-9, `key ${a.pitch}: offset ${a.offset} vs ${b.offset}`);
  }
  // Without the rise test the repeated notes merge: the test is what splits them.
  const merged = extractNotes({ frames: soft }, { riseDelta: Infinity });
  assert.ok(merged.length < notes.length, `without the rise test expected merged notes, got ${merged.length} of ${notes.length}`);
});

test('a single note: decay to the floor and an onset ramp never split it', () => {
  const n: Note = { onset: 0.2, offset: 3, pitch: 60, velocity: 0.5 };
  const { frames } = windowTargets([n], 0, { frames: T, keys: K });
  const k = n.pitch - MIDI_OFFSET;
  const f0 = Math.round(n.onset * FPS);
  // A model-like ramp into the onset: 0.55 then 0.8 then the envelope.
  frames[f0 * K + k] = 0.55;
  frames[(f0 + 1) * K + k] = 0.8;
  // Small wobble on the sustain floor (±0.05) must not count as a rise.
  for (let f = f0 + 20; f < 150; f += 3) frames[f * K + k] = 0.55;
  const got = extractNotes({ frames });
  assert.deepEqual(strip(got), [{ onset: 0.2, offset: 3, pitch: 60 }]);
});

test('onset head: peaks start and re-start notes even without a frame dip', () => {
  const notes: Note[] = [
    { onset: 0.5, offset: 1.0, pitch: 60, velocity: 0.3 },
    { onset: 1.0, offset: 1.6, pitch: 60, velocity: 0.9 },
    { onset: 1.6, offset: 2.0, pitch: 60, velocity: 0.6 },
    { onset: 0.7, offset: 2.5, pitch: 72, velocity: 0.5 },
  ];
  const tg = windowTargets(notes, 0, { frames: T, keys: K });
  // A frame head that cannot show re-attacks at all: flat 0.8 while any note sounds.
  const flat = tg.frames.map((v) => (v > 0 ? 0.8 : 0.02));
  for (const f of [49, 79]) flat[f * K + 60 - MIDI_OFFSET] = 0.8; // fill the 0 frames
  const onsets = blur(tg.onsets, [0.3, 0.6, 0.3], 0.9); // peaks at the onset frames, 0.59 + 0.05
  const got = extractNotes({ frames: flat, onsets, velocities: tg.velocities });
  assert.deepEqual(
    got.map(({ onset, offset, pitch }) => ({ onset, offset, pitch })),
    [
      { onset: 0.5, offset: 1.0, pitch: 60 },
      { onset: 0.7, offset: 2.5, pitch: 72 },
      { onset: 1.0, offset: 1.6, pitch: 60 },
      { onset: 1.6, offset: 2.0, pitch: 60 },
    ],
  );
  // Velocities read at the onset frame (float32 storage of the targets).
  const byOnset = new Map(notes.map((n) => [`${n.pitch}@${n.onset}`, n.velocity]));
  for (const n of got) assert.ok(Math.abs(n.velocity - byOnset.get(`${n.pitch}@${n.onset}`)!) < 1e-6);
  // Frame rule alone on the same flat roll: one long note on key 60.
  assert.equal(extractNotes({ frames: flat }).filter((n) => n.pitch === 60).length, 1);
});

test('onset head: rounding on a plateau makes no peaks (steps under PEAK_RISE are flat)', () => {
  // An initialised model's answer to silence: the same onset prob in every frame, above the threshold.
  const frames = new Float32Array(T * K).fill(0.6);
  const plateau = new Float32Array(T * K).fill(0.7);
  const clean = extractNotes({ frames, onsets: plateau });
  // Another runtime's rounding: every value off by up to 1e-6 (10x float32 rounding at 0.7).
  const rng = mulberry32(5);
  const noisy = plateau.map((v) => v + (rng() - 0.5) * 2e-6);
  assert.deepEqual(extractNotes({ frames, onsets: noisy }), clean, 'the same notes as the exact plateau');
  assert.ok(clean.every((n) => n.onset === 0), 'a plateau peaks at its first frame only');
  // A real step (a rise of 10 x PEAK_RISE) is still a peak.
  const step = Float32Array.from(plateau);
  for (let t = 100; t < T; t++) step[t * K + 10] = 0.7 + 10 * PEAK_RISE;
  assert.ok(extractNotes({ frames, onsets: step }).some((n) => n.pitch === 10 + MIDI_OFFSET && Math.abs(n.onset - 100 / FPS) < 1e-9), 'the step starts a note');
});

test('onset head: a peak inside a sounding note re-starts it only above reonset', () => {
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K);
  const key = 40;
  for (let f = 10; f < 80; f++) frames[f * K + key] = 0.9; // one held note, frames 10..79
  for (let f = 90; f < 100; f++) frames[f * K + key] = 0.9; // a second one after a gap
  onsets[10 * K + key] = 0.95; // its onset
  onsets[40 * K + key] = 0.6; // a bump while it sounds
  onsets[90 * K + key] = 0.6; // the same height on an idle key
  const starts = (th: Partial<EventThresholds>) => extractNotes({ frames, onsets }, th).map((n) => Math.round(n.onset * FPS));
  assert.deepEqual(starts({ onset: 0.5 }), [10, 40, 90], 'reonset 0: every peak above onset starts a note');
  assert.deepEqual(starts({ onset: 0.5, reonset: 0.7 }), [10, 90], 'the bump inside the held note no longer splits it; the idle key still starts');
  assert.deepEqual(starts({ onset: 0.5, reonset: 0.55 }), [10, 40, 90]);
});

test('onset head: a held note ends below sustainRelease once it has lasted sustainFrames', () => {
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K);
  const key = 30;
  // A short note (frames 5..9, then 0.1) and a held one whose prob fades: 0.9 for 30 frames, 0.1 for 40, then 0.
  for (let f = 5; f < 10; f++) frames[f * K + key] = 0.9;
  for (let f = 10; f < 15; f++) frames[f * K + key] = 0.1;
  onsets[5 * K + key] = 0.9;
  for (let f = 50; f < 80; f++) frames[f * K + key] = 0.9;
  for (let f = 80; f < 120; f++) frames[f * K + key] = 0.1;
  onsets[50 * K + key] = 0.9;
  const spans = (th: Partial<EventThresholds>) => extractNotes({ frames, onsets }, { onset: 0.5, release: 0.15, ...th })
    .map((n) => [Math.round(n.onset * FPS), Math.round(n.offset * FPS)]);
  assert.deepEqual(spans({}), [[5, 10], [50, 80]], 'release 0.15 ends both where the prob falls to 0.1');
  assert.deepEqual(spans({ sustainFrames: 20, sustainRelease: 0.05 }), [[5, 10], [50, 120]], 'only the note past 20 frames holds on through the 0.1 tail');
  assert.deepEqual(spans({ sustainFrames: 0, sustainRelease: 0.05 }), [[5, 10], [50, 80]], 'sustainFrames 0 is off');
});

test('offsetShift moves every end by whole frames, never to before the onset frame + 1', () => {
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K);
  const key = 12;
  for (let f = 20; f < 23; f++) frames[f * K + key] = 0.9; // 3 frames
  for (let f = 40; f < 60; f++) frames[f * K + key] = 0.9; // 20 frames
  onsets[20 * K + key] = 0.9;
  onsets[40 * K + key] = 0.9;
  const spans = (offsetShift: number) => extractNotes({ frames, onsets }, { onset: 0.5, minNoteFrames: 3, offsetShift })
    .map((n) => [Math.round(n.onset * FPS), Math.round(n.offset * FPS)]);
  assert.deepEqual(spans(0), [[20, 23], [40, 60]]);
  assert.deepEqual(spans(-2), [[20, 21], [40, 58]], 'minNoteFrames judged the unshifted note; the end stays after the onset frame');
  assert.deepEqual(spans(-5), [[20, 21], [40, 55]]);
  assert.deepEqual(spans(2), [[20, 25], [40, 62]]);
});

test('onset head: a peak under a stronger onset 12/19/24/28 keys below is a harmonic, not a note, when harmonic > 0', () => {
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K);
  const root = 30;
  for (const key of [root, root + 12, root + 19, root + 7]) for (let f = 10; f < 40; f++) frames[f * K + key] = 0.9;
  onsets[10 * K + root] = 0.9; // the struck note
  onsets[10 * K + root + 12] = 0.5; // its octave: 0.5 / 0.9 = 0.56 of it
  onsets[10 * K + root + 19] = 0.7; // its twelfth: 0.78 of it
  onsets[10 * K + root + 7] = 0.3; // a fifth is no harmonic interval: never skipped
  const keys = (th: Partial<EventThresholds>) => extractNotes({ frames, onsets }, th).map((n) => n.pitch - 21).sort((a, b) => a - b);
  assert.deepEqual(keys({ onset: 0.2 }), [root, root + 7, root + 12, root + 19], 'harmonic 0: off');
  assert.deepEqual(keys({ onset: 0.2, harmonic: 0.6 }), [root, root + 7, root + 19], 'the octave is below 0.6 of the root');
  assert.deepEqual(keys({ onset: 0.2, harmonic: 0.8 }), [root, root + 7], 'the twelfth is below 0.8 of the root');
  assert.deepEqual(keys({ onset: 0.45, harmonic: 0.8 }), [root], 'the fifth (0.3) is below onset; the root vetoes the octave and twelfth');
  // The root's onset must itself exceed `onset` to veto anything.
  onsets[10 * K + root] = 0.4;
  assert.deepEqual(keys({ onset: 0.45, harmonic: 0.8 }), [root + 12, root + 19], 'a root below onset is no note and vetoes nothing');
});

test('onset head: frames without an onset peak start nothing unless allowed', () => {
  const frames = new Float32Array(T * K);
  for (let f = 10; f < 40; f++) frames[f * K + 30] = 0.9;
  const onsets = new Float32Array(T * K);
  assert.equal(extractNotes({ frames, onsets }).length, 0);
  assert.equal(extractNotes({ frames, onsets }, { allowFrameStarts: true }).length, 1);
});

test('non-piano keys, short blips, threshold overrides, bad shapes', () => {
  const frames = new Float32Array(T * K);
  for (let f = 10; f < 20; f++) frames[f * K + 88] = frames[f * K + 89] = 1; // MIDI 109, 110: not piano
  frames[50 * K + 5] = 1; // a 1-frame blip
  for (let f = 60; f < 70; f++) frames[f * K + 5] = 0.45;
  assert.equal(extractNotes({ frames }).length, 0);
  assert.equal(extractNotes({ frames }, { minNoteFrames: 1 }).length, 1);
  assert.deepEqual(strip(extractNotes({ frames }, { activate: 0.4 })), [{ onset: 60 / FPS, offset: 70 / FPS, pitch: 26 }]);
  assert.throws(() => extractNotes({ frames: new Float32Array(91) }), /multiple of 90/);
  assert.throws(() => extractNotes({ frames, onsets: new Float32Array(90) }), /onset roll/);
});

test('notesToFrames marks the sounding frames on the target grid', () => {
  const notes: Note[] = [{ onset: 0.1, offset: 0.2, pitch: 21, velocity: 1 }, { onset: 4.98, offset: 6, pitch: 110, velocity: 1 }];
  const roll = notesToFrames(notes, T);
  const on = [...roll.keys()].filter((i) => roll[i] === 1).map((i) => [Math.floor(i / K), i % K]);
  assert.deepEqual(on, [[5, 0], [6, 0], [7, 0], [8, 0], [9, 0], [249, 89]]);
  const target = windowTargets(notes, 0, { frames: T, keys: K }).frames;
  assert.deepEqual([...roll].map((v, i) => v > 0 === target[i]! > 0), new Array(T * K).fill(true));
});

function zip<A, B>(a: A[], b: B[]): [A, B][] {
  assert.equal(a.length, b.length, 'same number of notes');
  return a.map((x, i) => [x, b[i]!]);
}

test('parseThresholds: model-card values checked, errors name the file and field', () => {
  assert.deepEqual(parseThresholds({ activate: 0.4, riseDelta: null, velocityReduce: 'max' }, 'card.json'), { activate: 0.4, riseDelta: Infinity, velocityReduce: 'max' });
  assert.throws(() => parseThresholds({ activte: 0.4 }, 'card.json'), /card\.json: thresholds\.activte: unknown threshold/);
  assert.throws(() => parseThresholds({ release: 2 }, 'card.json'), /card\.json: thresholds\.release: must be a number in 0\.\.1, got 2/);
  assert.throws(() => parseThresholds({ minNoteFrames: 1.5 }, 'card.json'), /minNoteFrames: must be an integer in 1\.\.1000, got 1\.5/);
  assert.throws(() => parseThresholds([], 'card.json'), /expected an object/);
});

test('parseThresholds and checkThresholds share one rule table', () => {
  const rules = Object.keys(THRESHOLD_RULES).sort();
  assert.deepEqual(rules, Object.keys(DEFAULT_THRESHOLDS).sort(), 'a rule for every threshold');
  assert.deepEqual(parseThresholds({ ...DEFAULT_THRESHOLDS }, 'card.json'), { ...DEFAULT_THRESHOLDS }, 'the defaults pass');
  // JSON writes the tuner's riseDelta Infinity as null: both read it back as Infinity.
  assert.deepEqual(checkThresholds({ riseDelta: null }, 'ck'), { riseDelta: Infinity });
  assert.deepEqual(checkThresholds({ riseDelta: Infinity, onset: undefined }, 'ck'), { riseDelta: Infinity }, 'undefined entries are left out');
  assert.deepEqual(checkThresholds(null, 'ck'), {}, 'no thresholds in a checkpoint');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ harmonic: 2 }, /harmonic: must be a number in 0\.\.1 \(0: off\), got 2/],
    [{ riseDelta: 0 }, /riseDelta: must be a number > 0 and <= 1, or Infinity \/ null \(rise test off\), got 0/],
    [{ riseDelta: 2 }, /riseDelta: must be/],
    [{ riseFrames: 0 }, /riseFrames: must be an integer in 1\.\.1000/],
    [{ sustainFrames: 100001 }, /sustainFrames: must be an integer in 0\.\.100000 \(0: off\)/],
    [{ offsetShift: -1001 }, /offsetShift: must be an integer in -1000\.\.1000/],
    [{ velocityReduce: 'min' }, /velocityReduce: must be one of "mean", "max", got "min"/],
    [{ allowFrameStarts: 1 }, /allowFrameStarts: must be true or false/],
    [{ activate: null }, /activate: must be a number in 0\.\.1, got null/],
    [{ constructor: 1 }, /constructor: unknown threshold/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => parseThresholds(bad, 'card.json'), new RegExp(`card\\.json: thresholds\\.${message.source}`));
    assert.throws(() => checkThresholds(bad, 'ck: state.thresholds'), new RegExp(`ck: state\\.thresholds\\.${message.source}`));
  }
});

test('offset head: a sounding note ends at an offset peak above offset, that frame included; 0 leaves the frame prob to decide', () => {
  const frames = new Float32Array(T * K), onsets = new Float32Array(T * K), offsets = new Float32Array(T * K);
  const key = 40;
  // A held note whose frame prob fades only at frame 100, with the offset head firing at frame 59 (0.7, a peak)
  // and a weaker bump at 30 (0.3); a second note at 150 with a 2-frame offset plateau at 170-171 (peaks at 170).
  for (let f = 10; f < 100; f++) frames[f * K + key] = 0.6;
  onsets[10 * K + key] = 0.9;
  offsets[29 * K + key] = 0.1; offsets[30 * K + key] = 0.3; offsets[31 * K + key] = 0.1;
  offsets[58 * K + key] = 0.2; offsets[59 * K + key] = 0.7; offsets[60 * K + key] = 0.4;
  for (let f = 150; f < 200; f++) frames[f * K + key] = 0.6;
  onsets[150 * K + key] = 0.9;
  offsets[170 * K + key] = 0.55; offsets[171 * K + key] = 0.55;
  const spans = (th: Partial<EventThresholds>, withOffsets = true) => extractNotes({ frames, onsets, ...(withOffsets ? { offsets } : {}) }, { onset: 0.5, release: 0.2, ...th })
    .map((n) => [Math.round(n.onset * FPS), Math.round(n.offset * FPS)]);
  assert.deepEqual(spans({ offset: 0 }), [[10, 100], [150, 200]], 'offset 0: the frame prob ends both notes');
  assert.deepEqual(spans({ offset: 0.5 }), [[10, 60], [150, 171]], 'peaks above 0.5 end the notes with their frame (a plateau at its first frame)');
  assert.deepEqual(spans({ offset: 0.25 }), [[10, 31], [150, 171]], 'a lower bar takes the first bump');
  assert.deepEqual(spans({ offset: 0.5 }, false), [[10, 100], [150, 200]], 'without an offset roll the threshold does nothing');
  assert.deepEqual(spans({ offset: 0.5, offsetShift: -2 }), [[10, 58], [150, 169]], 'offsetShift applies after');
});
