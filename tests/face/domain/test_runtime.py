"""The PRelu rewrite done when a model is loaded (runtime.without_prelu) must remove every
PRelu and compute the same products: the same bits as the shipped file with onnxruntime's
layout optimisations off, and the same values to the last bits or so with them on (the
blocked layout rounds some sums of the surrounding convolutions differently)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from idrenew.face.domain import runtime

NAMES = [
    runtime.DETECTOR,
    runtime.MESH,
    runtime.IRIS,
    runtime.EMBEDDER,
    runtime.ANTISPOOF,
    runtime.MINIFASNET_V2,
    runtime.MINIFASNET_V1SE,
]


# With the layout optimisations on, an output may move by this share of its largest value
# (measured: at most 4e-7, on the mesh model).
LAYOUT_ROUNDING = 1e-5


def _session(
    model: str | bytes,
    level: ort.GraphOptimizationLevel = ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = level
    opts.log_severity_level = 3
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("name", NAMES)
def test_rewritten_model_gives_the_same_outputs(name: str) -> None:
    path = runtime.MODELS_DIR / f"{name}.onnx"
    rewritten = runtime.without_prelu(path)
    assert not any(n.op_type == "PRelu" for n in onnx.load_from_string(rewritten).graph.node)
    extended = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    exact = (_session(str(path), extended), _session(rewritten, extended))
    close = (_session(str(path)), _session(rewritten))
    spec = exact[0].get_inputs()[0]
    shape = [d if isinstance(d, int) else 2 for d in spec.shape]
    rng = np.random.default_rng(13)
    for scale in (1.0, 255.0):  # [-1, 1] and pixel-range inputs: both signs reach each PRelu
        x = (rng.uniform(-1.0, 1.0, size=shape) * scale).astype(np.float32)
        a, b = (s.run(None, {spec.name: x}) for s in exact)
        assert len(a) == len(b)
        for left, right in zip(a, b, strict=True):
            assert np.array_equal(np.asarray(left), np.asarray(right)), name
        a, b = (s.run(None, {spec.name: x}) for s in close)
        for left, right in zip(a, b, strict=True):
            left, right = np.asarray(left), np.asarray(right)
            bound = LAYOUT_ROUNDING * max(1e-6, float(np.abs(left).max()))
            assert float(np.abs(left - right).max()) <= bound, name


def test_per_channel_prelus_become_convolutions() -> None:
    """The fast form is the one used on the mesh and iris models (no Min left)."""
    for name in (runtime.MESH, runtime.IRIS):
        ops = [
            n.op_type
            for n in onnx.load_from_string(
                runtime.without_prelu(runtime.MODELS_DIR / f"{name}.onnx")
            ).graph.node
        ]
        assert "Min" not in ops, name


def test_a_prelu_with_one_shared_slope_keeps_the_relu_min_form(tmp_path: Path) -> None:
    """No shipped model has one (all are per-channel), so a small model stands in."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    slope = numpy_helper.from_array(np.array([0.25], np.float32), "slope")
    graph = helper.make_graph(
        [helper.make_node("PRelu", ["x", "slope"], ["y"], name="act")], "g", [x], [y], [slope]
    )
    path = tmp_path / "shared_slope.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    rewritten = runtime.without_prelu(path)
    ops = [n.op_type for n in onnx.load_from_string(rewritten).graph.node]
    assert ops == ["Relu", "Min", "Mul", "Add"]
    value = np.random.default_rng(5).uniform(-2, 2, (1, 3, 4, 4)).astype(np.float32)
    a = _session(str(path)).run(None, {"x": value})[0]
    b = _session(rewritten).run(None, {"x": value})[0]
    assert np.array_equal(np.asarray(a), np.asarray(b))
