/**
 * The web bundle's demo page in a real headless browser (Debian chromium via
 * playwright-core): served from 127.0.0.1, it loads the tfjs graph model,
 * decodes the fixture FLAC with Web Audio, and produces the same pipeline
 * result as `a2m transcribe` in Node for the same model — level, rolls, notes,
 * MIDI bytes — then shows the piano roll and offers the MIDI download.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadModel } from '../../src/model/load.js';
import { buildBundle } from '../../src/bundle/build.js';
import { transcribeFile } from '../../src/infer/transcribe.js';
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
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };

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
});
