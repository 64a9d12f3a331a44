"""DyVEDeep side by side: torch's conv, the compiled static conv and the compiled dynamic-effort conv, per layer.

For the tuned thresholds of network 0 (``data/presets/dyvedeep/tuned_seed0.yaml``) and each mechanism alone it
prints, per conv layer of the digits VGG, the time of torch's ``conv2d`` + ReLU, of the numba static kernel and of
the numba dynamic-effort kernel with the same loop structure (one thread, minimum of interleaved repeats), the
ratios static/torch (target: within 3x) and static/dynamic (the measured speed-up), and the scalar-operation
reduction the same setting achieves, so the gap between operations saved and time saved is visible (batch kernels:
64 images per SIMD block). Below it, the method itself: per-image (batch 1) latency of the channel-vectorised kernel
on the shared-order network (:func:`workbench.dyvedeep.speed.measure_images`, 16 channels per group) against torch's
``conv2d`` on one image and against itself with the mechanisms off, with that network's op reduction. Then the time
of one interactive ``dyvedeep.ops`` evaluation (an Explorer's redraw).

    python benchmarks/bench_dyvedeep.py [--images 128] [--repeats 7]
"""

from __future__ import annotations

import argparse
import time

from workbench.core import get_study
from workbench.core.manifest import read_preset
from workbench.dyvedeep.effort import Effort
from workbench.dyvedeep.kernels import VEC
from workbench.dyvedeep.network import trained_network
from workbench.dyvedeep.speed import measure, measure_images
from workbench.dyvedeep.tuning import effort_from_preset, preset_name

SETTINGS = {
    "exact (all off)": Effort(),
    "tuned (preset)": None,
    "saturation f=0.25 T=0.25": Effort(spet_fraction=0.25, spet_threshold=0.25),
    "sampling T_sig=0.3": Effort(sig_threshold=0.3),
    "variance T_var=0.5": Effort(var_threshold=0.5),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=128, help="test images per timed batch")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats (the minimum is reported)")
    args = parser.parse_args()

    trained = trained_network(0)
    images = trained.x_test[: args.images]
    shared = trained.net.with_shared_order(VEC)
    print(f"digits VGG {[layer.name for layer in trained.net.convs]}, {len(images)} images, one thread")
    for name, effort in SETTINGS.items():
        if effort is None:
            effort = effort_from_preset(read_preset("dyvedeep", preset_name(0)))
        ops = trained.net.run(images, effort)
        timing = measure(trained.net, images, effort, repeats=args.repeats)
        print(f"\n== {name}: {ops.ops_reduction:.2f}x fewer scalar ops (checks included), accuracy "
              f"{100 * ops.accuracy(trained.y_test[: len(images)]):.1f} %")
        print(f"{'layer':<12}{'torch ms':>10}{'static ms':>11}{'dynamic ms':>12}{'static/torch':>14}"
              f"{'speed-up':>10}")
        for row in timing.rows():
            print(f"{row['layer']:<12}{row['torch_ms']:>10.2f}{row['static_ms']:>11.2f}{row['dynamic_ms']:>12.2f}"
                  f"{row['static_vs_torch']:>13.2f}x{row['speedup']:>9.2f}x")
        print(f"{'all convs':<12}{timing.total('torch'):>10.2f}{timing.total('static'):>11.2f}"
              f"{timing.total('dynamic'):>12.2f}{timing.static_vs_torch:>13.2f}x{timing.speedup:>9.2f}x")
        per_image = measure_images(shared, images, effort, repeats=args.repeats, group=VEC)
        shared_ops = shared.run(images, effort).ops_reduction
        print(f"per image ({VEC}-channel groups, shared order: {shared_ops:.2f}x fewer ops): torch "
              f"{per_image.total('torch'):.0f} us, static {per_image.total('static'):.0f} us, dynamic "
              f"{per_image.total('dynamic'):.0f} us; vs torch {per_image.vs_torch:.2f}x, vs static "
              f"{per_image.vs_static:.2f}x")

    study = get_study("dyvedeep.ops")
    study.evaluate({"images": 16})
    start = time.perf_counter()
    for value in (0.1, 0.2, 0.3, 0.4, 0.5):
        study.evaluate({"spet_fraction": 0.25, "spet_threshold": value, "images": 16})
    print(f"\ndyvedeep.ops (16 images): {(time.perf_counter() - start) / 5 * 1e3:.0f} ms per knob change")


if __name__ == "__main__":
    main()
