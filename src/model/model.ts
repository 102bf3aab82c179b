/** The canonical model: a preset plus its weights, run with tfjs. */
import * as tf from '@tensorflow/tfjs-node';
import { type ModelConfig, getPreset } from './config.js';
import { forward, type ModelOutputs } from './forward.js';
import { ParamStore, TfjsOps } from './tfjs-ops.js';
import type { HostTensor } from '../ir/tensor.js';
import { buildModelGraph, type GraphOptions } from './ir-ops.js';
import type { IrGraph } from '../ir/graph.js';

export class Model {
  readonly store: ParamStore;
  readonly ops: TfjsOps;

  private constructor(readonly config: ModelConfig, seed: number) {
    this.store = new ParamStore(seed);
    this.ops = new TfjsOps(this.store);
  }

  /** A freshly initialised model (seeded): parameters are created by one forward pass on silence. */
  static create(config: ModelConfig | string, seed = 0): Model {
    const cfg = typeof config === 'string' ? getPreset(config) : config;
    const m = new Model(cfg, seed);
    tf.tidy(() => { m.apply(tf.zeros([1, cfg.channels, cfg.windowSamples])); });
    return m;
  }

  static fromWeights(config: ModelConfig, weights: Map<string, HostTensor>): Model {
    const { model, added: missing } = Model.grownFrom(config, weights);
    if (missing.length) {
      model.dispose();
      throw new Error(`weights lack ${missing.length} parameter(s) of preset ${config.preset}, e.g. ${missing[0]}`);
    }
    return model;
  }

  /**
   * Fine-tuning start: a model of `config` (seeded init) taking every weight of
   * an older model. Parameters the older model lacks (a branch added since,
   * built to start at zero) keep their initial values and are returned as
   * `added`. A weight whose last axis grew (a head added since, appended as
   * the last columns of a layer the heads share: the key head's output) keeps
   * its old columns, the new ones start at their initial values, and it is
   * listed in `added` with the columns. A weight the new model lacks, or of
   * any other shape, is an error.
   */
  static grownFrom(config: ModelConfig, weights: Map<string, HostTensor>, seed = 0): { model: Model; added: string[] } {
    const m = Model.create(config, seed);
    const expected = new Map([...m.store.vars].map(([k, v]) => [k, v.shape]));
    const current = new Map<string, HostTensor>();
    const widened: string[] = [];
    for (const [k, t] of weights) {
      const shape = expected.get(k);
      if (!shape) throw new Error(`weights hold ${k}, which preset ${config.preset} does not have`);
      if (shape.join() === t.shape.join()) { current.set(k, t); continue; }
      const last = shape.length - 1;
      const grew = shape.length === t.shape.length && shape.slice(0, last).join() === t.shape.slice(0, last).join() && shape[last]! > t.shape[last]!;
      if (!grew) throw new Error(`parameter ${k} has shape [${t.shape}], preset ${config.preset} expects [${shape}]`);
      const init = m.store.vars.get(k)!.dataSync() as Float32Array;
      const [oldW, newW] = [t.shape[last]!, shape[last]!];
      for (let r = 0; r < t.data.length / oldW; r++) init.set(t.data.subarray(r * oldW, (r + 1) * oldW), r * newW);
      current.set(k, { shape, data: init });
      widened.push(`${k} (columns ${oldW}..${newW - 1})`);
    }
    m.store.assign(current);
    return { model: m, added: [...[...expected.keys()].filter((k) => !weights.has(k)), ...widened] };
  }

  /** Forward pass on [B, 2, N] samples (call inside tf.tidy or dispose the outputs). */
  apply(samples: tf.Tensor): ModelOutputs<tf.Tensor> {
    return forward(this.ops, this.config, samples);
  }

  /** Inference: returns host arrays of every output for a [B, 2, N] batch. */
  async predict(samples: tf.Tensor | HostTensor): Promise<Record<string, HostTensor>> {
    const outs = tf.tidy(() => {
      const x = samples instanceof tf.Tensor ? samples : tf.tensor(samples.data, samples.shape);
      return this.apply(x);
    });
    const res: Record<string, HostTensor> = {};
    for (const [k, t] of Object.entries(outs)) {
      res[k] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
      t.dispose();
    }
    return res;
  }

  paramCount(): number { return this.store.count(); }

  async weights(): Promise<Map<string, HostTensor>> { return this.store.toHost(); }

  /** Records the IR graph of this model (static batch size). */
  async graph(batch = 1, opts: GraphOptions = {}): Promise<IrGraph> { return buildModelGraph(this.config, await this.weights(), batch, opts); }

  dispose(): void {
    this.store.dispose();
    this.ops.dispose();
  }
}
