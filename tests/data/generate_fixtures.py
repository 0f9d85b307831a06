#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Generates the ONNX fixtures of the test suite into OUT_DIR (nothing here is shipped).

Usage: generate_fixtures.py OUT_DIR [--quick]

Three groups, written fresh each run (deterministic: fixed seeds, fixed torch version from Debian):
  real/      torchvision networks exported with torch.onnx at several opsets, random weights
             (weights=None: nothing is downloaded), plus real/expected_macs.json: MACs counted
             independently with forward hooks on the PyTorch modules.
  small/     hand-built graphs in the spellings other exporters use (TF-style hswish, Clip with
             inputs, shape-computing Reshape subgraphs, channel shuffle, ...), for golden outputs.
  bad/       the bad-input corpus: each file breaks one rule the loader must report.
Only Debian's python3-torch, python3-torchvision and python3-onnx are used; the product itself never
runs Python.
"""
import json
import os
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
QUICK = "--quick" in sys.argv


def save(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)


# ---------------------------------------------------------------- real exporter output (torch)
def export_real():
    import torch
    import torchvision.models as tvm

    torch.manual_seed(0)
    # name -> (constructor, opset, dynamic batch, input resolution)
    nets = {
        "resnet18": (lambda: tvm.resnet18(), 9, False, 224),
        "resnet50": (lambda: tvm.resnet50(), 13, True, 224),
        "mobilenet_v2": (lambda: tvm.mobilenet_v2(), 11, True, 224),
        "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(), 13, False, 224),
        "mobilenet_v3_large": (lambda: tvm.mobilenet_v3_large(), 17, True, 224),
        "shufflenet_v2_x1_0": (lambda: tvm.shufflenet_v2_x1_0(), 11, True, 224),
        "mnasnet1_0": (lambda: tvm.mnasnet1_0(), 12, False, 224),
        "squeezenet1_1": (lambda: tvm.squeezenet1_1(), 7, False, 224),
        "densenet121": (lambda: tvm.densenet121(), 10, False, 224),
        "googlenet": (lambda: tvm.googlenet(aux_logits=False, init_weights=True), 14, False, 224),
        "efficientnet_b0": (lambda: tvm.efficientnet_b0(), 15, True, 224),
        "regnet_y_400mf": (lambda: tvm.regnet_y_400mf(), 16, False, 224),
    }
    if QUICK:
        nets = {k: nets[k] for k in ("resnet18", "mobilenet_v3_small", "shufflenet_v2_x1_0")}
    expected = {}
    for name, (make, opset, dynamic, res) in nets.items():
        model = make().eval()
        macs = count_macs_with_hooks(torch, model, res)
        x = torch.randn(1, 3, res, res)
        path = os.path.join(OUT, "real", name + ".onnx")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        kwargs = {}
        if dynamic:
            kwargs["dynamic_axes"] = {"input": {0: "batch"}, "output": {0: "batch"}}
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=False, **kwargs)
        expected[name] = {"macs": macs, "opset": opset,
                          "params": sum(p.numel() for p in model.parameters())}
    with open(os.path.join(OUT, "real", "expected_macs.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


def count_macs_with_hooks(torch, model, res):
    """MACs of convolutions and linear layers, counted from the PyTorch modules themselves."""
    total = [0]

    def conv_hook(mod, inp, out):
        kh, kw = mod.kernel_size
        total[0] += out.numel() * (mod.in_channels // mod.groups) * kh * kw

    def linear_hook(mod, inp, out):
        total[0] += out.numel() * mod.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.randn(1, 3, res, res))
    for h in hooks:
        h.remove()
    return total[0]


# ---------------------------------------------------------------- hand-built graphs (onnx.helper)
rng = np.random.default_rng(7)


def weight(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.1, name)


def const_i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model_of(nodes, inputs, outputs, inits, opset, name):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="kernelmeter-fixtures")
    m.ir_version = 7 if opset <= 14 else 8
    return m


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def small_conv_block():
    """conv -> bn -> relu6 (Clip attribute form, opset 10) -> dwconv -> TF-style hswish -> gap -> fc."""
    n = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["bn1"], name="bn1"),
        helper.make_node("Clip", ["bn1"], ["r1"], name="relu6_1", min=0.0, max=6.0),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="dw1", kernel_shape=[3, 3], group=16,
                         auto_pad="SAME_UPPER"),
        # hswish as TF exporters write it: x * relu6(x + 3) / 6
        helper.make_node("Add", ["c2", "three"], ["h_add"], name="hs_add"),
        helper.make_node("Clip", ["h_add"], ["h_clip"], name="hs_clip", min=0.0, max=6.0),
        helper.make_node("Mul", ["c2", "h_clip"], ["h_mul"], name="hs_mul"),
        helper.make_node("Div", ["h_mul", "six"], ["h_out"], name="hs_div"),
        helper.make_node("GlobalAveragePool", ["h_out"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "wf", "bf"], ["y"], name="fc", transB=1),
    ]
    inits = [weight("w1", [16, 3, 3, 3]), weight("b1", [16]), weight("s", [16]), weight("bb", [16]),
             weight("m", [16]), numpy_helper.from_array(np.ones(16, np.float32), "v"),
             weight("w2", [16, 1, 3, 3]),
             numpy_helper.from_array(np.array(3.0, np.float32), "three"),
             numpy_helper.from_array(np.array(6.0, np.float32), "six"),
             weight("wf", [10, 16]), weight("bf", [10])]
    return model_of(n, [vi("x", ["N", 3, 32, 32])], [vi("y", ["N", 10])], inits, 10, "conv_block")


def small_shape_subgraph():
    """What torch writes for x.view(x.size(0), -1) and channel shuffle: Shape/Gather/Unsqueeze/Concat
    feeding Reshape, Constant and Identity nodes, Clip in its opset-11 input form, HardSigmoid."""
    n = [
        helper.make_node("Constant", [], ["cmin"], name="const_min",
                         value=numpy_helper.from_array(np.array(0.0, np.float32))),
        helper.make_node("Identity", ["w1"], ["w1_id"], name="identity_w1"),
        helper.make_node("Conv", ["x", "w1_id"], ["c1"], name="conv1", kernel_shape=[1, 1]),
        helper.make_node("Clip", ["c1", "cmin", "cmax"], ["r1"], name="clip_relu6"),
        # channel shuffle with groups = 2 via shape arithmetic
        helper.make_node("Shape", ["r1"], ["shp"], name="shape"),
        helper.make_node("Gather", ["shp", "idx0"], ["n"], name="gather_n", axis=0),
        helper.make_node("Gather", ["shp", "idx1"], ["c"], name="gather_c", axis=0),
        helper.make_node("Div", ["c", "two"], ["c_half"], name="div_c"),
        helper.make_node("Unsqueeze", ["n", "ax0"], ["n_u"], name="unsq_n"),
        helper.make_node("Unsqueeze", ["c_half", "ax0"], ["c_u"], name="unsq_c"),
        helper.make_node("Concat", ["n_u", "two_1d", "c_u", "hw"], ["shape5"], name="concat_shape",
                         axis=0),
        helper.make_node("Reshape", ["r1", "shape5"], ["rs1"], name="shuffle_reshape1"),
        helper.make_node("Transpose", ["rs1"], ["tr"], name="shuffle_transpose", perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["tr", "shape4"], ["rs2"], name="shuffle_reshape2"),
        # x * hardsigmoid(x) spelled by exporters before HardSwish existed
        helper.make_node("HardSigmoid", ["rs2"], ["hsig"], name="hsig", alpha=1.0 / 6, beta=0.5),
        helper.make_node("Mul", ["rs2", "hsig"], ["hsw"], name="hsw_mul"),
        # x * sigmoid(x)
        helper.make_node("Sigmoid", ["hsw"], ["sg"], name="sig"),
        helper.make_node("Mul", ["hsw", "sg"], ["sw"], name="swish_mul"),
        helper.make_node("Pad", ["sw", "pads"], ["pd"], name="pad", mode="constant"),
        helper.make_node("MaxPool", ["pd"], ["mp"], name="maxpool", kernel_shape=[3, 3],
                         strides=[2, 2]),
        helper.make_node("Shape", ["mp"], ["shp2"], name="shape2"),
        helper.make_node("Slice", ["shp2", "st", "en"], ["n2"], name="slice_n"),
        helper.make_node("Concat", ["n2", "minus1"], ["flat_shape"], name="concat_flat", axis=0),
        helper.make_node("Reshape", ["mp", "flat_shape"], ["flat"], name="flatten_reshape"),
        helper.make_node("MatMul", ["flat", "wm"], ["mm"], name="matmul"),
        helper.make_node("Softmax", ["mm"], ["y"], name="softmax", axis=1),
    ]
    inits = [weight("w1", [8, 4, 1, 1]), numpy_helper.from_array(np.array(6.0, np.float32), "cmax"),
             const_i64("idx0", 0), const_i64("idx1", 1),
             const_i64("two", 2), const_i64("ax0", [0]), const_i64("two_1d", [2]),
             const_i64("hw", [16, 16]), const_i64("shape4", [1, 8, 16, 16]),
             const_i64("pads", [0, 0, 1, 1, 0, 0, 1, 1]), const_i64("st", [0]), const_i64("en", [1]),
             const_i64("minus1", [-1]), weight("wm", [8 * 8 * 8, 5])]
    # initializers listed as graph inputs, as old exporters do
    inputs = [vi("x", [1, 4, 16, 16]), vi("w1", [8, 4, 1, 1])]
    return model_of(n, inputs, [vi("y", [1, 5])], inits, 13, "shape_subgraph")


def small_se_block():
    """Squeeze-excitation: gap -> conv -> relu -> conv -> hardsigmoid -> mul, with a residual add,
    resize and reducemean, layernorm-free opset 17 graph."""
    n = [
        helper.make_node("Conv", ["x", "w0"], ["c0"], name="conv0", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], dilations=[1, 1], group=2),
        helper.make_node("Relu", ["c0"], ["r0"], name="relu0"),
        helper.make_node("GlobalAveragePool", ["r0"], ["se_gap"], name="se_gap"),
        helper.make_node("Conv", ["se_gap", "ws1", "bs1"], ["se_c1"], name="se_fc1", kernel_shape=[1, 1]),
        helper.make_node("Relu", ["se_c1"], ["se_r"], name="se_relu"),
        helper.make_node("Conv", ["se_r", "ws2", "bs2"], ["se_c2"], name="se_fc2", kernel_shape=[1, 1]),
        helper.make_node("HardSigmoid", ["se_c2"], ["se_hs"], name="se_hsig", alpha=1.0 / 6, beta=0.5),
        helper.make_node("Mul", ["se_hs", "r0"], ["se_out"], name="se_scale"),
        helper.make_node("Add", ["se_out", "x"], ["res"], name="residual"),
        helper.make_node("HardSwish", ["res"], ["hsw"], name="hardswish"),
        helper.make_node("Resize", ["hsw", "", "scales"], ["up"], name="upsample", mode="nearest"),
        helper.make_node("AveragePool", ["up"], ["ap"], name="avgpool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("ConvTranspose", ["ap", "wt"], ["ct"], name="deconv", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("ReduceMean", ["ct"], ["y"], name="reducemean", axes=[2, 3], keepdims=1),
    ]
    inits = [weight("w0", [8, 4, 3, 3]), weight("ws1", [2, 8, 1, 1]), weight("bs1", [2]),
             weight("ws2", [8, 2, 1, 1]), weight("bs2", [8]),
             numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"),
             weight("wt", [8, 6, 2, 2])]
    return model_of(n, [vi("x", [1, 8, 14, 14])], [vi("y", None)], inits, 14, "se_block")


def small_opset7_mlp():
    """Opset 7: BatchNormalization with spatial attribute, Flatten, two Gemms, Sum-free."""
    n = [
        helper.make_node("Flatten", ["x"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "w1", "b1"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["hr"], name="relu"),
        helper.make_node("Gemm", ["hr", "w2", "b2"], ["y"], name="fc2", transB=1),
    ]
    inits = [weight("w1", [32, 48]), weight("b1", [32]), weight("w2", [10, 32]), weight("b2", [10])]
    return model_of(n, [vi("x", [1, 3, 4, 4])], [vi("y", [1, 10])], inits, 7, "mlp_opset7")


def deep_graph(blocks=250):
    """About 1,000 nodes: residual blocks conv -> relu -> conv -> add (4 nodes each), 16 channels."""
    n, inits, x = [], [], "x"
    for b in range(blocks):
        for k in (1, 2):
            inits.append(weight(f"w{b}_{k}", [16, 16, 3, 3]))
        n += [helper.make_node("Conv", [x, f"w{b}_1"], [f"c{b}a"], name=f"b{b}.conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
              helper.make_node("Relu", [f"c{b}a"], [f"r{b}"], name=f"b{b}.relu"),
              helper.make_node("Conv", [f"r{b}", f"w{b}_2"], [f"c{b}b"], name=f"b{b}.conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
              helper.make_node("Add", [f"c{b}b", x], [f"y{b}"], name=f"b{b}.add")]
        x = f"y{b}"
    n.append(helper.make_node("Identity", [x], ["y"], name="out"))
    return model_of(n, [vi("x", [1, 16, 28, 28])], [vi("y", [1, 16, 28, 28])], inits, 13, "deep_1000")


def small_slice_negative_step():
    """Shape -> Slice(start -10, end -100, step -1) -> Concat(-1) -> Reshape. ONNX clamps a negative
    step's start to [0, len-1], so the slice is [shape[0]] = [1] and the output is 1x24."""
    n = [helper.make_node("Shape", ["x"], ["shp"], name="shape"),
         helper.make_node("Slice", ["shp", "st", "en", "ax", "step"], ["first"], name="slice_back"),
         helper.make_node("Concat", ["first", "minus1"], ["target"], name="concat", axis=0),
         helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
         helper.make_node("Relu", ["r"], ["y"], name="relu")]
    inits = [const_i64("st", [-10]), const_i64("en", [-100]), const_i64("ax", [0]), const_i64("step", [-1]),
             const_i64("minus1", [-1])]
    return model_of(n, [vi("x", [1, 2, 3, 4])], [vi("y", None)], inits, 13, "slice_negative_step")


def single_conv(channels, name):
    """One 3x3 conv at 56x56: the pair conv_64 / conv_128 differs by 4x in MACs (timing orderings)."""
    n = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    return model_of(n, [vi("x", [1, channels, 56, 56])], [vi("y", [1, channels, 56, 56])],
                    [weight("w", [channels, channels, 3, 3])], 13, name)


def slice_models():
    """Slices of activations: without axes ONNX slices from axis 0 (the batch), which is not a
    channel window; a negative start on axis 1 is one (channels 4..7 of 8)."""
    batch = model_of([helper.make_node("Slice", ["x", "s0", "e1"], ["y0"], name="slice_batch"),
                      helper.make_node("Relu", ["y0"], ["y"], name="relu")],
                     [vi("x", [2, 8, 4, 4])], [vi("y", [1, 8, 4, 4])], [const_i64("s0", [0]), const_i64("e1", [1])],
                     13, "slice_batch")
    channels = model_of([helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
                         helper.make_node("Slice", ["c", "sm4", "e8", "ax1"], ["half"], name="slice_channels"),
                         helper.make_node("Relu", ["half"], ["y"], name="relu")],
                        [vi("x", [1, 8, 4, 4])], [vi("y", [1, 4, 4, 4])],
                        [weight("w", [8, 8, 1, 1]), const_i64("sm4", [-4]), const_i64("e8", [8]), const_i64("ax1", [1])],
                        13, "slice_channels")
    return batch, channels


def small_if_outer_scope(inner_input="r"):
    """An If whose branches read a tensor of the graph around them (legal ONNX: outer scope)."""
    then_g = helper.make_graph([helper.make_node("Sigmoid", [inner_input], ["t"], name="then_sigmoid")], "then", [],
                               [vi("t", [1, 3, 8, 8])])
    else_g = helper.make_graph([helper.make_node("Tanh", [inner_input], ["e"], name="else_tanh")], "else", [],
                               [vi("e", [1, 3, 8, 8])])
    n = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
         helper.make_node("If", ["c"], ["y"], name="if_branch", then_branch=then_g, else_branch=else_g)]
    c = helper.make_tensor_value_info("c", TensorProto.BOOL, [])
    return model_of(n, [vi("x", [1, 3, 8, 8]), c], [vi("y", [1, 3, 8, 8])], [], 13, "if_outer_scope")


def write_small():
    for m, name in zip(slice_models(), ("slice_batch", "slice_channels")):
        save(m, os.path.join(OUT, "small", name + ".onnx"))
    save(single_conv(64, "conv_64"), os.path.join(OUT, "small", "conv_64.onnx"))
    save(single_conv(128, "conv_128"), os.path.join(OUT, "small", "conv_128.onnx"))
    save(small_slice_negative_step(), os.path.join(OUT, "small", "slice_negative_step.onnx"))
    save(deep_graph(), os.path.join(OUT, "bench", "deep_1000_nodes.onnx"))
    save(small_conv_block(), os.path.join(OUT, "small", "conv_block.onnx"))
    save(small_shape_subgraph(), os.path.join(OUT, "small", "shape_subgraph.onnx"))
    save(small_se_block(), os.path.join(OUT, "small", "se_block.onnx"))
    save(small_opset7_mlp(), os.path.join(OUT, "small", "mlp_opset7.onnx"))
    save(small_if_outer_scope(), os.path.join(OUT, "small", "if_outer_scope.onnx"))


# ---------------------------------------------------------------- bad inputs
def write_bad():
    bad = os.path.join(OUT, "bad")
    os.makedirs(bad, exist_ok=True)
    good = small_conv_block().SerializeToString()
    with open(os.path.join(bad, "truncated.onnx"), "wb") as f:
        f.write(good[: len(good) // 2])
    r = random.Random(1234)
    with open(os.path.join(bad, "random_bytes.onnx"), "wb") as f:
        f.write(bytes(r.getrandbits(8) for _ in range(4096)))
    with open(os.path.join(bad, "text_file.onnx"), "w") as f:
        f.write("This is a README, not a model.\nconv -> relu\n")
    with open(os.path.join(bad, "tensor_not_model.onnx"), "wb") as f:
        f.write(numpy_helper.from_array(np.zeros((3, 4), np.float32), "t").SerializeToString())
    open(os.path.join(bad, "empty.onnx"), "wb").close()

    # cycle: a -> b -> a
    n = [helper.make_node("Relu", ["x_b"], ["x_a"], name="relu_a"),
         helper.make_node("Relu", ["x_a"], ["x_b"], name="relu_b")]
    save(model_of(n, [vi("x", [1, 3, 8, 8])], [vi("x_b", [1, 3, 8, 8])], [], 13, "cycle"),
         os.path.join(bad, "cycle.onnx"))
    # dangling input
    n = [helper.make_node("Add", ["x", "ghost"], ["y"], name="add_ghost")]
    save(model_of(n, [vi("x", [1, 3, 8, 8])], [vi("y", [1, 3, 8, 8])], [], 13, "dangling"),
         os.path.join(bad, "dangling_input.onnx"))
    # external data that points outside the model's folder
    w = weight("w", [4, 3, 1, 1])
    w.ClearField("float_data")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="../../../etc/passwd")
    n = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv_ext", kernel_shape=[1, 1])]
    save(model_of(n, [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 8, 8])], [w], 13, "external"),
         os.path.join(bad, "external_outside.onnx"))
    # zero stride: ONNX's own shape inference would divide by it
    n = [helper.make_node("MaxPool", ["x"], ["y"], name="pool_zero", kernel_shape=[3, 3], strides=[0, 2])]
    save(model_of(n, [vi("x", [1, 3, 8, 8])], [vi("y", None)], [], 13, "zero_stride"),
         os.path.join(bad, "zero_stride.onnx"))
    # absurd dimensions: 2^40 elements on the input
    n = [helper.make_node("Relu", ["x"], ["y"], name="relu_huge")]
    save(model_of(n, [vi("x", [1, 1024, 1 << 15, 1 << 15])], [vi("y", None)], [], 13, "huge"),
         os.path.join(bad, "absurd_dims.onnx"))
    # a branch reading a tensor that exists nowhere (ONNX's checker prints the node over lines)
    save(small_if_outer_scope("ghost"), os.path.join(bad, "if_ghost.onnx"))
    # unsupported opsets
    n = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save(model_of(n, [vi("x", [1, 3, 8, 8])], [vi("y", [1, 3, 8, 8])], [], 3, "old"),
         os.path.join(bad, "opset3.onnx"))
    m = model_of(n, [vi("x", [1, 3, 8, 8])], [vi("y", [1, 3, 8, 8])], [], 13, "future")
    m.opset_import[0].version = 99
    save(m, os.path.join(bad, "opset99.onnx"))


def main():
    write_small()
    write_bad()
    export_real()
    open(os.path.join(OUT, "stamp"), "w").write("ok\n")


if __name__ == "__main__":
    main()
