/**
 * The ModelInfo (converters/types.ts) of a model this tool defines: export and
 * bundle fill it here once, every converter writes it. What the caller states
 * (bundle --author/--license/--model-version) wins over the defaults.
 * Models we did not train get theirs in src/convert (their own, or none).
 */
import type { ModelInfo } from '../../converters/types.js';
import { toolIdentity } from '../util/version.js';

export interface OurModel { preset: string; modelSha256: string; name?: string; source?: string }

/** A model version that changes whenever the weights do: preset plus the weights' hash. */
export function defaultModelVersion(m: OurModel): string {
  return `${m.preset}-${m.modelSha256.slice(0, 12)}`;
}

/** Every field but `source`, which is written only when known (a checkpoint folder's name, or `preset:x` for an untrained preset). */
export type OurModelInfo = Required<Omit<ModelInfo, 'source'>> & Pick<ModelInfo, 'source'>;

export function ourModelInfo(m: OurModel, stated: ModelInfo = {}): OurModelInfo {
  const tool = toolIdentity();
  const source = portableSource(m.source);
  const defaults: OurModelInfo = {
    name: m.name ?? tool.name,
    description: `Piano transcription (raw audio -> MIDI), preset ${m.preset}`,
    author: tool.name,
    license: tool.license,
    version: defaultModelVersion(m),
    ...(source ? { source } : {}),
  };
  const given = Object.fromEntries(Object.entries(stated).filter(([, v]) => v !== undefined)) as ModelInfo;
  return { ...defaults, ...given };
}

/** A checkpoint folder as its last path element (an absolute path would ship the build machine's layout); `preset:x` as is. */
export function portableSource(source: string | undefined): string | undefined {
  if (!source) return undefined;
  if (source.startsWith('preset:')) return source;
  const base = source.replace(/[\\/]+$/, '').split(/[\\/]/).pop();
  return base || undefined;
}
