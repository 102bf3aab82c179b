"""Second opinion on a .tflite's TFLite Metadata, independent of our TypeScript.

The model side is read with TensorFlow's generated schema_py_generated
(Model, Metadata, Buffer); the ModelMetadata side with the `flatbuffers`
package's raw Table, field slots typed in here from tflite-support's
metadata_schema.fbs (not taken from converters/tflite/metadata-schema.ts).
Prints the decoded metadata as JSON.

usage: python tflite_metadata_oracle.py model.tflite
"""
import importlib.util
import json
import site
import sys
import zipfile
from pathlib import Path

import flatbuffers
from flatbuffers import number_types as N
from flatbuffers.table import Table


def load_tflite_schema():
    """TF's generated TFLite schema module, loaded from its file: importing the
    `tensorflow` package would cost seconds of CPU for one flatbuffers module."""
    for d in site.getsitepackages():
        f = Path(d) / "tensorflow" / "lite" / "python" / "schema_py_generated.py"
        if f.exists():
            spec = importlib.util.spec_from_file_location("schema_py_generated", f)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return mod
    raise SystemExit("tensorflow/lite/python/schema_py_generated.py not found in site-packages")


schema = load_tflite_schema()


def field(t, slot):
    """Absolute position of field `slot` in table t, or 0 when absent."""
    o = t.Offset(4 + 2 * slot)
    return t.Pos + o if o else 0


def string(t, slot):
    o = t.Offset(4 + 2 * slot)
    return t.String(t.Pos + o).decode("utf-8") if o else None


def tables(t, slot):
    o = t.Offset(4 + 2 * slot)
    if not o:
        return []
    start, n = t.Vector(o), t.VectorLen(o)
    return [Table(t.Bytes, t.Indirect(start + 4 * i)) for i in range(n)]


def table(t, slot):
    o = t.Offset(4 + 2 * slot)
    return Table(t.Bytes, t.Indirect(t.Pos + o)) if o else None


def floats(t, slot):
    o = t.Offset(4 + 2 * slot)
    if not o:
        return None
    start, n = t.Vector(o), t.VectorLen(o)
    return [t.Get(N.Float32Flags, start + 4 * i) for i in range(n)]


def strings(t, slot):
    o = t.Offset(4 + 2 * slot)
    if not o:
        return None
    start, n = t.Vector(o), t.VectorLen(o)
    return [t.String(start + 4 * i).decode("utf-8") for i in range(n)]


CONTENT_PROPERTIES = {0: "NONE", 1: "FeatureProperties", 2: "ImageProperties", 3: "BoundingBoxProperties", 4: "AudioProperties"}


def tensor_metadata(t):
    # TensorMetadata: name 0, description 1, dimension_names 2, content 3, process_units 4, stats 5
    out = {"name": string(t, 0), "description": string(t, 1), "dimension_names": strings(t, 2)}
    c = table(t, 3)
    if c is not None:
        # Content: content_properties_type 0 (ubyte), content_properties 1 (union table), range 2
        kind = CONTENT_PROPERTIES[c.Get(N.Uint8Flags, field(c, 0))] if field(c, 0) else "NONE"
        out["content"] = {"type": kind}
        if kind == "AudioProperties":
            a = table(c, 1)
            # AudioProperties: sample_rate 0 (uint), channels 1 (uint)
            out["content"]["sample_rate"] = a.Get(N.Uint32Flags, field(a, 0)) if field(a, 0) else 0
            out["content"]["channels"] = a.Get(N.Uint32Flags, field(a, 1)) if field(a, 1) else 0
    s = table(t, 5)
    if s is not None:
        out["stats"] = {"max": floats(s, 0), "min": floats(s, 1)}  # Stats: max 0, min 1
    files = tables(t, 6)  # associated_files 6
    if files:
        # AssociatedFile: name 0, description 1, type 2 (byte AssociatedFileType), locale 3
        out["associated_files"] = [
            {"name": string(f, 0), "description": string(f, 1), "type": ASSOCIATED_FILE_TYPES[f.Get(N.Int8Flags, field(f, 2))] if field(f, 2) else "UNKNOWN"}
            for f in files
        ]
    return out


ASSOCIATED_FILE_TYPES = {0: "UNKNOWN", 1: "DESCRIPTIONS", 2: "TENSOR_AXIS_LABELS", 3: "TENSOR_VALUE_LABELS", 4: "TENSOR_AXIS_SCORE_CALIBRATION", 5: "VOCABULARY"}


def packed_files(path):
    """The zip appended after the model (what tflite-support's MetadataPopulator writes), read by
    Python's zipfile as the populator's own readers do; {} when the file is no zip."""
    if not zipfile.is_zipfile(path):
        return {}
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None, "every CRC matches"
        return {i.filename: {"text": zf.read(i.filename).decode("utf-8"), "header_offset": i.header_offset} for i in zf.infolist()}


def main(path):
    buf = bytearray(open(path, "rb").read())
    model = schema.Model.GetRootAs(buf, 0)
    entries = [model.Metadata(i) for i in range(model.MetadataLength())]
    names = [e.Name().decode("utf-8") for e in entries]
    entry = entries[names.index("TFLITE_METADATA")]
    data = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    assert flatbuffers.util.BufferHasIdentifier(data, 0, b"M001"), "file identifier M001"
    root = Table(bytearray(data), flatbuffers.encode.Get(flatbuffers.packer.uoffset, data, 0))
    # ModelMetadata: name 0, description 1, version 2, subgraph_metadata 3, author 4, license 5, associated_files 6, min_parser_version 7
    sg = tables(root, 3)[0]
    # SubGraphMetadata: name 0, description 1, input_tensor_metadata 2, output_tensor_metadata 3
    print(json.dumps({
        "metadata_entries": names,
        "name": string(root, 0), "description": string(root, 1), "version": string(root, 2),
        "author": string(root, 4), "license": string(root, 5), "min_parser_version": string(root, 7),
        "subgraph": {
            "name": string(sg, 0), "description": string(sg, 1),
            "inputs": [tensor_metadata(t) for t in tables(sg, 2)],
            "outputs": [tensor_metadata(t) for t in tables(sg, 3)],
        },
        "model_inputs": [model.Subgraphs(0).Tensors(model.Subgraphs(0).Inputs(i)).Name().decode("utf-8") for i in range(model.Subgraphs(0).InputsLength())],
        "model_outputs": [model.Subgraphs(0).Tensors(model.Subgraphs(0).Outputs(i)).Name().decode("utf-8") for i in range(model.Subgraphs(0).OutputsLength())],
        "packed_files": packed_files(path),
        "flatbuffer_size": len(buf),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
