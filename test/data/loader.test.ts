// The dataset loader's folder errors keep their cause: "not found" and "not a folder" read differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listPairs } from '../../src/data/loader.js';
import { A2mError } from '../../src/errors.js';

test('listPairs: a dataset folder that cannot be walked names the errno and message', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'a2m-loader-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const file = path.join(root, 'piece.csv');
  await writeFile(file, '');
  await assert.rejects(listPairs(path.join(root, 'absent')),
    (e: Error) => e instanceof A2mError && /absent: dataset folder not found or unreadable \(ENOENT: no such file or directory/.test(e.message));
  await assert.rejects(listPairs(file),
    (e: Error) => e instanceof A2mError && /piece\.csv: dataset folder not found or unreadable \(ENOTDIR: not a directory/.test(e.message));
});
