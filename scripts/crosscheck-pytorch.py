#!/usr/bin/env python3
"""Cross-checks `convkit summary --format json` against PyTorch, torchvision and fvcore.

For each zoo model with a PyTorch twin, and for a few hundred random conv/pool stacks written
as spec files, compares per-layer output shapes (forward hooks), parameter counts and
conv/linear MACs (fvcore's FlopCountAnalysis counts one "flop" per multiply-accumulate).

Usage: python3 scripts/crosscheck-pytorch.py [path/to/convkit]
Needs torch, torchvision and fvcore in a virtual environment outside the repository:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch torchvision fvcore
"""
import json, os, random, subprocess, sys, tempfile

import torch
import torch.nn as nn
import torchvision
from fvcore.nn import FlopCountAnalysis

CONVKIT = sys.argv[1] if len(sys.argv) > 1 else ".build/release/convkit"


def convkit(model, *extra):
    out = subprocess.run([CONVKIT, "summary", model, "--format", "json", *extra], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def torch_counts(module, input_shape):
    module.eval()
    x = torch.zeros(1, *input_shape)
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(list(o.shape[1:])))
             for m in module.modules() if len(list(m.children())) == 0]
    with torch.no_grad():
        module(x)
    for h in hooks:
        h.remove()
    flops = FlopCountAnalysis(module, x)
    flops.unsupported_ops_warnings(False)
    flops.uncalled_modules_warnings(False)
    by_op = flops.by_operator()
    macs = sum(v for k, v in by_op.items() if k in ("conv", "linear", "addmm", "matmul"))
    params = sum(p.numel() for p in module.parameters())
    return shapes, params, macs


def check(name, ours, module, input_shape, failures):
    shapes, params, macs = torch_counts(module, input_shape)
    total = ours["total"]
    ok = total["params"] == params and total["macs"] == macs
    if not ok:
        failures.append(f"{name}: params {total['params']} vs torch {params}, MACs {total['macs']} vs fvcore {macs}")
    print(f"{'ok  ' if ok else 'FAIL'} {name}: params {total['params']:,} MACs {total['macs']:,}")
    return shapes


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def alexnet_two_gpu():
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, 4), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000))


class Inception(nn.Module):
    def __init__(self, bottleneck):
        super().__init__()
        r = lambda c_in, c_out, k: [nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU()]
        if bottleneck:
            self.b = nn.ModuleList([nn.Sequential(*r(256, 128, 1)), nn.Sequential(*r(256, 64, 1), *r(64, 192, 3)),
                                    nn.Sequential(*r(256, 64, 1), *r(64, 96, 5)),
                                    nn.Sequential(nn.MaxPool2d(3, 1, 1), *r(256, 64, 1))])
        else:
            self.b = nn.ModuleList([nn.Sequential(*r(256, 128, 1)), nn.Sequential(*r(256, 192, 3)),
                                    nn.Sequential(*r(256, 96, 5)), nn.Sequential(nn.MaxPool2d(3, 1, 1))])

    def forward(self, x):
        return torch.cat([b(x) for b in self.b], 1)


def random_stack(rng):
    """A random valid conv/pool stack as (spec dict, torch module, input shape)."""
    c, h, w = rng.choice([1, 3, 4, 8]), rng.randint(12, 40), rng.randint(12, 40)
    spec_layers, modules = [], []
    channels = c
    for i in range(rng.randint(1, 4)):
        kind = rng.choice(["conv", "conv", "max", "avg"])
        k = rng.choice([1, 2, 3, 5])
        s = rng.choice([1, 1, 2, 3])
        if kind == "conv":
            g = rng.choice([1, 1, 2]) if channels % 2 == 0 else 1
            out = rng.choice([2, 4, 6]) * g
            p, d, bias = rng.randint(0, 2), rng.choice([1, 1, 2]), rng.choice([True, False])
            spec_layers.append({"type": "conv2d", "out_channels": out, "kernel_size": k, "stride": s, "padding": p,
                                "dilation": d, "groups": g, "bias": bias})
            modules.append(nn.Conv2d(channels, out, k, s, p, d, g, bias))
            channels = out
        else:
            p = rng.randint(0, k // 2)
            ceil = rng.choice([True, False])
            spec_layers.append({"type": "maxpool2d" if kind == "max" else "avgpool2d", "kernel_size": k, "stride": s,
                                "padding": p, "ceil_mode": ceil})
            modules.append((nn.MaxPool2d if kind == "max" else nn.AvgPool2d)(k, s, p, ceil_mode=ceil))
    spec_layers.append({"type": "flatten"})
    return {"name": "random", "input": [c, h, w], "layers": spec_layers}, nn.Sequential(*modules, nn.Flatten()), (c, h, w)


def main():
    failures = []
    check("lenet5", convkit("lenet5"), LeNet(), (3, 32, 32), failures)
    check("alexnet", convkit("alexnet"), alexnet_two_gpu(), (3, 227, 227), failures)
    check("alexnet-torchvision", convkit("alexnet-torchvision"), torchvision.models.alexnet(), (3, 224, 224), failures)
    check("vgg16", convkit("vgg16"), torchvision.models.vgg16(), (3, 224, 224), failures)
    check("inception-naive", convkit("inception-naive"), Inception(False), (256, 32, 32), failures)
    check("inception-bottleneck", convkit("inception-bottleneck"), Inception(True), (256, 32, 32), failures)

    rng = random.Random(0)
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(300):
            spec, module, shape = random_stack(rng)
            path = os.path.join(tmp, f"r{n}.yaml")
            with open(path, "w") as f:
                json.dump(spec, f)  # JSON is valid YAML
            try:
                torch_shapes, params, macs = torch_counts(module, shape)
            except RuntimeError:
                # PyTorch rejects it (output too small): ConvKit must reject it too.
                r = subprocess.run([CONVKIT, "summary", path, "--format", "json"], capture_output=True, text=True)
                if r.returncode == 0 or not r.stderr.startswith("error:"):
                    failures.append(f"random {n}: torch rejects {spec} but convkit accepted it")
                continue
            try:
                ours = convkit(path)
            except subprocess.CalledProcessError as e:
                failures.append(f"random {n}: torch accepts {spec} but convkit says {e.stderr.strip()}")
                continue
            our_shapes = [row["output"] for row in ours["layers"]]
            if our_shapes != torch_shapes or ours["total"]["params"] != params or ours["total"]["macs"] != macs:
                failures.append(f"random {n}: {spec}\n  shapes {our_shapes} vs {torch_shapes}; params {ours['total']['params']} vs {params}; MACs {ours['total']['macs']} vs {macs}")
            checked += 1
    print(f"random stacks: {checked} compared")
    for f in failures:
        print("FAIL", f)
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
