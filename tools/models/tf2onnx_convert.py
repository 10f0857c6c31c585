"""Run tf2onnx's command-line converter with the workarounds idrenew's models need.

Build-time only: runs inside the build virtualenv made by convert_face_models.sh
(tensorflow 2.19, tf2onnx 1.17, onnx 1.16). Never imported by the idrenew package.
Patches are applied at run time, in this process; site-packages is never edited.

1. TensorFlow 2.19 can put ``explicit_paddings`` and ``_input_shapes`` attributes on
   convolutions that tf2onnx 1.17 cannot type (DESIGN.md §5a). Both are layout hints with
   no effect on the computation, so they go on tf2onnx's ignore list.
2. tf2onnx 1.17 drops the bias of a tflite FULLY_CONNECTED op whose input has rank > 2
   with keep_num_dims=false: its handler (tflite_handlers/tfl_math.py,
   TflFullyConnectedOp) reshapes the input to 2-D and then replaces the node's inputs with
   [reshaped input, weights] only, so no Add is ever made for input 2. The converted graph
   is valid but wrong (FaceAntiSpoofing.tflite's eight leaf classifiers all come out near
   zero). The wrapper below adds the missing bias after the original handler ran.
3. tf2onnx's MergeDuplicatedNodes optimizer keeps one node of a group of identical nodes,
   and which one depends on the order of an internal node list that changes from run to
   run (face_landmark.tflite has two identical MaxPool nodes: sometimes
   max_pooling2d_5 survives, sometimes max_pooling2d_7). The group is sorted by node name
   first, so the same node survives every time. (Generated constant names also vary from
   run to run; finalize_onnx.py renames those.)

Usage: python tf2onnx_convert.py --tflite IN.tflite --output OUT.onnx [--opset 13 ...]
(the arguments are tf2onnx.convert's own).
"""

from __future__ import annotations

import sys
from typing import Any

EXTRA_IGNORED_ATTRS = ("explicit_paddings", "_input_shapes")


def _patch_fully_connected_bias() -> dict[str, int]:
    from tf2onnx.handler import tf_op
    from tf2onnx.tflite_handlers import tfl_math

    original = tfl_math.TflFullyConnectedOp.to_tf
    counter = {"restored_biases": 0}

    def to_tf(ctx: Any, node: Any, **kwargs: Any) -> None:
        bias = node.input[2] if len(node.input) == 3 and node.input[2] else None
        reshaped = node.attr["keep_num_dims"].i == 0 and ctx.get_rank(node.input[0]) != 2
        original(ctx, node, **kwargs)
        if bias is not None and reshaped and len(node.input) == 2:
            add = ctx.insert_new_node_on_output(
                "Add", node.output[0], inputs=[node.output[0], bias]
            )
            add.skip_conversion = True
            counter["restored_biases"] += 1

    tf_op.register_handler(to_tf, 0, ["TFL_FULLY_CONNECTED"], "com.google.tensorflow", {})
    return counter


def _patch_merge_duplicates_deterministic() -> None:
    from tf2onnx.optimizer.merge_duplicated_nodes_optimizer import (
        MergeDuplicatedNodesOptimizer as Merge,
    )

    original = Merge._merge_nodes_that_are_duplicated

    def merge(self: Any, nodes_to_process: list[Any], graph: Any) -> None:
        nodes_to_process.sort(key=lambda node: node.name)  # the original sort is stable
        original(self, nodes_to_process, graph)

    Merge._merge_nodes_that_are_duplicated = merge  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    from tf2onnx import convert, tf_utils

    tf_utils.TF_IGNORED_NODE_ATTRS.update(EXTRA_IGNORED_ATTRS)
    counter = _patch_fully_connected_bias()
    _patch_merge_duplicates_deterministic()
    sys.argv = ["tf2onnx.convert", *argv]
    try:
        convert.main()
    finally:
        print(f"idrenew patch: FULLY_CONNECTED biases restored: {counter['restored_biases']}")


if __name__ == "__main__":
    main(sys.argv[1:])
