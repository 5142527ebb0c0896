"""Cross-check of `convkit predict` against PyTorch on PyTorch's own state_dicts, and on ConvKit's.

For each case (a torch module factory, the ConvKit model it twins, the input shape): build the
PyTorch model with a fixed seed, run a few training-mode forward passes (so BatchNorm running
statistics, where the model has them, move away from 0 and 1), save its state_dict with
safetensors (torch stores `num_batches_tracked` as I64), make a random input X, run

    convkit predict STATE --model MODEL --inputs X --out Y --format csv

and compare Y's logits with PyTorch's evaluation-mode logits. A case with `train` goes the other
way: `convkit train MODEL ARGS --checkpoint STATE` trains the network, PyTorch loads the ConvKit
checkpoint strictly into the twin (`load_state_dict(load_file(STATE), strict=True)`; torch ignores
the checkpoint's metadata), and `convkit predict STATE` (no --model: the checkpoint's own
architecture) must give the twin's logits. Prints, per case, the max relative error
(max |ConvKit − PyTorch| / max |PyTorch|), the max absolute difference and argmax agreement;
a case fails at a relative error of 1e-4 or more, or when the CSV on stdout differs from Y (the
other cases still run; the exit status is 1 when any failed).

Usage (Python with torch, torchvision and safetensors in a virtual environment outside the repository):
    ~/.cache/convkit-venv/bin/python scripts/predict_interop.py [--convkit PATH] [--count N] [CASE ...]
A case's model is a zoo name or a spec (text written to a file for the run). To add a model,
add one line to CASES; `count` overrides --count for a case (the ImageNet ResNets use 4 inputs).
"""
import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import torch
import torchvision
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_interop import LeNet, UNet, airbench94, resnet_cifar  # noqa: E402  (twins with ConvKit's state_dict names)

# LeNet-5 with BatchNorm after each convolution, as `convkit train --batch-norm` builds it.
LENET5_BN_SPEC = """name: lenet5-bn
input: [3, 32, 32]
layers:
  - {type: conv2d, name: conv1, in_channels: 3, out_channels: 6, kernel_size: 5}
  - {type: batchnorm2d, name: bn1}
  - {type: relu, name: relu1}
  - {type: maxpool2d, name: pool1, kernel_size: 2}
  - {type: conv2d, name: conv2, in_channels: 6, out_channels: 16, kernel_size: 5}
  - {type: batchnorm2d, name: bn2}
  - {type: relu, name: relu2}
  - {type: maxpool2d, name: pool2, kernel_size: 2}
  - {type: flatten, name: flatten}
  - {type: linear, name: fc1, in_features: 400, out_features: 120}
  - {type: relu, name: relu3}
  - {type: linear, name: fc2, in_features: 120, out_features: 84}
  - {type: relu, name: relu4}
  - {type: linear, name: fc3, in_features: 84, out_features: 10}
"""


@dataclass
class Case:
    name: str
    factory: Callable[[], torch.nn.Module]
    model: str  # a ConvKit zoo name, or spec text (contains a newline)
    input: Tuple[int, ...]  # one example: (C, H, W) or (F,)
    count: Optional[int] = None  # examples in X (default: --count)
    train: Optional[Tuple[str, ...]] = None  # `convkit train MODEL` arguments: the weights come from ConvKit
    classifier: bool = True  # the output is a vector of class scores (checked in the CSV too); else a map


# `convkit train` on the built-in shapes data (3×32×32, 10 classes): a brief run, so the weights and
# BatchNorm running statistics have moved from their initialisation.
SHAPES_RUN = ("--dataset", "shapes", "--epochs", "1", "--limit", "256", "--batch-size", "32", "--lr", "0.05", "--threads", "2")

CASES = [
    Case("lenet5", lambda: LeNet(), "lenet5", (3, 32, 32)),
    Case("lenet5-bn", lambda: LeNet(batch_norm=True), LENET5_BN_SPEC, (3, 32, 32)),
    Case("resnet18", lambda: torchvision.models.resnet18(weights=None), "resnet18", (3, 224, 224), count=4),
    Case("resnet20-cifar", lambda: resnet_cifar(3), "resnet20-cifar", (3, 32, 32)),
    Case("lenet5-bn-trained", lambda: LeNet(batch_norm=True), "lenet5", (3, 32, 32), train=SHAPES_RUN + ("--batch-norm",)),
    Case("resnet20-cifar-trained", lambda: resnet_cifar(3), "resnet20-cifar", (3, 32, 32), train=SHAPES_RUN),
    Case("airbench94", lambda: airbench94(), "airbench94", (3, 32, 32)),
    Case("unet", lambda: UNet(), "unet", (1, 572, 572), count=1, classifier=False),
]

# The torchvision twins of the modern zoo: PyTorch's weights into ConvKit at 3×224×224, and ConvKit's
# (trained a little at 3×32×32 with 10 classes, `--input 3,32,32 --classes 10`) into
# torchvision's builder with num_classes=10.
TORCHVISION_ARGUMENTS = {"googlenet": {"aux_logits": False, "init_weights": False}}
for _name in ["mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "densenet121", "squeezenet1_0", "shufflenet_v2_x1_0", "googlenet"]:
    def _factory(name=_name, **extra):
        return lambda: getattr(torchvision.models, name)(weights=None, **TORCHVISION_ARGUMENTS.get(name, {}), **extra)
    CASES.append(Case(_name, _factory(), _name, (3, 224, 224), count=2))
    CASES.append(Case(f"{_name}-trained", _factory(num_classes=10), _name, (3, 32, 32),
                      train=SHAPES_RUN + ("--input", "3,32,32", "--classes", "10")))


def default_convkit():
    for build in ("release", "debug"):
        path = os.path.join(".build", build, "convkit")
        if os.access(path, os.X_OK):
            return path
    sys.exit("no .build/release/convkit or .build/debug/convkit: run `swift build` first, or pass --convkit")


class CaseFailure(Exception):
    """A case that could not be compared (the other cases still run)."""


def run_case(case, convkit, count, work):
    count = case.count or count
    torch.manual_seed(0)
    model = case.factory()
    state = os.path.join(work, f"{case.name}-state.safetensors")
    if case.train:
        done = subprocess.run([convkit, "train", case.model, *case.train, "--checkpoint", state], capture_output=True, text=True)
        if done.returncode != 0:
            raise CaseFailure(f"convkit train exited {done.returncode}: {done.stderr.strip()}")
        tensors = load_file(state)
        try:
            model.load_state_dict(tensors, strict=True)
        except RuntimeError as e:
            raise CaseFailure(f"the ConvKit checkpoint does not load strictly into the PyTorch twin: {e}")
    else:
        model.train()
        with torch.no_grad():
            for _ in range(3):  # moves BatchNorm running statistics (LeNet-5 without BN has none)
                model(torch.randn(8, *case.input) * 2 + 0.5)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, state)
    model.eval()
    x = torch.randn(count, *case.input)
    inputs = os.path.join(work, f"{case.name}-x.safetensors")
    save_file({"input": x}, inputs)
    model_argument = case.model
    if "\n" in case.model:
        model_argument = os.path.join(work, f"{case.name}.yaml")
        with open(model_argument, "w") as f:
            f.write(case.model)
    out = os.path.join(work, f"{case.name}-y.safetensors")
    model_flag = [] if case.train else ["--model", model_argument]  # a checkpoint carries its architecture
    csv_flag = ["--format", "csv"] if case.classifier else []
    done = subprocess.run([convkit, "predict", state, *model_flag, "--inputs", inputs, "--out", out, *csv_flag],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise CaseFailure(f"convkit predict exited {done.returncode}: {done.stderr.strip()}")
    logits = load_file(out)["logits"]
    with torch.no_grad():
        reference = model(x)
    if tuple(logits.shape) != tuple(reference.shape):
        raise CaseFailure(f"logits {tuple(logits.shape)}, PyTorch {tuple(reference.shape)}")
    if case.classifier:
        rows = done.stdout.strip().split("\n")
        header = "index,argmax," + ",".join(f"logit{k}" for k in range(reference.shape[1]))
        from_csv = torch.tensor([[float(v) for v in row.split(",")[2:]] for row in rows[1:]], dtype=torch.float32)
        if rows[0] != header or not torch.equal(from_csv, logits):
            raise CaseFailure(f"the CSV on stdout is not the logits in {out}")
    difference = (logits - reference).abs().max().item()
    relative = difference / reference.abs().max().item()
    agree = (logits.argmax(1) == reference.argmax(1)).float().mean().item()
    buffers = sorted({str(v.dtype).replace("torch.", "") for v in model.state_dict().values()})
    source = (f"ConvKit checkpoint ({len(tensors)} tensors, loaded strictly)" if case.train
              else f"state_dict dtypes {', '.join(buffers)}")
    print(f"{case.name}: {count} inputs {'×'.join(map(str, case.input))}, {source}: "
          f"max relative error {relative:.2e} (max |difference| {difference:.2e}), argmax agreement {agree * 100:.2f}%")
    if relative >= 1e-4:
        raise CaseFailure(f"max relative error {relative:.2e} reached 1e-4")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--convkit", default=None, help="the convkit executable (default: .build/release or debug)")
    parser.add_argument("--count", type=int, default=64, help="examples in X")
    parser.add_argument("cases", nargs="*", help=f"cases to run (default all: {', '.join(c.name for c in CASES)})")
    args = parser.parse_args()
    convkit = args.convkit or default_convkit()
    cases = [c for c in CASES if not args.cases or c.name in args.cases]
    unknown = set(args.cases) - {c.name for c in CASES}
    if unknown:
        sys.exit(f"unknown cases: {', '.join(sorted(unknown))}")
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as work:
        failed = []
        for case in cases:
            try:
                run_case(case, convkit, args.count, work)
            except CaseFailure as failure:
                print(f"FAIL {case.name}: {failure}")
                failed.append(case.name)
    if failed:
        sys.exit(f"FAIL: {len(failed)} of {len(cases)} cases ({', '.join(failed)})")
    print("PASS: convkit predict matches PyTorch (max relative error < 1e-4)")


if __name__ == "__main__":
    main()
