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
