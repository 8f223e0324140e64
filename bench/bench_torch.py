#!/usr/bin/python3
"""The PyTorch half of bench/run.sh: the protocol of bench/bench.cpp, in PyTorch on the CPU.

The models mirror layers/zoo.cpp and layers/resnet.cpp layer for layer (same parameter counts,
same forward MACs); initialization is PyTorch's own, which does not change the speed. Prints
a `# blas: ...` comment line naming the BLAS and oneDNN in use, then one machine-readable line:
  pytorch model=resnet20 mode=train batch=128 threads=2 steps=10 img_per_s=123.4 ...

  OMP_NUM_THREADS=2 /usr/bin/python3 bench/bench_torch.py --model resnet20 --threads 2
"""

import argparse
import re
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DISTINCT_BATCHES = 8
TRAIN_BATCH_SIZE = 128
INFER_BATCH_SIZE = 256
LEARNING_RATE = 0.01
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
KIB_PER_MIB = 1024.0  # ru_maxrss is in KiB on Linux


# ---- models, as in layers/zoo.cpp ----

def mnist_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),   # (N, 32, 26, 26)
        nn.Conv2d(32, 64, 3), nn.ReLU(),  # (N, 64, 24, 24)
        nn.MaxPool2d(2),                  # (N, 64, 12, 12)
        nn.Dropout(0.25),
        nn.Flatten(),                     # (N, 9216)
        nn.Linear(9216, 128), nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10))


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(),  # (N, 6, 28, 28)
        nn.MaxPool2d(2),                           # (N, 6, 14, 14)
        nn.Conv2d(6, 16, 5), nn.ReLU(),            # (N, 16, 10, 10)
        nn.MaxPool2d(2),                           # (N, 16, 5, 5)
        nn.Flatten(),                              # (N, 400)
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU())


def cifar_cnn():
    return nn.Sequential(
        conv_bn_relu(3, 32),    # (N, 32, 32, 32)
        conv_bn_relu(32, 32),
        nn.MaxPool2d(2),        # (N, 32, 16, 16)
        conv_bn_relu(32, 64),
        conv_bn_relu(64, 64),
        nn.MaxPool2d(2),        # (N, 64, 8, 8)
        conv_bn_relu(64, 128),
        nn.MaxPool2d(2),        # (N, 128, 4, 4)
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # (N, 128)
        nn.Linear(128, 10))


# ---- resnet20, as in layers/resnet.cpp ----

def conv3x3(cin, cout, stride):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); the shortcut, when the shape
    changes, keeps every stride-th row and column and appends zero channels (option A)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout, 1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.stride = stride
        self.pad_channels = cout - cin
        self.pads = stride != 1 or cin != cout

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        skip = x
        if self.pads:
            skip = x[:, :, ::self.stride, ::self.stride]
            skip = F.pad(skip, (0, 0, 0, 0, 0, self.pad_channels))  # zeros after the last channel
        return F.relu(h + skip)


class CifarResNet(nn.Module):
    """He et al.'s CIFAR ResNet: (N, 3, 32, 32) -> (N, num_classes)."""

    def __init__(self, widths, blocks, num_classes=10):
        super().__init__()
        self.conv1 = conv3x3(3, widths[0], 1)
        self.bn1 = nn.BatchNorm2d(widths[0])
        channels = widths[0]
        stages = []
        for s, (width, count) in enumerate(zip(widths, blocks)):
            stage = []
            for b in range(count):
                stride = 2 if s > 0 and b == 0 else 1
                stage.append(BasicBlock(channels, width, stride))
                channels = width
            stages.append(nn.Sequential(*stage))
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))  # (N, widths[0], 32, 32)
        h = self.stages(h)
        return self.fc(h.mean(dim=(2, 3)))   # (N, C) -> (N, num_classes)


MODELS = {  # name: (builder, one example's (C, H, W), classes)
    "mnist_cnn": (mnist_cnn, (1, 28, 28), 10),
    "lenet5": (lenet5, (1, 28, 28), 10),
    "cifar_cnn": (cifar_cnn, (3, 32, 32), 10),
    "resnet20": (lambda: CifarResNet([16, 32, 64], [3, 3, 3]), (3, 32, 32), 10),
}


# ---- measurements ----

def forward_macs(model, example_shape):
    """Multiply-accumulates of the convolutions and linear layers for one example, counted
    like budgetgrad's summarize(): conv = outputs · (C_in / groups) · kH · kW, linear =
    outputs · in_features."""
    total = 0

    def count(module, _inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += output.numel() * (module.in_channels // module.groups) * kh * kw
        else:
            total += output.numel() * module.in_features

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *example_shape))
    model.train(was_training)
    for hook in hooks:
        hook.remove()
    return total


def blas_line():
    """Which BLAS and oneDNN this process runs: the build summary and the libraries mapped."""
    config = torch.__config__.show()
    blas_info = re.search(r"BLAS_INFO=([^,\s]+)", config)
    dnnl = re.search(r"MKL-DNN v([\w.]+)", config)
    mapped = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if re.search(r"blas|lapack|dnnl|mkl|gomp|iomp", path) and path not in mapped:
                mapped.append(path)
    return "# blas: torch {} BLAS_INFO={} oneDNN={} mkldnn_enabled={} | loaded: {}".format(
        torch.__version__, blas_info.group(1) if blas_info else "?",
        dnnl.group(1) if dnnl else "?", torch.backends.mkldnn.enabled,
        " ".join(mapped) if mapped else "none")


def make_batches(example_shape, classes, batch_size, generator):
    """Inputs uniform in [-1, 1) and random labels, all made before any timing."""
    return [(torch.rand(batch_size, *example_shape, generator=generator) * 2 - 1,
             torch.randint(classes, (batch_size,), generator=generator))
            for _ in range(DISTINCT_BATCHES)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet20", choices=sorted(MODELS))
    parser.add_argument("--mode", default="train", choices=["train", "infer"])
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"default {TRAIN_BATCH_SIZE} to train, {INFER_BATCH_SIZE} to infer")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for flag in ("batch_size", "threads", "windows", "steps"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            parser.error(f"--{flag.replace('_', '-')}: expected at least 1, got {value}")
    if args.warmup < 0:
        parser.error(f"--warmup: expected at least 0, got {args.warmup}")

    training = args.mode == "train"
    batch_size = args.batch_size or (TRAIN_BATCH_SIZE if training else INFER_BATCH_SIZE)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    build, example_shape, classes = MODELS[args.model]
    model = build()
    params = sum(p.numel() for p in model.parameters())
    macs = forward_macs(model, example_shape)
    batches = make_batches(example_shape, classes, batch_size,
                           torch.Generator().manual_seed(args.seed))

    total_steps = args.warmup + args.windows * args.steps
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM,
                                weight_decay=WEIGHT_DECAY)
    # LinearLR of budgetgrad: lr_t = lr_0 · (1 − t / T), 0 from T on.
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda t: max(0.0, 1.0 - t / total_steps))
    model.train(training)

    print(f"pytorch bench | model {args.model} ({params} parameters, {macs} forward MACs per "
          f"image) | {args.mode} | batch {batch_size} | threads {torch.get_num_threads()} | "
          f"warm-up {args.warmup} | {args.windows} windows of {args.steps} steps",
          file=sys.stderr)
    print(blas_line(), flush=True)

    step = 0
    last = 0.0

    def run_step():
        nonlocal step, last
        images, labels = batches[step % DISTINCT_BATCHES]
        step += 1
        if training:
            loss = F.cross_entropy(model(images), labels)
            # Zero in place, as budgetgrad does (also torch 1.13's default).
            optimizer.zero_grad(set_to_none=False)
            loss.backward()
            optimizer.step()
            schedule.step()
            last = loss.item()
        else:
            with torch.no_grad():
                last = model(images)[0, 0].item()  # any value, to use the output

    for _ in range(args.warmup):
        run_step()
    window_seconds = []
    for _ in range(args.windows):
        start = time.perf_counter()
        for _ in range(args.steps):
            run_step()
        window_seconds.append(time.perf_counter() - start)
    if last != last or abs(last) == float("inf"):
        print(f"bench: warning: the last {'loss' if training else 'output'} was {last}",
              file=sys.stderr)

    seconds = statistics.median(window_seconds)
    images_per_second = batch_size * args.steps / seconds
    passes = 3.0 if training else 1.0  # forward, backward to inputs, backward to weights
    gflops = passes * 2.0 * macs * images_per_second / 1e9
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB_PER_MIB
    print(f"pytorch model={args.model} mode={args.mode} batch={batch_size} "
          f"threads={args.threads} steps={args.steps} img_per_s={images_per_second:.1f} "
          f"ms_per_step={1000.0 * seconds / args.steps:.2f} peak_rss_mb={peak_rss_mb:.1f} "
          f"gflops={gflops:.2f} params={params} macs={macs}")


if __name__ == "__main__":
    main()
