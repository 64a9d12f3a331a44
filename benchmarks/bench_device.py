"""device="auto" across the themes: the same seeded work on the CPU and on the device "auto" picks, side by side.

Sections: the shared training loop (VGG-8 on 16x16 digits), pruning while training (L1 and FRS), TiM ternary STE
training, and crossbar-aware inference. On a machine without CUDA both columns are the CPU (a smoke test); on a
GPU machine it shows that each theme's heavy path runs there and agrees with the CPU.

    python benchmarks/bench_device.py [--epochs 4] [--sections nn,pruning,tim,crossbar]
"""

from __future__ import annotations

import argparse
import time

import torch

from workbench.datasets import digits, make_loaders
from workbench.nn import evaluate_accuracy, fit, resolve_device, vgg


def _sync(device: str) -> None:
    if resolve_device(device).type == "cuda":
        torch.cuda.synchronize()


def _timed(section, device: str, epochs: int) -> tuple[dict, float]:
    start = time.perf_counter()
    out = section(device, epochs)
    _sync(device)
    return out, time.perf_counter() - start


def nn_section(device: str, epochs: int) -> dict:
    splits = digits(size=16, seed=0)
    loaders = make_loaders(splits, batch_size=64)
    torch.manual_seed(0)
    model = vgg("vgg8", splits.num_classes, splits.in_channels, splits.input_size, width_mult=0.5)
    result = fit(model, loaders.train, loaders.val, epochs=epochs, lr=0.05, device=device, seed=0)
    return {"placed on": str(next(result.model.parameters()).device),
            "test accuracy": evaluate_accuracy(result.model, loaders.test, device=device)}


def pruning_section(device: str, epochs: int) -> dict:
    from workbench.pruning.experiment import setup
    from workbench.pruning.schedule import PruneSchedule
    from workbench.pruning.trainer import prune_while_training

    out = {}
    for criterion in ("l1", "frs"):
        model, loaders, _ = setup("vgg8", "digits", 0.5, seed=0)
        schedule = PruneSchedule(every_n_epochs=1, stop_epoch=max(1, epochs // 2), target_ratio=0.5)
        run = prune_while_training(model, loaders, criterion=criterion, schedule=schedule, epochs=epochs, seed=0,
                                   device=device)
        out[f"{criterion}: pruned"] = run.pruned_fraction
        out[f"{criterion}: test accuracy"] = run.test_accuracy
        out[f"{criterion}: train GMAC"] = run.train_macs / 1e9
    return out


def tim_section(device: str, epochs: int) -> dict:
    from workbench.tim.quant import ternary_experiment

    result = ternary_experiment("symmetric", "statistics", 0.7, width=8, epochs=epochs, device=device)
    return {"ternary accuracy %": result["accuracy"], "fp32 accuracy %": result["accuracy_float"]}


def crossbar_section(device: str, epochs: int) -> dict:
    from workbench.crossbar.array.config import CrossbarConfig
    from workbench.crossbar.inference.layers import convert
    from workbench.crossbar.inference.network import trained_digits_cnn

    model, loaders = trained_digits_cnn(epochs=epochs, seed=0)
    config = CrossbarConfig().with_changes(
        circuit={"r_wire_row_ohm": 1.0, "r_wire_col_ohm": 1.0, "r_driver_ohm": 100.0, "r_sense_ohm": 100.0},
        device={"read_noise_sigma": 0.02, "bits_per_cell": 4, "weight_bits": 8},
        peripherals={"input_bits": 8, "adc_bits": 8},
    )
    converted = convert(model, config).to(resolve_device(device))
    with torch.no_grad():
        accuracy = evaluate_accuracy(converted, loaders.test, device=device)
    return {"crossbar accuracy": accuracy}


SECTIONS = {"nn": nn_section, "pruning": pruning_section, "tim": tim_section, "crossbar": crossbar_section}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--sections", default=",".join(SECTIONS))
    args = parser.parse_args()
    auto = resolve_device("auto")
    print(f"torch {torch.__version__}; device='auto' -> {auto}"
          + (f" ({torch.cuda.get_device_name(auto)})" if auto.type == "cuda" else ""), flush=True)
    for name in args.sections.split(","):
        section = SECTIONS[name]
        cpu, t_cpu = _timed(section, "cpu", args.epochs)
        picked, t_auto = _timed(section, "auto", args.epochs)
        print(f"\n{'== ' + name:<36}{'cpu':>14}{'auto':>14}")
        for key in cpu:
            a, b = cpu[key], picked[key]
            fmt = (lambda v: f"{v:>14.4f}") if isinstance(a, float) else (lambda v: f"{v!s:>14}")
            print(f"{key:<36}{fmt(a)}{fmt(b)}")
        print(f"{'seconds':<36}{t_cpu:>14.2f}{t_auto:>14.2f}   (auto is {t_cpu / t_auto:.2f}x the CPU speed)",
              flush=True)


if __name__ == "__main__":
    main()
