#!/usr/bin/env node
// Basic Pitch's whole Node process on one file, the baseline of bench/cli.ts:
//   node bench/cli-basic-pitch.mjs <audio> <out.mid>
// Decode (ffmpeg: mono, 22050 Hz, float32 — its Python loader's librosa.load(sr=22050, mono=True)),
// predict (@spotify/basic-pitch's BasicPitch.evaluateModel on its npm model.json, run by
// tfjs-node as bench/transcribe.ts does), note extraction (outputToNotesPoly with its default
// thresholds, noteFramesToTime) and a MIDI file written with @tonejs/midi, as `a2m transcribe
// -o` writes one. Plain JavaScript (no tsx), so the process does only what a user's script would.
// Prints one JSON line: { notes, audioSeconds }.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const [audio, out] = process.argv.slice(2);
if (!audio || !out) { console.error('usage: node bench/cli-basic-pitch.mjs <audio> <out.mid>'); process.exit(2); }
const RATE = 22050;

/** The file as mono float32 at 22050 Hz, through ffmpeg ($A2M_FFMPEG or PATH). */
function decode(file) {
  return new Promise((resolve, reject) => {
    const ff = spawn(process.env.A2M_FFMPEG || 'ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', `file:${path.resolve(file)}`,
      '-vn', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const parts = [];
    let stderr = '';
    ff.stdout.on('data', (d) => parts.push(d));
    ff.stderr.on('data', (d) => { stderr += d; });
    ff.on('error', reject);
    ff.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exit ${code}: ${stderr.trim()}`));
      const buf = Buffer.concat(parts);
      resolve(new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.byteLength / 4)));
    });
  });
}

const tf = require('@tensorflow/tfjs-node');
const { BasicPitch, outputToNotesPoly, noteFramesToTime } = require('@spotify/basic-pitch');
const { Midi } = require('@tonejs/midi');

const modelJson = path.join(path.dirname(require.resolve('@spotify/basic-pitch/package.json')), 'model', 'model.json');
const [mono, graph] = await Promise.all([decode(audio), tf.loadGraphModel(`file://${modelJson}`)]);
// The package types its own nested tfjs's GraphModel; at run time it only calls execute().
const bp = new BasicPitch(Promise.resolve(graph));
const frames = [], onsets = [];
await bp.evaluateModel(mono, (f, o) => { frames.push(...f); onsets.push(...o); }, () => {});
const notes = noteFramesToTime(outputToNotesPoly(frames, onsets));

const midi = new Midi();
const track = midi.addTrack();
for (const n of notes) track.addNote({ midi: n.pitchMidi, time: n.startTimeSeconds, duration: n.durationSeconds, velocity: n.amplitude });
writeFileSync(out, Buffer.from(midi.toArray()));
console.log(JSON.stringify({ notes: notes.length, audioSeconds: mono.length / RATE }));
process.exit(0); // tfjs-node may keep handles open
