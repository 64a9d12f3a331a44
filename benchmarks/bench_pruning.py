"""Pruning benchmarks: does removing filters save wall-clock time in proportion to the MACs it removes?

Prints, side by side, the MAC ratio and the measured time ratio of (1) inference of VGG-16 at 32x32 and ResNet-56
before and after removing 50 % / 80 % of every prunable layer's filters, (2) one training epoch at full and half
width (VGG-8 x0.25 on digits on a CPU, VGG-16 on synthetic 32x32 images on a GPU), and (3) the time of one
interactive ``pruning.schedule_cost`` evaluation (target < 100 ms).

Run: ``python benchmarks/bench_pruning.py [--threads N] [--device cuda]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from workbench.core import get_study
from workbench.datasets import digits, make_loaders, synthetic_images
from workbench.nn import count_macs, fit, resnet, vgg
from workbench.pruning.accounting import measure_latency_ms


def narrowed(model, fraction: float):
    """``model`` with the first ``1 - fraction`` of every prunable layer's filters kept."""
    for name, width in model.widths().items():
        model.remove_channels(name, range(max(1, round(width * (1 - fraction)))))
    return model


def inference(label: str, build, shape, batch: int, device: str) -> None:
    full = build().to(device).eval()
    base_ms = measure_latency_ms(full, shape, batch_size=batch, repeats=10)
    base_macs = count_macs(full, shape).macs
    for fraction in (0.5, 0.8):
        pruned = narrowed(build(), fraction).to(device).eval()
        ms = measure_latency_ms(pruned, shape, batch_size=batch, repeats=10)
        macs = count_macs(pruned, shape).macs
        print(f"{label:<22} batch {batch:>3}  {fraction:>4.0%} pruned  MACs x{base_macs / macs:5.2f}  "
              f"time x{base_ms / ms:5.2f}  ({base_ms:7.2f} -> {ms:6.2f} ms)")


def training_epoch(device: str) -> None:
    """CPU: VGG-8 x0.25 on 16x16 digits; GPU: VGG-16 on 5,000 synthetic 32x32 images, batch 128."""
    if device == "cpu":
        splits, label, build = digits(size=16), "VGG-8 x0.25 digits", lambda: vgg("vgg8", 10, 1, 16, 0.25)
        loaders = make_loaders(splits, batch_size=64)
    else:
        splits = synthetic_images(num_classes=10, samples_per_class=500, size=32, channels=3)
        label, build = "VGG-16 32px synth.", lambda: vgg("vgg16", 10, 3, 32)
        loaders = make_loaders(splits, batch_size=128)
    times, macs = {}, {}
    for fraction in (0.0, 0.5):
        torch.manual_seed(0)
        model = build()
        if fraction:
            narrowed(model, fraction)
        fit(model, loaders.train, epochs=1, device=device)  # warm-up (kernel selection, caches)
        began = time.perf_counter()
        fit(model, loaders.train, epochs=2, device=device)
        times[fraction] = (time.perf_counter() - began) / 2
        macs[fraction] = count_macs(model, splits.input_shape).macs
    print(f"training epoch {label:<22}  50% pruned  MACs x{macs[0.0] / macs[0.5]:5.2f}  "
          f"time x{times[0.0] / times[0.5]:5.2f}  ({times[0.0]:.2f} -> {times[0.5]:.2f} s per epoch)")


def interactive() -> None:
    study = get_study("pruning.schedule_cost")
    study.evaluate()
    samples = []
    for target in (0.1, 0.3, 0.5, 0.7, 0.9) * 4:
        began = time.perf_counter()
        study.evaluate(target_ratio=target)
        samples.append((time.perf_counter() - began) * 1e3)
    print(f"pruning.schedule_cost evaluation: median {statistics.median(samples):.1f} ms (target < 100 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="where the networks run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    name = torch.cuda.get_device_name() if args.device == "cuda" else f"CPU, {args.threads} thread(s)"
    print(f"torch {torch.__version__}, {name}")
    batches = (1, 32) if args.device == "cpu" else (1, 32, 256)
    for batch in batches:
        inference("VGG-16 CIFAR", lambda: vgg("vgg16", 10, 3, 32), (3, 32, 32), batch, args.device)
    inference("ResNet-56 CIFAR", lambda: resnet(56, 10, 3), (3, 32, 32), batches[-1], args.device)
    training_epoch(args.device)
    interactive()


if __name__ == "__main__":
    main()
