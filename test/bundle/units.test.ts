/**
 * The pieces of a bundle that need no model: target parsing, names, and the
 * app contract's rules against the pipeline code they describe (windows,
 * stitching weights, key mapping), so Audio2Midi.json cannot drift from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargets, bundleNames, artifactsFor } from '../../src/bundle/targets.js';
import { buildContract } from '../../src/bundle/contract.js';
import { stitch, windowCount, WINDOW_FRAMES } from '../../src/audio/window.js';
import { normalizationGain } from '../../src/audio/normalize.js';
import { DEFAULT_THRESHOLDS } from '../../src/infer/events.js';
import { A2mError } from '../../src/errors.js';

const outputs = ['logits', 'probs'].map((name) => ({ name, shape: [1, 250, 90] }));
const contract = buildContract({
  name: 'audio2midi', preset: 'tiny', sha256: 'ab'.repeat(32), parameters: 1, toolVersion: '0', input: { name: 'samples', shape: [1, 2, 80000] }, outputs,
});

test('targets: table order, duplicates dropped, every unknown one named', () => {
  assert.deepEqual(parseTargets('web, ios,web'), ['ios', 'web']);
  assert.throws(() => parseTargets('ios,andriod,desktop'), (e) => e instanceof A2mError && /"andriod", "desktop"/.test(e.message));
  assert.throws(() => parseTargets(' , '), A2mError);
  assert.deepEqual(bundleNames('audio2midi'), { name: 'audio2midi', className: 'Audio2Midi' });
  assert.deepEqual(bundleNames('piano-notes_v2').className, 'PianoNotesV2');
  assert.throws(() => bundleNames('Bad Name'), A2mError);
  assert.deepEqual(artifactsFor(['server', 'ios'], bundleNames('x'), { iosPrecision: 'fp32' }).map((a) => a.path), ['server/x/1', 'ios/X.mlpackage']);
});

test('contract: the windowing rule is window.ts windowCount', () => {
  // "count = max(1, ceil((n - overlap) / hop))", evaluated from the contract's own numbers.
  const w = contract.windowing;
  for (const n of [0, 1, 79999, 80000, 80001, 152000, 152001, 16000 * 60]) {
    assert.equal(Math.max(1, Math.ceil((n - w.overlapSamples) / w.hopSamples)), windowCount(n), `n = ${n}`);
  }
  assert.equal(w.hopSamples, w.windowSamples - w.overlapSamples);
  assert.equal(contract.frames.perWindow, WINDOW_FRAMES);
});

test('contract: the stitching rule is window.ts stitch', () => {
  // Two constant windows a and b: the shared frames must follow (1 - w_j) a + w_j b with w_j = (j + 0.5) / overlap.
  const s = contract.stitching, cols = 1;
  const a = new Float32Array(WINDOW_FRAMES).fill(2), b = new Float32Array(WINDOW_FRAMES).fill(10);
  const out = stitch([a, b], cols);
  assert.equal(out.length, s.hopFrames + WINDOW_FRAMES);
  for (let j = 0; j < s.overlapFrames; j++) {
    const wj = (j + 0.5) / s.overlapFrames;
    assert.ok(Math.abs(out[s.hopFrames + j]! - ((1 - wj) * 2 + wj * 10)) < 1e-5, `frame ${j}`);
  }
});

test('contract: normalisation, keys, decoding', () => {
  const n = contract.normalization;
  assert.equal(normalizationGain(0.05, 0.5), n.targetRms / 0.05);
  assert.equal(normalizationGain(0.01, n.minPeak), 1, 'peak <= minPeak: gain 1');
  assert.equal(contract.keys.midiOffset + 87, contract.keys.pianoHigh);
  assert.equal(contract.decoding.rule, 'frame', 'no onset head: the frame rule');
  assert.deepEqual(contract.decoding.thresholds, DEFAULT_THRESHOLDS);
  assert.equal(buildContract({ ...contract.model, name: 'x', input: contract.input, outputs: [...outputs, { name: 'onset_probs', shape: [1, 250, 90] }], thresholds: { onset: 0.7 } }).decoding.thresholds.onset, 0.7);
});
