#!/usr/bin/env node
// Compiles src/ and converters/ to dist/ (tsc -p tsconfig.build.json) and copies the
// files they read at run time (schemas, the oracle script, the web demo's page) beside
// the compiled code. Run by `npm run build`, by `prepare` (install in a clone, pack)
// and by `npm test`, so bin/a2m.js never runs code older than the sources.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
/** Compiled or documentation-only: everything else under these folders (hand-written .d.ts included) is a run-time asset. */
const NOT_ASSETS = /(?<!\.d)\.ts$|\.md$/;

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) { console.error('build: tsc failed'); process.exit(1); }
let copied = 0;
for (const top of ['src', 'converters']) {
  for (const e of readdirSync(path.join(root, top), { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || NOT_ASSETS.test(e.name)) continue;
    const rel = path.relative(root, path.join(e.parentPath, e.name));
    cpSync(path.join(root, rel), path.join(dist, rel));
    copied++;
  }
}
// The web bundle's ES module and demo script, bundled from the TypeScript sources by the same function a
// clone uses at run time (src/bundle/web.ts), so the package ships the bytes the sources give.
const { buildWebScripts, PREBUILT_SCRIPTS } = await import(pathToFileURL(path.join(dist, 'src/bundle/web.js')).href);
const scripts = await buildWebScripts(path.join(root, 'src/bundle/web'));
for (const kind of ['module', 'app']) writeFileSync(path.join(dist, 'src/bundle/web', PREBUILT_SCRIPTS[kind]), scripts[kind]);
// Every compiled file's sha256, so the export cache's code fingerprint (src/util/source-fingerprint.ts) need not
// read them all at each start. Written last: it describes dist/ as built.
const hashes = {};
for (const e of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!e.isFile()) continue;
  const rel = path.relative(dist, path.join(e.parentPath, e.name)).split(path.sep).join('/');
  hashes[rel] = createHash('sha256').update(readFileSync(path.join(dist, rel))).digest('hex');
}
const { FILE_HASHES } = await import(pathToFileURL(path.join(dist, 'src/util/source-fingerprint.js')).href);
writeFileSync(path.join(dist, FILE_HASHES), JSON.stringify({ note: 'sha256 of each file of dist/ as built (scripts/build.mjs)', files: hashes }));
console.log(`build: dist/ compiled, ${copied} run-time assets copied, web module and demo script bundled`);
