/**
 * Facts of the tfjs **layers** model format: the model.json that tfjs-layers'
 * `model.save()` writes (and `tensorflowjs_converter --output_format
 * tfjs_layers_model`), and its reduction to a list of layer calls. Checked
 * against tfjs-layers 4.22 (`engine/container.js` toJSON/fromConfig,
 * `models.js` Sequential, `engine/input_layer.js`) and the files it saves.
 *
 * model.json = {
 *   format: "layers-model", generatedBy: "TensorFlow.js tfjs-layers v4.22.0", convertedBy,
 *   modelTopology: {class_name: "Sequential" | "Model" | "Functional", config, keras_version, backend},
 *   weightsManifest: [{paths, weights: [{name: "<layer name>/<weight>", shape, dtype}]}]   (as a graph model's)
 * }
 * Sequential config = {name, layers: [{class_name, config}]} (Keras <= 2.2: the list itself);
 *   the first layer (or a leading InputLayer) carries `config.batch_input_shape` ([null, ...dims]);
 *   the input is named "<first layer name>_input", as tfjs-layers names it.
 * Functional config = {name, layers: [{class_name, name, config, inbound_nodes}], input_layers, output_layers}
 *   input_layers / output_layers: [[layer name, node index, tensor index]];
 *   inbound_nodes: one entry per call of the layer, each a list of [layer name, node index, tensor index, kwargs].
 *   Keras 3 writes inbound_nodes as [{args, kwargs}] instead; that form is refused by name.
 */
import { A2mError } from '../../src/errors.js';
import { checkWeightsManifest, type WeightsManifestJson } from './reader.js';

export const LAYERS_MODEL_FORMAT = 'layers-model';

export interface KerasLayerJson {
  class_name: string;
  /** Functional models name each layer here as well as in config.name. */
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown;
}

export interface LayersModelJson {
  format?: string;
  generatedBy?: string;
  modelTopology: { class_name: string; config: unknown; keras_version?: string; backend?: string };
  weightsManifest: WeightsManifestJson;
  userDefinedMetadata?: Record<string, unknown>;
}

/** One call of one layer: what the importer builds, in an order where every input comes first. */
export interface LayerCall {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers (or model inputs) whose outputs it reads. */
  inputs: string[];
}

export interface ModelInput { name: string; shape: (number | null)[]; dtype: string }

export interface LayersTopology {
  inputs: ModelInput[];
  /** Every layer but the InputLayers, inputs before consumers. */
  calls: LayerCall[];
  /** Output layer names, in the model's output order. */
  outputs: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A layers model says so in `format`; files from older savers carry only a Keras topology (class_name, no node list). */
export function isLayersModelJson(json: unknown): boolean {
  if (!isObj(json)) return false;
  if (json.format === LAYERS_MODEL_FORMAT) return true;
  const topo = json.modelTopology;
  return json.format === undefined && isObj(topo) && typeof topo.class_name === 'string' && !Array.isArray(topo.node);
}

const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];

/** Structural checks of a layers model.json; every message names the file and the offending entry. */
export function checkLayersModelJson(json: unknown, file: string): asserts json is LayersModelJson {
  const fail = (what: string): never => { throw new A2mError(`${file}: ${what}`); };
  if (!isObj(json)) fail('expected a JSON object');
  const j = json as Record<string, unknown>;
  if (j.format !== undefined && j.format !== LAYERS_MODEL_FORMAT) fail(`format is ${JSON.stringify(j.format)}, expected "${LAYERS_MODEL_FORMAT}"`);
  const topo = j.modelTopology;
  // tensorflowjs_converter from a Keras .h5 nests the topology under model_config.
  const model = isObj(topo) && isObj(topo.model_config) ? topo.model_config : topo;
  if (!isObj(model) || typeof model.class_name !== 'string') fail('modelTopology.class_name is missing: expected a Keras model topology');
  const cls = (model as { class_name: string }).class_name;
  if (!MODEL_CLASSES.includes(cls)) fail(`modelTopology.class_name is "${cls}", expected one of ${MODEL_CLASSES.join(', ')}`);
  const layers = layerList((model as { config: unknown }).config);
  if (!layers) fail('modelTopology.config.layers is missing: expected a list of {class_name, config} layers');
  layers!.forEach((l, k) => {
    if (!isObj(l) || typeof l.class_name !== 'string' || !isObj(l.config)) fail(`modelTopology.config.layers[${k}] needs a class_name and a config object`);
  });
  checkWeightsManifest(j.weightsManifest, file);
  if (model !== topo) (j as { modelTopology: unknown }).modelTopology = model;
}

function layerList(config: unknown): unknown[] | undefined {
  if (Array.isArray(config)) return config;
  if (isObj(config) && Array.isArray(config.layers)) return config.layers;
  return undefined;
}

function layerName(l: KerasLayerJson, k: number, file: string): string {
  const name = l.name ?? l.config.name;
  if (typeof name !== 'string' || !name) throw new A2mError(`${file}: modelTopology.config.layers[${k}] (${l.class_name}) has no name`);
  return name;
}

function batchShape(l: KerasLayerJson): (number | null)[] | undefined {
  const s = l.config.batch_input_shape ?? l.config.batch_shape;
  return Array.isArray(s) ? (s as (number | null)[]) : undefined;
}

/** The layer calls of a Sequential or functional model, with its inputs and outputs. */
export function parseTopology(json: LayersModelJson, file: string): LayersTopology {
  const topo = json.modelTopology;
  const layers = layerList(topo.config) as KerasLayerJson[];
  return topo.class_name === 'Sequential' ? sequentialTopology(layers, file) : functionalTopology(topo.config as Record<string, unknown>, layers, file);
}

function sequentialTopology(layers: KerasLayerJson[], file: string): LayersTopology {
  if (!layers.length) throw new A2mError(`${file}: the Sequential model has no layers`);
  const first = layers[0]!;
  const shape = batchShape(first);
  if (!shape) throw new A2mError(`${file}: the first layer (${layerName(first, 0, file)}, ${first.class_name}) has no batch_input_shape: the model's input shape is unknown`);
  const leadingInput = first.class_name === 'InputLayer';
  const input: ModelInput = {
    name: leadingInput ? layerName(first, 0, file) : `${layerName(first, 0, file)}_input`,
    shape, dtype: typeof first.config.dtype === 'string' ? first.config.dtype : 'float32',
  };
  const calls: LayerCall[] = [];
  let prev = input.name;
  layers.forEach((l, k) => {
    if (k === 0 && leadingInput) return;
    const name = layerName(l, k, file);
    calls.push({ name, className: l.class_name, config: l.config, inputs: [prev] });
    prev = name;
  });
  if (!calls.length) throw new A2mError(`${file}: the Sequential model has only an InputLayer`);
  return { inputs: [input], calls, outputs: [prev] };
}

/** [layer, node, tensor] of input_layers / output_layers / an inbound node, with multi-output and shared-layer references refused. */
function tensorRef(ref: unknown, where: string, file: string): string {
  if (!Array.isArray(ref) || typeof ref[0] !== 'string') {
    throw new A2mError(`${file}: ${where} is ${JSON.stringify(ref)}, expected [layer name, node index, tensor index] (a Keras 3 topology is not read; save with tfjs-layers or Keras 2)`);
  }
  const [name, node = 0, tensor = 0] = ref as [string, number?, number?];
  if (node !== 0) throw new A2mError(`${file}: ${where} reads call ${node} of layer ${name}: shared layers (one layer called more than once) are not imported`);
  if (tensor !== 0) throw new A2mError(`${file}: ${where} reads output ${tensor} of layer ${name}: only single-output layers are imported`);
  return name;
}

function functionalTopology(config: Record<string, unknown>, layers: KerasLayerJson[], file: string): LayersTopology {
  const byName = new Map<string, { layer: KerasLayerJson; index: number }>();
  layers.forEach((l, k) => {
    const name = layerName(l, k, file);
    if (byName.has(name)) throw new A2mError(`${file}: layer name ${name} appears twice`);
    byName.set(name, { layer: l, index: k });
  });
  const refs = (key: string): string[] => {
    const list = config[key];
    if (!Array.isArray(list) || !list.length) throw new A2mError(`${file}: modelTopology.config.${key} is missing: expected a list of [layer name, node index, tensor index]`);
    return list.map((r, i) => {
      const name = tensorRef(r, `modelTopology.config.${key}[${i}]`, file);
      if (!byName.has(name)) throw new A2mError(`${file}: modelTopology.config.${key}[${i}] names layer ${name}, which is not in the model`);
      return name;
    });
  };
  const inputNames = refs('input_layers');
  const outputs = refs('output_layers');
  const inputs = inputNames.map((name): ModelInput => {
    const { layer } = byName.get(name)!;
    const shape = batchShape(layer);
    if (layer.class_name !== 'InputLayer' || !shape) throw new A2mError(`${file}: model input ${name} (${layer.class_name}) is not an InputLayer with a batch_input_shape`);
    return { name, shape, dtype: typeof layer.config.dtype === 'string' ? layer.config.dtype : 'float32' };
  });
  const callOf = (name: string): LayerCall => {
    const { layer } = byName.get(name)!;
    const nodes = layer.inbound_nodes;
    if (!Array.isArray(nodes) || nodes.length === 0) throw new A2mError(`${file}: layer ${name} (${layer.class_name}) is never called (no inbound_nodes) but the outputs need it`);
    if (nodes.length > 1) throw new A2mError(`${file}: layer ${name} (${layer.class_name}) is called ${nodes.length} times: shared layers are not imported`);
    const args = nodes[0];
    if (!Array.isArray(args)) throw new A2mError(`${file}: layer ${name}: inbound_nodes[0] is ${JSON.stringify(args)}, expected a list of [layer, node, tensor, kwargs] (a Keras 3 topology is not read; save with tfjs-layers or Keras 2)`);
    const inputs = args.map((r, i) => {
      const from = tensorRef(r, `layer ${name}: inbound_nodes[0][${i}]`, file);
      if (!byName.has(from)) throw new A2mError(`${file}: layer ${name} reads layer ${from}, which is not in the model`);
      return from;
    });
    return { name, className: layer.class_name, config: layer.config, inputs };
  };

  // Depth-first from the outputs: layers the outputs do not need are left out, a cycle is an error.
  const isInput = new Set(inputNames);
  const state = new Map<string, 'visiting' | 'done'>();
  const calls: LayerCall[] = [];
  const visit = (name: string, path: string[]): void => {
    if (isInput.has(name) || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new A2mError(`${file}: the layers form a cycle: ${[...path, name].join(' -> ')}`);
    const { layer } = byName.get(name)!;
    if (layer.class_name === 'InputLayer') throw new A2mError(`${file}: InputLayer ${name} is read but is not listed in input_layers`);
    state.set(name, 'visiting');
    const call = callOf(name);
    for (const from of call.inputs) visit(from, [...path, name]);
    state.set(name, 'done');
    calls.push(call);
  };
  for (const o of outputs) visit(o, []);
  return { inputs, calls, outputs };
}
