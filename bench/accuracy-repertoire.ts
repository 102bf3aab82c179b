/**
 * Accuracy next to Basic Pitch on real music: excerpts of the music21
 * corpus's reserved composers (bach, beach, chopin, cpebach, handel, joplin,
 * mozart, schoenberg, schubert, schumann_clara, schumann_robert), which
 * DESIGN.md keeps for evaluation only, played as humanised solo piano
 * (scripts/music21-export.py) and rendered in the held-out MuseScore timbre.
 * bench/accuracy.ts's run on another folder.
 *   npm run bench:accuracy-repertoire [-- --quick] [--data data/heldout-repertoire] [--out bench/results/accuracy-repertoire.json]
 */
import path from 'node:path';
import { runAccuracyBench } from './accuracy.js';

await runAccuracyBench({
  bench: 'accuracy-repertoire',
  dir: path.join('data', 'heldout-repertoire'),
  render: 'npx a2m dataset render --held-out --music21 bach,beach,chopin,cpebach,handel,joplin,mozart,schoenberg,schubert,schumann_clara,schumann_robert --hours 0.4 --max-seconds 75 --seed 2101 --out data/heldout-repertoire',
  label: 'held-out repertoire excerpts',
  notes: [
    'Material: real music, unlike our procedural training data: excerpts (at most 75 s, from the start) of the music21 corpus folders DESIGN.md reserves for evaluation, every part flattened onto one piano, humanised (tempo drift, 8-20 ms onset jitter, voice and phrase dynamics) and played with the sustain pedal in about 40 % of pieces (labels: a note lasts until key and pedal are up, as MAESTRO).',
    'Timbre: MuseScore General, reserved for evaluation: the default model never trained on it, nor on these composers; its thresholds were tuned on the procedural validation split, not here. Basic Pitch never saw either.',
  ],
});
