#!/usr/bin/env python3
"""Cross-checks `convkit summary --format json` against PyTorch, torchvision and fvcore.

Every zoo model is compared with its PyTorch/torchvision twin (ResNets: torchvision.models.resnetNN()
with weights=None, `resnet_cifar(n)` of scripts/pytorch_interop.py for the CIFAR-10 ResNets, and its
`airbench94()`, airbench's make_net94 in float32),
and a few hundred random conv/pool stacks written as spec files with theirs, on three totals:

  params  sum of p.numel() over module.parameters() (BatchNorm running statistics are buffers,
          not parameters, in both);
  MACs    counted by forward hooks on every nn.Conv2d (output elements × in/groups × kh × kw) and
          nn.Linear (in × out per example), bias excluded: ConvKit's `macs` convention (and LeCun's
          subsampling, lenet5-1998's S2/S4: units·k², as ConvKit's README defines it);
  output  the shape of the model's output for one example.

Where the twin names a Conv2d, Linear or BatchNorm2d module as ConvKit names the row (torchvision
layouts: `features.0`, `layer1.0.conv1`, `fc`), that row's output shape, params and MACs are
compared too. lenet5-1998's twin runs C3's partial connection table (Table I) as 16 convolutions,
one per C3 map on its S2 maps. With fvcore installed, its FlopCountAnalysis is a second MAC count: it counts one
"flop" per multiply-accumulate of conv and linear/addmm/matmul (bias excluded), the same
convention, so hooks, fvcore and ConvKit must give one number. The random stacks also compare
every leaf layer's output shape in order, and a stack PyTorch rejects must be rejected by ConvKit.

Usage: python3 scripts/crosscheck-pytorch.py [path/to/convkit]
Needs torch and torchvision (fvcore optional) in a virtual environment outside the repository:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch torchvision fvcore
"""
import json, os, random, subprocess, sys, tempfile, warnings

import torch
import torch.nn as nn
import torchvision

warnings.filterwarnings("ignore", message=".*torch.jit.script.* is deprecated")  # from fvcore's tracing
try:
    from fvcore.nn import FlopCountAnalysis
except ImportError:  # fvcore is a second opinion only; the hooks are the reference
    FlopCountAnalysis = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_interop import UNet, airbench94, resnet_cifar  # noqa: E402  (twins with ConvKit's names)

CONVKIT = sys.argv[1] if len(sys.argv) > 1 else ".build/release/convkit"


def convkit(model, *extra):
    out = subprocess.run([CONVKIT, "summary", model, "--format", "json", *extra], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


class Subsampling(nn.Module):
    """LeCun et al. 1998's S2/S4: the sum of each k×k window times one trainable coefficient per
    map, plus one bias per map (ConvKit's `Subsampling`: units·k² MACs, by its README's table)."""

    def __init__(self, channels, kernel=2):
        super().__init__()
        self.kernel = kernel
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        summed = nn.functional.avg_pool2d(x, self.kernel) * self.kernel ** 2
        return summed * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


# Table I of LeCun et al. 1998: the S2 maps each C3 map reads (ConvKit's Zoo.lenet5C3Table).
LENET5_C3_TABLE = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
                   [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
                   [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5]]


class LeNet1998(nn.Module):
    """lenet5-1998: C3's partial connection table as 16 convolutions, one per C3 map, each on its
    S2 maps; the RBF output as a bias-free Linear (as ConvKit models it)."""

    def __init__(self):
        super().__init__()
        self.C1, self.S2 = nn.Conv2d(1, 6, 5), Subsampling(6)
        self.C3 = nn.ModuleList([nn.Conv2d(len(maps), 1, 5) for maps in LENET5_C3_TABLE])
        self.S4, self.C5 = Subsampling(16), nn.Conv2d(16, 120, 5)
        self.F6, self.output = nn.Linear(120, 84), nn.Linear(84, 10, bias=False)

    def forward(self, x):
        x = torch.tanh(self.S2(torch.tanh(self.C1(x))))
        x = torch.tanh(torch.cat([conv(x[:, maps]) for conv, maps in zip(self.C3, LENET5_C3_TABLE)], 1))
        x = torch.tanh(self.C5(torch.tanh(self.S4(x))))
        return self.output(torch.tanh(self.F6(torch.flatten(x, 1))))


def layer_macs(m, i, o):
    """Multiply-accumulates of one Conv2d, ConvTranspose2d, Linear or Subsampling call for one example
    (bias excluded); a transposed convolution: input elements × (out/groups)·kh·kw."""
    if isinstance(m, nn.ConvTranspose2d):
        kh, kw = m.kernel_size
        return i[0][0].numel() * (m.out_channels // m.groups) * kh * kw
    if isinstance(m, Subsampling):
        return o[0].numel() * m.kernel ** 2
    if isinstance(m, nn.Conv2d):
        kh, kw = m.kernel_size
        return o[0].numel() * (m.in_channels // m.groups) * kh * kw
    if isinstance(m, nn.Linear):
        return o[0].numel() // m.out_features * m.in_features * m.out_features
    return 0


def torch_counts(module, input_shape):
    """(leaf output shapes in call order, {name: (output, params, MACs)} of Conv2d/Linear/BatchNorm2d/
    Subsampling modules, params, hook MACs, fvcore MACs (plus the hooks' subsampling MACs) or None,
    output shape), for one example of input_shape."""
    module.eval()
    x = torch.zeros(1, *input_shape)
    shapes, named, macs = [], {}, [0, 0]  # all hook MACs; those of Conv2d/Linear (fvcore's scope)

    def hook(name, m):
        def record(m, i, o):
            shapes.append(list(o.shape[1:]))
            count = layer_macs(m, i, o)
            macs[0] += count
            macs[1] += count if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) else 0
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.BatchNorm2d, Subsampling)):
                named[name] = (list(o.shape[1:]), sum(p.numel() for p in m.parameters()), count)
        return record

    hooks = [m.register_forward_hook(hook(name, m)) for name, m in module.named_modules() if len(list(m.children())) == 0]
    with torch.no_grad():
        y = module(x)
    for h in hooks:
        h.remove()
    fv = None
    if FlopCountAnalysis is not None:
        flops = FlopCountAnalysis(module, x)
        flops.unsupported_ops_warnings(False)
        flops.uncalled_modules_warnings(False)
        # fvcore's conv handler counts a transposed convolution as input elements × (out/groups)·kh·kw too.
        fv = sum(v for k, v in flops.by_operator().items() if k in ("conv", "linear", "addmm", "matmul"))
        fv += macs[0] - macs[1]  # fvcore has no subsampling layer: its MACs are the hooks' units·k²
    params = sum(p.numel() for p in module.parameters())
    return shapes, named, params, macs[0], fv, list(y.shape[1:])


def check(name, ours, module, input_shape, failures):
    _, named, params, macs, fv, output = torch_counts(module, input_shape)
    total = ours["total"]
    problems = []
    if total["params"] != params:
        problems.append(f"params {total['params']} vs torch {params}")
    if total["macs"] != macs:
        problems.append(f"MACs {total['macs']} vs hooks {macs}")
    if fv is not None and fv != macs:
        problems.append(f"fvcore MACs {fv} vs hooks {macs}")
    if ours["output"] != output:
        problems.append(f"output {ours['output']} vs torch {output}")
    rows = {row["name"]: row for row in ours["layers"]}
    matched = 0
    for layer, (shape, p, m) in named.items():
        row = rows.get(layer)
        if row is None:
            continue
        matched += 1
        if (row["output"], row["params"], row["macs"]) != (shape, p, m):
            problems.append(f"{layer}: output/params/MACs {row['output']}/{row['params']}/{row['macs']} vs torch {shape}/{p}/{m}")
    if problems:
        failures.append(f"{name}: " + "; ".join(problems))
    fvcore = "" if fv is None else (" = fvcore" if fv == macs else f", fvcore {fv:,}")
    print(f"{'ok  ' if not problems else 'FAIL'} {name}: params {total['params']:,} MACs {total['macs']:,}{fvcore} "
          f"output {'×'.join(map(str, ours['output']))}; {matched}/{len(named)} weighted layers matched by name")


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


# Zoo models that are torchvision's own builders (weights=None), compared on 3×224×224.
# googlenet: its inference form, aux_logits=False (ConvKit's twin has no auxiliary classifiers).
TORCHVISION_TWINS = ["mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "densenet121", "squeezenet1_0",
                     "shufflenet_v2_x1_0", "googlenet"]
TORCHVISION_ARGUMENTS = {"googlenet": {"aux_logits": False, "init_weights": False}}


def main():
    failures = []
    check("lenet5", convkit("lenet5"), LeNet(), (3, 32, 32), failures)
    check("lenet5-1998", convkit("lenet5-1998"), LeNet1998(), (1, 32, 32), failures)
    check("alexnet", convkit("alexnet"), alexnet_two_gpu(), (3, 227, 227), failures)
    check("alexnet-torchvision", convkit("alexnet-torchvision"), torchvision.models.alexnet(), (3, 224, 224), failures)
    check("vgg16", convkit("vgg16"), torchvision.models.vgg16(), (3, 224, 224), failures)
    check("inception-naive", convkit("inception-naive"), Inception(False), (256, 32, 32), failures)
    check("inception-bottleneck", convkit("inception-bottleneck"), Inception(True), (256, 32, 32), failures)
    for depth in (18, 34, 50):
        check(f"resnet{depth}", convkit(f"resnet{depth}"), getattr(torchvision.models, f"resnet{depth}")(weights=None),
              (3, 224, 224), failures)
    check("resnet20-cifar", convkit("resnet20-cifar"), resnet_cifar(3), (3, 32, 32), failures)
    check("resnet56-cifar", convkit("resnet56-cifar"), resnet_cifar(9), (3, 32, 32), failures)
    check("airbench94", convkit("airbench94"), airbench94(), (3, 32, 32), failures)
    check("unet", convkit("unet"), UNet(), (1, 572, 572), failures)
    for name in TORCHVISION_TWINS:
        twin = getattr(torchvision.models, name)(weights=None, **TORCHVISION_ARGUMENTS.get(name, {}))
        check(name, convkit(name), twin, (3, 224, 224), failures)
    zoo = subprocess.run([CONVKIT, "models"], check=True, capture_output=True, text=True).stdout.split("\n")
    twins = {"lenet5", "lenet5-1998", "alexnet", "alexnet-torchvision", "vgg16", "inception-naive", "inception-bottleneck",
             "resnet18", "resnet34", "resnet50", "resnet20-cifar", "resnet56-cifar", "airbench94", "unet"} | set(TORCHVISION_TWINS)
    untwinned = [line.split()[0] for line in zoo if line.strip() and line.split()[0] not in twins]
    if untwinned:
        print(f"no PyTorch twin (not compared): {', '.join(untwinned)}")

    rng = random.Random(0)
    checked = rejected = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(300):
            spec, module, shape = random_stack(rng)
            path = os.path.join(tmp, f"r{n}.yaml")
            with open(path, "w") as f:
                json.dump(spec, f)  # JSON is valid YAML
            try:
                torch_shapes, _, params, macs, fv, _ = torch_counts(module, shape)
            except RuntimeError:
                # PyTorch rejects it (output too small): ConvKit must reject it too.
                r = subprocess.run([CONVKIT, "summary", path, "--format", "json"], capture_output=True, text=True)
                if r.returncode == 0 or not r.stderr.startswith("error:"):
                    failures.append(f"random {n}: torch rejects {spec} but convkit accepted it")
                else:
                    rejected += 1
                continue
            try:
                ours = convkit(path)
            except subprocess.CalledProcessError as e:
                failures.append(f"random {n}: torch accepts {spec} but convkit says {e.stderr.strip()}")
                continue
            our_shapes = [row["output"] for row in ours["layers"]]
            if (our_shapes != torch_shapes or ours["total"]["params"] != params or ours["total"]["macs"] != macs
                    or (fv is not None and fv != macs)):
                failures.append(f"random {n}: {spec}\n  shapes {our_shapes} vs {torch_shapes}; params {ours['total']['params']} vs {params}; MACs {ours['total']['macs']} vs hooks {macs}, fvcore {fv}")
            checked += 1
    print(f"random stacks: {checked} compared, {rejected} rejected by both (shapes, params, hook MACs{', fvcore MACs' if FlopCountAnalysis else ''})")
    for f in failures:
        print("FAIL", f)
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
