"""Oracle for the TFLite tests: runs .tflite files with TensorFlow's own tf.lite.Interpreter.

usage: tflite_oracle.py INPUT_NAME INPUT.bin DIM,DIM,... OUT_DIR MODEL [MODEL ...]
Feeds the float32 little-endian INPUT.bin through each model's `serving_default`
signature and writes output <name> of model i to OUT_DIR/<i>/<name>.bin, plus
OUT_DIR/outputs.json (TF version, per model the output names and shapes).
One process for all models: importing TensorFlow is the slow part.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main() -> None:
    input_name, input_bin, dims, out_dir, *models = sys.argv[1:]
    x = np.fromfile(input_bin, dtype="<f4").reshape([int(d) for d in dims.split(",")])
    meta = {"tensorflow": tf.__version__, "models": []}
    for i, model in enumerate(models):
        interpreter = tf.lite.Interpreter(model_path=model)
        outputs = interpreter.get_signature_runner("serving_default")(**{input_name: x})
        os.makedirs(os.path.join(out_dir, str(i)), exist_ok=True)
        shapes = {}
        for name, value in outputs.items():
            value = np.asarray(value, dtype="<f4")
            value.tofile(os.path.join(out_dir, str(i), f"{name}.bin"))
            shapes[name] = list(value.shape)
        meta["models"].append({"model": model, "outputs": shapes})
    with open(os.path.join(out_dir, "outputs.json"), "w") as f:
        json.dump(meta, f)


if __name__ == "__main__":
    main()
