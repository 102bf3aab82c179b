// The folder picture flows one way (docs/CONTRIBUTING.md "Layout"):
//   base (src/ir, src/util, src/errors.ts, src/types.ts)  <-  converters/  <-  the rest of src/
// The base imports nothing above it; converters/ import only the base; the rest of src/ reaches a
// format through converters/index.ts and types.ts, and only the layers that work on one format's
// files (runtimes, bundles, convert's importer) read a format's own modules. Nothing shipped
// imports test/ or fixtures/, and bench/ reaches shared helpers through fixtures/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/util/paths.js';

const BASE = ['src/ir/', 'src/util/', 'src/errors.ts', 'src/types.ts'];

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(projectRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(projectRoot, path.join(e.parentPath, e.name)));
}

/** The project files a source file imports (static and dynamic), as paths from the project root. */
function localImports(file: string): string[] {
  const text = readFileSync(path.join(projectRoot, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(projectRoot, path.resolve(path.dirname(path.join(projectRoot, file)), s)).replace(/\.js$/, '.ts'));
}

const inBase = (f: string) => BASE.some((b) => f === b || f.startsWith(b));

function violations(files: string[], allowed: (target: string) => boolean): string[] {
  return files.flatMap((f) => localImports(f).filter((t) => !allowed(t)).map((t) => `${f} -> ${t}`));
}

test('the base of src/ imports nothing above it', () => {
  const base = tsFiles('src').filter(inBase);
  assert.ok(base.length > 10, 'found the base files');
  assert.deepEqual(violations(base, inBase), []);
});

test('converters/ import only the base of src/, never the layers that use them', () => {
  assert.deepEqual(violations(tsFiles('converters'), (t) => t.startsWith('converters/') || inBase(t)), []);
});

/** Layers of src/ that work on one format's own files, so they may read that format's modules. */
const FORMAT_READERS = ['src/runtimes/', 'src/bundle/', 'src/convert/'];
/** What every other layer sees of converters/: the format list, the Converter contract and the table of converters. */
const CONVERTERS_SURFACE = ['converters/index.ts', 'converters/types.ts'];

test('the rest of src/ uses converters/ through its surface; only format readers look inside a format', () => {
  const users = tsFiles('src').filter((f) => !inBase(f) && !FORMAT_READERS.some((d) => f.startsWith(d)));
  assert.deepEqual(violations(users, (t) => !t.startsWith('converters/') || CONVERTERS_SURFACE.includes(t)), []);
});

test('src/, converters/ and bench/ never import test/; shipped code never imports fixtures/', () => {
  assert.deepEqual(violations([...tsFiles('src'), ...tsFiles('converters'), ...tsFiles('bench')], (t) => !t.startsWith('test/')), []);
  assert.deepEqual(violations([...tsFiles('src'), ...tsFiles('converters')], (t) => !t.startsWith('fixtures/')), []);
});
