"""Large fp32 matmul GFLOP/s in numpy and in TensorFlow (the .venv), for bench/roofline.ts.

usage: matmul_peak.py N REPEATS [numpy] [tf]
Prints one JSON object: {"numpy": {...}, "tf": {...}} with per-run seconds and
the best GFLOP/s (2*N^3 FLOPs per product), after one warm-up product each.
"""
import json
import sys
import time

import numpy as np


def timed(fn, repeats):
    fn()  # warm-up: thread pools, kernel selection
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return seconds


def main():
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    which = sys.argv[3:] or ["numpy", "tf"]
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    flops = 2.0 * n ** 3
    out = {}
    if "numpy" in which:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        s = timed(lambda: a @ b, repeats)
        out["numpy"] = {"version": np.__version__, "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
                        "seconds": s, "gflops": flops / min(s) / 1e9}
    if "tf" in which:
        import tensorflow as tf
        ta, tb = tf.constant(a), tf.constant(b)
        # Eager CPU ops return when the product is computed; .numpy() would add a 4*N^2-byte copy.
        s = timed(lambda: tf.linalg.matmul(ta, tb), repeats)
        out["tf"] = {"version": tf.__version__, "seconds": s, "gflops": flops / min(s) / 1e9}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
