/**
 * ffmpeg fallback: with no ffmpeg on PATH (PATH is a temp folder holding only
 * a `node` symlink) and no $A2M_FFMPEG, decoding runs the static binary of the
 * npm package @ffmpeg-installer/ffmpeg, and gives the same audio as the system
 * ffmpeg (same length, same samples up to resampler differences between
 * ffmpeg versions). ffprobe, which that package lacks, fails with a message
 * naming what to install. Each case runs in a child process: the binary
 * choice is memoised per process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeFile } from '../../src/audio/decode.js';
import { ffmpegChoice, packagedFfmpeg } from '../../src/audio/ffmpeg.js';
import { projectRoot } from '../../src/util/paths.js';

const DEMO = path.join(projectRoot, 'fixtures/demo/melody-over-chords.flac');
const dir = mkdtempSync(path.join(tmpdir(), 'a2m-ffmpeg-fallback-'));
symlinkSync(process.execPath, path.join(dir, 'node'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs an ESM snippet (importing from src/) in a child whose PATH holds only `node`; returns its JSON output. */
function inBareChild(code: string, env: NodeJS.ProcessEnv = {}): { status: number | null; out: unknown; stderr: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PATH: dir, ...env };
  if (!('A2M_FFMPEG' in env)) delete childEnv.A2M_FFMPEG;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: projectRoot, env: childEnv, encoding: 'utf8' });
  let out: unknown = null;
  try { out = JSON.parse(r.stdout.trim().split('\n').pop() ?? ''); } catch { /* reported by the caller's assertion */ }
  return { status: r.status, out, stderr: r.stderr };
}

const srcUrl = (rel: string) => JSON.stringify(new URL(`file://${path.join(projectRoot, rel)}`).href);

test('without ffmpeg on PATH, decoding uses @ffmpeg-installer/ffmpeg and matches the system ffmpeg', { timeout: 120_000 }, async () => {
  const bundled = packagedFfmpeg();
  assert.ok(bundled, '@ffmpeg-installer/ffmpeg provides a binary for this platform');
  const r = inBareChild(`
    import { decodeFile } from ${srcUrl('src/audio/decode.ts')};
    import { ffmpegChoice } from ${srcUrl('src/audio/ffmpeg.ts')};
    import { writeFileSync } from 'node:fs';
    const a = await decodeFile(${JSON.stringify(DEMO)});
    const [l, r] = a.channels;
    writeFileSync(${JSON.stringify(path.join(dir, 'left.f32'))}, l);
    writeFileSync(${JSON.stringify(path.join(dir, 'right.f32'))}, r);
    console.log(JSON.stringify({ choice: ffmpegChoice(), frames: l.length, rate: a.sampleRate }));
  `);
  assert.equal(r.status, 0, r.stderr);
  const got = r.out as { choice: { bin: string; source: string }; frames: number; rate: number };
  const read = (f: string) => { const b = readFileSync(path.join(dir, f)); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
  const decoded = [read('left.f32'), read('right.f32')];
  assert.deepEqual(got.choice, { bin: bundled, source: '@ffmpeg-installer/ffmpeg' });

  // The same file through whatever this process uses (the system ffmpeg where there is one).
  const ref = await decodeFile(DEMO);
  console.log(`parent decodes with ${ffmpegChoice().bin}; child with ${got.choice.bin}`);
  assert.equal(got.rate, ref.sampleRate);
  assert.equal(got.frames, ref.channels[0].length, 'same number of frames');
  let maxDiff = 0, energy = 0;
  for (const [c, ch] of decoded.entries()) {
    const want = ref.channels[c]!;
    for (let i = 0; i < want.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ch[i]! - want[i]!));
      energy += want[i]! * want[i]!;
    }
  }
  console.log(`max sample difference packaged vs this process: ${maxDiff.toExponential(2)}`);
  assert.ok(energy > 1, 'the reference decode is not silence');
  // Different ffmpeg versions may resample a little differently: far below anything audible or the model notices.
  assert.ok(maxDiff < 1e-3, `max sample difference ${maxDiff}`);
});

test('without ffmpeg on PATH, $A2M_FFMPEG still wins and a missing ffprobe names what to install', { timeout: 60_000 }, () => {
  const r = inBareChild(`
    import { ffmpegChoice } from ${srcUrl('src/audio/ffmpeg.ts')};
    import { probeAudio } from ${srcUrl('src/audio/probe.ts')};
    const probe = await probeAudio(${JSON.stringify(DEMO)}).then(() => 'ok', (e) => e.message);
    console.log(JSON.stringify({ choice: ffmpegChoice(), probe }));
  `);
  assert.equal(r.status, 0, r.stderr);
  const got = r.out as { choice: { source: string }; probe: string };
  assert.equal(got.choice.source, '@ffmpeg-installer/ffmpeg');
  assert.match(got.probe, /ffprobe not found.*@ffmpeg-installer\/ffmpeg has none.*dataset check.*apt-get install ffmpeg/);

  const forced = inBareChild(`
    import { ffmpegChoice } from ${srcUrl('src/audio/ffmpeg.ts')};
    console.log(JSON.stringify(ffmpegChoice()));
  `, { A2M_FFMPEG: '/opt/custom/ffmpeg' });
  assert.equal(forced.status, 0, forced.stderr);
  assert.deepEqual(forced.out, { bin: '/opt/custom/ffmpeg', source: 'A2M_FFMPEG' });
});
