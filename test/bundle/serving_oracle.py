"""Independent readers for the bundle's serving files (test/bundle/serving.test.ts).

  triton  <descriptor_set.pb> <config.pbtxt>...
          Google's protobuf text-format parser (google.protobuf.text_format) on
          each config.pbtxt, with message classes built from the descriptor set
          of src/bundle/proto/model_config.proto. Prints {path: MessageToDict}.

  warmup  <tf_serving_warmup_requests> <saved model dir> <golden dir> <rtol>
          Reads the file with TF's own TFRecord reader (tf.data.TFRecordDataset,
          which checks both masked CRCs), decodes each record as PredictionLog
          BY HAND from the field numbers below (typed from tensorflow/serving's
          .proto files, not from src/bundle/proto), parses the request tensor
          with TF's own TensorProto class (tensor_pb2) and runs it through the
          SavedModel's serving_default signature. The tensor must equal one
          golden input exactly; the outputs are compared with that case's
          canonical outputs: per output, max(|got - want| - rtol |want|)
          (compare with atol). Prints a JSON report.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# tensorflow_serving/apis/prediction_log.proto: PredictionLog.predict_log = 6
PREDICTION_LOG_PREDICT_LOG = 6
# PredictLog.request = 1
PREDICT_LOG_REQUEST = 1
# tensorflow_serving/apis/predict.proto: PredictRequest.model_spec = 1, inputs = 2 (map<string, TensorProto>)
PREDICT_REQUEST_MODEL_SPEC = 1
PREDICT_REQUEST_INPUTS = 2
# a map entry: key = 1, value = 2
MAP_KEY, MAP_VALUE = 1, 2
# tensorflow_serving/apis/model.proto: ModelSpec.name = 1, signature_name = 3
MODEL_SPEC_NAME = 1
MODEL_SPEC_SIGNATURE_NAME = 3


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """(field number, wire type, value) of one message; length-delimited values as bytes."""
    out, i = [], 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = bytes(buf[i:i + n]), i + n
        elif wt == 1:
            v, i = bytes(buf[i:i + 8]), i + 8
        elif wt == 5:
            v, i = bytes(buf[i:i + 4]), i + 4
        else:
            raise ValueError(f"wire type {wt} at field {num}")
        out.append((num, wt, v))
    return out


def only(fs, num, what):
    vals = [v for n, wt, v in fs if n == num and wt == 2]
    if len(vals) != 1:
        raise ValueError(f"{what}: expected one field {num}, found {len(vals)} (fields {[n for n, _, _ in fs]})")
    return vals[0]


def triton(descriptor_set, configs):
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format, json_format

    fds = descriptor_pb2.FileDescriptorSet.FromString(open(descriptor_set, "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("inference.ModelConfig"))
    out = {}
    for path in configs:
        msg = text_format.Parse(open(path).read(), cls())
        out[path] = json_format.MessageToDict(msg, preserving_proto_field_name=True)
    print(json.dumps(out))


def warmup(file, saved_model, golden_dir, rtol):
    import numpy as np
    import tensorflow as tf
    from tensorflow.core.framework import tensor_pb2

    manifest = json.load(open(os.path.join(golden_dir, "manifest.json")))
    fn = tf.saved_model.load(saved_model).signatures["serving_default"]
    records = []
    for raw in tf.data.TFRecordDataset(file):
        log = fields(raw.numpy())
        request = fields(only(fields(only(log, PREDICTION_LOG_PREDICT_LOG, "PredictionLog")), PREDICT_LOG_REQUEST, "PredictLog"))
        spec = fields(only(request, PREDICT_REQUEST_MODEL_SPEC, "PredictRequest"))
        inputs = {}
        for n, wt, entry in request:
            if n != PREDICT_REQUEST_INPUTS:
                continue
            e = fields(entry)
            key = only(e, MAP_KEY, "inputs entry").decode()
            tp = tensor_pb2.TensorProto.FromString(only(e, MAP_VALUE, "inputs entry"))
            inputs[key] = tf.make_ndarray(tp)
        rec = {
            "model": only(spec, MODEL_SPEC_NAME, "ModelSpec").decode(),
            "signature": only(spec, MODEL_SPEC_SIGNATURE_NAME, "ModelSpec").decode(),
            "inputs": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in inputs.items()},
        }
        (name, x), = inputs.items()
        case = None
        for c in manifest["cases"]:
            g = np.fromfile(os.path.join(golden_dir, c["input"]["file"]), dtype="<f4").reshape(c["input"]["shape"])
            if g.shape == x.shape and np.array_equal(g, x):
                case = c
        rec["goldenCase"] = case and case["name"]
        if case:
            got = fn(**{name: tf.constant(x)})
            rec["excess"] = {}
            for out_name, entry in case["outputs"].items():
                want = np.fromfile(os.path.join(golden_dir, entry["file"]), dtype="<f4").reshape(entry["shape"])
                d = np.abs(got[out_name].numpy() - want) - float(rtol) * np.abs(want)
                rec["excess"][out_name] = float(np.max(d))
        records.append(rec)
    print(json.dumps({"records": records}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "triton":
        triton(args[0], args[1:])
    elif cmd == "warmup":
        warmup(*args)
    else:
        sys.exit(f"unknown command {cmd}")
