#!/usr/bin/env python3
"""Exports music21 corpus pieces as humanised solo-piano MIDI files.

    .venv/bin/python scripts/music21-export.py --folders palestrina,haydn \
        --out DIR --seed 1 --hours 0.5 [--max-seconds 90] [--excerpts 3] \
        [--pedal-fraction 0.4] [--transpose | --no-transpose] [--held-out] \
        [--exclude-list FILE]

What `a2m dataset render --music21 ...` runs (src/data/music21.ts); usable on
its own to get the MIDI files. Every part of a piece goes onto one piano:

- timing: a random base tempo (the score's metronome mark +-15 % when it has
  one, else a tempo for its beat unit that suits how busy its parts are),
  gradual tempo drift, phrase-end and final ritardandi, per-chord and per-note
  onset jitter (sd 8-20 ms per piece), a per-piece articulation (how much of
  each written length the key is held);
- velocity: a piece level (or the score's own dynamics), a swell over each
  phrase, outer voices louder than inner ones, the top of a chord louder,
  downbeat accents, random spread;
- transposition: a random shift of up to half an octave (training material
  only, --transpose), then octaves until the piece fits the 88 keys;
- sustain pedal (CC64) in --pedal-fraction of the pieces, changed at bar or
  half-bar starts (legato pedalling: up just after the new harmony, down
  again 40-120 ms later). The MIDI keeps the key releases; `a2m` applies the
  pedal when it reads the file (src/data/midi.ts: a note sounds until both key
  and pedal are up, and a re-struck key ends the note before it: MAESTRO's
  convention);
- folk melodies (essenFolksong, oneills1850, ryansMammoth, nottingham-dataset,
  airdsAirs, miscFolk) get a generated accompaniment (block chords, stride or
  waltz bass, Alberti bass, broken-chord arpeggios) on the tune's own chord
  symbols when it has them, else on I-IV-V-vi-style chords chosen per bar or
  half bar to fit the melody in the analysed key.

Long pieces are cut at bar lines into excerpts of at most --max-seconds
(consecutive, up to --excerpts per piece). Pieces are drawn round-robin over
the folders (each folder in its own seeded order) until --hours of music is
reached. Everything follows from --seed: the same arguments give the same
files. Writes DIR/<name>.mid and DIR/manifest.json (what each file is).

--exclude-list leaves out every corpus piece (same file, same folk tune) that
FILE lists: a validation split disjoint from the training pieces, or a
training split disjoint from it. `a2m dataset render --exclude-pieces
FOLDERS` writes FILE (src/data/exclude-pieces.ts reads the manifest.json files
under the folders, confined like every folder a2m is given), as
{"folders": [...], "manifests": N, "pieces": [[source, tune or null], ...]};
the folders and counts are recorded in manifest.json (exclude_pieces,
excluded). FILE is trusted: it is a2m's own, not a dataset's.

Data rules (DESIGN.md): the folders in RESERVED are held-out evaluation
material; they are refused unless --held-out is given, and a held-out export
must only be rendered in the held-out timbre (`a2m dataset render --held-out`).

Needs music21 (`.venv/bin/pip install music21`; `npm install` puts it in .venv).
"""
import argparse
import json
import math
import os
import random
import re
import statistics
import sys
import time
import warnings

RESERVED = ('bach', 'beach', 'chopin', 'cpebach', 'handel', 'joplin', 'mozart', 'schoenberg', 'schubert', 'schumann_clara', 'schumann_robert')
FOLK = ('essenFolksong', 'oneills1850', 'ryansMammoth', 'nottingham-dataset', 'airdsAirs', 'miscFolk')
# Score formats, most preferred first: a piece stored twice (movement1.krn and movement1.mxl) is read once.
FORMATS = ('.mxl', '.musicxml', '.xml', '.krn', '.abc')
PIANO_LOW, PIANO_HIGH = 21, 108
TICKS_PER_SECOND = 960  # 480 ticks per quarter at 120 bpm
MIN_DURATION = 0.04
REATTACK_GAP = 0.01
# Same-key onsets closer than this are one strike (two voices in unison, or jitter).
MERGE_WINDOW = 0.05
EXIT_NO_MUSIC21 = 3
EXIT_RESERVED = 4


def fail(msg, code=2):
    print(f'music21-export: {msg}', file=sys.stderr)
    sys.exit(code)


try:
    import music21
    from music21 import converter, harmony, stream
except ImportError:
    fail(f'music21 is not installed for {sys.executable}: run `{sys.executable} -m pip install music21` (npm install puts it into .venv)', EXIT_NO_MUSIC21)

warnings.filterwarnings('ignore')


def corpus_root():
    return os.path.dirname(music21.corpus.__file__)


def top_folder(rel):
    return rel.replace('\\', '/').split('/')[0]


def is_reserved(rel):
    return top_folder(rel).lower() in RESERVED


def resolve(spec):
    """A folder (or a file or sub-folder) of the corpus -> (relative path, absolute path); refuses paths outside it."""
    root = corpus_root()
    rel = os.path.normpath(spec.strip().strip('/'))
    if not rel or rel == '.' or os.path.isabs(spec) or rel.startswith('..'):
        fail(f'{spec}: expected a music21 corpus folder such as palestrina or haydn/opus74no1 (a path inside {root})')
    full = os.path.join(root, rel)
    if not os.path.exists(full):
        # Folder names are matched case-insensitively (ryansmammoth = ryansMammoth).
        first, rest = top_folder(rel), rel.split(os.sep)[1:]
        match = [d for d in os.listdir(root) if d.lower() == first.lower() and os.path.isdir(os.path.join(root, d))]
        if match:
            rel = os.path.join(match[0], *rest)
            full = os.path.join(root, rel)
    if not os.path.exists(full):
        folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith('_'))
        fail(f'{spec}: not in the music21 corpus at {root} (folders: {", ".join(folders)})')
    return rel, full


def tune_texts(path):
    """An ABC file's tunes (each starts with an X: line)."""
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    return [t for t in re.split(r'(?m)^(?=X:)', text) if t.startswith('X:')]


def works_in(rel, full):
    """The pieces under a corpus path, sorted: (rel file, tune index or None). Folk ABC files hold one tune per X:, others one piece."""
    root = corpus_root()
    files = [full] if os.path.isfile(full) else [os.path.join(d, f) for d, _, fs in os.walk(full) for f in fs]
    by_stem = {}
    for f in files:
        stem, ext = os.path.splitext(f)
        if ext.lower() in FORMATS:
            by_stem.setdefault(stem, []).append(f)
    works = []
    for stem in sorted(by_stem):
        f = min(by_stem[stem], key=lambda p: FORMATS.index(os.path.splitext(p)[1].lower()))
        r = os.path.relpath(f, root).replace(os.sep, '/')
        if f.lower().endswith('.abc') and top_folder(r) in FOLK:
            works.extend((r, i) for i in range(len(tune_texts(f))))
        else:
            works.append((r, None))
    return works


def load(rel, tune):
    path = os.path.join(corpus_root(), rel)
    if tune is not None:
        s = converter.parseData(tune_texts(path)[tune], format='abc')
    else:
        s = converter.parse(path)
    if isinstance(s, stream.Opus):
        # Josquin's ABC files keep each voice as a tune of its own: put them back together.
        s = s.mergeScores() if len(s.scores) > 1 else s.scores[0]
    if not isinstance(s, stream.Score):
        s = stream.Score([s]) if isinstance(s, stream.Part) else s
    try:
        if any(p.getInstrument(returnDefault=True).transposition is not None for p in s.parts):
            s = s.toSoundingPitch(inPlace=False)
    except Exception:
        pass
    if s.highestTime <= 400:  # expanding repeats costs ~20 s on a long quartet movement, and excerpts rarely reach the repeat
        try:
            s = s.expandRepeats()
        except Exception:
            pass
    return s.stripTies(inPlace=False)


# ------------------------------------------------------------------ score -> events in score time (quarters)

class Ev:
    __slots__ = ('q', 'ql', 'pitch', 'part', 'role', 'top', 'bass')

    def __init__(self, q, ql, pitch, part, role):
        self.q, self.ql, self.pitch, self.part, self.role = q, ql, pitch, part, role
        self.top = self.bass = False


def measures_of(s):
    """Bar list of the first part: (start, end, bar length, beat length, beats per bar), all in quarters."""
    parts = list(s.parts)
    if not parts:
        return []
    out = []
    ts = None
    for m in parts[0].getElementsByClass('Measure'):
        ts = m.timeSignature or ts
        start = float(m.offset)
        length = float(m.duration.quarterLength)
        if length <= 0:
            continue
        bar = float(ts.barDuration.quarterLength) if ts else length
        beat = float(ts.beatDuration.quarterLength) if ts else 1.0
        beats = ts.beatCount if ts else max(1, round(length))
        out.append((start, start + length, bar, beat, beats))
    return out


def score_events(s):
    evs = []
    for pi, part in enumerate(s.parts):
        for n in part.flatten().notes:
            if isinstance(n, harmony.Harmony):
                continue
            ql = float(n.duration.quarterLength)
            if ql <= 0:  # grace notes
                continue
            for p in getattr(n, 'pitches', ()):
                evs.append(Ev(float(n.offset), ql, p.midi, pi, 'voice'))
    return evs


def mark_outer_voices(evs):
    """Top and bottom notes of each onset: melody and bass get played louder."""
    by_q = {}
    for e in evs:
        by_q.setdefault(e.q, []).append(e)
    for group in by_q.values():
        max(group, key=lambda e: e.pitch).top = True
        min(group, key=lambda e: e.pitch).bass = True


# ------------------------------------------------------------------ accompaniment for folk melodies

MAJOR_CHORDS = [(0, (0, 4, 7), 0.35), (5, (0, 4, 7), 0.2), (7, (0, 4, 7), 0.25), (7, (0, 4, 7, 10), 0.1), (9, (0, 3, 7), 0.05), (2, (0, 3, 7), 0.05), (4, (0, 3, 7), 0.0)]
MINOR_CHORDS = [(0, (0, 3, 7), 0.35), (5, (0, 3, 7), 0.2), (7, (0, 4, 7), 0.25), (7, (0, 4, 7, 10), 0.1), (8, (0, 4, 7), 0.05), (3, (0, 4, 7), 0.05), (10, (0, 4, 7), 0.05)]


def chord_symbols(s):
    """[(q, root pc, pcs)] from the tune's own chord symbols, or None when it has few or odd ones."""
    out = []
    for cs in s.flatten().getElementsByClass(harmony.ChordSymbol):
        fig = cs.figure or ''
        if not re.match(r'^[A-G]', fig):
            continue
        try:
            root = cs.root().pitchClass
            pcs = tuple(sorted({p.pitchClass for p in cs.pitches}))
        except Exception:
            continue
        if pcs:
            out.append((float(cs.offset), root, pcs))
    return out


def implied_chords(s, melody, spans, rng):
    """One chord per span from the melody notes in it, in the analysed key: [(q, root pc, pcs)]."""
    try:
        k = s.analyze('key')
        tonic, minor = k.tonic.pitchClass, k.mode == 'minor'
    except Exception:
        tonic, minor = 0, False
    table = MINOR_CHORDS if minor else MAJOR_CHORDS
    out = []
    for i, (a, b) in enumerate(spans):
        weights = {}
        for e in melody:
            overlap = min(e.q + e.ql, b) - max(e.q, a)
            if overlap > 0:
                w = overlap * (1.5 if e.q == a else 1.0)
                weights[e.pitch % 12] = weights.get(e.pitch % 12, 0) + w
        best, best_score = None, -1e9
        for deg, quality, prior in table:
            root = (tonic + deg) % 12
            pcs = {(root + iv) % 12 for iv in quality}
            score = sum(w if pc in pcs else -0.4 * w for pc, w in weights.items()) + prior * (1 + sum(weights.values()) * 0.3) + rng.uniform(0, 0.05)
            if i == len(spans) - 1 and deg == 0:
                score += 100  # end on the tonic
            if score > best_score:
                best, best_score = (a, root, tuple(sorted(pcs))), score
        out.append(best)
    return out


def keys_of(pcs, low, high):
    return [k for k in range(low, high + 1) if k % 12 in pcs]


def accompaniment(s, melody, bars, rng):
    """Accompaniment events (role 'accomp' / 'bass') under a melody."""
    if not bars:
        return []
    spans = []
    half = rng.random() < 0.4
    for (a, b, bar, beat, beats) in bars:
        if b - a < bar - 1e-6 and a == bars[0][0]:
            continue  # pickup bar: melody alone
        if half and beats == 4 and abs(b - a - bar) < 1e-6:
            spans.append((a, a + (b - a) / 2))
            spans.append((a + (b - a) / 2, b))
        else:
            spans.append((a, b))
    if not spans:
        return []
    symbols = chord_symbols(s)
    if len(symbols) >= max(2, len(bars) // 4):
        chords = []
        for a, b in spans:
            current = [c for c in symbols if c[0] <= a + 1e-6]
            within = [c for c in symbols if a + 1e-6 < c[0] < b - 1e-6]
            base = current[-1] if current else symbols[0]
            chords.append((a, base[1], base[2]))
            chords.extend(within)  # a change inside the span starts a span of its own
        # Rebuild spans from the chord start points.
        ends = [c[0] for c in chords[1:]] + [spans[-1][1]]
        plan = [(c[0], e, c[1], c[2]) for c, e in zip(chords, ends) if e > c[0]]
    else:
        plan = [(a, b, c[1], c[2]) for (a, b), c in zip(spans, implied_chords(s, melody, spans, rng))]

    def beat_at(q):
        best = 1.0
        for (a, b, bar, beat, beats) in bars:
            if a <= q + 1e-9:
                best = beat
        return best

    style = rng.choice(['block', 'stride', 'alberti', 'arpeggio', 'held'])
    bass_low = rng.randint(31, 40)
    chord_low = rng.randint(50, 57)
    out = []

    def add(q, ql, pitch, role):
        if PIANO_LOW <= pitch <= PIANO_HIGH and ql > 0:
            out.append(Ev(q, ql, pitch, 1, role))

    for i, (a, b, root, pcs) in enumerate(plan):
        if rng.random() < 0.15 and i > 0:
            style = rng.choice(['block', 'stride', 'alberti', 'arpeggio', 'held'])
        beat = beat_at(a)
        compound = abs(beat - 1.5) < 1e-6 or abs(beat - 0.75) < 1e-6 or abs(beat - 3.0) < 1e-6
        sub = beat / (3 if compound else 2)
        bass = next(k for k in range(bass_low, bass_low + 12) if k % 12 == root)
        chord = keys_of(pcs, chord_low, chord_low + 11)[:4] or [bass + 12]
        length = b - a
        n_beats = max(1, int(round(length / beat)))
        if style == 'held':
            add(a, length, bass, 'bass')
            for k in chord:
                add(a, length, k, 'accomp')
        elif style == 'block':
            add(a, length, bass, 'bass')
            for j in range(n_beats):
                for k in chord:
                    add(a + j * beat, beat * 0.9, k, 'accomp')
        elif style == 'stride':
            for j in range(n_beats):
                q = a + j * beat
                if j == 0 or (n_beats == 4 and j == 2):
                    add(q, beat * 0.9, bass if j == 0 else bass - 5, 'bass')  # root, then the fifth below
                else:
                    for k in chord:
                        add(q, beat * 0.6, k, 'accomp')
        elif style == 'alberti':
            low, mid, high = (chord + chord)[0], (chord + chord)[1], (chord + chord)[2]
            figure = [low, high, mid, high] if not compound else [low, mid, high]
            steps = int(round(length / sub))
            for j in range(steps):
                add(a + j * sub, sub * 0.95, figure[j % len(figure)], 'accomp')
            if rng.random() < 0.5:
                add(a, length, bass, 'bass')
        else:  # arpeggio: broken chord up from the bass and back, each note ringing two steps
            tones = keys_of(pcs, bass, bass + 24)
            seq = tones + tones[-2:0:-1]
            steps = int(round(length / sub))
            for j in range(steps):
                add(a + j * sub, sub * 2, seq[j % len(seq)], 'bass' if j == 0 else 'accomp')
    return out


# ------------------------------------------------------------------ performance: tempo, timing, velocity, pedal

class TempoMap:
    """Score time (quarters) -> seconds under a drifting tempo."""

    STEP = 1 / 16

    def __init__(self, total_q, base_spq, bars, rng):
        self.base = base_spq
        knot_every = (bars[0][2] if bars else 4.0) * rng.choice([1, 2])
        n_knots = int(total_q / knot_every) + 2
        drift = rng.uniform(0.015, 0.06)
        log_f = [0.0]
        for _ in range(n_knots - 1):
            log_f.append(max(-0.3, min(0.3, 0.7 * log_f[-1] + rng.gauss(0, drift))))
        # Phrase-end ritardandi (every 4 or 8 knots), then the final one.
        phrase = rng.choice([4, 8])
        for i in range(phrase, n_knots, phrase):
            if rng.random() < 0.35:
                log_f[i] -= rng.uniform(0.05, 0.2)
        self.knots = [(i * knot_every, math.exp(v)) for i, v in enumerate(log_f)]
        self.final = (max(0.0, total_q - 2 * knot_every), total_q, rng.uniform(0.7, 0.95))
        steps = int(total_q / self.STEP) + 2
        self.cum = [0.0]
        for i in range(steps):
            q = (i + 0.5) * self.STEP
            self.cum.append(self.cum[-1] + self.STEP * self.base / self.factor(q))

    def factor(self, q):
        i = min(int(q / self.knots[1][0]) if len(self.knots) > 1 else 0, len(self.knots) - 2)
        (q0, f0), (q1, f1) = self.knots[i], self.knots[i + 1]
        f = f0 + (f1 - f0) * max(0.0, min(1.0, (q - q0) / (q1 - q0)))
        a, b, end = self.final
        if q > a and b > a:
            f *= 1 + (end - 1) * min(1.0, (q - a) / (b - a))
        return f

    def seconds(self, q):
        x = max(0.0, q / self.STEP)
        i = min(int(x), len(self.cum) - 2)
        return self.cum[i] + (self.cum[i + 1] - self.cum[i]) * (x - i)


def base_seconds_per_quarter(s, evs, bars, rng):
    """The score's metronome mark (its number, or the tempo its MusicXML sounds) +-15 %; without one, a
    tempo for its beat chosen by how busy the parts are: 60-100 beats/min under running sixteenths, 70-130
    under eighths, 50-100 for long notes (chorales, vocal polyphony in half-note beats)."""
    for m in s.flatten().getElementsByClass('MetronomeMark'):
        bpm = m.number or m.numberSounding
        if bpm:
            spq = 60.0 / bpm / float(m.referent.quarterLength)
            if 0.2 <= spq <= 1.5:
                return spq * rng.uniform(0.85, 1.15)
        break
    by_part = {}
    for e in evs:
        by_part.setdefault(e.part, set()).add(e.q)
    medians = []
    for qs in by_part.values():
        qs = sorted(qs)
        gaps = [b - a for a, b in zip(qs, qs[1:]) if b > a]
        if gaps:
            medians.append(statistics.median(gaps))
    typical = statistics.median(medians) if medians else 1.0
    beat = bars[0][3] if bars else 1.0
    g = typical / beat
    lo, hi = (60, 100) if g <= 0.3 else (70, 130) if g < 0.9 else (50, 100)
    spq = 60.0 / rng.uniform(lo, hi) / beat
    return max(0.2, min(2.0, spq))  # quarter = 30..300 bpm


def dynamics_of(s):
    """[(q, level 0..1)] from the score's dynamic marks (first part that has any)."""
    for part in s.parts:
        ds = [(float(d.offset), float(d.volumeScalar)) for d in part.flatten().getElementsByClass('Dynamic') if d.volumeScalar is not None]
        if ds:
            return sorted(ds)
    return []


def perform(s, rel, tune, folder, rng, opts):
    """-> list of excerpts: dict(notes=[(on, off, key, vel)], pedal=[(down, up)], meta...)."""
    bars = measures_of(s)
    evs = score_events(s)
    if not evs:
        return []
    meta = {}
    folk = folder in FOLK and len(s.parts) == 1
    if folk:
        melody = evs
        acc = accompaniment(s, melody, bars, rng)
        meta['accompaniment'] = 'chord symbols' if len(chord_symbols(s)) >= max(2, len(bars) // 4) else 'implied chords'
        # Melody in the right hand's register, above the accompaniment.
        med = statistics.median(e.pitch for e in melody)
        shift = 12 * round((rng.uniform(67, 76) - med) / 12)
        for e in melody:
            e.pitch += shift
            e.role = 'melody'
        evs = melody + acc
    mark_outer_voices(evs)

    # Transposition: a random shift for training material, then whole octaves into the 88 keys.
    shift = rng.randint(-5, 6) if opts.transpose and rng.random() < 0.7 else 0
    lo, hi = min(e.pitch for e in evs) + shift, max(e.pitch for e in evs) + shift
    while hi > PIANO_HIGH and lo - 12 >= PIANO_LOW:
        shift -= 12
        lo, hi = lo - 12, hi - 12
    while lo < PIANO_LOW and hi + 12 <= PIANO_HIGH:
        shift += 12
        lo, hi = lo + 12, hi + 12
    for e in evs:
        e.pitch += shift
    evs = [e for e in evs if PIANO_LOW <= e.pitch <= PIANO_HIGH]
    meta['transpose'] = shift

    total_q = max(e.q + e.ql for e in evs)
    spq = base_seconds_per_quarter(s, [e for e in evs if e.role not in ('accomp', 'bass')] or evs, bars, rng)
    tempo = TempoMap(total_q + 1, spq, bars, rng)
    meta['quarter_bpm'] = round(60 / spq, 1)

    # Per-piece performance character.
    jitter = rng.uniform(0.008, 0.02)
    articulation = rng.uniform(0.75, 1.0)
    level = rng.uniform(35, 85)
    swell = rng.uniform(3, 15)
    spread = rng.uniform(3, 8)
    top_boost, bass_boost, inner_cut = rng.uniform(4, 14), rng.uniform(0, 8), rng.uniform(0, 10)
    melody_boost = rng.uniform(8, 20)
    dyn = dynamics_of(s)
    bar_len = bars[0][2] if bars else 4.0
    phrase_q = bar_len * rng.choice([2, 4, 4, 8])
    phrase_levels = {}
    pedal_on = rng.random() < opts.pedal_fraction
    pedal_every = rng.choice(['bar', 'bar', 'half'])
    if pedal_on:
        articulation *= rng.uniform(0.5, 0.9)  # with the pedal down, fingers leave keys early

    def level_at(q):
        if dyn:
            cur = [v for (dq, v) in dyn if dq <= q + 1e-9]
            base = 25 + 95 * (cur[-1] if cur else dyn[0][1])
        else:
            base = level
        k = int(q // phrase_q)
        if k not in phrase_levels:
            phrase_levels[k] = rng.uniform(-10, 10)
        pos = (q % phrase_q) / phrase_q
        return base + phrase_levels[k] + swell * math.sin(math.pi * min(1.0, pos * 1.2))

    def is_downbeat(q):
        return any(abs(q - a) < 1e-6 for (a, _, _, _, _) in bars)

    # Chord-wise timing: notes struck together share most of their jitter.
    chord_jitter = {}
    notes = []
    for e in sorted(evs, key=lambda e: (e.q, e.pitch)):
        if e.q not in chord_jitter:
            chord_jitter[e.q] = rng.gauss(0, jitter)
        on = tempo.seconds(e.q) + chord_jitter[e.q] + rng.gauss(0, jitter * 0.35)
        if e.top and e.role != 'accomp':
            on -= rng.uniform(0, 0.008)  # melody lead
        written = tempo.seconds(e.q + e.ql) - tempo.seconds(e.q)
        dur = max(MIN_DURATION, written * articulation * rng.uniform(0.9, 1.05))
        v = level_at(e.q) + rng.gauss(0, spread)
        if e.role == 'melody':
            v += melody_boost
        elif e.role in ('accomp', 'bass'):
            v -= rng.uniform(0, 6)
        elif e.top:
            v += top_boost
        elif e.bass:
            v += bass_boost
        else:
            v -= inner_cut
        if is_downbeat(e.q):
            v += rng.uniform(0, 6)
        notes.append([on, on + dur, e.pitch, int(max(12, min(127, round(v)))), e.q])

    # Excerpts: consecutive runs of whole bars of at most max_seconds.
    cuts = [a for (a, _, _, _, _) in bars] or [0.0]
    ends = [b for (_, b, _, _, _) in bars] or [total_q]
    excerpts = []
    i = 0
    while i < len(cuts) and len(excerpts) < opts.excerpts:
        start_q = cuts[i]
        j = i
        while j + 1 < len(cuts) and tempo.seconds(ends[j + 1]) - tempo.seconds(start_q) <= opts.max_seconds:
            j += 1
        end_q = ends[j] if j + 1 < len(cuts) else max(ends[j], total_q)
        excerpts.append((start_q, end_q))
        i = j + 1

    out = []
    for k, (start_q, end_q) in enumerate(excerpts):
        t0, t1 = tempo.seconds(start_q), min(tempo.seconds(end_q), tempo.seconds(start_q) + opts.max_seconds)
        chosen = [n for n in notes if start_q - 1e-9 <= n[4] < end_q - 1e-9 and n[0] < t1]
        if not chosen:
            continue
        if t1 - t0 < 10 and k > 0:
            break  # a short last bit of a piece adds little
        lead = rng.uniform(0.2, 0.6)
        shift_t = lead - t0
        ex = [[max(0.0, n[0] + shift_t), min(n[1], t1 + 0.5) + shift_t, n[2], n[3]] for n in chosen]
        end_t = t1 + shift_t
        ex = clean(ex)
        pedal = pedal_changes(bars, tempo, start_q, end_q, shift_t, end_t, pedal_every, rng) if pedal_on else []
        out.append(dict(notes=ex, pedal=pedal, seconds=round(max(n[1] for n in ex) + 0.0, 3), excerpt=k, excerpts=len(excerpts), **meta))
    return out


def clean(notes):
    """Sorted notes with no two strikes of a key overlapping: unisons merged, a re-strike ends the note before it."""
    notes.sort(key=lambda n: (n[0], n[2]))
    last = {}
    kept = []
    for n in notes:
        n[1] = max(n[1], n[0] + MIN_DURATION)
        prev = last.get(n[2])
        if prev is not None and n[0] - prev[0] < MERGE_WINDOW:
            prev[1] = max(prev[1], n[1])
            prev[3] = max(prev[3], n[3])
            continue
        if prev is not None and n[0] < prev[1] + REATTACK_GAP:
            prev[1] = n[0] - REATTACK_GAP
        last[n[2]] = n
        kept.append(n)
    return [[round(a, 4), round(b, 4), k, v] for a, b, k, v in kept]


def pedal_changes(bars, tempo, start_q, end_q, shift_t, end_t, every, rng):
    """Legato pedalling: [(down, up)] in seconds, changed at each bar (or half bar); some phrases dry."""
    points = []
    for (a, b, bar, beat, beats) in bars:
        if a < start_q - 1e-9 or a >= end_q - 1e-9:
            continue
        points.append(a)
        if every == 'half' and beats in (2, 4, 6) and b - a > 1.5:
            points.append(a + (b - a) / 2)
    if not points:
        points = [start_q]
    intervals = []
    dry_from = None
    for i, q in enumerate(points):
        t = tempo.seconds(q) + shift_t
        if i % 4 == 0:
            dry_from = rng.random() < 0.15  # a dry stretch of four changes
        if dry_from:
            if intervals and intervals[-1][1] is None:
                intervals[-1][1] = t + rng.uniform(0.02, 0.08)
            continue
        up = t + rng.uniform(0.02, 0.08)
        down = up + rng.uniform(0.04, 0.12)
        if intervals and intervals[-1][1] is None:
            intervals[-1][1] = up
        elif not intervals:
            down = t + rng.uniform(0.02, 0.1)
        intervals.append([down, None])
    if intervals and intervals[-1][1] is None:
        intervals[-1][1] = end_t
    return [[round(a, 4), round(b, 4)] for a, b in intervals if b > a]


# ------------------------------------------------------------------ MIDI writing (format 0, 960 ticks per second)

def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_bytes(notes, pedal, program=0):
    tick = lambda t: int(round(t * TICKS_PER_SECOND))
    events = []  # (tick, order, bytes): at one tick, releases, then pedal, then strikes
    for on, off, key, vel in notes:
        a, b = tick(on), max(tick(on) + 1, tick(off))
        events.append((a, 2, key, bytes([0x90, key, vel])))
        events.append((b, 0, key, bytes([0x80, key, 0])))
    for down, up in pedal:
        events.append((tick(down), 1, 0, bytes([0xB0, 64, 127])))
        events.append((tick(up), 1, 1, bytes([0xB0, 64, 0])))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    track = bytearray()
    track += vlq(0) + bytes([0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20])  # 500000 us per quarter = 120 bpm
    track += vlq(0) + bytes([0xC0, program])
    now = 0
    for t, _, _, data in events:
        track += vlq(t - now) + data
        now = t
    track += vlq(0) + bytes([0xFF, 0x2F, 0x00])
    header = b'MThd' + (6).to_bytes(4, 'big') + (0).to_bytes(2, 'big') + (1).to_bytes(2, 'big') + (480).to_bytes(2, 'big')
    return header + b'MTrk' + len(track).to_bytes(4, 'big') + bytes(track)


def write_atomic(path, data):
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def read_exclude_list(path):
    """(folders, {(source, tune)}, manifests read) from the list a2m wrote for --exclude-pieces."""
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    return data['folders'], {(source, tune) for source, tune in data['pieces']}, data['manifests']


def safe(s):
    return re.sub(r'[^\w.-]+', '_', s).strip('_')


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--folders', required=True, help='comma-separated corpus folders (or paths inside the corpus, e.g. haydn/opus74no1)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--hours', type=float, default=1.0, help='stop once this much music is exported')
    ap.add_argument('--max-seconds', type=float, default=90.0, help='longest excerpt (cut at a bar line)')
    ap.add_argument('--excerpts', type=int, default=3, help='most excerpts taken from one piece')
    ap.add_argument('--pedal-fraction', type=float, default=0.4, help='share of pieces played with the sustain pedal')
    ap.add_argument('--transpose', action=argparse.BooleanOptionalAction, default=None, help='random transposition (default: on, off with --held-out)')
    ap.add_argument('--held-out', action='store_true', help='allow the reserved folders (evaluation material: render only in the held-out timbre)')
    ap.add_argument('--exclude-list', metavar='FILE',
                    help='leave out the pieces this JSON file lists ({"folders", "manifests", "pieces": [[source, tune], ...]}; a2m --exclude-pieces writes it)')
    ap.add_argument('--max-pieces', type=int, default=100000, help='stop after this many pieces (tests)')
    ap.add_argument('--list', action='store_true', help='print the pieces in the folders and exit')
    opts = ap.parse_args()
    if opts.transpose is None:
        opts.transpose = not opts.held_out
    if not (opts.max_seconds > 0 and opts.excerpts >= 1 and 0 <= opts.pedal_fraction <= 1 and opts.hours >= 0):
        fail('expected --max-seconds > 0, --excerpts >= 1, --pedal-fraction in 0..1, --hours >= 0')

    specs = [f for f in opts.folders.split(',') if f.strip()]
    if not specs:
        fail('--folders: expected at least one corpus folder')
    # The data rule first, on the paths as typed (any case), before anything is looked up or written.
    reserved = [f.strip() for f in specs if is_reserved(os.path.normpath(f.strip().strip('/')))]
    if reserved and not opts.held_out:
        fail(f'{", ".join(reserved)}: reserved for held-out evaluation (DESIGN.md: never train or tune on {", ".join(RESERVED)}); export them only with --held-out and render them only in the held-out timbre', EXIT_RESERVED)
    resolved = [resolve(f) for f in specs]
    if not opts.held_out and any(is_reserved(rel) for rel, _ in resolved):
        fail(f'{opts.folders}: reaches a reserved folder ({", ".join(RESERVED)}); export it only with --held-out', EXIT_RESERVED)

    exclude_folders, exclude, manifests = read_exclude_list(opts.exclude_list) if opts.exclude_list else ([], set(), 0)
    queues = []
    removed = 0
    for rel, full in resolved:
        works = works_in(rel, full)
        if not works:
            fail(f'{rel}: no scores ({", ".join(FORMATS)}) in this corpus folder')
        random.Random(f'{opts.seed}:order:{rel}').shuffle(works)
        # Removed after the shuffle: the pieces left keep the order they have without --exclude-pieces.
        kept = [w for w in works if w not in exclude]
        removed += len(works) - len(kept)
        queues.append((rel, kept))
    if opts.list:
        for rel, works in queues:
            for w, t in sorted(works, key=lambda x: (x[0], -1 if x[1] is None else x[1])):
                print(w if t is None else f'{w}#{t}')
        return

    os.makedirs(opts.out, exist_ok=True)
    pieces = []
    total = 0.0
    started = time.time()
    positions = [0] * len(queues)
    names = set()
    failures = 0
    target = opts.hours * 3600
    while total < target and len(pieces) < opts.max_pieces and any(p < len(q[1]) for p, q in zip(positions, queues)):
        for qi, (rel, works) in enumerate(queues):
            if total >= target or len(pieces) >= opts.max_pieces or positions[qi] >= len(works):
                continue
            work, tune = works[positions[qi]]
            positions[qi] += 1
            label = work if tune is None else f'{work}#{tune}'
            rng = random.Random(f'{opts.seed}:{label}')
            t = time.time()
            try:
                excerpts = perform(load(work, tune), work, tune, top_folder(work), rng, opts)
            except Exception as e:  # some corpus files do not parse: say so and go on
                print(f'skip {label}: {type(e).__name__}: {e}', file=sys.stderr)
                failures += 1
                if failures >= 20 and failures > 2 * len(pieces):
                    fail(f'{failures} pieces failed and {len(pieces)} were exported: stopping (is music21 {music21.__version__} supported?)')
                continue
            for ex in excerpts:
                if total >= target or len(pieces) >= opts.max_pieces:
                    break
                stem = os.path.splitext(work)[0]
                name = safe(f'm21-s{opts.seed}-{stem.replace("/", "-")}' + ('' if tune is None else f'-t{tune}') + f'-e{ex["excerpt"]}')
                while name in names:
                    name += '_'
                names.add(name)
                write_atomic(os.path.join(opts.out, f'{name}.mid'), midi_bytes(ex['notes'], ex['pedal']))
                pieces.append(dict(name=name, file=f'{name}.mid', source=work, tune=tune, folder=top_folder(work), reserved=is_reserved(work),
                                   excerpt=ex['excerpt'], excerpts=ex['excerpts'], seconds=ex['seconds'], notes=len(ex['notes']),
                                   pedal=ex['pedal'] != [], transpose=ex['transpose'], quarter_bpm=ex['quarter_bpm'],
                                   accompaniment=ex.get('accompaniment')))
                total += ex['seconds']
            print(f'{label}: {len(excerpts)} excerpt(s), parse + perform {time.time() - t:.1f} s; {total / 3600:.3f} h so far', file=sys.stderr)
    manifest = dict(music21=music21.__version__, folders=[r for r, _ in resolved], seed=opts.seed, hours=opts.hours, max_seconds=opts.max_seconds,
                    excerpts=opts.excerpts, pedal_fraction=opts.pedal_fraction, transpose=opts.transpose, held_out=opts.held_out, max_pieces=opts.max_pieces,
                    exclude_pieces=exclude_folders, excluded=dict(manifests=manifests, listed=len(exclude), removed=removed) if exclude_folders else None,
                    seconds=round(total, 3), export_seconds=round(time.time() - started, 1), pieces=pieces)
    write_atomic(os.path.join(opts.out, 'manifest.json'), (json.dumps(manifest, indent=1) + '\n').encode())
    if not pieces:
        fail(f'{opts.folders}: no piece could be exported')


if __name__ == '__main__':
    main()
