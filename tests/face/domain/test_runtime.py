"""The PRelu rewrite done when a model is loaded (runtime.without_prelu) must give the same
bits as the shipped file, on every model, and must actually remove every PRelu."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

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


def _session(model: str | bytes) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("name", NAMES)
def test_rewritten_model_gives_identical_outputs(name: str) -> None:
    path = runtime.MODELS_DIR / f"{name}.onnx"
    rewritten = runtime.without_prelu(path)
    assert not any(n.op_type == "PRelu" for n in onnx.load_from_string(rewritten).graph.node)
    shipped, ours = _session(str(path)), _session(rewritten)
    spec = shipped.get_inputs()[0]
    shape = [d if isinstance(d, int) else 2 for d in spec.shape]
    rng = np.random.default_rng(13)
    for scale in (1.0, 255.0):  # [-1, 1] and pixel-range inputs: both signs reach each PRelu
        x = (rng.uniform(-1.0, 1.0, size=shape) * scale).astype(np.float32)
        a = shipped.run(None, {spec.name: x})
        b = ours.run(None, {spec.name: x})
        assert len(a) == len(b)
        for left, right in zip(a, b, strict=True):
            assert np.array_equal(np.asarray(left), np.asarray(right)), name
