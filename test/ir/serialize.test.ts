import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { OP_NAMES } from '../../src/ir/ops.js';
import { npyBytes, parseNpy, readIrFiles, writeIrFiles } from '../../src/ir/serialize.js';
import { loadPieces } from '../../src/data/loader.js';
import { projectRoot, venvPython } from '../../src/util/paths.js';
import { float32Bytes, sha256 } from '../../src/verify/tensor-file.js';
import { PARITY_TOLERANCE, prepareTfDir, runTf, type TfParity } from '../../bench/training.js';
import { randomizedModel } from '../helpers/models.js';

const NO_VENV = existsSync(venvPython) ? false : `skipped: ${venvPython} not present`;
const tmp = () => mkdtemp(path.join(os.tmpdir(), 'a2m-serialize-'));
const ramp = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37) * 10 ** ((i % 7) - 3)) });

test('npy: numpy reads what npyBytes writes, and parseNpy reads what numpy writes', { skip: NO_VENV }, async () => {
  const dir = await tmp();
  try {
    const tensors = [ramp([5]), ramp([2, 3, 4]), ramp([1]), ramp([3, 1, 2, 1])];
    for (const [i, t] of tensors.entries()) await writeFile(path.join(dir, `t${i}.npy`), npyBytes(t));
    const py = `
import numpy as np, hashlib, json, sys
out = []
for i in range(${tensors.length}):
    a = np.load(f"{sys.argv[1]}/t{i}.npy")
    out.append({"dtype": str(a.dtype), "shape": list(a.shape), "sha": hashlib.sha256(a.astype("<f4").tobytes()).hexdigest()})
    np.save(f"{sys.argv[1]}/back{i}.npy", a * 2)
print(json.dumps(out))`;
    const r = spawnSync(venvPython, ['-c', py, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as { dtype: string; shape: number[]; sha: string }[];
    tensors.forEach((t, i) => assert.deepEqual(seen[i], { dtype: 'float32', shape: t.shape, sha: sha256(float32Bytes(t.data)) }, `t${i}`));
    for (const [i, t] of tensors.entries()) {
      const back = parseNpy(await readFile(path.join(dir, `back${i}.npy`)));
      assert.deepEqual(back.shape, t.shape);
      assert.deepEqual(back.data, t.data.map((v) => v * 2), `back${i}`);
    }
    assert.throws(() => parseNpy(new Uint8Array(20), 'x.npy'), (e: Error) => e instanceof A2mError && /^x\.npy: not a \.npy file/.test(e.message));
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('IR files round-trip the graph and mark exactly the named constants trainable', async () => {
  const model = await randomizedModel('tiny-logspec');
  const dir = path.join(await tmp(), 'ir');
  try {
    const g = await model.graph(1, { trainable: true });
    const trainable = new Set(model.store.vars.keys());
    await writeIrFiles(dir, g, trainable);
    const back = await readIrFiles(dir);
    assert.deepEqual(back.graph.nodes, g.nodes);
    assert.deepEqual(back.graph.outputs, g.outputs);
    assert.deepEqual([...back.graph.constants.keys()], [...g.constants.keys()]);
    for (const [k, t] of g.constants) assert.deepEqual(back.graph.constants.get(k), t, k);
    assert.deepEqual(back.trainable, trainable);
    // The fixed tables (constant-Q kernels, RoPE, masks) are in the graph but not trainable.
    assert.ok([...g.constants.keys()].some((k) => !trainable.has(k) && k.includes('cq_kernels')));
    await assert.rejects(writeIrFiles(path.join(dir, '..', 'bad'), g, new Set(['no/such/param'])), (e: Error) => e instanceof A2mError && /no\/such\/param/.test(e.message));
    assert.ok(!existsSync(path.join(dir, '..', 'bad')), 'no half-written folder');
    await rm(path.join(dir, 'constants', '0.npy'));
    await assert.rejects(readIrFiles(dir), (e: Error) => e instanceof A2mError && /0\.npy: missing/.test(e.message));
  } finally {
    model.dispose();
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
});

// The Python TF rebuild (bench/tf_train_step.py) must be the same model before bench:training times it.
for (const preset of ['tiny', 'tiny-logspec']) {
  test(`Python TF rebuilt from the ${preset} IR matches the tfjs forward and loss`, { skip: NO_VENV }, async () => {
    const pieces = await loadPieces(path.join(projectRoot, 'fixtures', 'tiny-set'), { sampleRate: 16000, windowSamples: 80000, frames: 250, keys: 90 });
    const model = await randomizedModel(preset);
    const root = await tmp();
    try {
      await prepareTfDir(path.join(root, 'd'), model, pieces, 2);
      const p = await runTf<TfParity>(path.join(root, 'd'), ['--mode', 'parity']);
      const outputs = ['logits', 'probs', 'onset_logits', 'onset_probs', 'velocity', ...(model.config.heads.includes('offset') ? ['offset_logits', 'offset_probs'] : [])];
      assert.deepEqual(Object.keys(p.maxAbsError).sort(), outputs.sort(), 'every output compared');
      assert.deepEqual(Object.keys(p.lossAbsError).sort(), ['frame', 'onset', 'velocity', ...(model.config.heads.includes('offset') ? ['offset'] : []), 'total'].sort(), 'every loss term compared');
      for (const [k, e] of Object.entries({ ...p.maxAbsError, ...p.lossAbsError })) assert.ok(e <= PARITY_TOLERANCE, `${k}: max abs error ${e}`);
      assert.deepEqual(p.opsMapped, [...OP_NAMES].sort(), 'every IR op has a TF mapping');
      console.log(`${preset}: max abs error ${Math.max(...Object.values(p.maxAbsError)).toExponential(2)}`);
    } finally {
      model.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });
}
