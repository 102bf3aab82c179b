/**
 * `a2m bundle` on a randomized tiny checkpoint: every target builds with the
 * files an app needs, the contract carries the checkpoint's thresholds, the
 * manifest's checksums verify, parity passes in every runtime, a second build
 * (through the CLI, in another process) is byte-identical, and tampering is
 * caught: by checksum (changed, missing, unlisted files) and by parity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadModel } from '../../src/model/load.js';
import { modelHash } from '../../src/export/export.js';
import { buildBundle } from '../../src/bundle/build.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { listFiles } from '../../src/bundle/manifest.js';
import { checkParity, readTensorFile, type ParityReport } from '../../src/bundle/parity.js';
import { DEFAULT_THRESHOLDS } from '../../src/infer/events.js';
import { readTfliteModelMetadata } from '../../converters/tflite/metadata-read.js';
import { projectRoot } from '../../src/util/paths.js';
import type { AppContract } from '../../src/bundle/contract.js';
import { randomizedModel } from '../helpers/models.js';
import { CHECKPOINT_THRESHOLDS, MODEL_CARD, randomizedCheckpoint, tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
const read = (dir: string, rel: string) => readFileSync(path.join(dir, ...rel.split('/')));
const json = <T>(dir: string, rel: string) => JSON.parse(read(dir, rel).toString('utf8')) as T;

/** The files each target must hold (beyond its Audio2Midi.json and README.md). */
const EXPECTED_FILES = [
  'ios/Audio2Midi.mlpackage/Manifest.json', 'ios/Audio2Midi.mlpackage/Data/com.apple.CoreML/model.mlmodel',
  'android/audio2midi.tflite',
  'web/model/model.json', 'web/model.onnx', 'web/index.html', 'web/app.js', 'web/style.css', 'web/tf.min.js',
  'server/audio2midi/1/saved_model.pb', 'server/audio2midi/1/variables/variables.index',
  'manifest.json', 'parity.json', 'parity/input.f32', 'parity/expected-probs.f32', 'MODEL_CARD.md', 'README.md',
];

test('bundle: build, contents, checksums, parity, determinism, tampering', async (t) => {
  const tmp = tempDir(t);
  const { ckpt, model: original } = await randomizedCheckpoint(tmp);
  original.dispose();
  const { model, state, source } = await loadModel(ckpt);
  const a = path.join(tmp, 'a');
  const built = await buildBundle(model, state, { targets: ['ios', 'android', 'web', 'server'], out: a, source });

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
    assert.ok(!read(a, 'web/app.js').toString().includes(projectRoot), 'app.js holds no absolute paths');
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

  await t.test('parity report: every artifact ran in its runtime and passed', () => {
    const p = json<ParityReport>(a, 'parity.json');
    assert.ok(p.pass);
    for (const r of p.artifacts) {
      assert.ok(r.pass && !r.error, `${r.path}: ${JSON.stringify(r)}`);
      assert.equal(r.outputs.length, 5, r.path);
      if (r.precision === 'fp32') for (const o of r.outputs) assert.ok(o.maxAbs < 1e-4, `${r.path} ${o.output} ${o.maxAbs}`);
    }
    t.diagnostic(p.artifacts.map((r) => `${r.path}: max abs ${Math.max(...r.outputs.map((o) => o.maxAbs))}, notes ${r.notes.artifact}/${r.notes.canonical} identical=${r.notes.identical} near=${r.notes.nearDecisions} [${r.runtime}]`).join('; '));
  });

  await t.test('verify: checksums and parity re-run from the stored vectors; the model check', async () => {
    const v = await verifyBundle(a, { model });
    assert.ok(v.ok, JSON.stringify({ checksums: v.checksums, parity: v.parity?.filter((p) => !p.pass), model: v.modelMismatch }));
    assert.equal(v.parity?.length, 5);
    const other = await randomizedModel('tiny', 2);
    const w = await verifyBundle(a, { parity: false, model: other });
    other.dispose();
    assert.ok(!w.ok && /is not the bundle's/.test(w.modelMismatch ?? ''), 'another model is refused');
  });

  await t.test('deterministic: a second build through the CLI is byte-identical', () => {
    const b = path.join(tmp, 'b');
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'bundle', ckpt, '-o', b], {
      encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok {3}ios\/Audio2Midi\.mlpackage/);
    const fa = ['manifest.json', ...built.manifest.files.map((f) => f.path)];
    assert.deepEqual(['manifest.json', ...json<{ files: { path: string }[] }>(b, 'manifest.json').files.map((f) => f.path)], fa, 'same file list');
    const differ = fa.filter((f) => !read(a, f).equals(read(b, f)));
    assert.deepEqual(differ, [], 'every file byte-identical');
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

    // The same change judged by parity: the tfjs model no longer matches the stored canonical outputs.
    const report = json<ParityReport>(a, 'parity.json');
    const input = await readTensorFile(path.join(a, report.input.file), report.input.shape);
    const expected = Object.fromEntries(await Promise.all(Object.entries(report.expected).map(async ([k, e]) => [k, await readTensorFile(path.join(a, e.file), e.shape)] as const)));
    const tfjs = built.manifest.artifacts.filter((x) => x.format === 'tfjs');
    const [res] = await checkParity(a, tfjs, input, expected, CHECKPOINT_THRESHOLDS);
    assert.ok(res && !res.error, `the tampered model still runs: ${res?.error}`);
    assert.ok(!res.pass && res.outputs.some((o) => !o.pass), `tampered weights fail parity: ${JSON.stringify(res.outputs.map((o) => [o.output, o.maxAbs]))}`);
  });
  model.dispose();
});
