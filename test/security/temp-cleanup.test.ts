/**
 * Killed atomic writes leave temps beside their target (`.<name>.tmp-<pid>-<hex>`);
 * the next atomic write of that target removes those of dead writers, and
 * nothing else: not a live writer's temp, not another target's, not the last
 * copy of a replaced folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDirAtomic, writeFileAtomic, writeFileAtomicSync } from '../../src/util/atomic.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'a2m-temps-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has exited (so process.kill(pid, 0) throws ESRCH). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  return pid;
}

test('writeFileAtomic removes a dead writer\'s temp of the same target, keeps live and foreign ones', async (t) => {
  const dir = tempDir(t);
  const dead = deadPid();
  const stale = path.join(dir, `.model.onnx.tmp-${dead}-0123abcd`);
  const live = path.join(dir, `.model.onnx.tmp-${process.pid}-89abcdef`);
  const otherTarget = path.join(dir, `.other.onnx.tmp-${dead}-0123abcd`);
  const notOurs = path.join(dir, `.model.onnx.tmp-${dead}-xyz`); // not our pattern (hex is 8 digits)
  for (const f of [stale, live, otherTarget, notOurs]) writeFileSync(f, 'partial');
  await writeFileAtomic(path.join(dir, 'model.onnx'), 'whole');
  assert.equal(readFileSync(path.join(dir, 'model.onnx'), 'utf8'), 'whole');
  assert.ok(!existsSync(stale), 'the dead writer\'s temp is removed');
  assert.ok(existsSync(live), 'a temp of a live process (this one) is kept');
  assert.ok(existsSync(otherTarget), 'another target\'s temp is left alone');
  assert.ok(existsSync(notOurs), 'a name outside the exact pattern is left alone');
});

test('writeFileAtomicSync cleans up too (relative target)', (t) => {
  const dir = tempDir(t);
  const stale = path.join(dir, `.notes.csv.tmp-${deadPid()}-deadbeef`);
  writeFileSync(stale, 'partial');
  writeFileAtomicSync(path.relative(process.cwd(), path.join(dir, 'notes.csv')), 'a,b\n');
  assert.ok(!existsSync(stale));
});

test('writeDirAtomic removes a dead writer\'s temp folder, and an -old folder only once the target exists', async (t) => {
  const dir = tempDir(t);
  const dead = deadPid();
  const target = path.join(dir, 'b');
  const staleDir = path.join(dir, `.b.tmp-${dead}-0badf00d`);
  const staleOld = path.join(dir, `.b.tmp-${dead}-1badf00d-old`);
  const liveDir = path.join(dir, `.b.tmp-${process.pid}-2badf00d`);
  for (const d of [staleDir, staleOld, liveDir]) { mkdirSync(path.join(d, 'web'), { recursive: true }); writeFileSync(path.join(d, 'web', 'model.onnx'), 'x'); }

  // Killed between moving the old target aside and renaming the new one in: `b` is missing, so the -old folder is its last copy.
  await writeDirAtomic(target, async (tmp) => { writeFileSync(path.join(tmp, 'manifest.json'), '{}'); });
  assert.ok(existsSync(path.join(target, 'manifest.json')));
  assert.ok(!existsSync(staleDir), 'the dead writer\'s temp folder is removed');
  assert.ok(existsSync(staleOld), 'the -old folder is kept while the target was missing');
  assert.ok(existsSync(liveDir), 'a live writer\'s temp folder is kept');
});

test('writeDirAtomic removes a stale -old folder when the target exists', async (t) => {
  const dir = tempDir(t);
  const target = path.join(dir, 'b');
  mkdirSync(target);
  const staleOld = path.join(dir, `.b.tmp-${deadPid()}-1badf00d-old`);
  mkdirSync(staleOld);
  await writeDirAtomic(target, async (tmp) => { writeFileSync(path.join(tmp, 'x'), 'y'); });
  assert.ok(!existsSync(staleOld));
  assert.ok(existsSync(path.join(target, 'x')));
});
