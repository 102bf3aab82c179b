import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

/** The project root (where package.json lives). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared reference folder: present on dev machines and CI, absent on a user's clone. */
export const sharedDir = path.resolve(projectRoot, '..', 'shared');
export const referenceDir = path.join(sharedDir, 'reference');
export const hasReference = existsSync(referenceDir);
/** Python of the project venv created by `npm install` (TF, onnx, mir_eval oracles). */
export const venvPython = path.join(projectRoot, '.venv', 'bin', 'python');
