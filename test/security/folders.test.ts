/**
 * Adversarial folders (issue #17): every model folder, export, golden set,
 * bundle and imported model comes from someone else. Each crafted input here
 * must be refused with an error that names the file and the field, must
 * never let a canary file outside the folder reach any output, and must stay
 * bounded in time (a FIFO would hang a naive reader) and memory (/dev/zero
 * would fill it).
 *
 * The honest export made first (outside/exp) passes verify: the crafted
 * folders that point at it would pass too if the reader followed them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sparseCheckpoint } from '../verify/helpers.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.js';
import { buildGolden, readGolden, writeGolden, type Golden } from '../../src/verify/golden.js';
import { verifyExport } from '../../src/verify/verify.js';
import { exportModel } from '../../src/export/export.js';
import { checkFiles, type BundleManifest } from '../../src/bundle/manifest.js';
import { readModelCard } from '../../src/bundle/build.js';
import { readGraphModel } from '../../converters/tfjs/reader.js';
import { projectRoot } from '../../src/util/paths.js';

const CANARY = 'CANARY-7f3a9c-must-never-appear';
/** Any refusal here must come this fast: a FIFO or /dev/zero would hang or take minutes. */
const FAST_MS = 5000;

let ck: Awaited<ReturnType<typeof sparseCheckpoint>>;
let golden: Golden;
let base: string;        // the temp root of everything below
let outside: string;     // files the crafted folders point at
let goldenDir: string;
const honestExport = () => path.join(outside, 'exp');

before(async () => {
  ck = await sparseCheckpoint('tiny-logspec');
  base = ck.dir;
  outside = path.join(base, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, 'canary.txt'), CANARY);
  golden = await buildGolden(ck.loaded, { cases: ['white-noise'] });
  goldenDir = path.join(base, 'golden');
  await writeGolden(goldenDir, golden);
  await exportModel(ck.loaded.model, { formats: ['onnx', 'savedmodel', 'coreml', 'tfjs'], precisions: ['fp32'], out: honestExport() });
});
after(async () => { await ck?.cleanup(); });

/** Asserts `fn` rejects within FAST_MS with a message matching every pattern and never containing the canary. */
async function refused(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  const t0 = performance.now();
  let message: string | null = null;
  try { await fn(); } catch (e) { message = (e as Error).message; }
  const ms = performance.now() - t0;
  assert.ok(message !== null, 'expected a refusal, but it was accepted');
  for (const p of patterns) assert.match(message, p);
  assert.doesNotMatch(message, new RegExp(CANARY));
  assert.ok(ms < FAST_MS, `refusal took ${ms.toFixed(0)} ms`);
  return message;
}

/** A copy of the checkpoint whose model.json is edited by `edit`. */
async function craftedCheckpoint(name: string, edit: (json: Record<string, any>, dir: string) => Promise<void> | void): Promise<string> {
  const dir = path.join(base, name);
  await cp(ck.checkpoint, dir, { recursive: true });
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  await edit(json, dir);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

function mkfifo(p: string): void { execFileSync('mkfifo', [p]); }

// ---- checkpoints (loadCheckpoint: inspect, transcribe --model, export, bundle) ----

test('checkpoint: a shard path with ".." is refused, naming model.json and the field', async () => {
  await cp(ck.checkpoint, path.join(outside, 'ckpt'), { recursive: true });
  const dir = await craftedCheckpoint('ck-dotdot', (j) => { j.weightsManifest[0].paths[0] = `../outside/ckpt/${j.weightsManifest[0].paths[0]}`; });
  await refused(() => loadCheckpoint(dir), /model\.json: weightsManifest\[0\]\.paths\[0\]/, /"\.\." to leave the folder/);
});

test('checkpoint: /dev/zero and /etc/hostname as shards are refused as absolute paths, without reading or sizing them', async () => {
  const dir = await craftedCheckpoint('ck-abs', (j) => { j.weightsManifest[0].paths = ['/dev/zero', '/etc/hostname']; });
  const msg = await refused(() => loadCheckpoint(dir), /paths\[0\]/, /absolute path/);
  assert.doesNotMatch(msg, /bytes/, 'the error must not report the size of a file outside');
  const dir2 = await craftedCheckpoint('ck-dotdot-zero', (j) => { j.weightsManifest[0].paths = ['../../../../../../dev/zero']; });
  await refused(() => loadCheckpoint(dir2), /paths\[0\]/);
});

test('checkpoint: a shard that is a FIFO is refused at once, not read (a naive reader hangs)', async () => {
  const dir = await craftedCheckpoint('ck-fifo', (j) => { j.weightsManifest[0].paths[0] = 'pipe.bin'; });
  mkfifo(path.join(dir, 'pipe.bin'));
  await refused(() => loadCheckpoint(dir), /paths\[0\] = "pipe\.bin": is a FIFO/);
});

test('checkpoint: a shard that is a symlink to a file outside is refused; one inside the folder is followed', async () => {
  const dir = await craftedCheckpoint('ck-link', (j) => { j.weightsManifest[0].paths[0] = 'link.bin'; });
  const shard = JSON.parse(await readFile(path.join(ck.checkpoint, 'model.json'), 'utf8')).weightsManifest[0].paths[0];
  await cp(path.join(ck.checkpoint, shard), path.join(outside, 'shard.bin'));
  await symlink(path.join(outside, 'shard.bin'), path.join(dir, 'link.bin'));
  await refused(() => loadCheckpoint(dir), /paths\[0\] = "link\.bin": is a link to .*outside the folder/);
  // The same shard linked from inside the folder is fine: the rule is about leaving the root.
  const inside = await craftedCheckpoint('ck-link-inside', (j) => { j.weightsManifest[0].paths[0] = 'link.bin'; });
  await symlink(shard, path.join(inside, 'link.bin'));
  const loaded = await loadCheckpoint(inside);
  assert.ok(loaded.weights.size > 0);
});

test('checkpoint: a config beyond its bounds is refused before anything is allocated (layers = 1000 took 11 GB)', async () => {
  const dir = await craftedCheckpoint('ck-layers', (j) => { j.config.transformer.layers = 1000; });
  const rss0 = process.memoryUsage().rss;
  await refused(() => loadCheckpoint(dir), /model\.json: config\.transformer\.layers must be an integer in 1\.\.32, got 1000/);
  assert.ok(process.memoryUsage().rss - rss0 < 256 * 1024 ** 2, 'no large allocation');
  const missing = await craftedCheckpoint('ck-no-transformer', (j) => { delete j.config.transformer; });
  await refused(() => loadCheckpoint(missing), /config\.transformer must be an object/);
  const str = await craftedCheckpoint('ck-str-dim', (j) => { j.config.frontend.dim = '192'; });
  await refused(() => loadCheckpoint(str), /config\.frontend\.dim must be an integer/);
});

test('checkpoint: weight shapes and thresholds are checked (no "Invalid typed array length", no nonsense notes)', async () => {
  const neg = await craftedCheckpoint('ck-neg', (j) => { j.weightsManifest[0].weights[0].shape = [-1, 4]; });
  await refused(() => loadCheckpoint(neg), /weights\[0\]\.shape: expected up to 8 non-negative integer dimensions/);
  const huge = await craftedCheckpoint('ck-huge', (j) => { j.weightsManifest[0].weights[0].shape = [1e6, 1e6]; });
  await refused(() => loadCheckpoint(huge), /weights\[0\]\.shape: .*more than a checkpoint may hold/);
  const th = await craftedCheckpoint('ck-th', (j) => { j.state = { thresholds: { activate: 'abc' } }; });
  await refused(() => loadCheckpoint(th), /state\.thresholds\.activate: must be a number in 0\.\.1, got "abc"/);
  const unknown = await craftedCheckpoint('ck-th2', (j) => { j.state = { thresholds: { onsett: 0.3 } }; });
  await refused(() => loadCheckpoint(unknown), /state\.thresholds\.onsett: unknown threshold/);
});

test('CLI: `a2m inspect` on a checkpoint pointing at /dev/zero exits 1 with the named error, in bounded time and RSS', () => {
  const dir = path.join(base, 'ck-abs');
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, path.join(projectRoot, 'bin', 'a2m.js'), 'inspect', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /a2m: error: .*model\.json: weightsManifest\[0\]\.paths\[0\] = "\/dev\/zero": is an absolute path/);
  const rssKb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1]);
  assert.ok(rssKb > 0 && rssKb < 1024 * 1024, `max RSS ${rssKb} kB`);
});

// ---- exports (a2m verify) ----

/** An export folder holding only an export.json whose artifacts are `artifacts`. */
async function craftedExport(name: string, artifacts: { format: string; precision: string; path: string }[]): Promise<string> {
  const dir = path.join(base, name);
  await mkdir(dir, { recursive: true });
  const honest = JSON.parse(await readFile(path.join(honestExport(), 'export.json'), 'utf8'));
  await writeFile(path.join(dir, 'export.json'), JSON.stringify({ ...honest, artifacts }));
  return dir;
}

test('export: the honest export passes (so the crafted folders below would pass if their paths were followed)', async () => {
  const rep = await verifyExport({ exportDir: honestExport(), golden, oracles: false, formats: ['onnx'] });
  assert.equal(rep.passed, true, JSON.stringify(rep.results.map((r) => r.failures)));
});

test('export: export.json artifact paths with "..", absolute paths and ../../usr/lib are refused before anything runs', async () => {
  const dotdot = await craftedExport('ex-dotdot', [{ format: 'onnx', precision: 'fp32', path: '../outside/exp/model.onnx' }]);
  await refused(() => verifyExport({ exportDir: dotdot, golden, oracles: false }), /export\.json: artifacts\[0\]\.path = "\.\.\/outside\/exp\/model\.onnx": uses "\.\."/);
  const lib = await craftedExport('ex-usrlib', [{ format: 'savedmodel', precision: 'fp32', path: '../../../../../../../usr/lib' }]);
  await refused(() => verifyExport({ exportDir: lib, golden, oracles: false }), /artifacts\[0\]\.path/);
  const abs = await craftedExport('ex-abs', [{ format: 'onnx', precision: 'fp32', path: path.join(honestExport(), 'model.onnx') }]);
  await refused(() => verifyExport({ exportDir: abs, golden, oracles: false }), /artifacts\[0\]\.path = .*absolute path/);
});

test('export: an unknown precision or format in export.json is a named error (was "reading \'atol\'")', async () => {
  const p = await craftedExport('ex-prec', [{ format: 'onnx', precision: 'fp8', path: 'model.onnx' }]);
  await refused(() => verifyExport({ exportDir: p, golden, oracles: false }), /artifacts\[0\]\.precision: expected one of fp32, fp16, int8, got "fp8"/);
  const f = await craftedExport('ex-fmt', [{ format: 'pytorch', precision: 'fp32', path: 'model.pt' }]);
  await refused(() => verifyExport({ exportDir: f, golden, oracles: false }), /artifacts\[0\]\.format: expected one of/);
});

test('export: symlinks out of the folder are refused everywhere: a top-level .onnx, SavedModel variables/, Core ML weight.bin, tfjs shards', async () => {
  const h = honestExport();
  // A top-level model file that is a link to the honest one outside.
  const onnx = await craftedExport('ex-onnx-link', [{ format: 'onnx', precision: 'fp32', path: 'model.onnx' }]);
  await symlink(path.join(h, 'model.onnx'), path.join(onnx, 'model.onnx'));
  await refused(() => verifyExport({ exportDir: onnx, golden, oracles: false }), /artifacts\[0\]\.path = "model\.onnx": is a link to .*outside the folder/);

  // SavedModel with its variables/ folder linked out.
  const sm = await craftedExport('ex-sm-link', [{ format: 'savedmodel', precision: 'fp32', path: 'savedmodel' }]);
  await mkdir(path.join(sm, 'savedmodel'));
  await cp(path.join(h, 'savedmodel', 'saved_model.pb'), path.join(sm, 'savedmodel', 'saved_model.pb'));
  await symlink(path.join(h, 'savedmodel', 'variables'), path.join(sm, 'savedmodel', 'variables'));
  await refused(() => verifyExport({ exportDir: sm, golden, oracles: false }), /export\.json: artifacts\[0\]\.path: entry = "savedmodel\/variables": is a link to .*outside the folder/);

  // Core ML package with weight.bin linked out.
  const ml = await craftedExport('ex-coreml-link', [{ format: 'coreml', precision: 'fp32', path: 'model.mlpackage' }]);
  await cp(path.join(h, 'model.mlpackage'), path.join(ml, 'model.mlpackage'), { recursive: true });
  const weight = path.join(ml, 'model.mlpackage', 'Data', 'com.apple.CoreML', 'weights', 'weight.bin');
  await rm(weight);
  await symlink(path.join(h, 'model.mlpackage', 'Data', 'com.apple.CoreML', 'weights', 'weight.bin'), weight);
  await refused(() => verifyExport({ exportDir: ml, golden, oracles: false }), /weight\.bin": is a link to .*outside the folder/);

  // tfjs model whose shard is linked out; convert's reader refuses it too.
  const tj = await craftedExport('ex-tfjs-link', [{ format: 'tfjs', precision: 'fp32', path: 'tfjs_model' }]);
  await cp(path.join(h, 'tfjs_model'), path.join(tj, 'tfjs_model'), { recursive: true });
  const shardName = JSON.parse(await readFile(path.join(h, 'tfjs_model', 'model.json'), 'utf8')).weightsManifest[0].paths[0];
  await rm(path.join(tj, 'tfjs_model', shardName));
  await symlink(path.join(h, 'tfjs_model', shardName), path.join(tj, 'tfjs_model', shardName));
  await refused(() => verifyExport({ exportDir: tj, golden, oracles: false }), /is a link to .*outside the folder/);
  await refused(() => readGraphModel(path.join(tj, 'tfjs_model')), /model\.json: weightsManifest\[0\]\.paths\[0\] = .*is a link to .*outside the folder/);
});

test('export: a FIFO as an artifact is refused at once', async () => {
  const dir = await craftedExport('ex-fifo', [{ format: 'tflite', precision: 'fp32', path: 'model.tflite' }]);
  mkfifo(path.join(dir, 'model.tflite'));
  await refused(() => verifyExport({ exportDir: dir, golden, oracles: false }), /artifacts\[0\]\.path = "model\.tflite": is a FIFO/);
});

test('CLI: `a2m verify` does not use goldens shipped inside the export folder', () => {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'verify', honestExport(), '--no-oracles'], { encoding: 'utf8', cwd: base, timeout: 60_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no goldens given: pass --golden/);
});

// ---- goldens ----

/** A copy of the golden folder whose manifest is edited by `edit`. */
async function craftedGolden(name: string, edit: (m: Record<string, any>, dir: string) => void): Promise<string> {
  const dir = path.join(base, name);
  await cp(goldenDir, dir, { recursive: true });
  const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  edit(m, dir);
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

test('golden: /dev/zero, "..", and a FIFO as golden files are refused at once', async () => {
  const zero = await craftedGolden('g-zero', (m) => { m.cases[0].input.file = '/dev/zero'; });
  await refused(() => readGolden(zero), /manifest\.json: cases\[0\]\.input\.file = "\/dev\/zero": is an absolute path/);
  const up = await craftedGolden('g-up', (m) => { m.cases[0].notes.file = '../outside/canary.txt'; });
  await refused(() => readGolden(up), /cases\[0\]\.notes\.file = "\.\.\/outside\/canary\.txt": uses "\.\."/);
  const fifo = await craftedGolden('g-fifo', (m) => { m.cases[0].input.file = 'pipe.f32'; });
  mkfifo(path.join(fifo, 'pipe.f32'));
  await refused(() => readGolden(fifo), /cases\[0\]\.input\.file = "pipe\.f32": is a FIFO/);
  const big = await craftedGolden('g-big', (m) => { m.cases[0].input.shape = [1e5, 1e5]; });
  await refused(() => readGolden(big), /cases\[0\]\.input\.shape: .*more than the/);
});

// ---- bundles and model cards ----

test('bundle: manifest file paths out of the bundle are refused; a listed /dev/zero is never read', async () => {
  const dir = path.join(base, 'bundle-crafted');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'README.md'), 'hello');
  const manifest = { files: [{ path: '../outside/canary.txt', bytes: CANARY.length, sha256: 'x' }] } as unknown as BundleManifest;
  await refused(() => checkFiles(dir, manifest), /manifest\.json: files\[0\]\.path = "\.\.\/outside\/canary\.txt": uses "\.\."/);
  const zero = { files: [{ path: '/dev/zero', bytes: 10, sha256: 'x' }] } as unknown as BundleManifest;
  await refused(() => checkFiles(dir, zero), /files\[0\]\.path = "\/dev\/zero": is an absolute path/);
  await symlink(path.join(outside, 'canary.txt'), path.join(dir, 'extra.txt'));
  await refused(() => checkFiles(dir, { files: [] } as unknown as BundleManifest), /bundle-crafted: entry = "extra\.txt": is a link to .*outside the folder/);
});

test('bundle: a MODEL_CARD.md symlinked out of the checkpoint is refused, not shipped', async () => {
  const dir = path.join(base, 'ck-card');
  await cp(ck.checkpoint, dir, { recursive: true });
  await symlink(path.join(outside, 'canary.txt'), path.join(dir, 'MODEL_CARD.md'));
  await refused(() => readModelCard(dir), /MODEL_CARD\.md = "MODEL_CARD\.md": is a link to .*outside the folder/);
  const ok = path.join(base, 'ck-card-ok');
  await cp(ck.checkpoint, ok, { recursive: true });
  await writeFile(path.join(ok, 'MODEL_CARD.md'), '# card');
  assert.equal((await readModelCard(ok))?.toString(), '# card');
});

test('a round trip through saveCheckpoint still loads (the rule refuses only what leaves the folder)', async () => {
  const c = await loadCheckpoint(ck.checkpoint);
  const dir = path.join(base, 'resaved');
  await saveCheckpoint(dir, c);
  assert.equal((await loadCheckpoint(dir)).weights.size, c.weights.size);
});
