// Security issue #17, audio inputs: a path must reach ffmpeg as that local
// file and nothing else (no `concat:` or other protocol spelled by folder
// names), non-regular files are refused before anything opens them for
// reading, and a NaN / Inf sample is refused with its time instead of
// silently normalising the whole file to NaN (0 notes, exit 0).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import ToneMidi from '@tonejs/midi';
import { A2mError } from '../../src/errors.js';
import { decodeFile, decodeStream } from '../../src/audio/decode.js';
import { probeAudio } from '../../src/audio/probe.js';
import { AudioCache } from '../../src/audio/cache.js';
import { rmsNormalize } from '../../src/audio/normalize.js';
import { transcribeFile } from '../../src/infer/transcribe.js';
import type { WindowRunner } from '../../src/infer/backends.js';

let dir: string;
before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-sec-audio-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** A 1 s lavfi source rendered to `file`. */
async function lavfi(file: string, source: string): Promise<string> {
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, '-c:a', 'pcm_s16le', file]);
  return file;
}

function peak(channels: readonly Float32Array[]): number {
  let p = 0;
  for (const ch of channels) for (const v of ch) p = Math.max(p, Math.abs(v));
  return p;
}

const DEMO = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'demo', 'melody-over-chords.flac');

/**
 * The crafted tree: <root>/in/concat:<root>/canary.wav (1 s of silence) and,
 * outside it, the canary <root>/canary.wav: 4 s of the demo piece (piano
 * notes the model finds).
 */
async function craftConcatTree(root: string): Promise<{ inDir: string; rel: string; canary: string }> {
  const canary = path.join(root, 'canary.wav');
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', DEMO, '-t', '4', '-c:a', 'pcm_s16le', canary]);
  const inDir = path.join(root, 'in');
  const rel = `concat:${canary}`; // a relative path whose first component is the folder "concat:"
  await mkdir(path.dirname(path.join(inDir, rel)), { recursive: true });
  await lavfi(path.join(inDir, rel), 'anullsrc=r=16000:cl=mono:d=1');
  return { inDir, rel, canary };
}

test('a folder named "concat:" cannot make ffmpeg decode a file elsewhere', { timeout: 30_000 }, async () => {
  const root = path.join(dir, 'concat');
  await mkdir(root);
  const { inDir, rel, canary } = await craftConcatTree(root);
  assert.ok(peak((await decodeFile(canary)).channels) > 0.1, 'the canary is loud');
  const cwd = process.cwd();
  process.chdir(inDir);
  try {
    // The relative path as `transcribe .` builds it: read literally, it is the silent file.
    const got = await decodeFile(rel);
    assert.equal(got.channels[0].length, 16000);
    assert.equal(peak(got.channels), 0, 'decoded the canary through the concat: protocol');
    const info = await probeAudio(rel);
    assert.equal(info.channels, 1, 'ffprobe read the canary (stereo) instead of the file');
  } finally {
    process.chdir(cwd);
  }
});

test('transcribe . --out-dir on the crafted tree writes the silent file\'s (empty) MIDI, not the canary\'s notes', { timeout: 120_000 }, async () => {
  const root = path.join(dir, 'cli');
  await mkdir(root);
  const { inDir, rel } = await craftConcatTree(root);
  const projectRoot = path.resolve(import.meta.dirname, '..', '..');
  const r = await execa(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'transcribe', '.', '--out-dir', 'o', '--backend', 'tfjs'],
    { cwd: inDir, reject: false, timeout: 100_000, env: { A2M_CACHE_DIR: path.join(root, 'cache'), A2M_DEV: '1' } }); // the sources, not a possibly stale dist/
  assert.equal(r.exitCode, 0, r.stderr);
  const out = path.join(inDir, 'o', rel.replace(/\.wav$/, '.mid')); // the input's folders mirrored under --out-dir
  const midi = new ToneMidi.Midi(await readFile(out));
  assert.equal(midi.tracks.reduce((n, t) => n + t.notes.length, 0), 0, 'notes came from the canary');
  assert.match(r.stderr, /: 0 notes/);
});

test('a FIFO (or a device) is refused at once by decode, probe and the cache', { timeout: 15_000 }, async () => {
  const fifo = path.join(dir, 'pipe.wav');
  const mk = spawnSync('mkfifo', [fifo]);
  assert.equal(mk.status, 0, String(mk.stderr));
  const t0 = performance.now();
  const isRefusal = (e: unknown) => e instanceof A2mError && e.message.startsWith(fifo) && /FIFO/.test(e.message);
  await assert.rejects(decodeFile(fifo), isRefusal);
  await assert.rejects(probeAudio(fifo), isRefusal);
  await assert.rejects(new AudioCache({ dir: path.join(dir, 'cache') }).decode(fifo), isRefusal);
  await assert.rejects(decodeFile('/dev/zero'), (e: unknown) => e instanceof A2mError && /character device/.test(e.message));
  assert.ok(performance.now() - t0 < 5000, 'refusing took too long (did something open the FIFO?)');
});

/** A mono 32-bit IEEE-float WAV (format tag 3) of `samples`, written byte by byte. */
function floatWav(samples: Float32Array, rate: number): Buffer {
  const bytes = samples.length * 4;
  const b = Buffer.alloc(44 + bytes);
  b.write('RIFF', 0); b.writeUInt32LE(36 + bytes, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(3, 20); // WAVE_FORMAT_IEEE_FLOAT
  b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 4, 28); b.writeUInt16LE(4, 32); b.writeUInt16LE(32, 34);
  b.write('data', 36); b.writeUInt32LE(bytes, 40);
  Buffer.from(samples.buffer).copy(b, 44);
  return b;
}

async function toneWithBadSample(name: string, bad: number, at: number): Promise<string> {
  const rate = 16000;
  const x = new Float32Array(2 * rate).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate));
  x[Math.round(at * rate)] = bad;
  const file = path.join(dir, name);
  await writeFile(file, floatWav(x, rate));
  return file;
}

test('one NaN or Inf sample is refused, naming the file and the time of the first bad sample', { timeout: 30_000 }, async () => {
  for (const [name, bad] of [['nan.wav', NaN], ['inf.wav', Infinity], ['-inf.wav', -Infinity]] as const) {
    const file = await toneWithBadSample(name, bad, 1.25);
    await assert.rejects(decodeFile(file), (e: unknown) => {
      assert.ok(e instanceof A2mError, String(e));
      assert.ok(e.message.startsWith(file), e.message);
      assert.match(e.message, /sample at 1\.2\d\d s is (NaN|-?Infinity)/);
      return true;
    });
  }
  // The streaming path transcribe uses refuses it too (before the model sees a window).
  const runner: WindowRunner = {
    name: 'never', batch: 1, dispose: async () => {},
    run: async () => { throw new Error('the model must not run on NaN audio'); },
  };
  const file = await toneWithBadSample('stream-nan.wav', NaN, 0.5);
  await assert.rejects(transcribeFile(file, runner), /stream-nan\.wav: sample at 0\.\d+ s is NaN/);
  let yielded = 0;
  await assert.rejects((async () => { for await (const _ of decodeStream(file, { chunkFrames: 4000 })) yielded++; })(), A2mError);
  assert.equal(yielded, 2, 'chunks before the bad sample are fine; the chunk holding it is refused');
});

test('in-memory normalisation refuses NaN instead of spreading it', () => {
  const x = new Float32Array(100).fill(0.5);
  x[40] = NaN;
  assert.throws(() => rmsNormalize([x]), (e: unknown) => e instanceof A2mError && /sample 40 is not finite/.test(e.message));
  assert.equal(x[0], 0.5, 'nothing was scaled');
});
