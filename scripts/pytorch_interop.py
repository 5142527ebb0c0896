"""Helper of scripts/pytorch-interop.sh: PyTorch's side of the checkpoint round trips."""
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file


class LeNet(nn.Module):
    """The PyTorch tutorial's LeNet-5, optionally with BatchNorm after each convolution.
    Attribute names match ConvKit's state_dict names (conv1, bn1, conv2, bn2, fc1, fc2, fc3)."""

    def __init__(self, batch_norm=False):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.bn1 = nn.BatchNorm2d(6) if batch_norm else nn.Identity()
        self.bn2 = nn.BatchNorm2d(16) if batch_norm else nn.Identity()
        self.pool = nn.MaxPool2d(2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class ResNetCifar(nn.Module):
    """ConvKit's `resnet{6n+2}-cifar` (He et al. 2016 §4.2, 1×1 projection shortcuts) built from
    torchvision's own `BasicBlock`, so its state_dict keys are ConvKit's (`conv1`, `bn1`,
    `layer1.0.conv1`, `layer2.0.downsample.0`, `fc`). Every layer keeps PyTorch's default
    initialisation (Kaiming-uniform, a = √5; BatchNorm weight 1, bias 0), which is ConvKit's too;
    torchvision's ImageNet `ResNet` re-initialises its convolutions, this twin does not."""

    def __init__(self, n, num_classes=10):
        from torchvision.models.resnet import BasicBlock
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        inplanes = 16
        for stage, (planes, stride) in enumerate([(16, 1), (32, 2), (64, 2)]):
            blocks = []
            for index in range(n):
                s = stride if index == 0 else 1
                downsample = None
                if s != 1 or inplanes != planes:
                    downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=s, bias=False), nn.BatchNorm2d(planes))
                blocks.append(BasicBlock(inplanes, planes, s, downsample))
                inplanes = planes
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet_cifar(n, num_classes=10):
    """The PyTorch twin of ConvKit's `resnet{6n+2}-cifar` (n = 3: resnet20, n = 9: resnet56)."""
    return ResNetCifar(n, num_classes)


class AirbenchConvGroup(nn.Module):
    """airbench's `ConvGroup` (airbench 0.1.8, lib_airbench94.py): conv1, pool, norm1, GELU, conv2,
    norm2, GELU; 3×3 'same' convolutions without bias, BatchNorm eps 1e-12, momentum 0.4. The
    convolutions say padding=1, which is 'same' for 3×3: fvcore does not count the
    aten::_convolution_mode op that padding='same' traces to."""

    def __init__(self, channels_in, channels_out):
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = nn.BatchNorm2d(channels_out, eps=1e-12, momentum=0.4)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(channels_out, eps=1e-12, momentum=0.4)
        self.activ = nn.GELU()

    def forward(self, x):
        x = self.activ(self.norm1(self.pool(self.conv1(x))))
        return self.activ(self.norm2(self.conv2(x)))


def airbench94(widths=(64, 256, 256)):
    """The PyTorch twin of ConvKit's `airbench94`: airbench's `make_net94` in float32 on the CPU,
    with its module indices as names (`0.weight`, `2.conv1.weight`, `7.weight`), without the
    trailing Mul(1/9) and with PyTorch's default init, as ConvKit's zoo model."""
    return nn.Sequential(
        nn.Conv2d(3, 24, 2, padding=0, bias=True), nn.GELU(),
        AirbenchConvGroup(24, widths[0]), AirbenchConvGroup(widths[0], widths[1]), AirbenchConvGroup(widths[1], widths[2]),
        nn.MaxPool2d(3), nn.Flatten(), nn.Linear(widths[2], 10, bias=False))


class UNet(nn.Module):
    """Ronneberger et al. 2015, Fig. 1, with ConvKit's names: down1..down4 and bottom (two unpadded
    3×3 convolutions with ReLU each), 2×2 max pooling, upconvK (2×2 stride-2 transposed convolution
    halving the channels), the contracting map centre-cropped and concatenated first, upK, final 1×1."""

    def __init__(self):
        super().__init__()
        level = lambda i, o: nn.Sequential(OrderedDict([("conv1", nn.Conv2d(i, o, 3)), ("relu1", nn.ReLU()),
                                                        ("conv2", nn.Conv2d(o, o, 3)), ("relu2", nn.ReLU())]))
        widths = [64, 128, 256, 512]
        for k, (i, o) in enumerate(zip([1] + widths[:-1], widths), 1):
            setattr(self, f"down{k}", level(i, o))
        self.bottom = level(512, 1024)
        for k, o in enumerate(widths, 1):
            setattr(self, f"upconv{k}", nn.ConvTranspose2d(2 * o, o, 2, stride=2))
            setattr(self, f"up{k}", level(2 * o, o))
        self.final = nn.Conv2d(64, 2, 1)

    def forward(self, x):
        skips = []
        for k in range(1, 5):
            x = getattr(self, f"down{k}")(x)
            skips.append(x)
            x = nn.functional.max_pool2d(x, 2)
        x = self.bottom(x)
        for k in range(4, 0, -1):
            x = getattr(self, f"upconv{k}")(x)
            skip, (h, w) = skips[k - 1], (int(x.shape[2]), int(x.shape[3]))
            top, left = (int(skip.shape[2]) - h) // 2, (int(skip.shape[3]) - w) // 2  # every margin is even
            x = torch.cat([skip[:, :, top:top + h, left:left + w], x], 1)
            x = getattr(self, f"up{k}")(x)
        return self.final(x)


def cifar_test(folder):
    raw = np.fromfile(f"{folder}/test_batch.bin", dtype=np.uint8).reshape(10000, 3073)
    images = torch.from_numpy(raw[:, 1:].reshape(10000, 3, 32, 32).astype(np.float32))
    # The tutorial's Normalize((0.5,)*3, (0.5,)*3) after ToTensor: (x/255 − 0.5)/0.5.
    return (images / 255 - 0.5) / 0.5, torch.from_numpy(raw[:, 0].astype(np.int64))


def logits_of(model, images):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(images[i:i + 1000]) for i in range(0, len(images), 1000)])


def same(a, b, what):
    diff = (a - b).abs().max().item()
    agree = (a.argmax(1) == b.argmax(1)).float().mean().item()
    print(f"{what}: max |logit difference| = {diff:.2e}, argmax agreement {agree * 100:.2f}%")
    if diff >= 1e-4:
        sys.exit(f"FAIL: logits differ by {diff} (≥ 1e-4)")


def main():
    command = sys.argv[1]
    torch.set_num_threads(2)
    if command == "compare":
        checkpoint, logits_file, folder = sys.argv[2:5]
        model = LeNet(batch_norm="--batch-norm" in sys.argv)
        model.load_state_dict(load_file(checkpoint), strict=True)
        images, _ = cifar_test(folder)
        same(logits_of(model, images), load_file(logits_file)["logits"], "PyTorch on the ConvKit checkpoint vs ConvKit")
    elif command == "export":
        out, logits_file, folder = sys.argv[2:5]
        torch.manual_seed(0)
        model = LeNet()
        images, labels = cifar_test(folder)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        for i in range(0, 2000, 16):  # a few steps so the weights are not just the initialisation
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(images[i:i + 16]), labels[i:i + 16]).backward()
            optimizer.step()
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out)
        save_file({"logits": logits_of(model, images)}, logits_file)
        print(f"PyTorch wrote {out}")
    elif command == "same":
        same(load_file(sys.argv[2])["logits"], load_file(sys.argv[3])["logits"], "ConvKit on the PyTorch state_dict vs PyTorch")


if __name__ == "__main__":
    main()
