"""The ONNX models shipped in ``idrenew/face/models/``, each loaded once per process.

Nothing is downloaded: the files come with the package (DESIGN.md §5a, ``MODELS.md``).
Sessions run on the CPU with one intra-op and one inter-op thread, so that a worker
process uses one core and several workers scale across cores.

onnxruntime's PRelu kernel is slow on these models (over half of the mesh and iris models'
time, issue #13), so each PRelu is rewritten when a model is loaded; the file on disk, and
its checksum, are unchanged. A per-channel PRelu(x, a) on an image tensor becomes three
1×1 depthwise convolutions, which onnxruntime keeps in its blocked (NCHWc) layout and fuses
with the ReLUs and the sum::

    Conv[1](x)→Relu  +  Conv[−a](Conv[−1](x)→Relu)        (= max(x, 0) + a·min(x, 0))

Each convolution multiplies by one weight and adds nothing but zero, so every value is the
same product as PRelu's (a·x for x ≤ 0, x otherwise): with onnxruntime's layout
optimisations off (``ORT_ENABLE_EXTENDED``) the outputs are bit-identical to the shipped
model's. With them on (the default), the surrounding convolutions run in the blocked layout
and round some sums in the last bit differently (tests/face/domain/test_runtime.py bounds
it), as the same model does from one CPU's instruction set to another's. Any other PRelu
becomes ``Relu(x) + a · Min(x, 0)`` (same bits, slower). Measured per call, one thread:
the mesh and iris models take ~0.75× the time of that Relu/Min form, ~0.35× PRelu's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"

DETECTOR = "face_detection_short_range"
MESH = "face_landmark"
IRIS = "iris_landmark"
EMBEDDER = "mobilefacenet"
ANTISPOOF = "face_antispoofing"
MINIFASNET_V2 = "minifasnet_v2"
MINIFASNET_V1SE = "minifasnet_v1se"

FloatArray = npt.NDArray[np.float32]


def _constants(graph: onnx.GraphProto) -> dict[str, npt.NDArray[np.float32]]:
    """Float values known when the model loads: initializers, Constant nodes, and casts of
    either (the mesh model keeps its slopes as float16 and casts them)."""
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
            values[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    for n in graph.node:
        if n.op_type == "Cast" and n.input[0] in values:
            values[n.output[0]] = values[n.input[0]].astype(np.float32)
    return {k: np.asarray(v, dtype=np.float32) for k, v in values.items()}


def _channels(graph: onnx.GraphProto) -> dict[str, int]:
    """The channel count of every rank-4 tensor whose shape inference can tell."""
    found = {}
    for v in [*graph.value_info, *graph.input]:
        dims = v.type.tensor_type.shape.dim
        if len(dims) == 4 and dims[1].HasField("dim_value"):
            found[v.name] = int(dims[1].dim_value)
    return found


def _as_convs(n: onnx.NodeProto, slope: npt.NDArray[np.float32]) -> tuple[list[Any], list[Any]]:
    """PRelu ``n`` as three 1×1 depthwise convolutions (nodes, weights); module docstring."""
    x, y, name = n.input[0], n.output[0], n.name or n.output[0]
    c = slope.size
    weights = [
        numpy_helper.from_array(np.full((c, 1, 1, 1), value, np.float32), f"{name}__w{label}")
        for label, value in (("pos", 1.0), ("neg", -1.0))
    ]
    weights.append(numpy_helper.from_array(-slope.reshape(c, 1, 1, 1), f"{name}__wslope"))
    conv: dict[str, Any] = {"group": c, "kernel_shape": [1, 1]}
    nodes = [
        helper.make_node("Conv", [x, f"{name}__wpos"], [f"{y}__x"], name=f"{name}__x", **conv),
        helper.make_node("Relu", [f"{y}__x"], [f"{y}__pos"], name=f"{name}__pos"),
        helper.make_node("Conv", [x, f"{name}__wneg"], [f"{y}__nx"], name=f"{name}__nx", **conv),
        helper.make_node("Relu", [f"{y}__nx"], [f"{y}__negx"], name=f"{name}__negx"),
        helper.make_node(
            "Conv", [f"{y}__negx", f"{name}__wslope"], [f"{y}__neg"], name=f"{name}__neg", **conv
        ),
        helper.make_node("Add", [f"{y}__neg", f"{y}__pos"], [y], name=f"{name}__add"),
    ]
    return nodes, weights


def without_prelu(path: Path) -> bytes:
    """The model at ``path`` with every PRelu(x, slope) rewritten (module docstring)."""
    graph_model = onnx.load(str(path))
    if not any(n.op_type == "PRelu" for n in graph_model.graph.node):
        return bytes(graph_model.SerializeToString())
    graph_model = onnx.shape_inference.infer_shapes(graph_model)
    graph = graph_model.graph
    constants, channels = _constants(graph), _channels(graph)
    zero = "idrenew_prelu_zero"
    nodes: list[Any] = []
    weights: list[Any] = []
    for n in graph.node:
        if n.op_type != "PRelu":
            nodes.append(n)
            continue
        x, slope, y = n.input[0], n.input[1], n.output[0]
        values = constants.get(slope)
        if (
            values is not None
            and values.shape in ((values.size, 1, 1), (1, values.size, 1, 1))
            and channels.get(x) == values.size
        ):
            more_nodes, more_weights = _as_convs(n, values)
            nodes += more_nodes
            weights += more_weights
            continue
        if not any(w.name == zero for w in weights):
            weights.append(numpy_helper.from_array(np.zeros((1,), np.float32), zero))
        nodes += [
            helper.make_node("Relu", [x], [f"{y}__pos"], name=f"{n.name}__relu"),
            helper.make_node("Min", [x, zero], [f"{y}__neg"], name=f"{n.name}__min"),
            helper.make_node("Mul", [f"{y}__neg", slope], [f"{y}__neg_s"], name=f"{n.name}__mul"),
            helper.make_node("Add", [f"{y}__pos", f"{y}__neg_s"], [y], name=f"{n.name}__add"),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(weights)
    return bytes(graph_model.SerializeToString())


class Model:
    """One onnxruntime session: ``model(x)`` returns every output for one input tensor."""

    def __init__(self, name: str, models_dir: Path = MODELS_DIR) -> None:
        path = models_dir / f"{name}.onnx"
        if not path.is_file():
            raise FileNotFoundError(f"face model missing: {path}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        self.name = name
        self.session = ort.InferenceSession(
            without_prelu(path), opts, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, x: npt.NDArray[np.floating]) -> list[FloatArray]:
        outputs = self.session.run(None, {self.input_name: x.astype(np.float32, copy=False)})
        return [np.asarray(o, dtype=np.float32) for o in outputs]


def model_problems(names: list[str], models_dir: Path = MODELS_DIR) -> list[str]:
    """Missing model files, and files whose SHA-256 differs from ``checksums.json``."""
    try:
        sums = json.loads((models_dir / "checksums.json").read_text("utf-8"))
    except (OSError, ValueError):
        return [f"{models_dir / 'checksums.json'} is missing or unreadable"]
    problems = []
    for name in names:
        path = models_dir / f"{name}.onnx"
        if not path.is_file():
            problems.append(f"face model missing: {path}")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sums.get(path.name):
            problems.append(f"face model {path.name} does not match its checksum (checksums.json)")
    return problems


_lock = threading.Lock()
_models: dict[str, Model] = {}


def model(name: str) -> Model:
    """The process-wide session for ``name`` (loaded on first use)."""
    found = _models.get(name)
    if found is not None:
        return found
    with _lock:
        found = _models.get(name)
        if found is None:
            found = Model(name)
            _models[name] = found
        return found
