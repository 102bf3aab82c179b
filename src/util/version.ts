import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths.js';

let pkg: { name: string; version: string; license: string } | undefined;
const toolPackage = () => (pkg ??= JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { name: string; version: string; license: string });

/** This tool's version (package.json). */
export function toolVersion(): string {
  return toolPackage().version;
}

/** This tool's name and licence (package.json): the author and licence of the models it defines and trains. */
export function toolIdentity(): { name: string; license: string } {
  return { name: toolPackage().name, license: toolPackage().license };
}
