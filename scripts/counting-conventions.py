#!/usr/bin/env python3
"""What fvcore, torchinfo and ptflops report for a model's cost, against `convkit summary --count`.

For resnet18, resnet50 and mobilenet_v2 (torchvision, weights=None, evaluation mode, one 3×224×224
image) prints each tool's total and the ConvKit `--count` combination that reproduces it:

  fvcore     FlopCountAnalysis(...).total(): one "flop" per multiply-accumulate of conv and linear,
             plus batch norm (2 per element in evaluation) and adaptive average pooling (1 per input
             element); add, mul, ReLU and max pooling are ignored  → --count bn,adaptivepool
  torchinfo  summary(...).total_mult_adds: conv and linear MACs with their bias additions, plus, for
             batch norm, γ and β counted once per example (a parameter count, not per element)
             → --count bias, plus the batch norms' parameters
  ptflops    get_model_complexity_info(backend='aten'): aten.convolution and aten.addmm, bias
             included → --count bias;
             backend='pytorch': module hooks (batch norm 2 per element, activations and pooling 1 per
             element, biases) and hooks on torch.nn.functional, which count the same call again when
             a module calls its functional form: in the ResNets nn.ReLU (F.relu), nn.MaxPool2d and
             nn.AdaptiveAvgPool2d are counted twice → --count bias,bn plus twice act,pool,adaptivepool;
             in mobilenet_v2, nn.ReLU6 calls F.hardtanh (not in ptflops' table) and the pooling is
             functional, so each is counted once → --count bias,bn,act,adaptivepool

Usage: python3 scripts/counting-conventions.py [path/to/convkit]
Needs torch, torchvision, fvcore, torchinfo and ptflops in a virtual environment outside the repository.
"""
import json, subprocess, sys, warnings

warnings.filterwarnings("ignore")  # torch.jit deprecation notes from fvcore's tracing

import torch
import torchvision
from fvcore.nn import FlopCountAnalysis
from ptflops import get_model_complexity_info
from torchinfo import summary

warnings.filterwarnings("ignore")
CONVKIT = sys.argv[1] if len(sys.argv) > 1 else ".build/release/convkit"


def convkit(model, count=None):
    args = [CONVKIT, "summary", model, "--format", "json"] + (["--count", count] if count else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)["total"]["macs"]


def main():
    failures = 0
    print("| model | ConvKit MACs | fvcore | = `--count bn,adaptivepool` | torchinfo | = `--count bias` + BN γ,β | ptflops (aten) | = `--count bias` | ptflops (pytorch) | = see below |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ["resnet18", "resnet50", "mobilenet_v2"]:
        model = getattr(torchvision.models, name)(weights=None).eval()
        x = torch.zeros(1, 3, 224, 224)
        flops = FlopCountAnalysis(model, x)
        flops.unsupported_ops_warnings(False)
        flops.uncalled_modules_warnings(False)
        fvcore = flops.total()
        torchinfo = summary(model, input_size=(1, 3, 224, 224), verbose=0).total_mult_adds
        aten = get_model_complexity_info(model, (3, 224, 224), as_strings=False, print_per_layer_stat=False, backend="aten")[0]
        hooks = get_model_complexity_info(model, (3, 224, 224), as_strings=False, print_per_layer_stat=False, backend="pytorch")[0]
        bn_parameters = sum(p.numel() for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d) for p in m.parameters())
        ours = convkit(name)
        as_fvcore = convkit(name, "bn,adaptivepool")
        as_torchinfo = convkit(name, "bias") + bn_parameters
        as_aten = convkit(name, "bias")
        if name == "mobilenet_v2":
            as_hooks = convkit(name, "bias,bn,act,adaptivepool")
        else:
            as_hooks = convkit(name, "bias,bn") + 2 * (convkit(name, "act,pool,adaptivepool") - ours)
        cells = [name, ours, fvcore, as_fvcore, torchinfo, as_torchinfo, aten, as_aten, hooks, as_hooks]
        print("| " + " | ".join(f"{c:,}" if isinstance(c, int) else f"`{c}`" for c in cells) + " |")
        for tool, theirs, mine in [("fvcore", fvcore, as_fvcore), ("torchinfo", torchinfo, as_torchinfo),
                                   ("ptflops aten", aten, as_aten), ("ptflops pytorch", hooks, as_hooks)]:
            if theirs != mine:
                failures += 1
                print(f"MISMATCH {name} {tool}: {theirs:,} vs ConvKit {mine:,}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
