"""DyVEDeep's headline claim (D1 in ``data/reference/claims.csv``) at this machine's scale, side by side.

Scale: a 3-conv-layer VGG (16-32-64 channels) on the bundled digits at 16x16 (450 test images), not the paper's
CIFAR-10 and ImageNet networks. Thresholds are tuned per layer on the validation split to a 0.5 % accuracy-loss
budget (:func:`workbench.dyvedeep.tuning.tune`), then evaluated once on the test split. Speed is the compiled
dynamic-effort convolution against the compiled static one with the same loop structure, on one thread
(:mod:`workbench.dyvedeep.speed`), torch's convolution timed beside them.

``quick=True`` skips the tuning and evaluates the stored tuned setting (``data/presets/dyvedeep/tuned_seed0.yaml``,
written by ``python -m workbench.dyvedeep.tuning``) and times 64 images; the full run tunes afresh and times 256.
Nothing here is tuned toward the paper's numbers.
"""

from __future__ import annotations

import math

from workbench.core.manifest import paper_range, preset_path, read_preset
from workbench.core.reproduce import ClaimResult, range_claim, range_claim_samples
from workbench.dyvedeep.effort import Effort
from workbench.dyvedeep.network import trained_network
from workbench.dyvedeep.speed import measure
from workbench.dyvedeep.tuning import PRESET, effort_from_preset, evaluate, tune

PAPER_POINT = "DyVEDeep (paper)"
SCALE = "VGG 16-32-64 on 16x16 digits (450 test images), 1 CPU thread, numba kernels; paper: CIFAR-10 / ImageNet"


def stored_effort() -> Effort:
    """The tuned setting stored in ``data/presets/dyvedeep/<PRESET>.yaml``; a bad entry is a ``ValueError`` naming
    the file, the entry and how to regenerate the file."""
    tree = read_preset("dyvedeep", PRESET)
    try:
        return effort_from_preset(tree)
    except (ValueError, TypeError) as error:
        raise ValueError(f"preset {preset_path('dyvedeep', PRESET)}: {error} (regenerate it with `python -m "
                         "workbench.dyvedeep.tuning`)") from None


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """Paper vs workbench for D1: ops reduction, measured speed-up, accuracy loss."""
    trained = trained_network(0)
    if quick:
        effort = stored_effort()
        how = f"stored tuned setting ({PRESET}.yaml)"
    else:
        effort = tune(trained, budget=0.005).effort
        how = "tuned afresh on the validation split"
    test = evaluate(trained, effort, "test")
    images = trained.x_test[: 64 if quick else 256]
    timing = measure(trained.net, images, effort, repeats=3 if quick else 7)
    layers = ", ".join(f"{row['layer']} {row['static_ops'] / row['dynamic_ops']:.2f}x" for row in test["layers"])
    fired = ", ".join(f"{row['layer']}: {row['terminated_fraction']:.0%} of neurons stopped early, "
                      f"{row['interpolated_fraction']:.0%} interpolated, {row['approximated_channel_fraction']:.0%} "
                      "of input channels approximated" for row in test["layers"])
    per_layer_time = ", ".join(f"{r['layer']} {r['speedup']:.2f}x" for r in timing.rows())
    ops_low, ops_high = paper_range("dyvedeep", "ops_reduction", label=PAPER_POINT)
    sp_low, sp_high = paper_range("dyvedeep", "speedup")
    _, acc_high = paper_range("dyvedeep", "accuracy_loss", label=PAPER_POINT)  # "< 0.5 %": a bound, gains count
    return [
        range_claim("D1", "scalar-op reduction, checks included (x)", ops_low, ops_high, test["ops_reduction"],
                    scale=SCALE,
                    note=f"{how}; per layer {layers}; {fired}. The greedy tuner stops when every further move "
                         "breaks the 0.5 % budget on 449 validation images (one image = 0.22 pp); the paper's "
                         "networks are deeper and wider, with larger maps for stride-2 sampling"),
        range_claim("D1", "measured speed-up, compiled dynamic vs static conv (x)", sp_low, sp_high, timing.speedup,
                    scale=SCALE, measured=True,
                    note=f"{len(images)} images, per layer {per_layer_time}; compiled static conv is "
                         f"{timing.static_vs_torch:.1f}x torch's time on one thread. Decisions are per neuron and "
                         "image but a SIMD block of images is skipped only when all its images stop, so time falls "
                         "less than the op count"),
        range_claim_samples("D1", "test accuracy loss (pp)", -math.inf, acc_high,
                            100 * (test["static_correct"].astype(float) - test["correct"]), scale=SCALE,
                            note=f"static {100 * test['static_accuracy']:.2f} % vs dynamic "
                                 f"{100 * test['accuracy']:.2f} % on the test split, paired per image (the interval is "
                                 f"the uncertainty of a finite test set of {test['images']} images, for one trained "
                                 "network and one tuned setting); the budget was met on validation, the test split is "
                                 "evaluated once"),
    ]
