/**
 * Model metadata: Metadata{author, license, versionString, shortDescription} and
 * userDefined keys in coremltools' style (it writes com.github.apple.coremltools.{source,version};
 * we write com.audio-to-midi.{version,preset,source,precision}). Export options'
 * metadata entries override the defaults; unknown keys go to userDefined.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IrGraph } from '../../src/ir/graph.js';
import { projectRoot } from '../../src/util/paths.js';
import { USER_DEFINED_KEYS } from './format.js';
import type { Metadata } from './schema.js';

let toolVersion: string | null = null;
export function audioToMidiVersion(): string {
  toolVersion ??= (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return toolVersion;
}

export function buildMetadata(graph: IrGraph, precision: string, extra: Record<string, string> = {}): Metadata {
  const all: Record<string, string> = { ...graph.metadata, ...extra };
  const version = audioToMidiVersion();
  const userDefined: Record<string, string> = {
    [USER_DEFINED_KEYS.version]: version,
    [USER_DEFINED_KEYS.source]: 'audio-to-midi IR',
    [USER_DEFINED_KEYS.precision]: precision,
  };
  if (all.preset) userDefined[USER_DEFINED_KEYS.preset] = all.preset;
  const fields = new Set(['author', 'license', 'version', 'description', 'preset']);
  for (const [k, v] of Object.entries(all)) if (!fields.has(k)) userDefined[k.includes('.') ? k : `com.audio-to-midi.${k}`] = v;
  return {
    shortDescription: all.description ?? `Piano transcription (raw audio -> MIDI)${all.preset ? `, preset ${all.preset}` : ''}`,
    versionString: all.version ?? version,
    author: all.author ?? 'audio-to-midi',
    license: all.license ?? 'Apache-2.0',
    userDefined,
  };
}
