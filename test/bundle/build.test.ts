/**
 * `a2m bundle` on a randomized tiny checkpoint: every target builds with the
 * files an app needs, the contract carries the checkpoint's thresholds, the
 * manifest's checksums verify, `a2m verify` on the bundle passes in every runtime, a second build
 * (through the CLI, in another process) is byte-identical, and tampering is
 * caught: by checksum (changed, missing, unlisted files) and by parity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadModel } from '../../src/model/load.js';
import { modelHash } from '../../src/export/export.js';
import { buildBundle } from '../../src/bundle/build.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { listFiles } from '../../src/bundle/manifest.js';
import { verifyExport } from '../../src/verify/verify.js';
import { readGolden } from '../../src/verify/golden.js';
import type { VerifyReport } from '../../src/verify/report.js';
import { DEFAULT_THRESHOLDS } from '../../src/infer/events.js';
import { readTfliteModelMetadata } from '../../converters/tflite/metadata-read.js';
import { projectRoot } from '../../src/util/paths.js';
import { A2mError } from '../../src/errors.js';
import type { AppContract } from '../../src/bundle/contract.js';
import { randomizedModel } from '../helpers/models.js';
import { CHECKPOINT_THRESHOLDS, MODEL_CARD, TEST_GOLDEN_CASES, randomizedCheckpoint, tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
const read = (dir: string, rel: string) => readFileSync(path.join(dir, ...rel.split('/')));
const json = <T>(dir: string, rel: string) => JSON.parse(read(dir, rel).toString('utf8')) as T;

/** The files each target must hold (beyond its Audio2Midi.json and README.md). */
const EXPECTED_FILES = [
  'ios/Audio2Midi.mlpackage/Manifest.json', 'ios/Audio2Midi.mlpackage/Data/com.apple.CoreML/model.mlmodel',
  'android/audio2midi.tflite',
  'web/model/model.json', 'web/model.onnx', 'web/audio-to-midi-web.js', 'web/audio-to-midi-web.d.ts', 'web/package.json', 'web/index.html', 'web/app.js', 'web/style.css', 'web/tf.min.js', 'web/tf-backend-wasm.min.js',
  'web/tfjs-backend-wasm-simd.wasm',
  'server/audio2midi/1/saved_model.pb', 'server/audio2midi/1/variables/variables.index',
  'manifest.json', 'export.json', 'parity.json', 'parity.md', 'golden/manifest.json', 'golden/inputs/chords.f32', 'golden/outputs/chords/probs.f32',
  'MODEL_CARD.md', 'README.md',
];

test('bundle: build, contents, checksums, parity, determinism, tampering', async (t) => {
  const tmp = tempDir(t);
  const { ckpt } = await randomizedCheckpoint(tmp);
  const { model, state, source } = await loadModel(ckpt);
  const a = path.join(tmp, 'a');
  const built = await buildBundle(model, state, { targets: ['ios', 'android', 'web', 'server'], out: a, source, goldenCases: TEST_GOLDEN_CASES });

  await t.test('every target holds its artifacts, contract and README', () => {
    const files = new Set([...built.manifest.files.map((f) => f.path), 'manifest.json']);
    for (const f of EXPECTED_FILES) assert.ok(files.has(f), `${f} in the bundle`);
    const contracts = ['ios', 'android', 'web', 'server'].map((d) => read(a, `${d}/Audio2Midi.json`));
    for (const c of contracts.slice(1)) assert.deepEqual(c, contracts[0], 'the same Audio2Midi.json in every target');
    const c = json<AppContract>(a, 'ios/Audio2Midi.json');
    assert.deepEqual(c.decoding.thresholds, { ...DEFAULT_THRESHOLDS, ...CHECKPOINT_THRESHOLDS }, 'defaults merged with the checkpoint state');
    assert.equal(c.decoding.rule, 'onset', 'tiny has an onset head');
    assert.deepEqual([c.input.name, c.input.shape, c.input.sampleRate, c.input.layout], ['samples', [1, 2, 80000], 16000, 'channels first: [batch, channel, sample]']);
    assert.deepEqual(c.outputs.map((o) => [o.name, o.shape]), ['logits', 'probs', 'onset_logits', 'onset_probs', 'velocity'].map((n) => [n, [1, 250, 90]]));
    assert.deepEqual([c.frames.rate, c.keys.midiOffset, c.windowing.windowSeconds, c.windowing.overlapSeconds, c.stitching.overlapFrames], [50, 21, 5, 0.5, 25]);
    assert.equal(read(a, 'MODEL_CARD.md').toString(), MODEL_CARD, 'the checkpoint\'s model card is copied');
    assert.match(read(a, 'ios/README.md').toString(), /```swift[\s\S]*Audio2Midi\(configuration:[\s\S]*prediction\(samples:/);
    assert.match(read(a, 'android/README.md').toString(), /```kotlin[\s\S]*runSignature\(mapOf\("samples"/);
    assert.match(read(a, 'server/README.md').toString(), /audio2midi\/1\/[\s\S]*tensorflow\/serving/);
    const tfMin = path.join(path.dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');
    assert.deepEqual(read(a, 'web/tf.min.js'), readFileSync(tfMin), 'tf.min.js copied, no CDN');
    for (const f of ['web/app.js', 'web/audio-to-midi-web.js']) assert.ok(!read(a, f).toString().includes(projectRoot), `${f} holds no absolute paths`);
    assert.match(read(a, 'web/README.md').toString(), /```js[\s\S]*createTranscriber\(\{ tf \}\)[\s\S]*const \{ notes, midi \} = await transcriber\.transcribe/, 'the web README snippet ends in notes');
    const meta = readTfliteModelMetadata(new Uint8Array(read(a, 'android/audio2midi.tflite')));
    assert.deepEqual([meta.name, meta.license, meta.subgraph.inputs[0]!.content], ['audio2midi', 'Apache-2.0', { kind: 'audio', sampleRate: 16000, channels: 2 }]);
  });

  await t.test('manifest: checksums recomputed independently, model hash, versions', async () => {
    const m = built.manifest;
    assert.deepEqual(m.files.map((f) => f.path), await listFiles(a), 'every file but manifest.json, sorted');
    for (const f of m.files) {
      const b = read(a, f.path);
      assert.equal(f.bytes, b.length, f.path);
      assert.equal(f.sha256, createHash('sha256').update(b).digest('hex'), f.path);
    }
    assert.equal(m.model.sha256, await modelHash(model));
    assert.ok(m.versions['audio-to-midi'] && m.versions['@tensorflow/tfjs'] && m.versions['onnxruntime-node'], 'tool versions');
    assert.deepEqual(m.artifacts.map((x) => `${x.format}:${x.precision}`), ['coreml:fp16', 'tflite:fp32', 'tfjs:fp32', 'onnx:fp32', 'savedmodel:fp32']);
  });

  await t.test('parity report: `a2m verify` on exactly these files, every artifact passed', () => {
    const p = json<VerifyReport>(a, 'parity.json');
    assert.deepEqual(p, built.parity);
    assert.ok(p.passed);
    assert.deepEqual(p.results.map((r) => r.artifact), built.manifest.artifacts.map((x) => x.path), 'one row per artifact, no more');
    assert.deepEqual(p.golden.cases, TEST_GOLDEN_CASES);
    for (const r of p.results) {
      assert.equal(r.status, 'pass', `${r.artifact}: ${r.failures.join('; ')}`);
      assert.equal(r.outputs.length, 5, r.artifact);
      assert.equal(r.latencyMs, null, 'no timings: they would make the bundle differ on every build');
      if (r.precision === 'fp32') assert.ok(r.notes!.exact && r.outputs.every((o) => o.maxAbs! < 1e-4), r.artifact);
    }
    assert.equal(p.exportDir, '.');
    assert.match(read(a, 'parity.md').toString(), /coreml/);
    const notes = p.results[0]!.notes!.cases.map((c) => `${c.case} ${c.goldenNotes}`).join(', ');
    t.diagnostic(`golden notes: ${notes}; ${p.results.map((r) => `${r.artifact}: max abs ${Math.max(...r.outputs.map((o) => o.maxAbs!)).toExponential(2)}, F1 ${r.notes!.f1} [${r.runtime}]`).join('; ')}`);
  });

  await t.test('verify: checksums and parity re-run from the stored vectors; the model check', async () => {
    const v = await verifyBundle(a, { model });
    assert.ok(v.ok, JSON.stringify({ checksums: v.checksums, parity: v.parity?.results.filter((p) => p.status !== 'pass'), model: v.modelMismatch }));
    assert.deepEqual(v.parity, built.parity, 're-running gives the stored report');
    const other = await randomizedModel('tiny', 2);
    const w = await verifyBundle(a, { parity: false, model: other });
    other.dispose();
    assert.ok(!w.ok && /is not the bundle's/.test(w.modelMismatch ?? ''), 'another model is refused');
  });

  await t.test('deterministic: a second build through the CLI is byte-identical', () => {
    const b = path.join(tmp, 'b');
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'bundle', ckpt, '-o', b, '--golden-cases', TEST_GOLDEN_CASES.join(',')], {
      encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /coreml +fp16 .* PASS/);
    const fa = ['manifest.json', ...built.manifest.files.map((f) => f.path)];
    assert.deepEqual(['manifest.json', ...json<{ files: { path: string }[] }>(b, 'manifest.json').files.map((f) => f.path)], fa, 'same file list');
    const differ = fa.filter((f) => !read(a, f).equals(read(b, f)));
    assert.deepEqual(differ, [], 'every file byte-identical');
  });

  await t.test('a folder that is not a bundle is never replaced', async () => {
    const precious = path.join(tmp, 'precious');
    mkdirSync(precious);
    writeFileSync(path.join(precious, 'notes.txt'), 'mine');
    await assert.rejects(buildBundle(model, state, { targets: ['web'], out: precious }), (e) => e instanceof A2mError && /is not an a2m bundle .*--force/.test(e.message));
    assert.equal(readFileSync(path.join(precious, 'notes.txt'), 'utf8'), 'mine');
  });

  await t.test('tampering: changed, missing and unlisted files fail verify (CLI), changed weights fail parity', async () => {
    // Scale the largest float32 weight of the tfjs model (its int32 constants stay valid, so it still runs).
    const shard = 'web/model/group1-shard1of1.bin';
    const weights = new Uint8Array(read(a, shard));
    const entries = json<{ weightsManifest: { weights: { name: string; shape: number[]; dtype: string }[] }[] }>(a, 'web/model/model.json').weightsManifest[0]!.weights;
    let offset = 0, best = { offset: 0, n: 0 };
    for (const e of entries) {
      const n = e.shape.reduce((x, y) => x * y, 1);
      if (e.dtype === 'float32' && n > best.n) best = { offset, n };
      offset += 4 * n;
    }
    assert.equal(offset, weights.length, 'the manifest accounts for the whole shard (all 4-byte dtypes)');
    const w = new Float32Array(weights.buffer, best.offset, best.n);
    // Alternating signs: a uniform scale or shift could vanish in a following LayerNorm.
    for (let i = 0; i < w.length; i++) w[i] = w[i]! + (i % 2 ? 0.3 : -0.3);
    writeFileSync(path.join(a, shard), weights);
    rmSync(path.join(a, 'server', 'README.md'));
    writeFileSync(path.join(a, 'web', 'extra.txt'), 'not in the manifest');

    const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'bundle', 'verify', a, '--no-parity'], {
      encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    });
    assert.equal(r.status, 1, 'verify fails');
    assert.match(r.stdout, /FAIL web\/model\/group1-shard1of1\.bin: sha256 /);
    assert.match(r.stdout, /FAIL server\/README\.md: missing/);
    assert.match(r.stdout, /FAIL web\/extra\.txt: not listed in manifest\.json/);
    assert.match(r.stderr, /a2m: error: .*: 3 problem\(s\)/);

    // The same change judged by parity (`a2m verify` on the tfjs artifact): the model no longer matches the goldens.
    const report = await verifyExport({ exportDir: a, golden: await readGolden(path.join(a, 'golden')), oracles: false, formats: ['tfjs'] });
    const row = report.results[0]!;
    assert.equal(row.status, 'fail', `the tampered model still runs and fails: ${row.error ?? row.failures.join('; ')}`);
    assert.ok(row.outputs.some((o) => !o.withinTolerance), JSON.stringify(row.outputs.map((o) => [o.name, o.maxAbs])));
  });
  model.dispose();
});
