/// <reference lib="dom" />
/**
 * The demo page's piano roll: frame probabilities as a grey heat map, notes as
 * outlined bars (colour = velocity), time left to right, pitch bottom to top
 * over the keys that sound (plus a margin), so short clips stay readable.
 */
import type { Note } from '../../types.js';

export interface RollOptions { keys: number; fps: number; midiOffset: number }

const PX_PER_KEY = 6;
const MAX_WIDTH = 2400;
const MARGIN_KEYS = 3;

export function drawPianoRoll(canvas: HTMLCanvasElement, probs: Float32Array, notes: readonly Note[], o: RollOptions): void {
  const frames = probs.length / o.keys;
  const pitches = notes.map((n) => n.pitch - o.midiOffset);
  const lo = Math.max(0, (pitches.length ? Math.min(...pitches) : 27) - MARGIN_KEYS);
  const hi = Math.min(o.keys - 1, (pitches.length ? Math.max(...pitches) : 60) + MARGIN_KEYS);
  const rows = hi - lo + 1;
  const pxPerFrame = Math.max(0.25, Math.min(4, MAX_WIDTH / Math.max(1, frames)));
  canvas.width = Math.ceil(frames * pxPerFrame);
  canvas.height = rows * PX_PER_KEY;
  const g = canvas.getContext('2d');
  if (!g) return;
  const img = g.createImageData(canvas.width, canvas.height);
  for (let x = 0; x < canvas.width; x++) {
    const f = Math.min(frames - 1, Math.floor(x / pxPerFrame));
    for (let r = 0; r < rows; r++) {
      const v = 255 - Math.round(255 * Math.min(1, Math.max(0, probs[f * o.keys + lo + r]!)));
      for (let dy = 0; dy < PX_PER_KEY; dy++) {
        const i = 4 * ((canvas.height - 1 - (r * PX_PER_KEY + dy)) * canvas.width + x);
        img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
        img.data[i + 3] = 255;
      }
    }
  }
  g.putImageData(img, 0, 0);
  for (const n of notes) {
    const r = n.pitch - o.midiOffset - lo;
    const x = n.onset * o.fps * pxPerFrame, w = Math.max(1, (n.offset - n.onset) * o.fps * pxPerFrame);
    const y = canvas.height - (r + 1) * PX_PER_KEY;
    g.fillStyle = `hsla(${Math.round(220 - 200 * n.velocity)}, 80%, 50%, 0.55)`;
    g.fillRect(x, y, w, PX_PER_KEY);
    g.strokeStyle = 'rgba(0, 0, 0, 0.7)';
    g.strokeRect(x + 0.5, y + 0.5, w - 1, PX_PER_KEY - 1);
  }
}
