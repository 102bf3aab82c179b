/**
 * Decoding ahead in a worker thread (src/audio/decode-ahead.ts) and the file
 * source that decodes once (src/infer/transcribe.ts fileSource): the worker
 * gives exactly the samples the main-thread decoder gives, stops at its memory
 * budget, words failures as the decoder does, and a short file's second pass
 * is replayed from memory (ffmpeg does not run again: the file is gone by then).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeAhead } from '../../src/audio/decode-ahead.js';
import { decodeFile, type AudioChunk } from '../../src/audio/decode.js';
import { fileSource } from '../../src/infer/transcribe.js';
import { A2mError } from '../../src/errors.js';
import { projectRoot } from '../../src/util/paths.js';

const DEMO = path.join(projectRoot, 'fixtures', 'demo', 'melody-over-chords.flac');
let dir = '';
before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-ahead-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

function join(chunks: AudioChunk[]): [Float32Array, Float32Array] {
  const n = chunks.reduce((a, c) => a + c.channels[0].length, 0);
  const out: [Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n)];
  for (const c of chunks) for (const ch of [0, 1] as const) out[ch].set(c.channels[ch], c.start);
  return out;
}

async function collect(source: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of source) out.push(c);
  return out;
}

test('the worker decodes exactly the samples the main-thread decoder gives, chunk starts in order', async () => {
  const chunks = await decodeAhead(DEMO).result;
  assert.ok(chunks, 'a 25 s file fits the budget');
  let at = 0;
  for (const c of chunks) { assert.equal(c.start, at); at += c.channels[0].length; }
  const ours = join(chunks);
  const direct = await decodeFile(DEMO);
  assert.deepEqual(ours[0], direct.channels[0]);
  assert.deepEqual(ours[1], direct.channels[1]);
});

test('past its memory budget the worker stops and resolves null (the caller streams instead)', async () => {
  const r = await decodeAhead(DEMO, 3 * 16000 * 8).result; // 3 s of stereo float32
  assert.equal(r, null);
});

test('failures arrive as the decoder words them: a missing file, a file that is not audio', async () => {
  await assert.rejects(decodeAhead(path.join(dir, 'missing.wav')).result, (e: Error) => e instanceof A2mError && /missing\.wav: no such file/.test(e.message));
  const junk = path.join(dir, 'junk.wav');
  await writeFile(junk, 'this is not audio at all, just words'.repeat(20));
  await assert.rejects(decodeAhead(junk).result, (e: Error) => e instanceof A2mError && e.message.startsWith(junk) && /not an audio file|could not decode/.test(e.message));
});

test('a cancelled decode never settles into an unhandled rejection and lets the process go on', async () => {
  const a = decodeAhead(DEMO);
  a.cancel();
  await assert.rejects(a.result, /exited/);
});

test('a short file\'s second pass replays the first from memory; past the budget it is decoded again', async () => {
  const file = path.join(dir, 'replay.flac');
  await copyFile(DEMO, file);
  const kept = fileSource(file);
  const first = await collect(kept.chunks());
  await rm(file);
  const second = await collect(kept.chunks());
  assert.deepEqual(join(second), join(first), 'replayed without the file');

  await copyFile(DEMO, file);
  const streamed = fileSource(file, undefined, 3 * 16000 * 8);
  await collect(streamed.chunks());
  await rm(file);
  await assert.rejects(collect(streamed.chunks()), /no such file/, 'over the budget the second pass runs ffmpeg again');
});

test('with a worker started ahead, the source reads its chunks (decoding done before the first pass asks)', async () => {
  const file = path.join(dir, 'ahead.flac');
  await copyFile(DEMO, file);
  const ahead = decodeAhead(file);
  await ahead.result;
  await rm(file);
  const src = fileSource(file, ahead);
  const direct = await decodeFile(DEMO);
  const got = join(await collect(src.chunks()));
  assert.deepEqual(got[0], direct.channels[0]);
  assert.deepEqual(join(await collect(src.chunks()))[1], direct.channels[1]);
});
