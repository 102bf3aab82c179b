"""Python second opinions for `a2m verify` (src/verify/oracles.ts).

usage: oracle.py JOBS.json
JOBS.json: {"jobs": [{"id", "format": "tflite" | "savedmodel" | "onnx", "path",
            "input": "samples", "shape": [B, 2, 80000], "batches": [file.f32, ...],
            "outDir"}]}
Runs every batch file (raw little-endian float32 of `shape`) through the
artifact in TensorFlow's tf.lite.Interpreter, tf.saved_model.load (serving_default),
or onnxruntime's Python package, and writes outDir/<batch index>/<output>.f32.
Prints JSON lines, flushed as it goes: {"start": id} before a job, then
{"result": id, "ok", "runtime", "outputs": {name: shape}, "loadMs", "runMs": [...]}
or {"result": id, "ok": false, "error"}. A runtime can crash the process
(a corrupt .tflite segfaults tf.lite.Interpreter); the caller then blames the
job that started without a result and runs the rest in a new process.
One process for every job otherwise: importing TensorFlow is the slow part.
"""
import json
import os
import sys
import time
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402

_tf = None


def tf():
    global _tf
    if _tf is None:
        import tensorflow
        _tf = tensorflow
    return _tf


def load_tflite(path, input_name):
    interp = tf().lite.Interpreter(model_path=path)
    runner = interp.get_signature_runner("serving_default")
    return (lambda x: runner(**{input_name: x})), f"tf.lite.Interpreter (TensorFlow {tf().__version__})"


def load_savedmodel(path, input_name):
    fn = tf().saved_model.load(path).signatures["serving_default"]
    return (lambda x: {k: v.numpy() for k, v in fn(**{input_name: tf().constant(x)}).items()}), f"tf.saved_model.load (TensorFlow {tf().__version__})"


def load_onnx(path, input_name):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(os.environ.get("A2M_ORT_THREADS", "2"))
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    dtype = np.float16 if sess.get_inputs()[0].type == "tensor(float16)" else np.float32
    names = [o.name for o in sess.get_outputs()]
    return (lambda x: dict(zip(names, sess.run(names, {input_name: x.astype(dtype)})))), f"onnxruntime {ort.__version__} (Python, CPU)"


LOADERS = {"tflite": load_tflite, "savedmodel": load_savedmodel, "onnx": load_onnx}


def run_job(job):
    t = time.perf_counter()
    run, runtime = LOADERS[job["format"]](job["path"], job["input"])
    load_ms = (time.perf_counter() - t) * 1000
    run_ms, shapes = [], {}
    for i, batch_file in enumerate(job["batches"]):
        x = np.fromfile(batch_file, dtype="<f4").reshape(job["shape"])
        t = time.perf_counter()
        outs = run(x)
        run_ms.append((time.perf_counter() - t) * 1000)
        out_dir = os.path.join(job["outDir"], str(i))
        os.makedirs(out_dir, exist_ok=True)
        for name, value in outs.items():
            value = np.asarray(value).astype("<f4")
            value.tofile(os.path.join(out_dir, name + ".f32"))
            shapes[name] = list(value.shape)
    return {"ok": True, "runtime": runtime, "outputs": shapes, "loadMs": load_ms, "runMs": run_ms}


def emit(obj):
    # Flushed line by line: after a crash, what was printed is all the caller has.
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)["jobs"]
    for job in jobs:
        emit({"start": job["id"]})
        try:
            result = run_job(job)
        except Exception as e:  # one artifact's failure is its row's error, not the whole run's
            result = {"ok": False, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", "trace": traceback.format_exc()[-2000:]}
        emit({"result": job["id"], **result})


if __name__ == "__main__":
    main()
