import * as tf from '@tensorflow/tfjs-node';

/** One line naming the tfjs backend and the TensorFlow it runs on (printed by train / doctor). */
export function backendSummary(): string {
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return `tfjs ${tf.version['tfjs-core']} backend "${tf.getBackend()}"${binding?.TF_Version ? ` on TensorFlow ${binding.TF_Version}` : ''}`;
}
