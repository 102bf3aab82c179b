/**
 * bench/run.ts on stand-in benches (small scripts in a temp folder, run for
 * real as child processes): a good bench is rendered, a failing one is recorded
 * with its stderr tail and makes the exit status 1 while the others still run,
 * one without a summary fails, one that leaves an earlier JSON in place fails, a
 * missing file is listed as missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../src/util/paths.js';

/** A stand-in bench: parses --out like the real ones and writes `doc` there (or fails). */
const standIn = (body: string) => `import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
const { values } = parseArgs({ options: { quick: { type: 'boolean' }, out: { type: 'string' } } });
const out = values.out!;
${body}
`;

test('run.ts: ok, failed, no-summary and missing benches; exit 1; SUMMARY.md and bench.json', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'a2m-bench-run-'));
  try {
    const benches = path.join(dir, 'benches');
    const results = path.join(dir, 'results');
    mkdirSync(benches);
    const summary = { title: 'Stand-in | loader', baseline: 'nothing', columns: ['a', 'b'], rows: [['x|y', 2]], notes: ['a note'] };
    writeFileSync(path.join(benches, 'loader.ts'), standIn(
      `writeFileSync(out, JSON.stringify({ bench: 'loader', date: 'D', quick: values.quick === true, machine: { cpus: 2, cpuModel: 'M', totalMemGiB: 1, loadAverage: [0, 0, 0] }, summary: ${JSON.stringify(summary)} }));`));
    writeFileSync(path.join(benches, 'training.ts'), standIn(`console.error('first line\\nthe reason it broke'); process.exit(3);`));
    writeFileSync(path.join(benches, 'export.ts'), standIn(`writeFileSync(out, JSON.stringify({ bench: 'export' }));`));
    // roofline.ts deliberately absent.

    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench', 'run.ts'), '--quick', '--quiet',
      '--only', 'loader,training,export,roofline', '--bench-dir', benches, '--out-dir', results], { cwd: projectRoot, encoding: 'utf8' });
    assert.equal(r.status, 1, `exit status 1 when a bench fails\n${r.stderr}`);

    const combined = JSON.parse(readFileSync(path.join(results, 'bench.json'), 'utf8'));
    const status = Object.fromEntries(combined.benches.map((b: { name: string; status: string }) => [b.name, b.status]));
    assert.deepEqual(status, {
      loader: 'ok', training: 'failed', export: 'failed', roofline: 'missing',
      transcribe: 'not run', cli: 'not run', memory: 'not run', accuracy: 'not run', 'accuracy-heldout': 'not run', 'accuracy-repertoire': 'not run', quantization: 'not run', 'basic-pitch': 'not run',
    });
    const byName = (n: string) => combined.benches.find((b: { name: string }) => b.name === n);
    assert.match(byName('training').error, /exit 3[\s\S]*the reason it broke/);
    assert.match(byName('export').error, /no summary/);
    assert.equal(byName('loader').result.quick, true, '--quick is passed through');
    assert.ok(byName('loader').maxRssKiB > 1000 && byName('loader').cpuSeconds > 0, 'peak RSS and CPU seconds of the child measured');

    const md = readFileSync(path.join(results, 'SUMMARY.md'), 'utf8');
    assert.ok(md.includes('## Stand-in | loader'), 'section title rendered');
    assert.ok(md.includes('| a | b |') && md.includes('| x\\|y | 2 |'), 'table rendered with pipes escaped');
    assert.ok(md.includes('- a note'));
    assert.ok(md.includes('Baseline: nothing'));
    assert.ok(md.includes('the reason it broke'), 'failed bench shows its stderr tail');
    assert.match(md, /## roofline: missing/);
    assert.match(md, /\| loader \| ok \| [\d.]+ \| [\d.]+ \| \d+ \|/);

    // Rerun only loader: the others keep their earlier JSON where there is one, marked so.
    const again = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench', 'run.ts'), '--quick', '--quiet',
      '--only', 'loader', '--bench-dir', benches, '--out-dir', results], { cwd: projectRoot, encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    const md2 = readFileSync(path.join(results, 'SUMMARY.md'), 'utf8');
    assert.ok(md2.includes('| loader | ok |'));
    assert.match(md2, /## training: not run/);

    // A bench that exits 0 without rewriting its JSON must not pass on the earlier file.
    writeFileSync(path.join(benches, 'loader.ts'), standIn('void out;'));
    const stale = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench', 'run.ts'), '--quiet',
      '--only', 'loader', '--bench-dir', benches, '--out-dir', results], { cwd: projectRoot, encoding: 'utf8' });
    assert.equal(stale.status, 1);
    const rec = JSON.parse(readFileSync(path.join(results, 'bench.json'), 'utf8')).benches[0];
    assert.equal(rec.status, 'failed');
    assert.match(rec.error, /unchanged/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
