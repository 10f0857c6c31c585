"""The ONNX models shipped in ``idrenew/face/models/``, each loaded once per process.

Nothing is downloaded: the files come with the package (DESIGN.md §5a, ``MODELS.md``).
Sessions run on the CPU with one intra-op and one inter-op thread, so that a worker
process uses one core and several workers scale across cores.

onnxruntime's PRelu kernel is slow on these models (over half of the mesh and iris models'
time, issue #13): each PRelu is rewritten when a model is loaded as
``Relu(x) + slope * Min(x, 0)``, which gives the same bits (for x > 0: x + slope·0 = x; for
x ≤ 0: 0 + slope·x) and lets Relu fuse into the convolution before it. The file on disk,
and its checksum, are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

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


def without_prelu(path: Path) -> bytes:
    """The model at ``path`` with every PRelu(x, slope) replaced by the bit-identical
    ``Relu(x) + slope * Min(x, 0)`` (see the module docstring)."""
    graph_model = onnx.load(str(path))
    graph = graph_model.graph
    if not any(n.op_type == "PRelu" for n in graph.node):
        return bytes(graph_model.SerializeToString())
    zero = "idrenew_prelu_zero"
    nodes = []
    for n in graph.node:
        if n.op_type != "PRelu":
            nodes.append(n)
            continue
        x, slope = n.input[0], n.input[1]
        y = n.output[0]
        nodes += [
            helper.make_node("Relu", [x], [f"{y}__pos"], name=f"{n.name}__relu"),
            helper.make_node("Min", [x, zero], [f"{y}__neg"], name=f"{n.name}__min"),
            helper.make_node("Mul", [f"{y}__neg", slope], [f"{y}__neg_s"], name=f"{n.name}__mul"),
            helper.make_node("Add", [f"{y}__pos", f"{y}__neg_s"], [y], name=f"{n.name}__add"),
        ]
    graph.initializer.append(numpy_helper.from_array(np.zeros((1,), np.float32), zero))
    del graph.node[:]
    graph.node.extend(nodes)
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
