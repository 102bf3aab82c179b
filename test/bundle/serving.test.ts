/**
 * The serving targets: `-t triton` (a Triton model repository, ONNX and
 * SavedModel backends) and `-t server` (TF Serving's models.config, batching
 * parameters and warm-up requests).
 *
 * - The batch decision (batching.ts) in both cases: an artifact fixed at
 *   batch 1 (max_batch_size 0, dims with the batch) and a batch-dynamic one
 *   (max_batch_size 8, dims without it, dynamic_batching on).
 * - config.pbtxt is parsed back by protobufjs's text reader and by Google's
 *   (Python google.protobuf.text_format, message classes from the same
 *   schema's descriptor): both read the values the artifact implies.
 * - The warm-up file is read by TF's own TFRecord reader, each record decoded
 *   as PredictionLog by hand from tensorflow/serving's field numbers (the
 *   oracle does not use src/bundle/proto), its tensor parsed by TF's
 *   TensorProto class and run through the SavedModel: the outputs match the
 *   bundle's canonical golden outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import { loadModel } from '../../src/model/load.js';
import { buildBundle } from '../../src/bundle/build.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { SERVING_MAX_BATCH, BATCH_TIMEOUT_MICROS, servingBatch, tritonDims } from '../../src/bundle/batching.js';
import { artifactSignature, tritonModelConfig, TRITON_BACKENDS, type ServedSignature } from '../../src/bundle/triton.js';
import { SERVING_PROTO_DIR, fromTextProto, toTextProto, decodeServing } from '../../src/bundle/serving-proto.js';
import { decodeTfRecords, encodeTfRecords } from '../../src/bundle/tfrecord.js';
import { BATCHING_FILE, MODELS_CONFIG_FILE, WARMUP_FILE } from '../../src/bundle/tf-serving.js';
import { A2mError } from '../../src/errors.js';
import { venvPython } from '../../src/util/paths.js';
import { tempDir, randomizedCheckpoint } from './helpers.js';

/** fp32 parity bound of the converter, verify and bundle tests (TF in Python against the canonical tfjs-node outputs). */
const FP32_ATOL = 1e-4;
const FP32_RTOL = 1e-4;
const ORACLE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serving_oracle.py');
const OUTPUTS = ['logits', 'probs', 'onset_logits', 'onset_probs', 'velocity'];

interface ParsedTensor { name: string; data_type: string; dims: number[] }
interface ParsedConfig { name: string; platform: string; max_batch_size?: number; input: ParsedTensor[]; output: ParsedTensor[]; dynamic_batching?: { max_queue_delay_microseconds?: number } }

function oracle(args: string[]): unknown {
  const r = spawnSync(venvPython, [ORACLE, ...args], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, maxBuffer: 64 * 1024 ** 2 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** model_config.proto as a FileDescriptorSet, so Python's own text parser gets message classes for the same schema. */
function modelConfigDescriptorSet(file: string): void {
  const root = new protobuf.Root();
  root.loadSync(path.join(SERVING_PROTO_DIR, 'model_config.proto'), { keepCase: true });
  const set = (root as unknown as { toDescriptor(e: string): protobuf.Message }).toDescriptor('proto3');
  writeFileSync(file, (descriptor as unknown as { FileDescriptorSet: protobuf.Type }).FileDescriptorSet.encode(set).finish());
}

const signature = (batch: number | string): ServedSignature => ({
  inputs: [{ name: 'samples', dataType: 'TYPE_FP32', shape: [batch, 2, 80000] }],
  outputs: ['logits', 'probs'].map((name) => ({ name, dataType: 'TYPE_FP32', shape: [batch, 250, 90] })),
});

test('batch decision: a fixed batch 1 is max_batch_size 0 with the batch in dims; a dynamic one is 8 without it', () => {
  assert.deepEqual(servingBatch([1, 2, 80000]), { maxBatchSize: 0, mergeUpTo: 1, batchDimImplicit: false });
  for (const d of ['batch', -1, null]) {
    assert.deepEqual(servingBatch([d, 2, 80000]), { maxBatchSize: SERVING_MAX_BATCH, mergeUpTo: SERVING_MAX_BATCH, batchDimImplicit: true }, String(d));
  }
  assert.deepEqual(tritonDims([1, 250, 90], servingBatch([1])), [1, 250, 90]);
  assert.deepEqual(tritonDims(['batch', 250, 'frames'], servingBatch(['batch'])), [250, -1], 'other symbolic dims: -1');

  const fixed = fromTextProto<ParsedConfig>('inference.ModelConfig', toTextProto('inference.ModelConfig', tritonModelConfig('m_onnx', 'onnx', signature(1))), 'fixed');
  assert.deepEqual(fixed, {
    name: 'm_onnx', platform: 'onnxruntime_onnx',
    input: [{ name: 'samples', data_type: 'TYPE_FP32', dims: [1, 2, 80000] }],
    output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [1, 250, 90] }, { name: 'probs', data_type: 'TYPE_FP32', dims: [1, 250, 90] }],
  }, 'max_batch_size 0 (the proto3 default, so not printed), no dynamic_batching: nothing to batch');
  const dynamic = fromTextProto<ParsedConfig>('inference.ModelConfig', toTextProto('inference.ModelConfig', tritonModelConfig('m_savedmodel', 'savedmodel', signature('batch'))), 'dynamic');
  assert.deepEqual(dynamic, {
    name: 'm_savedmodel', platform: 'tensorflow_savedmodel', max_batch_size: SERVING_MAX_BATCH,
    input: [{ name: 'samples', data_type: 'TYPE_FP32', dims: [2, 80000] }],
    output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [250, 90] }, { name: 'probs', data_type: 'TYPE_FP32', dims: [250, 90] }],
    dynamic_batching: { max_queue_delay_microseconds: BATCH_TIMEOUT_MICROS },
  });
});

test('config writer: a field the schema lacks is an error, not a silently dropped line', () => {
  assert.throws(() => toTextProto('inference.ModelConfig', { name: 'm', input: [{ name: 'x', dim: [1] }] }),
    (e) => e instanceof A2mError && /ModelConfig\.input\[0\]\.dim: no such field in inference\.ModelInput/.test(e.message));
  assert.throws(() => fromTextProto('inference.ModelConfig', 'name: "m" max_batch_sise: 8', 'bad.pbtxt'), (e) => e instanceof A2mError && /bad\.pbtxt/.test(e.message));
});

test('TFRecord framing: round trip; a flipped byte or a cut file is one error naming the record', () => {
  const recs = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(1000).map((_, i) => i * 7)];
  const file = encodeTfRecords(recs);
  assert.equal(file.length, recs.reduce((n, r) => n + 16 + r.length, 0));
  assert.deepEqual(decodeTfRecords(file, 'f').map((r) => Array.from(r)), recs.map((r) => Array.from(r)));
  const bad = file.slice();
  bad[35 + 12 + 500]! ^= 1; // records 0 and 1 take 19 + 16 bytes
  assert.throws(() => decodeTfRecords(bad, 'f'), /f: record 2 at byte 35: data CRC does not match/);
  assert.throws(() => decodeTfRecords(file.subarray(0, file.length - 1), 'f'), /record 2 .*file ends first/);
});

test('bundle -t server,triton: repository layout, configs read back by two parsers, warm-up through TF', async (t) => {
  const tmp = tempDir(t);
  const { ckpt } = await randomizedCheckpoint(tmp);
  const { model, state, source } = await loadModel(ckpt);
  const out = path.join(tmp, 'bundle');
  try {
    await buildBundle(model, state, { targets: ['server', 'triton'], out, source, goldenCases: ['chords'] });
  } finally { model.dispose(); }
  const at = (rel: string) => path.join(out, ...rel.split('/'));

  await t.test('layout: Triton\'s default file names, one folder per model, a version folder each', () => {
    for (const f of [
      'triton/audio2midi_onnx/config.pbtxt', 'triton/audio2midi_onnx/1/model.onnx',
      'triton/audio2midi_savedmodel/config.pbtxt', 'triton/audio2midi_savedmodel/1/model.savedmodel/saved_model.pb',
      'triton/audio2midi_savedmodel/1/model.savedmodel/variables/variables.index', 'triton/README.md', 'triton/Audio2Midi.json',
      `server/${MODELS_CONFIG_FILE}`, `server/${BATCHING_FILE}`, `server/audio2midi/1/${WARMUP_FILE}`, 'server/audio2midi/1/saved_model.pb',
    ]) assert.ok(existsSync(at(f)), f);
    assert.match(readFileSync(at('triton/README.md'), 'utf8'), /tritonserver --model-repository[\s\S]*audio2midi_onnx\/infer/);
    assert.match(readFileSync(at('server/README.md'), 'utf8'), /--model_config_file=\/models\/models\.config --enable_batching/);
  });

  await t.test('config.pbtxt: what the artifact declares, read back by protobufjs and by Python text_format', async () => {
    const configs = (Object.keys(TRITON_BACKENDS) as (keyof typeof TRITON_BACKENDS)[]).map((format) => ({ format, file: at(`triton/audio2midi_${format}/config.pbtxt`) }));
    const desc = path.join(tmp, 'model_config.desc');
    modelConfigDescriptorSet(desc);
    const google = oracle(['triton', desc, ...configs.map((c) => c.file)]) as Record<string, ParsedConfig>;
    for (const { format, file } of configs) {
      const ours = fromTextProto<ParsedConfig>('inference.ModelConfig', readFileSync(file, 'utf8'), file);
      // Independent of the writer: the artifact's own input shape decides the batch layout.
      const sig = await artifactSignature(format, at(`triton/audio2midi_${format}/1/${TRITON_BACKENDS[format].modelFile}`), OUTPUTS);
      const inputShape = sig.inputs[0]!.shape;
      const dynamic = typeof inputShape[0] !== 'number' || inputShape[0] < 1;
      t.diagnostic(`${format}: artifact input shape [${inputShape}] -> max_batch_size ${ours.max_batch_size ?? 0}`);
      assert.equal(ours.name, `audio2midi_${format}`, 'name = model folder');
      assert.equal(ours.platform, TRITON_BACKENDS[format].platform);
      assert.equal(ours.max_batch_size ?? 0, dynamic ? SERVING_MAX_BATCH : 0);
      assert.equal(ours.dynamic_batching !== undefined, dynamic);
      const full = (s: number[]) => (dynamic ? s.slice(1) : s);
      assert.deepEqual(ours.input, [{ name: 'samples', data_type: 'TYPE_FP32', dims: full([1, 2, 80000]) }]);
      assert.deepEqual(ours.output, OUTPUTS.map((name) => ({ name, data_type: 'TYPE_FP32', dims: full([1, 250, 90]) })));
      // Google's parser: int64 come back as strings in MessageToDict's JSON mapping.
      const g = google[file]!;
      const norm = (x: ParsedTensor[]) => x.map((v) => ({ ...v, dims: v.dims.map(Number) }));
      const queue = (d: unknown) => (d && typeof d === 'object' ? Object.fromEntries(Object.entries(d).map(([k, v]) => [k, k === 'max_queue_delay_microseconds' ? Number(v) : v])) : d);
      assert.deepEqual({ ...g, input: norm(g.input), output: norm(g.output), ...(g.dynamic_batching ? { dynamic_batching: queue(g.dynamic_batching) } : {}) }, ours, 'google.protobuf.text_format reads the same message');
    }
  });

  await t.test('TF Serving: models.config and batching parameters parse; batch follows the SavedModel', async () => {
    const mc = fromTextProto<{ model_config_list: { config: { name: string; base_path: string; model_platform: string }[] } }>(
      'tensorflow.serving.ModelServerConfig', readFileSync(at(`server/${MODELS_CONFIG_FILE}`), 'utf8'), MODELS_CONFIG_FILE);
    assert.deepEqual(mc.model_config_list.config, [{ name: 'audio2midi', base_path: '/models/audio2midi', model_platform: 'tensorflow' }]);
    const bp = fromTextProto<Record<string, { value: number }>>('tensorflow.serving.BatchingParameters', readFileSync(at(`server/${BATCHING_FILE}`), 'utf8'), BATCHING_FILE);
    const sig = await artifactSignature('savedmodel', at('server/audio2midi/1'), OUTPUTS);
    assert.equal(bp.max_batch_size!.value, servingBatch(sig.inputs[0]!.shape).mergeUpTo);
    assert.ok(bp.batch_timeout_micros!.value > 0 && bp.num_batch_threads!.value > 0 && bp.max_enqueued_batches!.value > 0);
    const log = decodeServing<{ predict_log: { request: { model_spec: { name: string; signature_name: string } } } }>(
      'tensorflow.serving.PredictionLog', decodeTfRecords(readFileSync(at(`server/audio2midi/1/${WARMUP_FILE}`)), WARMUP_FILE)[0]!, WARMUP_FILE);
    assert.deepEqual(log.predict_log.request.model_spec, { name: 'audio2midi', signature_name: 'serving_default' });
  });

  await t.test('warm-up requests: TF\'s TFRecord reader, PredictionLog by field number, TF TensorProto, run in the SavedModel', () => {
    const r = oracle(['warmup', at(`server/audio2midi/1/${WARMUP_FILE}`), at('server/audio2midi/1'), at('golden'), String(FP32_RTOL)]) as {
      records: { model: string; signature: string; inputs: Record<string, { shape: number[]; dtype: string }>; goldenCase: string | null; excess?: Record<string, number> }[];
    };
    assert.equal(r.records.length, 1);
    const rec = r.records[0]!;
    assert.deepEqual([rec.model, rec.signature, rec.inputs], ['audio2midi', 'serving_default', { samples: { shape: [1, 2, 80000], dtype: 'float32' } }]);
    assert.equal(rec.goldenCase, 'chords', 'the request tensor is the golden input, bit for bit');
    assert.deepEqual(Object.keys(rec.excess!).sort(), [...OUTPUTS].sort());
    for (const [name, e] of Object.entries(rec.excess!)) assert.ok(e <= FP32_ATOL, `${name}: |got - golden| exceeds ${FP32_ATOL} + ${FP32_RTOL}|golden| by ${e}`);
    t.diagnostic(`warm-up through TF vs golden, max(|d| - rtol|g|): ${JSON.stringify(rec.excess)}`);
  });

  await t.test('bundle verify: the serving files are in the manifest, parity passes for every artifact', async () => {
    const v = await verifyBundle(out, {});
    assert.ok(v.ok, JSON.stringify({ checksums: v.checksums, parity: v.parity?.results.filter((p) => p.status !== 'pass') }));
    assert.deepEqual(v.parity!.results.map((x) => x.artifact), ['server/audio2midi/1', 'triton/audio2midi_onnx/1/model.onnx', 'triton/audio2midi_savedmodel/1/model.savedmodel']);
  });
});
