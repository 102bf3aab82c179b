/**
 * The committed goldens (golden/) still match the committed default model
 * (models/default): recompute the canonical outputs on the stored inputs and
 * compare to 1e-5, notes and thresholds included. Stale goldens fail CI; the
 * fix is `node bin/a2m.js golden` (never an edit by hand).
 * Skips only while models/default does not exist; once it does, a missing or
 * stale golden/ fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MODEL_DIR, loadModel } from '../../src/model/load.js';
import { projectRoot } from '../../src/util/paths.js';
import { readGolden } from '../../src/verify/golden.js';
import { staleGoldenProblems } from '../../src/verify/stale.js';

const GOLDEN_DIR = path.join(projectRoot, 'golden');
const REGENERATE = 'regenerate with `node bin/a2m.js golden` and commit golden/';

test('committed goldens match the committed default model', { skip: existsSync(DEFAULT_MODEL_DIR) ? false : `skipped: ${path.relative(projectRoot, DEFAULT_MODEL_DIR)} does not exist yet (no default model to hold goldens for)` }, async (t) => {
  assert.ok(existsSync(path.join(GOLDEN_DIR, 'manifest.json')), `models/default exists but golden/manifest.json does not: ${REGENERATE}`);
  const golden = await readGolden(GOLDEN_DIR);
  const loaded = await loadModel('default');
  try {
    t.diagnostic(`golden: model ${golden.model.sha256.slice(0, 12)} (${golden.model.source}), ${golden.cases.length} cases, produced by ${golden.producedBy.runtime} / TensorFlow ${golden.producedBy.tensorflow}`);
    const problems = await staleGoldenProblems(golden, loaded);
    assert.deepEqual(problems, [], `stale goldens (${REGENERATE}):\n${problems.join('\n')}`);
  } finally {
    loaded.model.dispose();
  }
});
