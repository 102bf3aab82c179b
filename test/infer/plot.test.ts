// The piano-roll PNG: decoded by pngjs (an independent reader), of the size
// the plot reports, with time running left to right, pitch bottom to top,
// probability mapped dark -> bright, and notes outlined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { noteName, plotPianoRoll, renderPianoRoll } from '../../src/infer/plot.js';
import { MIDI_OFFSET, NUM_KEYS as K, type Note } from '../../src/types.js';

const FPS = 50;

function roll(seconds: number, notes: Note[]): Float32Array {
  const T = Math.round(seconds * FPS);
  const p = new Float32Array(T * K);
  for (const n of notes) for (let f = Math.round(n.onset * FPS); f < Math.round(n.offset * FPS); f++) p[f * K + n.pitch - MIDI_OFFSET] = 1;
  return p;
}

test('writes a valid PNG of the reported size; pixels follow time, pitch and probability', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'a2m-plot-'));
  try {
    const notes: Note[] = [
      { onset: 1, offset: 3, pitch: 60, velocity: 0.5 },
      { onset: 5, offset: 6, pitch: 72, velocity: 0.5 },
    ];
    const out = path.join(dir, 'roll.png');
    const layout = await plotPianoRoll({ probs: roll(8, notes), notes, fps: FPS, out, title: 'test' });
    assert.deepEqual(await readdir(dir), ['roll.png'], 'no temp files left behind');
    const png = PNG.sync.read(await readFile(out));
    assert.equal(png.width, layout.width);
    assert.equal(png.height, layout.height);
    assert.ok(layout.width >= 600 && layout.height >= 260);
    const [lo, hi] = layout.pitchRange;
    assert.ok(lo <= 60 && hi >= 72 && hi - lo >= 24, `range ${lo}..${hi}`);

    const { x, y, w, h } = layout.plot;
    const px = (t: number, midi: number) => {
      const col = Math.floor(x + (t / layout.seconds) * w);
      const row = Math.floor(y + h - ((midi + 0.5 - lo) / (hi - lo + 1)) * h);
      const o = (row * png.width + col) * 4;
      return [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!];
    };
    const brightness = (c: number[]) => c[0]! + c[1]! + c[2]!;
    // Inside a note (prob 1): the colour map's bright end; elsewhere: its dark end.
    assert.ok(brightness(px(2, 60)) > 600, `note cell ${px(2, 60)}`);
    assert.ok(brightness(px(2, 66)) < 30, `empty cell ${px(2, 66)}`);
    assert.ok(brightness(px(5.5, 72)) > 600 && brightness(px(5.5, 60)) < 30, 'time runs left to right');
    // The outline: cyan (blue and green high, red low) on the note's left edge.
    const [r, g, b] = px(1, 60);
    assert.ok(g! > 150 && b! > 150 && r! < b!, `outline colour ${[r, g, b]}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('width follows the duration up to a cap; half-hour rolls stay bounded', () => {
  const a = renderPianoRoll({ probs: roll(10, []) });
  const b = renderPianoRoll({ probs: roll(20, []) });
  const c = renderPianoRoll({ probs: new Float32Array(50 * 1800 * K), maxWidth: 1200 });
  assert.ok(b.plot.w > a.plot.w);
  assert.equal(c.plot.w, 1200);
  assert.equal(PNG.sync.read(c.png).width, c.width);
});

test('note names and bad input', () => {
  assert.deepEqual([21, 60, 61, 108].map(noteName), ['A0', 'C4', 'C#4', 'C8']);
  assert.throws(() => renderPianoRoll({ probs: new Float32Array(91) }), /not \[frames, 90\]/);
});
