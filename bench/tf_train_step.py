"""The training step of an a2m model in Python TensorFlow, built from its exported IR.

bench/training.ts writes the model's IR graph (src/ir/serialize.ts: graph.json +
constants/*.npy, learned constants marked `trainable`) and one batch as .npy
files, then runs this script with the venv's TensorFlow, the very library
tfjs-node is linked against. Nothing here knows the architecture: every IR op
is mapped to TF ops, trainable constants become tf.Variables, fixed tables
(constant-Q kernels, RoPE, masks) stay constants.

  parity: forward (and loss) on the batch; max abs error against the tfjs
          outputs the bench stored beside it (expected_<output>.npy, expected_loss.json).
  time:   a tf.function (or --eager) training step (same loss as src/train/loss.ts, Keras
          AdamW with the same betas, epsilon, weight decay and global-norm clip),
          warm-up steps, then timed steps on the same batch.

Prints one JSON object on stdout.
  .venv/bin/python bench/tf_train_step.py DIR --mode parity|time [--steps N --warmup N --xla|--eager --intra N --inter N]
"""
import argparse
import json
import math
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


# ---- IR ops -> TF ops (src/ir/ops.ts defines each op's semantics) ----------------------
def conv1d(x, w, bias, a):
    """x [B, L, Cin], w [K, Cin/groups, Cout]; explicit zero padding, as src/model/tfjs-ops.ts runs it."""
    if a["padBegin"] or a["padEnd"]:
        x = tf.pad(x, [[0, 0], [a["padBegin"], a["padEnd"]], [0, 0]])
    cin = x.shape[-1]
    if a["groups"] == 1:
        y = tf.nn.conv1d(x, w, stride=a["stride"], padding="VALID")
    elif a["groups"] == cin and w.shape[2] == cin:
        # Depthwise (TF on CPU has no grouped convolution): a 1xK depthwise conv2d.
        f = tf.reshape(w, [1, w.shape[0], cin, 1])
        y = tf.squeeze(tf.nn.depthwise_conv2d(x[:, None], f, [1, 1, a["stride"], 1], "VALID"), [1])
    else:
        raise ValueError(f"Conv1D groups={a['groups']} with {cin} input channels (only 1 or depthwise)")
    return y if bias is None else y + bias


def conv2d(x, w, bias, a):
    """x NHWC, w HWIO, explicit pads [top, bottom, left, right]."""
    t, b, l, r = a["pads"]
    if any(a["pads"]):
        x = tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]])
    cin = x.shape[-1]
    if a["groups"] == 1:
        y = tf.nn.conv2d(x, w, [1, *a["strides"], 1], "VALID")
    elif a["groups"] == cin and w.shape[3] % cin == 0:
        f = tf.reshape(w, [w.shape[0], w.shape[1], cin, w.shape[3] // cin])
        y = tf.nn.depthwise_conv2d(x, f, [1, *a["strides"], 1], "VALID")
    else:
        raise ValueError(f"Conv2D groups={a['groups']} with {cin} input channels (only 1 or depthwise)")
    return y if bias is None else y + bias


def dense(x, w, bias):
    """x [..., K] @ w [K, N] (+ bias), as one 2-D matmul like tfjs's fused matMul."""
    k, n = w.shape
    lead = x.shape[:-1]
    y = tf.matmul(tf.reshape(x, [-1, k]), w)
    if bias is not None:
        y = tf.nn.bias_add(y, bias)
    return tf.reshape(y, [*lead, n])


def layer_norm(x, gamma, beta, eps):
    mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(var + eps) * gamma + beta


def gelu_tanh(x):
    return 0.5 * x * (1 + tf.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))


def pad(x, a):
    mode = {"constant": "CONSTANT", "reflect": "REFLECT"}[a["mode"]]
    return tf.pad(x, a["pads"], mode=mode, constant_values=a.get("value", 0) if mode == "CONSTANT" else 0)


def optional(i, k):
    return i[k] if len(i) > k else None


OPS = {
    "Add": lambda i, a: tf.add(i[0], i[1]),
    "Sub": lambda i, a: tf.subtract(i[0], i[1]),
    "Mul": lambda i, a: tf.multiply(i[0], i[1]),
    "Div": lambda i, a: tf.divide(i[0], i[1]),
    "DivNoNan": lambda i, a: tf.math.divide_no_nan(i[0], i[1]),
    "Sigmoid": lambda i, a: tf.sigmoid(i[0]),
    "Gelu": lambda i, a: gelu_tanh(i[0]),
    "Sqrt": lambda i, a: tf.sqrt(i[0]),
    "Log": lambda i, a: tf.math.log(i[0]),
    "Tanh": lambda i, a: tf.tanh(i[0]),
    "Relu": lambda i, a: tf.nn.relu(i[0]),
    "Conv1D": lambda i, a: conv1d(i[0], i[1], optional(i, 2), a),
    "Conv2D": lambda i, a: conv2d(i[0], i[1], optional(i, 2), a),
    "Dense": lambda i, a: dense(i[0], i[1], optional(i, 2)),
    "BatchMatMul": lambda i, a: tf.linalg.matmul(i[0], i[1], transpose_b=a["transposeB"]),
    "LayerNorm": lambda i, a: layer_norm(i[0], i[1], i[2], a["epsilon"]),
    "Softmax": lambda i, a: tf.nn.softmax(i[0], axis=-1),
    "Reshape": lambda i, a: tf.reshape(i[0], a["shape"]),
    "Transpose": lambda i, a: tf.transpose(i[0], a["perm"]),
    "Slice": lambda i, a: tf.slice(i[0], a["begin"], a["size"]),
    "Concat": lambda i, a: tf.concat(list(i), axis=a["axis"]),
    "Gather": lambda i, a: tf.gather(i[0], a["indices"], axis=a["axis"]),
    "ReduceMin": lambda i, a: tf.reduce_min(i[0], axis=a["axes"], keepdims=a["keepDims"]),
    "ReduceMax": lambda i, a: tf.reduce_max(i[0], axis=a["axes"], keepdims=a["keepDims"]),
    "Pad": lambda i, a: pad(i[0], a),
}


class IrModel:
    """Runs the IR graph in TF: trainable constants are tf.Variables, the rest tf.constants."""

    def __init__(self, graph_dir):
        with open(os.path.join(graph_dir, "graph.json")) as f:
            self.graph = json.load(f)
        unknown = sorted({n["op"] for n in self.graph["nodes"]} - OPS.keys())
        if unknown:
            raise SystemExit(f"{graph_dir}/graph.json: ops with no TF mapping: {', '.join(unknown)}")
        self.values = {}
        self.variables = []
        for c in self.graph["constants"]:
            arr = np.load(os.path.join(graph_dir, c["file"]))
            if c["trainable"]:
                v = tf.Variable(arr, name=c["name"].replace("/", "__"), trainable=True)
                v.a2m_name = c["name"]
                self.variables.append(v)
                self.values[c["name"]] = v
            else:
                self.values[c["name"]] = tf.constant(arr)

    def __call__(self, inputs):
        env = dict(self.values)
        env.update(inputs)
        for n in self.graph["nodes"]:
            env[n["output"]] = OPS[n["op"]]([env[i] for i in n["inputs"]], n["attrs"])
        return {o["name"]: env[o["value"]] for o in self.graph["outputs"]}


# ---- the loss of src/train/loss.ts (weights passed in by the bench) ---------------------
def bce_with_logits(logits, targets, pos_weight=1.0):
    base = tf.nn.relu(logits) - logits * targets + tf.math.log1p(tf.exp(-tf.abs(logits)))
    if pos_weight == 1:
        return tf.reduce_mean(base)
    return tf.reduce_mean(base * (1 + targets * (pos_weight - 1)))


def compute_loss(out, t, w):
    """src/train/loss.ts, term by term; `t` holds the target rolls by name."""
    frames, onsets = t["frames"], t["onsets"]
    frame = bce_with_logits(out["logits"], frames)
    parts = {"frame": frame}
    total = frame
    if "onset_logits" in out:
        parts["onset"] = bce_with_logits(out["onset_logits"], onsets, w["onsetPosWeight"])
        total += parts["onset"] * w["onsetLossWeight"]
    if "velocity" in out:
        err = tf.square(out["velocity"] - t["velocities"]) * onsets
        parts["velocity"] = tf.reduce_sum(err) / (tf.reduce_sum(onsets) + 1)
        total += parts["velocity"] * w["velocityLossWeight"]
    if "offset_logits" in out:
        parts["offset"] = bce_with_logits(out["offset_logits"], t["offsets"], w["offsetPosWeight"])
        total += parts["offset"] * w["offsetLossWeight"]
    parts["total"] = total
    return parts


def load_batch(d, spec):
    arr = {k: tf.constant(np.load(os.path.join(d, f))) for k, f in spec["files"].items()}
    return arr.pop("samples"), arr


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def parity(d, spec):
    model = IrModel(d)
    x, targets = load_batch(d, spec)
    out = model({model.graph["inputs"][0]["name"]: x})
    errors = {}
    for name, f in spec["expected"].items():
        got, want = out[name].numpy(), np.load(os.path.join(d, f))
        if got.shape != want.shape:
            raise SystemExit(f"{d}: output {name} has shape {list(got.shape)} in TF, {list(want.shape)} in tfjs")
        errors[name] = float(np.max(np.abs(got - want)))
    loss = compute_loss(out, targets, spec["loss"])
    loss_err = {k: abs(float(v.numpy()) - spec["expectedLoss"][k]) for k, v in loss.items() if k in spec["expectedLoss"]}
    return {"maxAbsError": errors, "lossAbsError": loss_err, "opsMapped": sorted(OPS)}


def time_steps(d, spec, steps, warmup, xla, eager):
    model = IrModel(d)
    x, targets = load_batch(d, spec)
    o = spec["optimizer"]
    # Constant learning rate: the schedule is a host-side scalar in both trainers and costs nothing.
    opt = tf.keras.optimizers.AdamW(
        learning_rate=o["lr"], weight_decay=o["weightDecay"], beta_1=o["beta1"], beta_2=o["beta2"],
        epsilon=o["epsilon"], global_clipnorm=o["clipNorm"])
    # src/train/optimizer.ts decays matrices only (rank >= 2), never a layer scale / norm gamma.
    opt.exclude_from_weight_decay(var_list=[v for v in model.variables if len(v.shape) < 2 or v.a2m_name.endswith("/gamma")])
    # Slot variables made up front: created inside the first trace, they cost a second trace.
    opt.build(model.variables)
    input_name = model.graph["inputs"][0]["name"]

    def train_step(x, targets):
        with tf.GradientTape() as tape:
            loss = compute_loss(model({input_name: x}), targets, spec["loss"])["total"]
        grads = tape.gradient(loss, model.variables)
        opt.apply_gradients(zip(grads, model.variables))
        return loss

    # Eager runs op by op from Python, as tfjs-node runs every op from JS: it separates
    # the cost of eager dispatch from what is particular to tfjs.
    step = train_step if eager else tf.function(train_step, jit_compile=xla)

    t0 = time.perf_counter()
    first = None
    for i in range(warmup):
        loss = float(step(x, targets).numpy())
        if i == 0:
            first = time.perf_counter() - t0  # tracing (+ XLA compile) + one step; eager: one step
    t0, cpu0 = time.perf_counter(), time.process_time()
    losses = []
    for _ in range(steps):
        losses.append(float(step(x, targets).numpy()))  # a host sync per step, as the tfjs trainer reads its loss
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    batch = int(x.shape[0])
    if not all(math.isfinite(v) for v in losses):
        raise SystemExit(f"TF training step: loss became non-finite ({losses})")
    return {
        "steps": steps, "warmupSteps": warmup, "batch": batch, "xla": xla, "eager": eager, "seconds": seconds,
        "secondsPerStep": seconds / steps, "windowsPerSecond": steps * batch / seconds,
        "cpuSecondsPerStep": cpu / steps,  # all threads: less sensitive than wall time to other jobs on the machine
        "firstStepSeconds": first, "lossFirst": losses[0], "lossLast": losses[-1],
        "trainableParameters": int(sum(np.prod(v.shape) for v in model.variables)),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", help="folder written by bench/training.ts (graph.json, constants/, batch .npy, spec.json)")
    p.add_argument("--mode", choices=["parity", "time"], required=True)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--xla", action="store_true", help="tf.function(jit_compile=True)")
    p.add_argument("--eager", action="store_true", help="no tf.function: every op dispatched from Python")
    p.add_argument("--intra", type=int, default=0, help="intra-op threads (0: TF default, as tfjs-node)")
    p.add_argument("--inter", type=int, default=0, help="inter-op threads (0: TF default, as tfjs-node)")
    a = p.parse_args()
    if a.xla and a.eager:
        p.error("--xla needs tf.function: drop --eager")
    tf.config.threading.set_intra_op_parallelism_threads(a.intra)
    tf.config.threading.set_inter_op_parallelism_threads(a.inter)
    with open(os.path.join(a.dir, "spec.json")) as f:
        spec = json.load(f)
    t0 = time.perf_counter()
    result = parity(a.dir, spec) if a.mode == "parity" else time_steps(a.dir, spec, a.steps, a.warmup, a.xla, a.eager)
    result.update({
        "mode": a.mode, "tensorflow": tf.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
        "threads": {"intraOp": tf.config.threading.get_intra_op_parallelism_threads(),
                    "interOp": tf.config.threading.get_inter_op_parallelism_threads(), "note": "0 = TF default (one per core)",
                    "cpuCount": os.cpu_count()},
        "wallSeconds": time.perf_counter() - t0, "peakRssMiB": peak_rss_mib(),
    })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
