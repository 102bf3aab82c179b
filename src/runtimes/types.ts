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
  load(path: string): Promise<Session>;
}
