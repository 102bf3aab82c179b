/**
 * Fine-tuning into a grown architecture (`a2m train --init-from` an older
 * checkpoint): the quiet log branch and the key head start at zero, so the
 * grown model computes exactly what the checkpoint did, and only parameters
 * the checkpoint lacks are left at their initial values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Model } from '../../src/model/model.js';
import { getPreset, type LogSpecFrontend } from '../../src/model/config.js';
import { randomizedModel, testInput } from '../helpers/models.js';

/** tiny-logspec before the quiet branch (and the key head, which reads every branch) were added. */
function oneBranch(): ReturnType<typeof getPreset> {
  const cfg = getPreset('tiny-logspec');
  delete (cfg.frontend as LogSpecFrontend).quietGain;
  delete cfg.keyHead;
  return cfg;
}

/** tiny-logspec without the key head. */
function noKeyHead(): ReturnType<typeof getPreset> {
  const cfg = getPreset('tiny-logspec');
  delete cfg.keyHead;
  return cfg;
}

const isKeyHead = (name: string) => name.startsWith('key_head/');

test('a one-branch checkpoint grown into the quiet-branch preset computes the same outputs', async () => {
  const randomized = await randomizedModel('tiny-logspec', 4);
  const weights = await randomized.weights();
  randomized.dispose();
  weights.delete('frontend/proj_quiet/w');
  for (const k of [...weights.keys()].filter(isKeyHead)) weights.delete(k);
  const old = Model.fromWeights(oneBranch(), weights);
  const { model, added } = Model.grownFrom(noKeyHead(), weights, 9);
  assert.deepEqual(added, ['frontend/proj_quiet/w']);
  const x = testInput(2);
  const a = await old.predict(x), b = await model.predict(x);
  for (const k of Object.keys(a)) assert.deepEqual(b[k]!.data, a[k]!.data, `${k} changed by growing the model`);

  // Same tfjs runtime; the branch is live once its weights move off zero.
  const moved = await model.weights();
  moved.get('frontend/proj_quiet/w')!.data.fill(0.05);
  const live = Model.fromWeights(noKeyHead(), moved);
  const c = await live.predict(x);
  assert.notDeepEqual(c.probs!.data, a.probs!.data);
  for (const m of [old, model, live]) m.dispose();
});

test('a checkpoint without the key head grown into the key-head preset computes the same outputs', async () => {
  const withHead = await randomizedModel('tiny-logspec', 5);
  const weights = await withHead.weights();
  withHead.dispose();
  const headParams = [...weights.keys()].filter(isKeyHead);
  for (const k of headParams) weights.delete(k);
  const old = Model.fromWeights(noKeyHead(), weights);
  const { model, added } = Model.grownFrom(getPreset('tiny-logspec'), weights, 9);
  assert.deepEqual(added.sort(), headParams.sort());
  const x = testInput(2);
  const a = await old.predict(x), b = await model.predict(x);
  for (const k of Object.keys(a)) assert.deepEqual(b[k]!.data, a[k]!.data, `${k} changed by adding the key head`);

  // Every head reads the key head once its output layer moves off zero.
  const moved = await model.weights();
  const out = moved.get('key_head/out/w')!;
  out.data.forEach((_, i) => { out.data[i] = 0.2 * Math.sin(i + 1); });
  const live = Model.fromWeights(getPreset('tiny-logspec'), moved);
  const c = await live.predict(x);
  for (const k of ['logits', 'onset_logits', 'velocity']) assert.notDeepEqual(c[k]!.data, a[k]!.data, `${k} ignores the key head`);
  for (const m of [old, model, live]) m.dispose();
});

test('growing refuses a checkpoint weight the new model does not have, naming it', async () => {
  const m = Model.create('tiny-logspec', 1);
  const weights = await m.weights();
  m.dispose();
  weights.set('frontend/bogus/w', { shape: [2], data: new Float32Array(2) });
  assert.throws(() => Model.grownFrom(getPreset('tiny-logspec'), weights), /frontend\/bogus\/w/);
});

test('a checkpoint without the offset head grown into the offset-head preset keeps every old output and widens the key head by a zero column', async () => {
  const cfg = getPreset('tiny-logspec');
  assert.deepEqual(cfg.heads, ['onset', 'velocity', 'offset']);
  const noOffset = { ...cfg, heads: cfg.heads.filter((h) => h !== 'offset') };
  const randomized = await randomizedModel('tiny-logspec', 6);
  const all = await randomized.weights();
  randomized.dispose();
  // The older checkpoint: no head_offset, and the key head's output has 3 columns (frame, onset, velocity), not 4.
  const weights = new Map([...all].filter(([k]) => !k.startsWith('head_offset/')));
  for (const k of [...weights.keys()].filter((k) => k.startsWith('key_head/out/'))) {
    const t = weights.get(k)!;
    const cols = t.shape.at(-1)!;
    weights.set(k, { shape: [...t.shape.slice(0, -1), cols - 1], data: t.data.filter((_, i) => i % cols !== cols - 1) });
  }
  const old = Model.fromWeights(noOffset, weights);
  const { model, added } = Model.grownFrom(cfg, weights, 9);
  assert.deepEqual(added.filter((k) => k.startsWith('head_offset/')).length, [...all.keys()].filter((k) => k.startsWith('head_offset/')).length);
  assert.deepEqual(added.filter((k) => k.startsWith('key_head/')).sort(), [...weights.keys()].filter((k) => k.startsWith('key_head/out/')).map((k) => `${k} (columns 3..3)`).sort());
  const x = testInput(2);
  const a = await old.predict(x), b = await model.predict(x);
  assert.deepEqual(Object.keys(b).sort(), [...Object.keys(a), 'offset_logits', 'offset_probs'].sort());
  for (const k of Object.keys(a)) assert.deepEqual(b[k]!.data, a[k]!.data, `${k} changed by adding the offset head`);
  const grown = await model.weights();
  for (const k of [...weights.keys()].filter((k) => k.startsWith('key_head/out/'))) {
    const t = grown.get(k)!;
    assert.deepEqual(t.data.filter((_, i) => i % 4 === 3).every((v) => v === 0), true, `${k}: the offset column should start at zero`);
  }
  // Any other change of shape is still refused.
  const bad = new Map(weights);
  const w = bad.get('head_frame/w')!;
  bad.set('head_frame/w', { shape: [w.shape[0]! + 1, ...w.shape.slice(1)], data: new Float32Array(w.data.length + w.shape.slice(1).reduce((p, q) => p * q, 1)) });
  assert.throws(() => Model.grownFrom(cfg, bad, 9), /head_frame\/w has shape/);
  for (const m of [old, model]) m.dispose();
});
