/**
 * The library API (src/index.ts) on the committed default model, run in ONNX
 * Runtime (the `auto` backend here): a file path and the same samples as PCM
 * give the same notes; the streaming form gives the same notes as the whole
 * call; the CLI (a thin layer over the API) writes exactly these notes;
 * abort, bad thresholds and bad PCM are named errors; the MIDI tempo and the
 * saved model outputs are read back by independent readers (@tonejs/midi,
 * NumPy).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ToneMidi from '@tonejs/midi';
import { transcribe, Transcriber, notesToMidi, prefetchAudio, type NoteEvent } from '../../src/index.js';
import { decodeFile } from '../../src/audio/decode.js';
import { projectRoot, venvPython } from '../../src/util/paths.js';

const DEMO = path.join(projectRoot, 'fixtures', 'demo', 'melody-over-chords.flac');
let t: Transcriber;
let tmp: string;
let fileNotes: NoteEvent[];

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'a2m-api-'));
  t = await Transcriber.create({ backend: 'onnx' });
  fileNotes = (await t.transcribe(DEMO)).notes;
});
after(async () => { await t?.dispose(); await rm(tmp, { recursive: true, force: true }); });

test('a file and the same samples as PCM give the same notes (ONNX Runtime)', async () => {
  assert.ok(fileNotes.length > 50, `${fileNotes.length} notes`);
  const audio = await decodeFile(DEMO);
  const pcm = await t.transcribe({ channels: [...audio.channels], sampleRate: 16000 });
  assert.deepEqual(pcm.notes, fileNotes);
  const mono = await t.transcribe({ channels: [audio.channels[0]], sampleRate: 16000 });
  assert.ok(mono.notes.length > 50, 'mono PCM is doubled to stereo and transcribed');
});

test('a file prefetched (decoded in a worker while the model loads) gives the same notes as its path', async () => {
  const pre = prefetchAudio(DEMO);
  assert.deepEqual((await t.transcribe(pre)).notes, fileNotes);
  await assert.rejects(t.transcribe(prefetchAudio(path.join(tmp, 'nothing-here.wav'))), /nothing-here\.wav: no such file/);
});

test('PCM at another rate is resampled by ffmpeg like a file: 44.1 kHz samples give notes close to the file\'s', async () => {
  const audio = await decodeFile(DEMO, { sampleRate: 44100 });
  const r = await t.transcribe({ channels: [...audio.channels], sampleRate: 44100 });
  const same = r.notes.filter((n) => fileNotes.some((m) => m.key === n.key && Math.abs(m.time - n.time) < 0.05)).length;
  assert.ok(same / fileNotes.length > 0.95, `${same} of ${fileNotes.length} notes match`);
});

test('the streaming form yields the same notes as the whole call', async () => {
  const streamed: NoteEvent[] = [];
  for await (const n of t.stream(DEMO)) streamed.push(n);
  const key = (n: NoteEvent) => `${n.time.toFixed(4)}:${n.key}`;
  assert.deepEqual(streamed.map(key).sort(), fileNotes.map(key).sort());
});

test('progress is reported per batch up to the total, and an abort stops the call with the signal\'s reason', async () => {
  const seen: [number, number][] = [];
  await t.transcribe(DEMO, { onProgress: (p) => seen.push([p.windowsDone, p.windowsTotal]) });
  assert.ok(seen.length >= 1);
  assert.equal(seen.at(-1)![0], seen.at(-1)![1]);
  const ac = new AbortController();
  const run = t.transcribe(DEMO, { signal: ac.signal, onProgress: () => ac.abort(new Error('stop here')) });
  await assert.rejects(run, /stop here/);
});

test('bad thresholds and bad PCM are named errors', async () => {
  await assert.rejects(t.transcribe(DEMO, { thresholds: { onset: 2 } }), /thresholds\.onset: must be a number in 0\.\.1, got 2/);
  await assert.rejects(t.transcribe({ channels: [new Float32Array(10), new Float32Array(5)], sampleRate: 16000 }), /channels differ in length/);
  const bad = new Float32Array(16000); bad[8000] = NaN;
  await assert.rejects(t.transcribe({ channels: [bad], sampleRate: 16000 }), /sample at 0\.500 s is not finite/);
  await assert.rejects(t.transcribe({ channels: [new Float32Array(10)], sampleRate: 12.5 }), /sampleRate must be an integer/);
});

test('the one-call form returns a MIDI file whose tempo and note times @tonejs/midi reads back', async () => {
  const r = await transcribe(DEMO, { backend: 'onnx', midi: { tempo: 90 }, thresholds: { onset: 0.3 } });
  const midi = new ToneMidi.Midi(r.midi!);
  assert.equal(Math.round(midi.header.tempos[0]!.bpm), 90);
  const notes = midi.tracks[0]!.notes;
  assert.equal(notes.length, r.notes.length);
  for (let i = 0; i < notes.length; i++) assert.ok(Math.abs(notes[i]!.time - r.notes[i]!.time) < 1e-3);
  assert.ok(r.notes.length <= fileNotes.length, 'a higher onset threshold keeps no more notes');
  assert.throws(() => notesToMidi([], { tempo: 0 }), /MIDI tempo must be/);
});

test('CLI: `a2m transcribe` writes the API\'s notes; --save-model-outputs is read by NumPy with the rolls\' shape', async () => {
  const mid = path.join(tmp, 'demo.mid');
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'transcribe', DEMO, '-o', mid, '--events', 'json', '--save-model-outputs', '--backend', 'onnx'],
    { encoding: 'utf8', env: { ...process.env, A2M_DEV: '1' }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const cli = JSON.parse(await readFile(path.join(tmp, 'demo.json'), 'utf8')) as NoteEvent[];
  assert.deepEqual(cli, fileNotes);
  assert.ok(existsSync(path.join(tmp, 'demo.npz')));
  assert.ok(existsSync(venvPython), `the NumPy check needs ${venvPython} (npm install creates it)`);
  const py = spawnSync(venvPython, ['-c', `import numpy as np, json; f = np.load(${JSON.stringify(path.join(tmp, 'demo.npz'))}); print(json.dumps({'shapes': {k: list(f[k].shape) for k in f.files}, 'max': float(f['frames'].max())}))`], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const { shapes, max: maxProb } = JSON.parse(py.stdout) as { shapes: Record<string, number[]>; max: number };
  assert.deepEqual(Object.keys(shapes).sort(), ['frames', 'onsets', 'velocities']);
  assert.equal(shapes.frames![1], 90);
  assert.ok(shapes.frames![0]! > 1000, `${shapes.frames![0]} frames for 24.7 s`);
  assert.ok(Number(maxProb) > 0.5 && Number(maxProb) <= 1);
});
