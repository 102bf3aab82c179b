/**
 * The web bundle's demo page in a real headless browser (Debian chromium via
 * playwright-core): served from 127.0.0.1, it loads the tfjs graph model,
 * decodes the fixture FLAC with Web Audio, and produces the same pipeline
 * result as `a2m transcribe` in Node for the same model — level, rolls, notes,
 * MIDI bytes — then shows the piano roll and offers the MIDI download.
 * The page is built on the bundle's ES module (audio-to-midi-web.js); the same
 * browser then imports that module directly, as an app would, and transcribes
 * the fixture's bytes and ffmpeg's PCM of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadModel } from '../../src/model/load.js';
import { buildBundle } from '../../src/bundle/build.js';
import { transcribeFile } from '../../src/infer/transcribe.js';
import { decodeFile } from '../../src/audio/decode.js';
import { windowCount } from '../../src/audio/window.js';
import { tfjsRunner } from '../../src/infer/backends.js';
import { extractNotes, type EventThresholds } from '../../src/infer/events.js';
import { notesToMidi } from '../../src/infer/midi-out.js';
import { scoreNotes } from '../../src/eval/mir-eval.js';
import { notesEqual } from '../../src/verify/metrics.js';
import { parseTolerances } from '../../src/verify/tolerances.js';
import { projectRoot } from '../../src/util/paths.js';
import type { Note } from '../../src/types.js';
import { TEST_GOLDEN_CASES, randomizedCheckpoint, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = path.join(projectRoot, 'fixtures', 'tiny-set', 'proc-s7-00000.flac');
const BACKEND = 'wasm';
/** Browser tfjs (WebAssembly kernels) vs tfjs-node (TensorFlow kernels): the tfjs web-backend tests' bound. */
const WEB_ATOL = 1e-4;
/**
 * The FLAC is 16-bit at 16 kHz, so neither side resamples, but Chromium turns
 * int16 into float with 1/32767 for positive samples where ffmpeg uses
 * 1/32768 for all (measured on this fixture: half the samples differ by that
 * factor): the level may differ by up to 1/32767 = 3.1e-5 relative.
 */
const GAIN_RTOL = 1 / 32767;
/**
 * Head bias shift of the test model: about 700 notes on the 25 s fixture (a
 * busy piano roll; the bundle tests' -1.5 leaves one).
 */
const HEAD_SHIFT = -1;
/**
 * Notes may differ only where the 3e-5 input difference (GAIN_RTOL) or a 1e-6
 * kernel difference moves a probability across a decision: a few of ~700.
 */
const MIN_NOTE_F1 = 0.99;
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.flac': 'audio/flac' };

interface ModuleResult { bytes: { notes: Note[]; midi: number[]; progress: number[][]; seconds: number }; pcm: { notes: Note[] }; aborted: string; badPcm: string; pkg: Record<string, unknown> }

function serve(root: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.join(root, rel.endsWith('/') ? `${rel}index.html` : rel);
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageResult {
  notes: Note[]; gain: number; frames: number; backend: string; midi: number[];
  rolls: Record<string, number[]>; download: string | null; href: string; canvas: [number, number];
}

test('web demo page: headless chromium transcribes the fixture like the Node pipeline', { skip: existsSync(CHROMIUM) ? false : `skipped: ${CHROMIUM} not installed (Debian package chromium)` }, async (t) => {
  const { chromium } = await import('playwright-core');
  const tmp = tempDir(t);
  const { ckpt } = await randomizedCheckpoint(tmp, 'tiny', HEAD_SHIFT);
  const { model, state, source } = await loadModel(ckpt);
  const out = path.join(tmp, 'bundle');
  // At ~30 notes per window some golden value sits within 1e-6 of a decision (ONNX Runtime flips one of
  // 500 notes): judge fp32 notes by F1 here; the tensor bound stays. This test is about the page.
  const tolerances = parseTolerances(['fp32.exactNotes=false', `fp32.minNoteF1=${MIN_NOTE_F1}`]);
  await buildBundle(model, state, { targets: ['web'], out, source, goldenCases: TEST_GOLDEN_CASES, tolerances });
  const thresholds = (state.thresholds ?? {}) as Partial<EventThresholds>;
  const node = await transcribeFile(FIXTURE, await tfjsRunner(model), { thresholds, keepRolls: true });
  model.dispose();

  const server = await serve(path.join(out, 'web'));
  const profile = mkdtempSync(path.join(os.tmpdir(), 'a2m-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(async () => { await browser.close(); server.close(); rmSync(profile, { recursive: true, force: true }); });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));

  const { port } = server.address() as AddressInfo;
  // WebAssembly: the bundled backend a GPU-less browser gets (headless chromium has no WebGL here), 10x tfjs's pure-JS cpu.
  await page.goto(`http://127.0.0.1:${port}/index.html?backend=${BACKEND}`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready', await page.textContent('#status') ?? '');
  await page.setInputFiles('#file', FIXTURE);
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 180_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'done', await page.textContent('#status') ?? '');
  // Kept after the test (one fixed name, overwritten by the next run) for a human to look at.
  const shot = path.join(os.tmpdir(), 'a2m-web-demo.png');
  await page.screenshot({ path: shot, fullPage: true });
  const r = await page.evaluate((): PageResult => {
    const a = window.a2m!;
    const link = document.getElementById('download') as HTMLAnchorElement;
    const canvas = document.getElementById('roll') as HTMLCanvasElement;
    return {
      notes: a.notes, gain: a.gain, frames: a.frames, backend: a.backend, midi: Array.from(a.midi),
      rolls: Object.fromEntries(Object.entries(a.rolls).map(([k, v]) => [k, Array.from(v)])),
      download: link.getAttribute('download'), href: link.href, canvas: [canvas.width, canvas.height],
    };
  });
  t.diagnostic(`${await page.textContent('#status')}; screenshot ${shot}`);

  assert.deepEqual(errors, [], 'no page errors');
  assert.ok(requests.every((u) => u.startsWith(`http://127.0.0.1:${port}/`) || u.startsWith('blob:') || u.startsWith('data:')), `offline: ${requests.filter((u) => !u.includes('127.0.0.1')).join(', ')}`);
  assert.equal(r.backend, BACKEND);
  assert.equal(r.frames, node.rolls.frames.length / 90, 'same number of frames');
  assert.ok(Math.abs(r.gain / node.gain - 1) <= GAIN_RTOL, `gain ${r.gain} vs Node ${node.gain}`);

  // Rolls: decode + normalise + windows + model + stitch agree with Node.
  const nodeRolls: Record<string, Float32Array | undefined> = { probs: node.rolls.frames, onset_probs: node.rolls.onsets, velocity: node.rolls.velocities };
  const err: Record<string, number> = {};
  for (const [k, ref] of Object.entries(nodeRolls)) {
    const got = r.rolls[k]!;
    assert.equal(got.length, ref!.length, k);
    err[k] = got.reduce((m, v, i) => Math.max(m, Math.abs(v - ref![i]!)), 0);
    assert.ok(err[k]! <= WEB_ATOL, `${k}: max abs ${err[k]} vs Node`);
  }

  // Notes: the page's are what events.ts makes of its rolls (the same code), and they match Node's.
  const browserRolls = { frames: Float32Array.from(r.rolls.probs!), onsets: Float32Array.from(r.rolls.onset_probs!), velocities: Float32Array.from(r.rolls.velocity!) };
  assert.deepEqual(r.notes, extractNotes(browserRolls, thresholds), 'page notes = events.ts on the page rolls');
  const f1 = scoreNotes(node.notes, r.notes).onset.f1;
  const identical = notesEqual(node.notes, r.notes);
  t.diagnostic(`notes: browser ${r.notes.length}, Node ${node.notes.length}, identical ${identical}, onset F1 ${f1.toFixed(4)}; roll max abs vs Node ${JSON.stringify(err)}`);
  assert.ok(r.notes.length > 0, 'the fixture gives notes');
  if (!identical) assert.ok(f1 >= MIN_NOTE_F1, `onset F1 ${f1} vs Node`);

  // MIDI download: the bytes midi-out.ts writes for those notes.
  assert.deepEqual(Uint8Array.from(r.midi), notesToMidi(r.notes, { name: path.basename(FIXTURE) }));
  assert.equal(r.download, 'proc-s7-00000.mid');
  assert.match(r.href, /^blob:/);
  assert.ok(r.canvas[0] > 0 && r.canvas[1] > 0, 'piano roll drawn');
  assert.ok(statSync(shot).size > 10_000, 'screenshot written');

  // The ES module on its own, as an app imports it: the fixture's bytes, ffmpeg's PCM of it, abort, bad input.
  const web = path.join(out, 'web');
  copyFileSync(FIXTURE, path.join(web, 'fixture.flac'));
  const decoded = await decodeFile(FIXTURE);
  const pcm = new Float32Array(decoded.channels[0].length * 2);
  pcm.set(decoded.channels[0], 0);
  pcm.set(decoded.channels[1], decoded.channels[0].length);
  writeFileSync(path.join(web, 'fixture.f32'), pcm);
  // A string, not a function: tsx's keepNames would wrap the callbacks in a __name() the page does not have.
  const m = await page.evaluate(`(async () => {
    const api = await import(location.origin + '/audio-to-midi-web.js');
    const transcriber = await api.createTranscriber({ tf: window.tf });
    const progress = [];
    const bytes = await (await fetch('fixture.flac')).arrayBuffer();
    const r = await transcriber.transcribe(bytes, { name: 'proc-s7-00000.flac', onProgress: (d, t) => progress.push([d, t]) });
    const raw = new Float32Array(await (await fetch('fixture.f32')).arrayBuffer());
    const half = raw.length / 2;
    const p = await transcriber.transcribe({ channels: [raw.subarray(0, half), raw.subarray(half)], sampleRate: 16000 });
    const controller = new AbortController();
    controller.abort(new Error('stopped by the test'));
    const aborted = await transcriber.transcribe(bytes, { signal: controller.signal }).then(() => 'resolved', (e) => e.message);
    const badPcm = await transcriber.transcribe({ channels: [], sampleRate: 16000 }).then(() => 'resolved', (e) => e.message);
    const pkg = await (await fetch('package.json')).json();
    transcriber.dispose();
    return { bytes: { notes: r.notes, midi: Array.from(r.midi), progress, seconds: r.seconds }, pcm: { notes: p.notes }, aborted, badPcm, pkg };
  })()`) as ModuleResult;
  assert.deepEqual(m.bytes.notes, r.notes, 'module on the file bytes = the page (the page is built on the module)');
  assert.deepEqual(Uint8Array.from(m.bytes.midi), notesToMidi(m.bytes.notes, { name: path.basename(FIXTURE) }));
  const windows = windowCount(decoded.channels[0].length);
  assert.deepEqual(m.bytes.progress, Array.from({ length: windows }, (_, i) => [i + 1, windows]), 'progress after each window');
  // ffmpeg's PCM: the browser sees the very samples Node does, so only kernel differences remain.
  const pcmF1 = scoreNotes(node.notes, m.pcm.notes).onset.f1;
  t.diagnostic(`module: ${m.bytes.notes.length} notes from bytes, ${m.pcm.notes.length} from Node's PCM (onset F1 vs Node ${pcmF1.toFixed(4)}, identical ${notesEqual(node.notes, m.pcm.notes)})`);
  if (!notesEqual(node.notes, m.pcm.notes)) assert.ok(pcmF1 >= MIN_NOTE_F1, `PCM input: onset F1 ${pcmF1} vs Node`);
  assert.equal(m.aborted, 'stopped by the test');
  assert.match(m.badPcm, /PCM input: 0 channels \(expected 1 or 2\)/);
  assert.equal(m.pkg.type, 'module');
  assert.equal(m.pkg.main, './audio-to-midi-web.js');
  assert.equal(m.pkg.types, './audio-to-midi-web.d.ts');
  assert.ok(existsSync(path.join(web, 'audio-to-midi-web.d.ts')), 'types shipped');
});
