/**
 * Importer: tfjs **layers** model (model.json of Keras layers + shards) -> IrGraph.
 *   read + check files (the graph-model reader's confinement and size checks)
 *   -> layer calls in dependency order (layers-format.ts) -> every layer's class
 *   and config checked (every refusal reported at once) -> one LAYER_RULES
 *   entry per layer -> validate.
 * Public names: inputs are the InputLayers (Sequential: "<first layer>_input"),
 * outputs the output layers' names. A leading null (batch) dim becomes `batch`.
 */
import { addInput, emptyGraph, validateGraph, type IrGraph, type IrValue } from '../../src/ir/graph.js';
import { A2mError } from '../../src/errors.js';
import { UnsupportedOpsError, type UnsupportedOp } from '../types.js';
import { LayerConfig, LayerContext, UnsupportedLayer } from './layers-context.js';
import { checkLayersModelJson, parseTopology, type LayersModelJson } from './layers-format.js';
import { LAYER_RULES, layerClassProblem } from './layers-table.js';
import { openModelJson, readWeights } from './reader.js';
import type { WeightValue } from './weights.js';

export interface LayersImportOptions {
  /** Size of the batch (leading null) dim; default 1. */
  batch?: number;
}

/** The importer's target name in UnsupportedOpsError reports. */
export const LAYERS_IMPORT_TARGET = 'IR (tfjs layers import)';

/** Input dtypes taken: int32 inputs (Embedding indices) become float32 inputs carrying integer values. */
const INPUT_DTYPES = ['float32', 'int32'];

export interface LayersModelFiles {
  /** Absolute path of model.json. */
  file: string;
  json: LayersModelJson;
  weights: Map<string, WeightValue>;
}

/** Reads `dir` or `dir/model.json` of a layers model with all its shards (confined to the folder, sizes checked before reading). */
export async function readLayersModel(p: string): Promise<LayersModelFiles> {
  const { file, json, root } = await openModelJson(p);
  checkLayersModelJson(json, file);
  return { file, json, weights: await readWeights(root, file, json.weightsManifest) };
}

export async function importTfjsLayersModel(p: string, opts: LayersImportOptions = {}): Promise<IrGraph> {
  return layersModelToIr(await readLayersModel(p), opts);
}

export function layersModelToIr(files: LayersModelFiles, opts: LayersImportOptions = {}): IrGraph {
  const { file } = files;
  const batch = opts.batch ?? 1;
  const topo = parseTopology(files.json, file);
  const problems: UnsupportedOp[] = [];
  const report = (name: string, className: string, reason: string) => problems.push({ node: name, op: className, target: LAYERS_IMPORT_TARGET, reason });

  // Every layer's class and config first, so one run names every refusal.
  const refused = new Set<string>();
  for (const call of topo.calls) {
    const rule = LAYER_RULES[call.className];
    const reason = rule ? (() => {
      try { return rule.check?.(new LayerConfig(call)) ?? null; } catch (e) { throw withFile(file, call.name, call.className, e); }
    })() : layerClassProblem(call.className);
    if (reason) { report(call.name, call.className, reason); refused.add(call.name); }
  }

  const g = emptyGraph();
  const values = new Map<string, IrValue | undefined>();
  for (const input of topo.inputs) {
    const where = `${file}: input ${input.name}`;
    if (!INPUT_DTYPES.includes(input.dtype)) throw new A2mError(`${where}: dtype ${input.dtype}, expected ${INPUT_DTYPES.join(' or ')}`);
    const dims = input.shape.map((d, i) => (d === null && i === 0 ? batch : d));
    if (dims.some((d) => !Number.isInteger(d) || (d as number) < 1)) throw new A2mError(`${where}: shape [${input.shape.map((d) => d ?? 'null')}] must be static except the leading (batch) dim`);
    values.set(input.name, addInput(g, input.name, dims as number[]));
  }

  for (const call of topo.calls) {
    const inputs = call.inputs.map((n) => values.get(n));
    // Refused here or upstream: nothing to build, the report already names the cause.
    if (refused.has(call.name) || inputs.some((v) => !v)) { values.set(call.name, undefined); continue; }
    try {
      values.set(call.name, LAYER_RULES[call.className]!.build(new LayerContext(call, inputs as IrValue[], g, files.weights)));
    } catch (e) {
      if (!(e instanceof UnsupportedLayer)) throw withFile(file, call.name, call.className, e);
      report(call.name, call.className, e.message);
      values.set(call.name, undefined);
    }
  }
  if (problems.length) throw new UnsupportedOpsError(problems);

  for (const name of topo.outputs) {
    const v = values.get(name)!;
    if (g.inputs.some((i) => i.name === v.name)) throw new A2mError(`${file}: output ${name} is the model input itself (only identity layers lead to it); nothing to convert`);
    g.outputs.push({ name, value: v.name });
  }
  g.metadata = {
    // Where it came from (a portable path, in the model info) is the driver's to say: src/convert.
    sourceFormat: 'tfjs layers model',
    ...Object.fromEntries(Object.entries(files.json.userDefinedMetadata ?? {}).filter(([, v]) => typeof v === 'string') as [string, string][]),
  };
  validateGraph(g);
  return g;
}

/** Any error while reading or building a layer, as one A2mError naming the file and the layer. */
function withFile(file: string, name: string, className: string, e: unknown): A2mError {
  const msg = (e as Error).message;
  if (e instanceof A2mError) return new A2mError(msg.startsWith('layer ') ? `${file}: ${msg}` : `${file}: layer ${name} (${className}): ${msg}`);
  return new A2mError(`${file}: layer ${name} (${className}): ${msg}`, { cause: e });
}
