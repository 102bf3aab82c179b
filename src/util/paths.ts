import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

/**
 * The package root (where package.json lives): two folders up from this file
 * in a clone (src/util), three in the compiled package (dist/src/util), so
 * it is found by looking upward rather than by a fixed count.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
export const projectRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The shared reference folder: present on dev machines and CI, absent on a user's clone. */
export const sharedDir = path.resolve(projectRoot, '..', 'shared');
export const referenceDir = path.join(sharedDir, 'reference');
export const hasReference = existsSync(referenceDir);
/** Python of the project venv created by `npm install` (TF, onnx, mir_eval oracles). */
export const venvPython = path.join(projectRoot, '.venv', 'bin', 'python');
