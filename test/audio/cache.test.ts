import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, mkdtemp, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { AudioCache, hashFileContent } from '../../src/audio/cache.js';
import { decodeFile } from '../../src/audio/decode.js';
import { loadPieces } from '../../src/data/loader.js';
import { float16ToFloat32, float32ToFloat16, toHalfBits } from '../../src/audio/float16.js';

test('float16 bits match the IEEE layout', () => {
  // Expected bit patterns from the format: sign | 5-bit exponent (bias 15) | 10-bit mantissa.
  const cases: [number, number][] = [
    [0, 0], [1, 15 << 10], [-2, 0x8000 | (16 << 10)], [0.5, 14 << 10], [65504, (30 << 10) | 1023],
    [1 + 1 / 1024, (15 << 10) | 1], [2 ** -24, 1], [2 ** -14, 1 << 10], [1e6, 31 << 10], [-Infinity, 0x8000 | (31 << 10)],
  ];
  for (const [v, bits] of cases) assert.equal(toHalfBits(v), bits, `${v}`);
  // Round to nearest even: 1 + 1/2048 is halfway between 1 and 1 + 1/1024 -> 1 (even); 1 + 3/2048 -> 1 + 2/1024.
  assert.equal(toHalfBits(1 + 1 / 2048), 15 << 10);
  assert.equal(toHalfBits(1 + 3 / 2048), (15 << 10) | 2);
  assert.ok(Number.isNaN(float16ToFloat32(Uint16Array.of(toHalfBits(NaN)))[0]));
});

test('float16 round trip keeps audio within half an ulp (relative 2^-11)', () => {
  const x = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.37) * 10 ** -(i % 5));
  const y = float16ToFloat32(float32ToFloat16(x));
  for (let i = 0; i < x.length; i++) {
    const tol = Math.max(Math.abs(x[i]!) * 2 ** -11, 2 ** -25);
    assert.ok(Math.abs(y[i]! - x[i]!) <= tol, `${x[i]} -> ${y[i]}`);
  }
});

async function makeWav(dir: string, name: string, seconds: number, freq: number): Promise<string> {
  const file = path.join(dir, name);
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=f=${freq}:d=${seconds}:sample_rate=16000`, '-ac', '2', file]);
  return file;
}

test('cache: a hit equals the decode to float16 precision, keyed by content not name, safe when concurrent', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-cache-'));
  const cache = new AudioCache({ dir: path.join(dir, 'cache'), maxBytes: 10 * 1024 ** 2 });
  const file = await makeWav(dir, 'a.wav', 1, 440);
  const direct = await decodeFile(file);
  // Concurrent first use: both decode and write; renames make one entry win whole.
  const [a, b] = await Promise.all([cache.decode(file), cache.decode(file)]);
  for (const got of [a, b]) assert.deepEqual(got.channels[0], direct.channels[0]);
  const hit = await cache.decode(file);
  let worst = 0;
  for (let i = 0; i < direct.channels[0].length; i++) worst = Math.max(worst, Math.abs(hit.channels[1][i]! - direct.channels[1][i]!));
  assert.ok(worst <= 2 ** -11, `worst ${worst}`);
  assert.equal(hit.channels[0].length, direct.channels[0].length);
  // Same bytes under another name: same entry (no new file).
  const copy = path.join(dir, 'copy.wav');
  await writeFile(copy, await readFile(file));
  await cache.decode(copy);
  const entries = async (): Promise<string[]> => (await Promise.all((await readdir(cache.dir)).map(async (s) => (await readdir(path.join(cache.dir, s))).filter((n) => n.endsWith('.f16'))))).flat();
  assert.equal((await entries()).length, 1);
  // A damaged entry is a miss, not an error.
  const sub = (await readdir(cache.dir))[0]!;
  const entry = path.join(cache.dir, sub, (await readdir(path.join(cache.dir, sub)))[0]!);
  await writeFile(entry, 'garbage');
  assert.equal((await cache.decode(file)).channels[0].length, direct.channels[0].length);
  assert.ok((await stat(entry)).size > 100);
});

test('cache: a float32 cache returns the decode bit for bit, and feeds loadPieces the same pieces', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-cache32-'));
  const cache = new AudioCache({ dir: path.join(dir, 'cache'), maxBytes: 10 * 1024 ** 2, sampleFormat: 'float32' });
  const file = await makeWav(dir, 'a.wav', 1, 440);
  const direct = await decodeFile(file);
  await cache.decode(file);
  const hit = await cache.decode(file);
  assert.deepEqual(hit.channels, direct.channels);
  // A float16 cache in the same folder keeps its own entry: it never reads the float32 one as half precision.
  const half = await new AudioCache({ dir: cache.dir, maxBytes: cache.maxBytes }).decode(file);
  assert.equal(half.channels[0].length, direct.channels[0].length);
  const names = (await readdir(cache.dir, { recursive: true })).filter((n) => /\.f(16|32)$/.test(n)).map((n) => path.extname(n)).sort();
  assert.deepEqual(names, ['.f16', '.f32']);

  await writeFile(path.join(dir, 'a.csv'), '0.1,0.4,60,0.6\n');
  const grid = { sampleRate: 16000, windowSamples: 80000, frames: 250, keys: 90 };
  const plain = await loadPieces(dir, grid);
  const viaCache = await loadPieces(dir, grid, undefined, cache);
  assert.deepEqual(viaCache.map((p) => p.channels), plain.map((p) => p.channels));
  await assert.rejects(loadPieces(dir, grid, undefined, new AudioCache({ dir: cache.dir })), /must store float32/);
});

test('cache: least recently used entries are evicted to stay under the cap', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'a2m-cache-'));
  // Each 1 s entry is 16 + 16000 * 4 bytes; a cap of 2.5 entries keeps 2 (evicting to 90%).
  const entryBytes = 16 + 16000 * 4;
  const cache = new AudioCache({ dir: path.join(dir, 'cache'), maxBytes: Math.floor(entryBytes * 2.5) });
  const files = await Promise.all([300, 400, 500].map((f, i) => makeWav(dir, `${i}.wav`, 1, f)));
  await cache.decode(files[0]!);
  await new Promise((r) => setTimeout(r, 20));
  await cache.decode(files[1]!);
  await new Promise((r) => setTimeout(r, 20));
  await cache.decode(files[0]!); // touch 0: now 1 is least recent
  await new Promise((r) => setTimeout(r, 20));
  await cache.decode(files[2]!);
  const keys = await Promise.all(files.map(async (f) => cache.key(await hashFileContent(f), { sampleRate: 16000 })));
  const present = await Promise.all(keys.map(async (k) => (await cache.get(k)) !== null));
  assert.deepEqual(present, [true, false, true]);
});
