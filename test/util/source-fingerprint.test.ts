import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/util/paths.js';
import { sourceFingerprint } from '../../src/util/source-fingerprint.js';

test('the export-cache fingerprint changes when a converter source file changes', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'a2m-fp-'));
  try {
    await cp(path.join(projectRoot, 'converters', 'onnx'), path.join(root, 'converters', 'onnx'), { recursive: true });
    await cp(path.join(projectRoot, 'converters', 'types.ts'), path.join(root, 'converters', 'types.ts'));
    // Different spellings of the root defeat the per-process memo, so each call hashes the files as they are now.
    const before = await sourceFingerprint(root, ['converters']);
    assert.equal(await sourceFingerprint(`${root}/`, ['converters']), before, 'same files, same fingerprint');
    await appendFile(path.join(root, 'converters', 'onnx', 'emitters.ts'), '\n// edited\n');
    assert.notEqual(await sourceFingerprint(`${root}//`, ['converters']), before);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
