import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { decodeFile, decodeStream } from '../../src/audio/decode.js';
import { A2mError } from '../../src/errors.js';

let dir = '';
const SECONDS = 1.3;
const F_LEFT = 440;
const F_RIGHT = 660;

/** Test audio made by ffmpeg from its sine source: left 440 Hz at 0.5, right 660 Hz at 0.25. */
async function make(name: string, codecArgs: string[], mono = false): Promise<string> {
  const file = path.join(dir, name);
  const src = mono
    ? ['-f', 'lavfi', '-i', `sine=f=${F_LEFT}:d=${SECONDS}:sample_rate=44100`, '-af', 'volume=0.5']
    : ['-f', 'lavfi', '-i', `sine=f=${F_LEFT}:d=${SECONDS}:sample_rate=44100`, '-f', 'lavfi', '-i', `sine=f=${F_RIGHT}:d=${SECONDS}:sample_rate=44100`,
      '-filter_complex', '[0][1]amerge=inputs=2,pan=stereo|c0=0.5*c0|c1=0.25*c1'];
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...src, ...codecArgs, file]);
  return file;
}

/** ffmpeg's sine source is amplitude 1/8 before our volume filter. */
const SINE_AMPLITUDE = 1 / 8;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-decode-'));
});

/** Best-fit amplitude of a sine at f (Hz) in x at 16 kHz (projection onto sin and cos). */
function sineAmplitude(x: Float32Array, f: number): number {
  let s = 0;
  let c = 0;
  const from = 1600;
  const to = x.length - 1600;
  for (let i = from; i < to; i++) {
    const ph = (2 * Math.PI * f * i) / 16000;
    s += x[i]! * Math.sin(ph);
    c += x[i]! * Math.cos(ph);
  }
  return (2 * Math.hypot(s, c)) / (to - from);
}

const FORMATS: [string, string[], number][] = [
  ['a.wav', ['-c:a', 'pcm_s16le'], 0],
  ['a.flac', ['-c:a', 'flac'], 0],
  ['a.aif', ['-c:a', 'pcm_s16be'], 0],
  ['a.mp3', ['-c:a', 'libmp3lame', '-b:a', '192k'], 0.05],
  ['a.m4a', ['-c:a', 'aac', '-b:a', '192k'], 0.05],
  ['a.ogg', ['-c:a', 'libvorbis', '-q:a', '6'], 0.05],
];

for (const [name, args, lengthSlack] of FORMATS) {
  test(`decodes ${path.extname(name)} to 16 kHz stereo with the right channels and levels`, async () => {
    const file = await make(name, args);
    const d = await decodeFile(file);
    assert.equal(d.sampleRate, 16000);
    const expected = SECONDS * 16000;
    assert.ok(Math.abs(d.channels[0].length - expected) <= lengthSlack * 16000 + 1, `length ${d.channels[0].length} vs ${expected}`);
    // Each channel carries its own sine at its own level (within 2%; lossy codecs included).
    assert.ok(Math.abs(sineAmplitude(d.channels[0], F_LEFT) - 0.5 * SINE_AMPLITUDE) < 0.02 * SINE_AMPLITUDE);
    assert.ok(Math.abs(sineAmplitude(d.channels[1], F_RIGHT) - 0.25 * SINE_AMPLITUDE) < 0.02 * SINE_AMPLITUDE);
    assert.ok(sineAmplitude(d.channels[0], F_RIGHT) < 0.01 * SINE_AMPLITUDE);
  });
}

test('mono is duplicated to both channels at full level', async () => {
  const file = await make('mono.wav', ['-c:a', 'pcm_s16le', '-ac', '1'], true);
  const d = await decodeFile(file);
  assert.deepEqual(d.channels[0], d.channels[1]);
  assert.ok(Math.abs(sineAmplitude(d.channels[0], F_LEFT) - 0.5 * SINE_AMPLITUDE) < 0.01 * SINE_AMPLITUDE);
});

test('streaming yields bounded chunks that add up to the whole file, and stopping early is clean', async () => {
  const file = await make('s.flac', ['-c:a', 'flac']);
  const whole = await decodeFile(file);
  let total = 0;
  for await (const c of decodeStream(file, { chunkFrames: 4000 })) {
    assert.ok(c.channels[0].length <= 4000);
    assert.equal(c.start, total);
    assert.equal(c.channels[1][7] ?? 0, whole.channels[1][c.start + 7] ?? 0);
    total += c.channels[0].length;
  }
  assert.equal(total, whole.channels[0].length);
  for await (const c of decodeStream(file, { chunkFrames: 1000 })) {
    assert.equal(c.start, 0);
    break; // the generator's finally kills ffmpeg
  }
});

/** Every error is an A2mError whose one-line message starts with the file name. */
async function rejectsNaming(file: string, what: RegExp): Promise<void> {
  await assert.rejects(decodeFile(file), (e: unknown) => {
    assert.ok(e instanceof A2mError, String(e));
    assert.ok(e.message.startsWith(file), e.message);
    assert.match(e.message, what);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
}

test('errors: missing, empty, not audio, a folder, unreadable', async () => {
  await rejectsNaming(path.join(dir, 'missing.wav'), /no such file/);
  const empty = path.join(dir, 'empty.wav');
  await writeFile(empty, '');
  await rejectsNaming(empty, /empty file/);
  const text = path.join(dir, 'text.mp3');
  await writeFile(text, 'this is not audio\n'.repeat(50));
  await rejectsNaming(text, /not an audio file/);
  const folder = path.join(dir, 'folder.wav');
  await mkdir(folder);
  await rejectsNaming(folder, /folder/);
  if (process.getuid?.() !== 0) {
    const locked = await make('locked.wav', ['-c:a', 'pcm_s16le']);
    await chmod(locked, 0);
    await rejectsNaming(locked, /cannot read/);
  }
});

test('a missing ffmpeg says how to install it', async () => {
  const file = await make('b.wav', ['-c:a', 'pcm_s16le']);
  const old = process.env.A2M_FFMPEG;
  process.env.A2M_FFMPEG = path.join(dir, 'no-such-ffmpeg');
  try {
    await assert.rejects(decodeFile(file), /ffmpeg not found.*apt-get install ffmpeg/);
  } finally {
    if (old === undefined) delete process.env.A2M_FFMPEG;
    else process.env.A2M_FFMPEG = old;
  }
});
