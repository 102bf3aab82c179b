"""The SavedModel tests' TensorFlow oracle: one process (importing TF costs
seconds) runs every job of the JSON list in argv[1] and prints one JSON line
{"<job id>": result | {"error": traceback}}. Jobs:

schema      {messages: [full names], ops: [op names]} -> the installed TF's proto
            descriptors (fields: number, type, label, type name; enums: values)
            and op defs (attr type and default, input names).
checkpoint  {ours: prefix, theirs: prefix} -> reads OUR bundle with TF's
            CheckpointReader (C++ BundleReader, verifies every CRC): every
            tensor's dtype, shape and raw bytes; then writes a bundle with TF's
            own SaveV2 at `theirs` for our reader.
savedmodel  {dir, input, out_dir, save_prefix} -> tf.saved_model.load(dir)
            .signatures["serving_default"] (TF1 signature path: no object
            graph) on the float32 input file; writes <out_dir>/<name>.bin per
            output. Then a TF1 session loads the meta graph (restore through the
            saver_def) and runs the saver's save tensor to save_prefix.
"""
import json, os, sys, traceback
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf


def schema(messages, ops):
    from google.protobuf import descriptor_pool, text_format
    from tensorflow.core.protobuf import saved_model_pb2, meta_graph_pb2, saver_pb2, tensor_bundle_pb2  # noqa: F401
    from tensorflow.core.framework import graph_pb2, function_pb2, op_def_pb2  # noqa: F401
    from tensorflow.python.framework import op_def_registry
    pool = descriptor_pool.Default()
    out_m, out_e, out_o = {}, {}, {}
    for name in messages:
        try:
            d = pool.FindMessageTypeByName(name)
        except KeyError:
            out_e[name] = {v.name: v.number for v in pool.FindEnumTypeByName(name).values}
            continue
        out_m[name] = {f.name: {"number": f.number, "type": f.type, "repeated": f.is_repeated if hasattr(f, "is_repeated") else f.label == 3,
                                "type_name": (f.message_type or f.enum_type).full_name if (f.message_type or f.enum_type) else ""}
                       for f in d.fields}
    for op in ops:
        d = op_def_registry.get(op)
        out_o[op] = {"attrs": {a.name: {"type": a.type, "default": text_format.MessageToString(a.default_value, as_one_line=True) if a.HasField("default_value") else None}
                               for a in d.attr},
                     "inputs": [i.name for i in d.input_arg]}
    return {"messages": out_m, "enums": out_e, "ops": out_o}


def checkpoint(ours, theirs):
    reader = tf.train.load_checkpoint(ours)
    read = {}
    for key, dtype in sorted(reader.get_variable_to_dtype_map().items()):
        v = reader.get_tensor(key)
        data = [s.hex() for s in np.asarray(v, dtype=object).reshape(-1)] if dtype == tf.string else np.ascontiguousarray(v).tobytes().hex()
        read[key] = {"dtype": dtype.name, "shape": list(np.shape(v)), "data": data}
    rng = np.random.default_rng(5)
    # Keys that differ up front share no prefix: 1500 of them outgrow one 256 KiB index block.
    names = ["%04d/%s" % (i, "x" * 200) for i in range(1500)]
    tensors = [rng.standard_normal((2, 3)).astype(np.float32) for _ in names]
    names += ["half", "int8", "int32", "scalar", "strings", "empty"]
    tensors += [rng.standard_normal((5, 7)).astype(np.float16), np.arange(-64, 64, dtype=np.int8).reshape(8, 16),
                np.arange(12, dtype=np.int32).reshape(3, 4), np.float32(3.5),
                np.array([b"", b"abc", bytes(range(256))], dtype=object), np.zeros((0, 3), np.float32)]
    tf.raw_ops.SaveV2(prefix=theirs, tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)
    return {"read": read}


def savedmodel(dir, input, out_dir, save_prefix):
    fn = tf.saved_model.load(dir).signatures["serving_default"]
    (name, spec), = fn.structured_input_signature[1].items()
    x = np.fromfile(input, dtype="<f4").reshape(spec.shape)
    outputs = {}
    for k, v in fn(**{name: tf.constant(x)}).items():
        a = v.numpy().astype("<f4")
        a.tofile(os.path.join(out_dir, k + ".bin"))
        outputs[k] = list(a.shape)
    with tf.compat.v1.Graph().as_default() as g, tf.compat.v1.Session(graph=g) as sess:
        mg = tf.compat.v1.saved_model.loader.load(sess, ["serve"], dir)
        sd = mg.saver_def
        sess.run(sd.save_tensor_name, {sd.filename_tensor_name: save_prefix})
    return {"input": name, "outputs": outputs}


JOBS = {"schema": schema, "checkpoint": checkpoint, "savedmodel": savedmodel}
results = {}
for job in json.load(open(sys.argv[1])):
    try:
        results[job["id"]] = JOBS[job["job"]](**job["args"])
    except Exception:
        results[job["id"]] = {"error": traceback.format_exc()}
print(json.dumps(results))
