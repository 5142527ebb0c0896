"""PyTorch's (and ONNX Runtime's) side of scripts/compare-pytorch.sh: one figure per command, printed
as numbers on one line. Every figure is a median of repeated timings on this machine.

  lenet-epoch DATA BATCH THREADS LIMIT  -> "<training seconds> <training + test seconds>" of one
                                           LeNet-5 epoch (the PyTorch tutorial's recipe)
  sgemm THREADS                         -> GFLOP/s of torch.mm 512x512x512
  inference THREADS ONNX_PATH           -> "<PyTorch images/s> <ONNX Runtime images/s>" of LeNet-5
                                           inference at batch 1000 (ORT: CPU provider, THREADS
                                           intra-op threads; "nan" without onnxruntime)
  airbench THREADS BATCH                -> "<NCHW images/s> <channels_last images/s>" of airbench94
                                           training steps (forward, cross-entropy, backward, SGD
                                           with momentum 0.9, as convkit bench)
"""
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_interop import LeNet, airbench94  # noqa: E402  (the twins, ConvKit's names)


def median_seconds(body, samples=5, seconds=1.0):
    body()
    times = []
    for _ in range(samples):
        start, calls = time.perf_counter(), 0
        while True:
            body()
            calls += 1
            if time.perf_counter() - start >= seconds:
                break
        times.append((time.perf_counter() - start) / calls)
    return sorted(times)[len(times) // 2]


def lenet_epoch(data, batch, limit):
    def load(names):
        raw = np.concatenate([np.fromfile(f"{data}/{n}", dtype=np.uint8).reshape(-1, 3073) for n in names])
        x = torch.from_numpy((raw[:, 1:].astype(np.float32) / 255 - 0.5) / 0.5).reshape(-1, 3, 32, 32)
        return x, torch.from_numpy(raw[:, 0].astype(np.int64))

    train_x, train_y = load([f"data_batch_{i}.bin" for i in range(1, 6)])
    train_x, train_y = train_x[:limit], train_y[:limit]
    test_x, test_y = load(["test_batch.bin"])
    torch.manual_seed(0)
    net = LeNet()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    start = time.perf_counter()
    order = torch.randperm(len(train_x))
    for i in range(0, len(train_x), batch):
        index = order[i:i + batch]
        optimizer.zero_grad()
        criterion(net(train_x[index]), train_y[index]).backward()
        optimizer.step()
    trained = time.perf_counter()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test_x), 500):
            correct += (net(test_x[i:i + 500]).argmax(1) == test_y[i:i + 500]).sum().item()
    done = time.perf_counter()
    print(f"{trained - start:.3f} {done - start:.3f}")


def sgemm():
    n = 512
    a, b, c = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
    print(f"{2 * n ** 3 / median_seconds(lambda: torch.mm(a, b, out=c)) / 1e9:.1f}")


def inference(threads, onnx_path):
    torch.manual_seed(0)
    net = LeNet().eval()
    x = torch.randn(1000, 3, 32, 32)
    with torch.no_grad():
        pytorch = 1000 / median_seconds(lambda: net(x))
    ort_rate = math.nan
    try:
        import onnxruntime as ort
        torch.onnx.export(net, x[:1], onnx_path, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17, dynamo=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        feed = {"x": x.numpy()}
        ort_rate = 1000 / median_seconds(lambda: session.run(None, feed))
    except ImportError:
        pass
    print(f"{pytorch:.1f} {ort_rate:.1f}")


def airbench(batch):
    rates = []
    for layout in ("nchw", "channels_last"):
        torch.manual_seed(0)
        model = airbench94()
        x = torch.randn(batch, 3, 32, 32)
        y = torch.randint(0, 10, (batch,))
        if layout == "channels_last":
            model = model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

        def step():
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()

        model.train()
        rates.append(batch / median_seconds(step, seconds=2.0))
    print(" ".join(f"{r:.1f}" for r in rates))


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "lenet-epoch":
        torch.set_num_threads(int(args[2]))
        lenet_epoch(args[0], int(args[1]), int(args[3]))
    elif command == "sgemm":
        torch.set_num_threads(int(args[0]))
        sgemm()
    elif command == "inference":
        torch.set_num_threads(int(args[0]))
        inference(int(args[0]), args[1])
    elif command == "airbench":
        torch.set_num_threads(int(args[0]))
        airbench(int(args[1]))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
