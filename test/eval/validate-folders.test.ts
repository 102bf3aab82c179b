/**
 * `validate` over several folders with `--tune` (#19: choose on the procedural
 * and the real-music validation splits together): the means are over all
 * pieces, each folder's are beside them, and the tuning's offset stage keeps
 * onset F1 while it reports each folder's scores at the final thresholds.
 * Two copies of the one-piece fixture set score the same, so every per-folder
 * figure must equal the pooled one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadModel } from '../../src/model/load.js';
import { makeRunner } from '../../src/infer/backends.js';
import { validateDataset } from '../../src/eval/validate.js';
import { projectRoot } from '../../src/util/paths.js';

const root = mkdtempSync(path.join(tmpdir(), 'a2m-validate-folders-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('validate: two folders scored together, tuned with the offset stage', { timeout: 300_000 }, async () => {
  const dirs = ['a', 'b'].map((d) => path.join(root, d));
  for (const d of dirs) cpSync(path.join(projectRoot, 'fixtures', 'tiny-set'), d, { recursive: true });
  const { model, source, thresholds } = await loadModel('default');
  const runner = await makeRunner(model, 'tfjs', 'fp32', {});
  try {
    const r = await validateDataset(model, source, runner, [...dirs, dirs[0]!], { thresholds, seedMetrics: false, tune: true });
    assert.equal(r.pieces.length, 2, 'a folder named twice is scored once');
    assert.deepEqual(r.datasets?.map((d) => [d.dir, d.pieces]), dirs.map((d) => [d, 1]));
    for (const d of r.datasets!) assert.ok(Math.abs(d.mean.onsetF1 - r.mean.onsetF1) < 1e-12);
    const t = r.tuning!;
    assert.ok(t.offsets, 'the offset stage ran');
    assert.ok(t.offsets.tuned >= t.offsets.baseline, `onset+offset F1 ${t.offsets.baseline} -> ${t.offsets.tuned}`);
    assert.ok(t.offsets.onsetF1 >= t.tuned - 0.0005, `onset F1 kept: ${t.tuned} -> ${t.offsets.onsetF1}`);
    assert.equal(t.datasets?.length, 2);
    for (const d of t.datasets!) {
      assert.ok(Math.abs(d.onsetF1 - t.offsets.onsetF1) < 1e-12);
      assert.ok(Math.abs(d.onsetOffsetF1 - t.offsets.tuned) < 1e-12);
    }
  } finally {
    await runner.dispose();
    model.dispose();
  }
});
