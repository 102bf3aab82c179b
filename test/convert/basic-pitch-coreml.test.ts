/**
 * The README's example as a user types it: `a2m convert <Basic Pitch> --to coreml -o <dir>`
 * with no --rename. Basic Pitch keys two outputs "Identity_1:0" / "Identity_2:0", which are
 * not MIL identifiers: the CLI renames them (Identity_1_0, Identity_2_0), says so, and
 * records the mapping in convert.json; the package runs in coreml-ref and matches the tfjs
 * execution of the source model.json on a real piano window.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/util/paths.js';
import type { ConvertManifest } from '../../src/convert/convert.js';
import { BP_RENAME, BP_SOURCE, basicPitchInput, runOnce, runSource } from '../../fixtures/basic-pitch.js';
import { assertClose, diffOutputs, fmtDiffs } from '../../fixtures/compare.js';
import { tempDir } from '../../fixtures/temp-dir.js';

// As test/convert/basic-pitch.test.ts: the bar for sigmoid outputs in [0, 1] (measured there: 1e-6 .. 3e-6).
const BP_ATOL = 1e-4;
const BP_RTOL = 0;

const tmp = tempDir('bp-coreml');
after(tmp.cleanup);

test('README example: Basic Pitch -> Core ML without --rename; names made MIL identifiers, mapped, and it runs like the source', async (t) => {
  const out = path.join(tmp.dir, 'bp');
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), 'convert', path.relative(projectRoot, BP_SOURCE), '--to', 'coreml', '-o', out], {
    cwd: projectRoot, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', A2M_DEV: '1' }, // the sources under test, not a dist/ built earlier
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /output Identity_1:0 -> Identity_1_0 \(a name coreml cannot write; --rename Identity_1:0=<name> to choose\)/);
  const m = JSON.parse(readFileSync(path.join(out, 'convert.json'), 'utf8')) as ConvertManifest;
  assert.deepEqual(m.names.map((n) => `${n.kind} ${n.original} -> ${n.written} (${n.by})`), ['output Identity_1:0 -> Identity_1_0 (coreml)', 'output Identity_2:0 -> Identity_2_0 (coreml)']);
  assert.deepEqual(m.outputs.map((o) => o.name), ['contour', 'Identity_1_0', 'Identity_2_0']);
  assert.deepEqual(m.info, { source: 'model/model.json' }, 'Basic Pitch\'s model.json names no author or licence: none is written');

  const x = await basicPitchInput();
  const got = await runOnce('coreml', path.join(out, 'model.mlpackage'), { input_2: x });
  // Source outputs under the names the conversion wrote (runSource gives Spotify's official ones).
  const official = await runSource(x);
  const written = Object.fromEntries(m.names.map((n) => [BP_RENAME[n.original]!, n.written]));
  const ref = Object.fromEntries(Object.entries(official).map(([k, v]) => [written[k] ?? k, v]));
  const diffs = diffOutputs(ref, got, BP_ATOL, BP_RTOL, ['contour', 'Identity_1_0', 'Identity_2_0']);
  t.diagnostic(fmtDiffs(diffs));
  assertClose('coreml-ref vs tfjs (Basic Pitch)', diffs);
});
