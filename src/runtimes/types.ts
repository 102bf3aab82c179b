/** Running an artifact in its format's own runtime (DESIGN principle 3). */
import type { HostTensor } from '../ir/tensor.js';

export interface Session {
  /** Feeds by input name (`samples`), returns every output by public name (`logits`, `probs`, ...). */
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  dispose(): Promise<void> | void;
}

export interface Runtime {
  /** e.g. `onnxruntime-node 1.23`, `TensorFlow 2.21 (tfjs-node)`. */
  name: string;
  /** Which format it runs. */
  format: string;
  /** Set when a batch larger than the file's static input batch is not one call (LiteRT.js: one window per call). */
  batchNote?: string;
  load(path: string): Promise<Session>;
}
