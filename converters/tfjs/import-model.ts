/**
 * One entry for `a2m convert`: a tfjs model.json is either a graph model
 * (GraphDef, import.ts) or a layers model (Keras layers, layers-import.ts);
 * its `format` field (or, in older files, the topology's shape) says which.
 */
import type { IrGraph } from '../../src/ir/graph.js';
import { importTfjsGraphModel } from './import.js';
import { importTfjsLayersModel } from './layers-import.js';
import { isLayersModelJson } from './layers-format.js';
import { openModelJson } from './reader.js';

export type TfjsModelKind = 'tfjs graph model' | 'tfjs layers model';

export async function tfjsModelKind(p: string): Promise<TfjsModelKind> {
  return isLayersModelJson((await openModelJson(p)).json) ? 'tfjs layers model' : 'tfjs graph model';
}

/** Imports either kind of tfjs model; `kind` says which it was. */
export async function importTfjsModel(p: string, opts: { batch?: number } = {}): Promise<{ graph: IrGraph; kind: TfjsModelKind }> {
  const kind = await tfjsModelKind(p);
  const graph = kind === 'tfjs layers model' ? await importTfjsLayersModel(p, opts) : await importTfjsGraphModel(p, opts);
  return { graph, kind };
}
