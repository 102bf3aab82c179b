/**
 * Accuracy next to Basic Pitch on pieces in a held-out timbre (MuseScore
 * General, which DESIGN.md reserves for evaluation: never trained or tuned
 * on): the same procedural material as the validation split, a piano neither
 * model has heard. bench/accuracy.ts's run on another folder.
 *   npm run bench:accuracy-heldout [-- --quick] [--data data/heldout] [--out bench/results/accuracy-heldout.json]
 */
import path from 'node:path';
import { runAccuracyBench } from './accuracy.js';

await runAccuracyBench({
  bench: 'accuracy-heldout',
  dir: path.join('data', 'heldout'),
  render: 'npx a2m dataset render --held-out --hours 0.3 --seed 2001 --out data/heldout',
  label: 'held-out-timbre pieces',
  notes: [
    'Timbre: MuseScore General (Debian musescore-general-soundfont-small), reserved for evaluation: the default model never trained on it and its thresholds were tuned on the validation split, not here.',
    'Material: the same procedural generator and render effects as our training data (so in-domain in style, out of domain in timbre); Basic Pitch never saw either.',
  ],
});
