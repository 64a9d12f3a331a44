"""device="auto" check and CPU-vs-accelerator timing of the shared training loop.

Trains the same seeded VGG-8 on the bundled digits (16x16) on the CPU and on whatever ``device="auto"`` picks, and
prints time per epoch and test accuracy side by side. On a machine without CUDA both columns are the CPU.

    python benchmarks/bench_device.py [--epochs 4] [--width 0.5]
"""

from __future__ import annotations

import argparse
import time

import torch

from workbench.datasets import digits, make_loaders
from workbench.nn import evaluate_accuracy, fit, resolve_device, vgg


def train_once(device: str, epochs: int, width: float) -> dict:
    splits = digits(size=16, seed=0)
    loaders = make_loaders(splits, batch_size=64)
    torch.manual_seed(0)
    model = vgg("vgg8", num_classes=splits.num_classes, in_channels=splits.in_channels,
                input_size=splits.input_size, width_mult=width)
    start = time.perf_counter()
    result = fit(model, loaders.train, loaders.val, epochs=epochs, lr=0.05, device=device, seed=0)
    if resolve_device(device).type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    accuracy = evaluate_accuracy(result.model, loaders.test, device=device)
    placed = next(result.model.parameters()).device
    return {"device": str(placed), "s_per_epoch": seconds / epochs, "test_accuracy": accuracy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--width", type=float, default=0.5)
    args = parser.parse_args()
    auto = resolve_device("auto")
    print(f"torch {torch.__version__}; device='auto' -> {auto}"
          + (f" ({torch.cuda.get_device_name(auto)})" if auto.type == "cuda" else ""))
    cpu = train_once("cpu", args.epochs, args.width)
    picked = train_once("auto", args.epochs, args.width)
    print(f"{'':<16}{'cpu':>14}{'auto':>14}")
    print(f"{'placed on':<16}{cpu['device']:>14}{picked['device']:>14}")
    print(f"{'s / epoch':<16}{cpu['s_per_epoch']:>14.3f}{picked['s_per_epoch']:>14.3f}")
    print(f"{'test accuracy':<16}{cpu['test_accuracy']:>14.3f}{picked['test_accuracy']:>14.3f}")
    print(f"speed-up auto vs cpu: {cpu['s_per_epoch'] / picked['s_per_epoch']:.2f}x")


if __name__ == "__main__":
    main()
