/**
 * Every `<!-- example: name -->` code block of docs/api.md runs as written:
 * saved as an ES module inside the project folder, where `'audio-to-midi'`
 * resolves to the package itself (package.json `exports`, the compiled
 * dist/ that `npm test` builds first), and run with node. Each must exit 0
 * and print what its comments promise.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../src/util/paths.js';

const doc = await readFile(path.join(projectRoot, 'docs', 'api.md'), 'utf8');
const examples = [...doc.matchAll(/<!-- example: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)].map((m) => ({ name: m[1]!, code: m[2]! }));
// Inside the project, so the package's self-reference by name resolves.
const dir = await mkdtemp(path.join(projectRoot, '.docs-examples-'));
after(async () => { await rm(dir, { recursive: true, force: true }); });

/** What each example must print (beyond exiting 0). */
const EXPECT: Record<string, RegExp> = {
  'transcribe-file': /^\d+ notes in 24\.7 s of audio \(onnxruntime-node[\s\S]*time: 0\.4,[\s\S]*key: 43,/m,
  'transcribe-pcm': /\[ '60@0\.20s', '64@1\.00s' \]/,
  transcriber: /melody-over-chords\.flac: \d+ notes on onnxruntime-node/,
  stream: /^\d+ notes$/m,
  prefetch: /^\d+ notes$/m,
  'export-verify': /every artifact matches the canonical model/,
};

test('docs/api.md has the examples this test knows', () => {
  assert.deepEqual(examples.map((e) => e.name).sort(), Object.keys(EXPECT).sort());
  assert.ok(existsSync(path.join(projectRoot, 'dist', 'src', 'index.js')), 'dist/ is built (npm test builds it first; or npm run build)');
});

for (const { name, code } of examples) {
  test(`docs/api.md example "${name}" runs and prints what it says`, async () => {
    const file = path.join(dir, `${name}.mjs`);
    await writeFile(file, code);
    const r = spawnSync(process.execPath, [file], { cwd: projectRoot, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, `${name} failed:\n${r.stderr}`);
    assert.match(r.stdout, EXPECT[name]!);
  });
}
