/**
 * A model as plain host arrays: its config and weights, no TensorFlow. This is
 * all that exporting, inspecting and running an export need (the IR builder
 * records the graph from the weights), so transcription through ONNX Runtime
 * and every converter work where tfjs-node is not installed. The canonical tfjs
 * model (./model.ts) is made from it only when a command must run TensorFlow
 * itself (training, goldens, --backend tfjs).
 */
import type { HostTensor } from '../ir/tensor.js';
import type { IrGraph } from '../ir/graph.js';
import type { GraphOptions } from './ir-ops.js';
import type { ModelConfig } from './config.js';

/** What exporting and hashing read of a model: both HostModel and the tfjs Model provide it. */
export interface ModelLike {
  readonly config: ModelConfig;
  weights(): Promise<Map<string, HostTensor>>;
  /** The IR graph; `trainable` keeps every parameter one constant read through ops (see GraphOptions). */
  graph(batch?: number, opts?: GraphOptions): Promise<IrGraph>;
  paramCount(): number;
  dispose(): void;
  /** The checkpoint's content hash when it was read from one with verified shards (checkpoint.ts): lets the export cache skip recording the graph. */
  readonly contentId?: string;
}

export class HostModel implements ModelLike {
  constructor(readonly config: ModelConfig, private readonly params: Map<string, HostTensor>, readonly contentId?: string) {}

  async weights(): Promise<Map<string, HostTensor>> { return this.params; }

  /**
   * Records the IR graph (static batch size); fails when a weight the network needs is missing.
   * The IR builder is loaded here, on first use: running a cached export never records the graph.
   */
  async graph(batch = 1, opts: GraphOptions = {}): Promise<IrGraph> {
    const { buildModelGraph } = await import('./ir-ops.js');
    return buildModelGraph(this.config, this.params, batch, opts);
  }

  paramCount(): number {
    let n = 0;
    for (const t of this.params.values()) n += t.data.length;
    return n;
  }

  dispose(): void { /* plain arrays: nothing to release */ }
}
