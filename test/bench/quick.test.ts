/**
 * `npm run bench -- --quick` end to end: every bench runs in its smoke size,
 * writes JSON with a non-empty summary table, and SUMMARY.md / bench.json list
 * them all. Results go to a temp folder (never bench/results).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BENCHES } from '../../bench/lib.js';
import { projectRoot } from '../../src/util/paths.js';

// The budget is ~3 min on a quiet 2-core machine; the timeout is far above it because on a
// shared, loaded machine the same run took 23 min (see the wall and CPU seconds it prints).
test('npm run bench -- --quick: every bench writes a summary table and SUMMARY.md lists it', { timeout: 45 * 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'a2m-bench-quick-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench', 'run.ts'), '--quick', '--quiet', '--out-dir', dir], {
      cwd: projectRoot, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    console.log(`bench --quick: ${((performance.now() - t0) / 1000).toFixed(1)} s wall\n${r.stdout.trim().split('\n').slice(-BENCHES.length - 1).join('\n')}`);
    const combined = JSON.parse(readFileSync(path.join(dir, 'bench.json'), 'utf8')) as { quick: boolean; benches: { name: string; status: string; error?: string }[] };
    const failed = combined.benches.filter((b) => b.status !== 'ok').map((b) => `${b.name}: ${b.status} ${b.error ?? ''}`);
    assert.deepEqual(failed, [], `benches not ok:\n${failed.join('\n')}`);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.equal(combined.quick, true);
    assert.deepEqual(combined.benches.map((b) => b.name), [...BENCHES]);

    const summaryMd = readFileSync(path.join(dir, 'SUMMARY.md'), 'utf8');
    for (const name of BENCHES) {
      const file = path.join(dir, `${name}.json`);
      assert.ok(existsSync(file), `${name}.json written`);
      const j = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(j.bench, name);
      assert.equal(j.quick, true, `${name}: quick flag`);
      assert.equal(typeof j.baseline, 'string');
      assert.ok(j.machine?.cpus > 0, `${name}: machine info`);
      const s = j.summary;
      assert.ok(s.title && s.baseline && s.columns.length > 0 && s.rows.length > 0, `${name}: non-empty summary`);
      for (const row of s.rows) assert.equal(row.length, s.columns.length, `${name}: row ${JSON.stringify(row)} has one cell per column`);
      assert.ok(summaryMd.includes(`## ${s.title}`), `SUMMARY.md has the ${name} section`);
      assert.ok(summaryMd.includes(`_bench \`${name}\``), `SUMMARY.md names bench ${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
