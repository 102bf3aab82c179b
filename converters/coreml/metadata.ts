/**
 * Model metadata: Metadata{author, license, versionString, shortDescription} from
 * the export's ModelInfo (converters/types.ts), and userDefined keys in coremltools'
 * style (it writes com.github.apple.coremltools.{source,version}; we write
 * com.audio-to-midi.{version,preset,source,precision}, `version` being the writer's).
 * Provenance keys without a Metadata field go to userDefined.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IrGraph } from '../../src/ir/graph.js';
import { projectRoot } from '../../src/util/paths.js';
import type { ModelInfo } from '../types.js';
import { USER_DEFINED_KEYS } from './format.js';
import type { Metadata } from './schema.js';

let toolVersion: string | null = null;
export function audioToMidiVersion(): string {
  toolVersion ??= (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return toolVersion;
}

/** Keys that have a Metadata field (or a fixed userDefined key) of their own, so they are not repeated in userDefined. */
const FIELDS = new Set(['author', 'license', 'version', 'description', 'preset', 'source', 'name']);

export function buildMetadata(graph: IrGraph, precision: string, extra: Record<string, string> = {}, info: ModelInfo = {}): Metadata {
  // Provenance may carry the fields too (a source model's own userDefinedMetadata, a caller's metadata block); the stated info wins.
  const all: Record<string, string> = { ...graph.metadata, ...extra };
  const pick = (k: keyof ModelInfo) => info[k] ?? all[k];
  const userDefined: Record<string, string> = {
    [USER_DEFINED_KEYS.version]: audioToMidiVersion(),
    [USER_DEFINED_KEYS.precision]: precision,
  };
  const source = pick('source');
  if (source) userDefined[USER_DEFINED_KEYS.source] = source;
  if (all.preset) userDefined[USER_DEFINED_KEYS.preset] = all.preset;
  if (info.name) userDefined[USER_DEFINED_KEYS.name] = info.name;
  for (const [k, v] of Object.entries(all)) if (!FIELDS.has(k)) userDefined[k.includes('.') ? k : `com.audio-to-midi.${k}`] = v;
  const md: Metadata = { userDefined };
  // A field nobody stated stays empty: an imported model never gets our author or licence.
  const description = pick('description');
  const author = pick('author');
  const license = pick('license');
  // Our own graphs (they record a preset) fall back to the tool version; an imported one gets no made-up version.
  const version = pick('version') ?? (all.preset ? audioToMidiVersion() : undefined);
  if (description) md.shortDescription = description;
  if (version) md.versionString = version;
  if (author) md.author = author;
  if (license) md.license = license;
  return md;
}
