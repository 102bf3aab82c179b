/**
 * The export cache's code fingerprint (src/util/source-fingerprint.ts): the
 * compiled package reads each file's sha256 from dist/file-hashes.json
 * (written by scripts/build.mjs) instead of reading the files, and must come
 * to the same fingerprint as hashing them; a file the list lacks is hashed
 * from disk; the list is what is trusted (a wrong entry changes the result).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FILE_HASHES, sourceFingerprint } from '../../src/util/source-fingerprint.js';
import { projectRoot } from '../../src/util/paths.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'a2m-fp-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FILES: Record<string, string> = { 'a/one.js': 'export const one = 1;\n', 'a/sub/two.js': 'export const two = 2;\n', 'b.js': '// b\n' };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A copy of FILES under a fresh root, with `hashes` as its file-hashes.json when given. */
function tree(name: string, hashes?: Record<string, string>): string {
  const root = path.join(tmp, name);
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  if (hashes) writeFileSync(path.join(root, FILE_HASHES), JSON.stringify({ files: hashes }));
  return root;
}

test('the built hash list gives the fingerprint that reading the files gives', async () => {
  const live = await sourceFingerprint(tree('live'), ['a', 'b.js']);
  const listed = await sourceFingerprint(tree('listed', Object.fromEntries(Object.entries(FILES).map(([k, v]) => [k, sha(v)]))), ['a', 'b.js']);
  assert.equal(listed, live);
  assert.match(live, /^[0-9a-f]{64}$/);
});

test('a file missing from the list is hashed from disk; a listed hash is believed', async () => {
  const partial = await sourceFingerprint(tree('partial', { 'a/one.js': sha(FILES['a/one.js']!) }), ['a', 'b.js']);
  assert.equal(partial, await sourceFingerprint(tree('live2'), ['a', 'b.js']));
  const wrong = await sourceFingerprint(tree('wrong', { 'b.js': sha('something else') }), ['a', 'b.js']);
  assert.notEqual(wrong, partial, 'the list is used: a different listed hash gives a different fingerprint');
});

test('a changed file changes the fingerprint', async () => {
  const root = tree('changed');
  writeFileSync(path.join(root, 'a/sub/two.js'), 'export const two = 3;\n');
  assert.notEqual(await sourceFingerprint(root, ['a', 'b.js']), await sourceFingerprint(tree('live3'), ['a', 'b.js']));
});

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
