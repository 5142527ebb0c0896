#!/usr/bin/env python3
"""Trains the PyTorch twin of ConvKit's resnet20-cifar on CIFAR-10 with ConvKit's recipe.

The PyTorch side of a ConvKit/PyTorch comparison: what

    convkit train resnet20-cifar --dataset cifar10 --data-dir DIR --epochs E --batch-size 128 --lr 0.1 \\
        --momentum 0.9 --weight-decay 5e-4 --schedule cosine --augment --normalize dataset --threads 2 [--limit N]

does, in PyTorch, on the same binary batches:

  data       data_batch_1.bin … data_batch_5.bin in that order (--limit N: the first N images),
             test_batch.bin for the test set, read with numpy (3073 bytes a record: label, 3×32×32);
  normalize  per-channel mean and population standard deviation of x/255 over the (limited)
             training images, computed in float64, then (x/255 − mean)/std in float32;
  augment    per image: pad with 4 zero *pixels* (byte 0, before normalisation, as torchvision's
             RandomCrop(32, padding=4) before ToTensor), crop a 32×32 window at a uniform offset
             (0…8 each way), then mirror left–right with probability 0.5;
  batches    a fresh shuffle every epoch, batches of 128, the last one partial (not dropped);
  model      scripts/pytorch_interop.py's resnet_cifar(3) (torchvision BasicBlocks, PyTorch's default
             initialisation, which is ConvKit's), seeded with --seed; NCHW, or with --channels-last
             PyTorch's faster CPU layout (the same arithmetic, oneDNN's blocked kernels);
  loss       softmax cross-entropy averaged over the batch;
  optimizer  torch.optim.SGD(momentum 0.9, weight_decay 5e-4) — velocity form, decay added to the
             gradient of every parameter (BatchNorm's too), as ConvKit's SGD;
  schedule   per epoch, lr·(1 + cos(π·epoch/E))/2 (CosineAnnealingLR to 0 over E epochs);
  report     one line per epoch in ConvKit's format, loss and accuracy over the epoch's training
             batches as they were trained; the test set (batches of 500, evaluation mode) after
             every epoch, as `convkit train` does; at the end, the last test accuracy and wall times.

With --checkpoint PATH the state after every epoch (weights, optimizer, random generators, epoch,
seconds so far) is written to PATH (atomically: a temporary file renamed over it); --resume continues
from it, so a run too long for one sitting is the sum of its pieces (the wall time printed at the end
is then the training and test seconds of all epochs, without the start-ups).

The random draws (initialisation, shuffles, crops, flips) are PyTorch's, not ConvKit's, so the runs
are the same recipe, not the same bits. Python with torch, torchvision and numpy lives in a
virtual environment outside the repository:
    ~/.cache/convkit-venv/bin/python scripts/train_resnet20_pytorch.py [--epochs E] [--limit N] [--data-dir DIR]
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_interop import resnet_cifar  # noqa: E402  (the resnet20-cifar twin, ConvKit's names)

PAD = 4


def read_batches(folder, names):
    """(images uint8 N×3×32×32, labels int64 N) from CIFAR-10 binary batch files."""
    raws = []
    for name in names:
        raw = np.fromfile(os.path.join(folder, name), dtype=np.uint8)
        if raw.size % 3073:
            sys.exit(f"error: {name}: {raw.size} bytes is not a whole number of 3073-byte records")
        raws.append(raw.reshape(-1, 3073))
    raw = np.concatenate(raws)
    return torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).copy()), torch.from_numpy(raw[:, 0].astype(np.int64))


def dataset_statistics(images):
    """Per-channel mean and population std of x/255 in float64, as float32 (ConvKit's --normalize dataset)."""
    counts = np.stack([np.bincount(images[:, c].numpy().ravel(), minlength=256) for c in range(3)]).astype(np.float64)
    values = np.arange(256, dtype=np.float64) / 255
    n = counts.sum(1)
    mean = (counts * values).sum(1) / n
    std = np.sqrt((counts * (values[None, :] - mean[:, None]) ** 2).sum(1) / n)
    std[std == 0] = 1
    return torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1), torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)


def normalize(images, mean, std):
    return (images.float() / 255 - mean) / std


def augment(images, generator):
    """Random crop of a 4-pixel zero-padded byte image, then a horizontal flip with probability 0.5."""
    b = images.shape[0]
    padded = torch.zeros(b, 3, 32 + 2 * PAD, 32 + 2 * PAD, dtype=torch.uint8)
    padded[:, :, PAD:PAD + 32, PAD:PAD + 32] = images
    top = torch.randint(0, 2 * PAD + 1, (b,), generator=generator)
    left = torch.randint(0, 2 * PAD + 1, (b,), generator=generator)
    span = torch.arange(32)
    rows = (top[:, None] + span)[:, None, :, None]
    cols = (left[:, None] + span)[:, None, None, :]
    crops = padded[torch.arange(b)[:, None, None, None], torch.arange(3)[None, :, None, None], rows, cols]
    flip = torch.rand(b, generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], crops.flip(3), crops)


def evaluate(model, images, labels, mean, std, layout, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            correct += (model(normalize(images[i:i + batch], mean, std).contiguous(memory_format=layout)).argmax(1) == labels[i:i + batch]).sum().item()
    return correct / len(images)


def resume_key(args):
    """The settings a checkpoint must share with the run that continues it."""
    return {k: getattr(args, k) for k in ("data_dir", "epochs", "limit", "batch_size", "lr", "momentum", "weight_decay", "seed",
                                          "channels_last")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data/cifar-10-batches-bin", help="folder of the CIFAR-10 binary batches")
    parser.add_argument("--epochs", type=int, default=20, help="epochs (default 20, as convkit train)")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N training images")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels-last", action="store_true",
                        help="run the model in channels_last memory format (oneDNN's faster layout on CPUs; same recipe and arithmetic)")
    parser.add_argument("--checkpoint", default=None, help="write the run's state here after every epoch")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--stop-after", type=int, default=None, help="stop after this many epochs of this piece (with --checkpoint)")
    args = parser.parse_args()
    if args.epochs < 1 or (args.limit is not None and args.limit < 1):
        sys.exit("error: --epochs and --limit must be at least 1")
    torch.set_num_threads(args.threads)
    start = time.perf_counter()

    train_images, train_labels = read_batches(args.data_dir, [f"data_batch_{k}.bin" for k in range(1, 6)])
    test_images, test_labels = read_batches(args.data_dir, ["test_batch.bin"])
    if args.limit is not None:
        train_images, train_labels = train_images[:args.limit], train_labels[:args.limit]
    mean, std = dataset_statistics(train_images)

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    model = resnet_cifar(3)
    layout = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=layout)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    loss_function = nn.CrossEntropyLoss()  # mean over the batch
    train_seconds = test_seconds = 0.0
    accuracy = 0.0
    first_epoch = 0
    if args.resume:
        if not args.checkpoint or not os.path.exists(args.checkpoint):
            sys.exit("error: --resume needs an existing --checkpoint file")
        state = torch.load(args.checkpoint, weights_only=False)
        if state["args"] != resume_key(args):
            sys.exit(f"error: {args.checkpoint} was written with other settings: {state['args']}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        first_epoch, train_seconds, test_seconds, accuracy = state["epoch"], state["train_seconds"], state["test_seconds"], state["accuracy"]
        print(f"Resuming after epoch {first_epoch - 1} ({train_seconds + test_seconds:.1f} s so far)", flush=True)
    n = len(train_images)
    for epoch in range(first_epoch, args.epochs):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (1 + math.cos(math.pi * epoch / args.epochs)) / 2
        epoch_start = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, args.batch_size):
            index = order[i:i + args.batch_size]
            x = normalize(augment(train_images[index], generator), mean, std).contiguous(memory_format=layout)
            y = train_labels[index]
            optimizer.zero_grad()
            logits = model(x)
            loss = loss_function(logits, y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        print(f"Epoch {epoch} training loss: {loss_sum / n:.3f} training accuracy: {correct / n * 100:.3f}%", flush=True)
        test_start = time.perf_counter()
        train_seconds += test_start - epoch_start
        accuracy = evaluate(model, test_images, test_labels, mean, std, layout)
        test_seconds += time.perf_counter() - test_start
        if args.checkpoint:
            state = {"args": resume_key(args), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "generator": generator.get_state(), "torch_rng": torch.get_rng_state(), "epoch": epoch + 1,
                     "train_seconds": train_seconds, "test_seconds": test_seconds, "accuracy": accuracy}
            torch.save(state, args.checkpoint + ".tmp")
            os.replace(args.checkpoint + ".tmp", args.checkpoint)
        if args.stop_after is not None and epoch + 1 - first_epoch >= args.stop_after and epoch + 1 < args.epochs:
            print(f"Stopped after epoch {epoch}; continue with --resume --checkpoint {args.checkpoint}", flush=True)
            return
    print(f"Accuracy of the network on the {len(test_images)} test set: {accuracy * 100:.2f}%")
    if args.resume:
        print(f"Epoch seconds, all pieces: {train_seconds + test_seconds:.1f} s (training {train_seconds:.1f} s, "
              f"{args.epochs * n / train_seconds:.0f} images/s; test evaluations {test_seconds:.1f} s; {args.threads} threads)")
        return
    print(f"Wall time: {time.perf_counter() - start:.1f} s (training {train_seconds:.1f} s, {args.epochs * n / train_seconds:.0f} images/s; "
          f"test evaluations {test_seconds:.1f} s; {args.threads} threads"
          f"{', channels_last' if args.channels_last else ''})")


if __name__ == "__main__":
    main()
