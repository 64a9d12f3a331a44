"""Crossbar benchmark: fast crossbar model vs exact nodal solve vs ngspice, and crossbar-aware CNN inference.

Prints side-by-side timings and ratios (targets from issue 5: fast model >= 1e5x faster than ngspice per
matrix-vector product at 64x64, its column-current error < 0.5% for linear cells, crossbar-aware inference of a
small CNN at most 3x plain torch).

    .venv/bin/python benchmarks/bench_crossbar.py            # 16/32/64, ngspice 3 vectors per size
    .venv/bin/python benchmarks/bench_crossbar.py --quick    # 16/32, 1 vector
"""

from __future__ import annotations

import argparse

import torch

from workbench.core.manifest import paper_value
from workbench.crossbar.array.config import load_preset
from workbench.crossbar.inference.network import DIGITS_CNN
from workbench.crossbar.inference.speed import amortising_batch, charged_speedup, compare_models, inference_timing
from workbench.nn.models import vgg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--n-spice", type=int, default=3, help="ngspice .op runs (input vectors) per size")
    parser.add_argument("--preset", default="rx_caffe")
    parser.add_argument("--quick", action="store_true", help="sizes 16 and 32, one ngspice vector")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.n_spice = [16, 32], 1
    config = load_preset(args.preset)
    print(f"# crossbar models, preset {args.preset!r}: {config.circuit}")
    header = (f"{'size':>5} {'ngspice s/vec':>14} {'circuit s/vec':>14} {'G_eff once s':>13} {'fast s/MVM':>11} "
              f"{'fast vs spice':>14} {'fast vs circ':>13} {'err fast %':>11} {'err circ-spice %':>17} "
              f"{'diag %':>8} {'cumul %':>8} {'ideal %':>8}")
    print(header)
    charged = []
    for size in args.sizes:
        r = compare_models(size, config, n_spice=args.n_spice)
        print(f"{size:>5} {r['t_spice_s']:>14.3g} {r['t_circuit_s']:>14.3g} {r['t_extract_s']:>13.3g} "
              f"{r['t_fast_s']:>11.3g} {r['speedup_vs_spice']:>14.3g} {r['speedup_vs_circuit']:>13.3g} "
              f"{100 * r['err_fast']:>11.2g} {100 * r['err_circuit_vs_spice']:>17.2g} {100 * r['err_diagonal']:>8.3g} "
              f"{100 * r['err_cumulative']:>8.3g} {100 * r['err_ideal']:>8.3g}")
        charged.append((size, r))
    target = paper_value("crossbar", "speedup_vs_circuit_simulation")
    print(f"\n# G_eff extraction charged: speed-up over ngspice for one vector, and the batch per extraction that "
          f"reaches the paper's {target:.0e}x")
    for size, r in charged:
        single = charged_speedup(r["t_spice_s"], r["t_extract_s"], r["t_fast_single_s"], 1)
        need = amortising_batch(r["t_spice_s"], r["t_extract_s"], r["t_fast_s"], target)
        print(f"{size:>5} one vector + extraction: {single:>9.3g}x   batch for {target:.0e}x: {need:>9.3g}")
    print("\n# crossbar-aware inference, digits VGG 16-M-32-M-32, batch 256 of 1x8x8, 1 torch thread "
          "(programming excluded)")
    torch.manual_seed(0)
    model = vgg(list(DIGITS_CNN), num_classes=10, in_channels=1, input_size=8).eval()
    x = torch.randn(256, 1, 8, 8)
    variants = {
        f"{args.preset} (8-bit ADC per tile, 2 weight slices)": config,
        f"{args.preset}, ideal ADC": config.with_changes(peripherals={"adc_bits": 0}),
        f"{args.preset}, ideal ADC, 1 slice": config.with_changes(peripherals={"adc_bits": 0},
                                                                  device={"weight_bits": 4}),
        f"{args.preset}, 8-bit ADC, 1 slice": config.with_changes(device={"weight_bits": 4}),
    }
    print(f"{'configuration':<52} {'torch ms':>9} {'crossbar ms':>12} {'slowdown':>9} {'programming s':>14}")
    for name, cfg in variants.items():
        t = inference_timing(model, x, cfg, repeats=20)
        print(f"{name:<52} {1e3 * t['t_torch_s']:>9.3g} {1e3 * t['t_crossbar_s']:>12.3g} {t['slowdown']:>9.3g} "
              f"{t['t_program_s']:>14.3g}")


if __name__ == "__main__":
    main()
