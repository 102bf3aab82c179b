/**
 * The small preset (the default model's): one randomized model and one set of
 * exports shared by its tests, since building and predicting it is the slow
 * part. fp32 matches tfjs in LiteRT; fp16 and int8 (dynamic range) run in
 * LiteRT and stay close; TensorFlow's Python tf.lite.Interpreter runs the same
 * three files and agrees (tflite_oracle.py, one process for all three).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { venvPython } from '../../../src/util/paths.js';
import type { HostTensor } from '../../../src/ir/tensor.js';
import { randomizedModel, testInput } from '../../helpers/models.js';
import { readTflite } from '../../../converters/tflite/read.js';
import { assertInformative, exportTo, runLiteRt, type Exported } from './helpers.js';
import { assertClose, diffAllOutputs, fmtDiffs } from '../../../fixtures/compare.js';

// The project's fp32 parity bar (DESIGN.md), for LiteRT and for TF's interpreter alike.
const FP32_ATOL = 1e-4, FP32_RTOL = 1e-4;
// Reduced precision is judged by closeness here (issue 7 judges it by notes). Randomized
// weights (std 0.2) amplify weight rounding far more than a trained model does;
// measured: fp16 probs 1.3e-3 max abs, logits cosine 1.0000; int8 probs 4.1-5.8e-2 max abs, logit cosines
// 0.9989-0.9992 (the key head's output layer widened for the offset head, which re-drew its random
// weights: 0.9992 before). A broken quantizer (wrong scale or axis) lands far below the bar; the
// trained model's int8 cost is measured in F1 by bench:quantization (at most 0.002 onset F1).
const MAX_PROB_ERROR = 0.08;
const MIN_LOGIT_COSINE = 0.998;
/** fp16 halves every float constant; int8 quarters the big weights, smaller ones stay float32. */
const SIZE_RATIO = { fp16: [0.45, 0.55], int8: [0.2, 0.4] } as const;
// Oracle, fp16: both runtimes dequantize the same float16 weights, then run float32 kernels.
const ORACLE_FP16_ATOL = 1e-4, ORACLE_FP16_RTOL = 1e-4;
// Oracle, int8: TF's reference hybrid kernels and LiteRT's XNNPack quantize activations at run
// time differently, so the runtimes differ by about the int8 error itself (measured 3e-2 on logits).
const ORACLE_INT8_ATOL = 0.1, ORACLE_INT8_RTOL = 0.05;

const PRECISIONS = ['fp32', 'fp16', 'int8'] as const;
type P = (typeof PRECISIONS)[number];
let dir: string;
let x: HostTensor;
let ref: Record<string, HostTensor>;
const exported = {} as Record<P, Exported>;
const lite = {} as Record<P, Record<string, HostTensor>>;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'a2m-tflite-small-'));
  const model = await randomizedModel('small');
  x = testInput();
  ref = await model.predict(x);
  const graph = await model.graph(1);
  model.dispose();
  assertInformative(ref);
  for (const p of PRECISIONS) {
    exported[p] = exportTo(dir, graph, { precision: p });
    lite[p] = await runLiteRt(exported[p].file, { samples: x });
  }
});
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test(`fp32 small: LiteRT matches tfjs to atol ${FP32_ATOL} + rtol ${FP32_RTOL}`, (t) => {
  const summary = readTflite(exported.fp32.bytes);
  assert.deepEqual(summary.signatureDefs[0]!.outputs.map((o) => o.name), Object.keys(ref), 'signature outputs by public name, in order');
  const errors = diffAllOutputs(ref, lite.fp32, FP32_ATOL, FP32_RTOL);
  t.diagnostic(`small: export ${exported.fp32.exportMs.toFixed(0)} ms, ${(exported.fp32.bytes.length / 1e6).toFixed(2)} MB, ` +
    `${summary.subgraphs[0]!.operators.length} ops; max abs error ${fmtDiffs(errors, 2)}`);
  assertClose('small', errors);
});

test('small fp16 and int8 run in LiteRT and stay close to fp32', (t) => {
  for (const p of ['fp16', 'int8'] as const) {
    const ratio = exported[p].bytes.length / exported.fp32.bytes.length;
    const sg = readTflite(exported[p].bytes).subgraphs[0]!;
    const errors = diffAllOutputs(ref, lite[p], 0, 0);
    t.diagnostic(`${p}: ${(exported[p].bytes.length / 1e6).toFixed(2)} MB (${(ratio * 100).toFixed(0)} % of fp32), export ${exported[p].exportMs.toFixed(0)} ms; ` +
      `max abs error ${fmtDiffs(errors, 2)}; logits cosine ${errors.find((e) => e.name === 'logits')!.cosine.toFixed(5)}`);
    assert.ok(ratio >= SIZE_RATIO[p][0] && ratio <= SIZE_RATIO[p][1], `${p} size ratio ${ratio}`);
    if (p === 'fp16') assert.ok(sg.opCounts.DEQUANTIZE! > 0);
    else assert.ok(sg.tensors.filter((v) => v.type === 'INT8').length > 10, 'the big weights are int8');
    for (const e of errors) {
      if (e.name.endsWith('logits')) assert.ok(e.cosine >= MIN_LOGIT_COSINE, `${p} ${e.name}: cosine ${e.cosine}`);
      else assert.ok(e.maxAbs <= MAX_PROB_ERROR, `${p} ${e.name}: ${e.maxAbs}`);
    }
  }
});

const ORACLE = path.join(import.meta.dirname, 'tflite_oracle.py');
test('tf.lite.Interpreter runs the same fp32 / fp16 / int8 files and agrees', { skip: existsSync(venvPython) ? false : 'skipped: .venv (TensorFlow) not present' }, async (t) => {
  writeFileSync(path.join(dir, 'x.bin'), new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
  const files = PRECISIONS.map((p) => exported[p].file);
  const r = await execa(venvPython, [ORACLE, 'samples', path.join(dir, 'x.bin'), x.shape.join(','), dir, ...files], { reject: false, env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
  assert.equal(r.exitCode, 0, `tflite_oracle.py failed:\n${r.stderr.split('\n').slice(-15).join('\n')}`);
  const meta = JSON.parse(readFileSync(path.join(dir, 'outputs.json'), 'utf8')) as { tensorflow: string; models: { outputs: Record<string, number[]> }[] };
  const py = meta.models.map((m, i) => Object.fromEntries(Object.entries(m.outputs).map(([name, shape]): [string, HostTensor] => {
    const b = readFileSync(path.join(dir, String(i), `${name}.bin`));
    return [name, { shape, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) }];
  })));
  const fp32 = diffAllOutputs(ref, py[0]!, FP32_ATOL, FP32_RTOL);
  t.diagnostic(`TF ${meta.tensorflow} fp32 vs tfjs: ${fmtDiffs(fp32, 2)}`);
  assertClose('fp32 (tf.lite.Interpreter vs tfjs)', fp32);
  for (const [i, p, atol, rtol] of [[1, 'fp16', ORACLE_FP16_ATOL, ORACLE_FP16_RTOL], [2, 'int8', ORACLE_INT8_ATOL, ORACLE_INT8_RTOL]] as const) {
    const errors = diffAllOutputs(lite[p], py[i]!, atol, rtol);
    t.diagnostic(`${p}: tf.lite.Interpreter vs LiteRT.js: ${fmtDiffs(errors, 2)}`);
    assertClose(`${p} (tf.lite.Interpreter vs LiteRT.js)`, errors);
  }
});
