/**
 * Training loss. Frame head: BCE against the seed's decaying frame target.
 * Onset head: BCE against onset targets, positives up-weighted (an onset is
 * ~1 frame in 250). Velocity head: squared error on onset frames only (where
 * the velocity target is defined). Offset head: BCE against offset targets (a
 * note's last sounding frame), weighted as the onset head: as rare, as sharp.
 */
import * as tf from '@tensorflow/tfjs-node';

export interface Targets {
  /** [B, 250, 90] frame targets (seed shape: 1 at onset decaying to 0.6 until release). */
  frames: tf.Tensor;
  /** [B, 250, 90] 1 at onset frames. */
  onsets?: tf.Tensor;
  /** [B, 250, 90] velocity 0..1 at onset frames (0 elsewhere). */
  velocities?: tf.Tensor;
  /** [B, 250, 90] 1 at each note's last sounding frame (src/data/targets.ts). */
  offsets?: tf.Tensor;
}

export const ONSET_POS_WEIGHT = 5;
export const ONSET_LOSS_WEIGHT = 1;
export const VELOCITY_LOSS_WEIGHT = 1;
export const OFFSET_POS_WEIGHT = 5;
export const OFFSET_LOSS_WEIGHT = 1;

/** Mean over elements of numerically stable BCE-with-logits, optional positive weight. */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor, posWeight = 1): tf.Scalar {
  // max(x,0) - x*z + log(1 + exp(-|x|)), with positives scaled by posWeight.
  const base = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  if (posWeight === 1) return tf.mean(base);
  const w = tf.add(1, tf.mul(targets, posWeight - 1));
  return tf.mean(tf.mul(base, w));
}

export interface LossParts { total: tf.Scalar; frame: tf.Scalar; onset?: tf.Scalar; velocity?: tf.Scalar; offset?: tf.Scalar }

export function computeLoss(outputs: Record<string, tf.Tensor>, t: Targets): LossParts {
  const frame = bceWithLogits(outputs.logits!, t.frames);
  let total: tf.Scalar = frame;
  const parts: LossParts = { total, frame };
  if (outputs.onset_logits && t.onsets) {
    parts.onset = bceWithLogits(outputs.onset_logits, t.onsets, ONSET_POS_WEIGHT);
    total = tf.add(total, tf.mul(parts.onset, ONSET_LOSS_WEIGHT));
  }
  if (outputs.velocity && t.velocities && t.onsets) {
    const err = tf.mul(tf.square(tf.sub(outputs.velocity, t.velocities)), t.onsets);
    parts.velocity = tf.div(tf.sum(err), tf.add(tf.sum(t.onsets), 1)) as tf.Scalar;
    total = tf.add(total, tf.mul(parts.velocity, VELOCITY_LOSS_WEIGHT));
  }
  if (outputs.offset_logits && t.offsets) {
    parts.offset = bceWithLogits(outputs.offset_logits, t.offsets, OFFSET_POS_WEIGHT);
    total = tf.add(total, tf.mul(parts.offset, OFFSET_LOSS_WEIGHT));
  }
  parts.total = total;
  return parts;
}
