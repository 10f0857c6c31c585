"""Post-process a tf2onnx output into the ONNX file that idrenew ships.

Build-time only (needs the ``onnx`` package of the build virtualenv); never imported by
the idrenew package. Steps, each lossless:

1. ``--dynamic-batch``: the MobileFaceNet tflite graph has a fixed batch of 2, which
   tf2onnx copies into the graph's input/output shapes and into the shape constants of its
   Reshape nodes. The batch dimension of the graph input and outputs becomes the symbol
   ``batch`` and the first element of every Reshape shape constant that equals the old
   batch becomes -1 (DESIGN.md §5a).
2. Canonical names: tf2onnx 1.17 numbers the constants it folds (``const_fold_opt__N``,
   ``new_shape__N``, ``pad_const__N``...) with counters that differ from run to run, so
   two conversions of the same tflite file differ in bytes. Every initializer is renamed
   after its first consumer and the initializers are stored in order of first use, which
   makes the output byte-for-byte reproducible.
3. ``--fp16-storage``: float32 weights whose every value is exactly representable in
   float16 (those of tflite files that store fp16 weights and DEQUANTIZE them) are stored
   as float16 followed by a Cast to float32. The values the graph computes with are
   bit-identical; the file is half the size. onnxruntime folds these Casts when it loads the
   model. Tensors that do not round-trip exactly are left alone.
4. doc string and metadata name the source package instead of a local path, then
   ``onnx.checker.check_model(full_check=True)``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FP16_MIN_ELEMENTS = 64
_SAFE = re.compile(r"[^A-Za-z0-9_./-]+")


def _consumers(graph: onnx.GraphProto) -> Iterable[tuple[int, int, onnx.NodeProto, str]]:
    for node_index, node in enumerate(graph.node):
        for input_index, name in enumerate(node.input):
            yield node_index, input_index, node, name


def make_batch_dynamic(model: onnx.ModelProto, symbol: str = "batch") -> int:
    """Make dim 0 of inputs/outputs symbolic and fix Reshape constants; return the old batch."""
    graph = model.graph
    old_batch = graph.input[0].type.tensor_type.shape.dim[0].dim_value
    if old_batch <= 0:
        raise SystemExit("input batch dimension is already dynamic")
    for value in [*graph.input, *graph.output]:
        dim = value.type.tensor_type.shape.dim[0]
        if dim.dim_value != old_batch:
            raise SystemExit(f"{value.name}: batch dim {dim} differs from {old_batch}")
        dim.Clear()
        dim.dim_param = symbol
    del graph.value_info[:]

    inits = {init.name: init for init in graph.initializer}
    users: dict[str, list[tuple[str, int]]] = {}
    for _, input_index, node, name in _consumers(graph):
        users.setdefault(name, []).append((node.op_type, input_index))
    fixed = 0
    for name, uses in users.items():
        if name not in inits or not any(op == "Reshape" and i == 1 for op, i in uses):
            continue
        if any(not (op == "Reshape" and i == 1) for op, i in uses):
            raise SystemExit(f"shape constant {name} is also used elsewhere: {uses}")
        shape = numpy_helper.to_array(inits[name]).copy()
        if shape.ndim == 1 and shape.size and shape[0] == old_batch:
            shape[0] = -1
            inits[name].CopyFrom(numpy_helper.from_array(shape, name))
            fixed += 1
    if fixed == 0:
        raise SystemExit("no Reshape constant carried the batch size")
    print(f"  dynamic batch: was {old_batch}, {fixed} Reshape shape constant(s) set to -1")
    return old_batch


def canonicalize_initializer_names(model: onnx.ModelProto) -> None:
    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    graph_outputs = {value.name for value in graph.output}
    renames: dict[str, str] = {}
    order: list[str] = []
    taken = {name for node in graph.node for name in node.output} | {
        value.name for value in graph.input
    }
    for _, input_index, node, name in _consumers(graph):
        if name not in inits or name in renames:
            continue
        if name in graph_outputs:
            raise SystemExit(f"initializer {name} is a graph output")
        base = _SAFE.sub("_", f"{node.name}/const{input_index}")
        new = base
        suffix = 1
        while new in taken:
            suffix += 1
            new = f"{base}_{suffix}"
        taken.add(new)
        renames[name] = new
        order.append(name)
    unused = set(inits) - set(renames)
    if unused:
        raise SystemExit(f"unused initializers: {sorted(unused)[:5]}")
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in renames:
                node.input[i] = renames[name]
    new_inits = []
    for name in order:
        init = inits[name]
        init.name = renames[name]
        new_inits.append(init)
    del graph.initializer[:]
    graph.initializer.extend(new_inits)


def store_fp16(model: onnx.ModelProto) -> int:
    """Store exactly-fp16-representable float32 weights as fp16 + Cast; return bytes saved."""
    graph = model.graph
    new_nodes: list[onnx.NodeProto] = []
    saved = 0
    inits = []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        if (
            init.data_type == TensorProto.FLOAT
            and array.size >= FP16_MIN_ELEMENTS
            and np.array_equal(array.astype(np.float16).astype(np.float32), array)
        ):
            half_name = f"{init.name}/fp16"
            inits.append(numpy_helper.from_array(array.astype(np.float16), half_name))
            new_nodes.append(
                helper.make_node(
                    "Cast", [half_name], [init.name], name=f"{init.name}/cast", to=TensorProto.FLOAT
                )
            )
            saved += array.size * 2
        else:
            inits.append(init)
    del graph.initializer[:]
    graph.initializer.extend(inits)
    nodes = [*new_nodes, *graph.node]
    del graph.node[:]
    graph.node.extend(nodes)
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    parser.add_argument("--source", required=True, help="package@version:path of the tflite")
    parser.add_argument("--license", required=True)
    parser.add_argument("--dynamic-batch", action="store_true")
    parser.add_argument("--fp16-storage", action="store_true")
    args = parser.parse_args()

    model = onnx.load(args.src)
    if args.dynamic_batch:
        make_batch_dynamic(model)
    canonicalize_initializer_names(model)
    if args.fp16_storage:
        saved = store_fp16(model)
        print(f"  fp16 storage: {saved / 1e6:.2f} MB saved")
    model.graph.doc_string = f"converted by tf2onnx from {args.source}"
    model.doc_string = ""
    del model.metadata_props[:]
    for key, value in (("source", args.source), ("license", args.license)):
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.dst)
    print(f"  wrote {args.dst}")


if __name__ == "__main__":
    main()
