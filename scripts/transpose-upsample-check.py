#!/usr/bin/env python3
"""Cross-checks ConvKit's `convtranspose2d` and `upsample` layers against PyTorch's
nn.ConvTranspose2d and nn.Upsample.

Each case is a spec and its PyTorch twin (an nn.Sequential whose modules carry the spec's layer
names). For every case:

  shapes   `convkit summary SPEC --format json`: every row's output shape against the twin's module
           of the same name (forward hooks), and the model output;
  params   each row's params against sum(p.numel()) of that module;
  values   the twin's state_dict saved with safetensors, a random input X (8 examples), and
           `convkit predict STATE --model SPEC --inputs X --out Y`: Y against the twin's output
           (the specs end in `flatten`, so the output is a vector per example);
  errors   hyper-parameters PyTorch rejects (output_padding ≥ max(stride, dilation),
           align_corners with nearest) must make `convkit summary` fail too.

Usage (torch and safetensors in a virtual environment outside the repository):
    ~/.cache/convkit-venv/bin/python scripts/transpose-upsample-check.py [path/to/convkit]
Exit status 1 when any check fails.
"""
import json
import os
import subprocess
import sys
import tempfile
from collections import OrderedDict

import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

# (name, input C×H×W, spec layers, twin modules in the same order and with the same names)
CASES = [
    ("dcgan-block", (8, 4, 4),
     """  - {type: convtranspose2d, name: up1, out_channels: 6, kernel_size: 4, stride: 2, padding: 1}
  - {type: relu, name: relu1}
  - {type: deconv, name: up2, out_channels: 3, kernel_size: 4, stride: 2, padding: 1, bias: false}""",
     [("up1", nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1)), ("relu1", nn.ReLU()),
      ("up2", nn.ConvTranspose2d(6, 3, 4, stride=2, padding=1, bias=False))]),
    ("grouped-dilated", (4, 5, 6),
     """  - {type: convtranspose2d, name: up, in_channels: 4, out_channels: 6, kernel_size: [3, 2], stride: [2, 1],
     padding: [1, 0], output_padding: [1, 1], dilation: [1, 2], groups: 2}""",
     [("up", nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 1), dilation=(1, 2), groups=2))]),
    ("output-padding-via-dilation", (2, 3, 3),
     """  - {type: convtranspose2d, name: up, out_channels: 2, kernel_size: 2, output_padding: 2, dilation: 3}""",
     [("up", nn.ConvTranspose2d(2, 2, 2, output_padding=2, dilation=3))]),
    ("nearest", (3, 4, 5),
     """  - {type: upsample, name: up1}
  - {type: upsample, name: up2, scale_factor: [1.5, 2.5]}
  - {type: upsample, name: up3, size: [9, 7]}""",
     [("up1", nn.Upsample(scale_factor=2)), ("up2", nn.Upsample(scale_factor=(1.5, 2.5))), ("up3", nn.Upsample(size=(9, 7)))]),
    ("nearest-odd", (2, 5, 7),
     """  - {type: upsample, name: up1, scale_factor: 3}
  - {type: upsample, name: up2, scale_factor: 0.7}""",
     [("up1", nn.Upsample(scale_factor=3)), ("up2", nn.Upsample(scale_factor=0.7))]),
    ("bilinear", (3, 4, 5),
     """  - {type: upsample, name: up1, mode: bilinear}
  - {type: upsample, name: up2, mode: bilinear, scale_factor: [1.3, 2.7]}
  - {type: upsample, name: up3, mode: bilinear, size: [5, 9], align_corners: true}
  - {type: upsample, name: up4, mode: bilinear, size: [3, 4]}""",
     [("up1", nn.Upsample(scale_factor=2, mode="bilinear")), ("up2", nn.Upsample(scale_factor=(1.3, 2.7), mode="bilinear")),
      ("up3", nn.Upsample(size=(5, 9), mode="bilinear", align_corners=True)), ("up4", nn.Upsample(size=(3, 4), mode="bilinear"))]),
    ("decoder", (3, 16, 16),
     """  - {type: conv2d, name: enc, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
  - {type: relu, name: relu1}
  - {type: upsample, name: up, mode: bilinear, align_corners: true}
  - {type: conv2d, name: mix, out_channels: 4, kernel_size: 3, padding: 1}
  - {type: deconv, name: out, out_channels: 2, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}""",
     [("enc", nn.Conv2d(3, 8, 3, stride=2, padding=1)), ("relu1", nn.ReLU()),
      ("up", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)), ("mix", nn.Conv2d(8, 4, 3, padding=1)),
      ("out", nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1))]),
]

# Spec layers PyTorch rejects (at construction or in forward), with an input that fits otherwise.
REJECTED = [
    ("output_padding 2 with stride 2", (2, 4, 4), "  - {type: deconv, out_channels: 2, kernel_size: 3, stride: 2, output_padding: 2}",
     lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2)),
    ("align_corners with nearest", (2, 4, 4), "  - {type: upsample, align_corners: true}",
     lambda: nn.Upsample(scale_factor=2, align_corners=True)),
]


def spec_text(name, shape, layers):
    return f"name: {name}\ninput: {list(shape)}\nlayers:\n{layers}\n  - {{type: flatten, name: flatten}}\n"


def check_case(convkit, work, name, shape, layers, modules):
    failures = []
    torch.manual_seed(0)
    twin = nn.Sequential(OrderedDict(modules + [("flatten", nn.Flatten())]))
    spec = os.path.join(work, f"{name}.yaml")
    with open(spec, "w") as f:
        f.write(spec_text(name, shape, layers))
    summary = json.loads(subprocess.run([convkit, "summary", spec, "--format", "json"], check=True, capture_output=True, text=True).stdout)
    outputs = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: outputs.__setitem__(n, list(o.shape[1:]))) for n, m in twin.named_children()]
    x = torch.randn(8, *shape)
    with torch.no_grad():
        reference = twin(x)
    for h in hooks:
        h.remove()
    for row in summary["layers"]:
        module = dict(twin.named_children()).get(row["name"])
        if module is None:
            failures.append(f"row {row['name']} has no twin module")
            continue
        params = sum(p.numel() for p in module.parameters())
        if row["output"] != outputs[row["name"]] or row["params"] != params:
            failures.append(f"{row['name']}: output {row['output']} params {row['params']}, PyTorch {outputs[row['name']]} {params}")
    if summary["output"] != list(reference.shape[1:]):
        failures.append(f"model output {summary['output']}, PyTorch {list(reference.shape[1:])}")
    state, inputs, out = (os.path.join(work, f"{name}-{k}.safetensors") for k in ("state", "x", "y"))
    save_file({k: v.contiguous() for k, v in twin.state_dict().items()}, state)
    save_file({"input": x}, inputs)
    done = subprocess.run([convkit, "predict", state, "--model", spec, "--inputs", inputs, "--out", out, "--format", "csv"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        failures.append(f"convkit predict exited {done.returncode}: {done.stderr.strip()}")
        return failures
    values = load_file(out)["logits"]
    difference = (values - reference).abs().max().item()
    relative = difference / reference.abs().max().item()
    rows = ", ".join(f"{r['name']} {'×'.join(map(str, r['output']))} ({r['params']} params)" for r in summary["layers"][:-1])
    print(f"{name}: {rows}; 8 inputs: max |difference| {difference:.2e}, relative {relative:.2e}")
    if relative >= 1e-5:
        failures.append(f"max relative error {relative:.2e} reached 1e-5")
    return failures


def check_rejected(convkit, work, what, shape, layer, factory):
    try:
        factory()(torch.zeros(1, *shape))
        torch_rejects = False
    except (ValueError, RuntimeError):
        torch_rejects = True
    spec = os.path.join(work, "rejected.yaml")
    with open(spec, "w") as f:
        f.write(spec_text("rejected", shape, layer))
    done = subprocess.run([convkit, "summary", spec], capture_output=True, text=True)
    print(f"{what}: PyTorch {'rejects' if torch_rejects else 'accepts'}, ConvKit: {done.stderr.strip() or 'accepted'}")
    return [] if torch_rejects and done.returncode != 0 else [f"{what}: PyTorch rejects {torch_rejects}, ConvKit exit {done.returncode}"]


def main():
    convkit = sys.argv[1] if len(sys.argv) > 1 else next(
        (p for p in (".build/release/convkit", ".build/debug/convkit") if os.access(p, os.X_OK)), None)
    if convkit is None:
        sys.exit("no .build/release/convkit or .build/debug/convkit: run `swift build` first, or pass the path")
    torch.set_num_threads(1)
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for case in CASES:
            failures += [f"{case[0]}: {f}" for f in check_case(convkit, work, *case)]
        for case in REJECTED:
            failures += check_rejected(convkit, work, *case)
    for failure in failures:
        print("FAIL", failure)
    if failures:
        sys.exit(1)
    print("PASS: shapes, params and values match PyTorch (relative error < 1e-5); rejected hyper-parameters are rejected by both")


if __name__ == "__main__":
    main()
