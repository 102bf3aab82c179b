import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths.js';

let cached: string | undefined;
/** This tool's version (package.json). */
export function toolVersion(): string {
  return (cached ??= JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version as string);
}
