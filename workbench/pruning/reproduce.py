"""Paper vs workbench for the pruning theme (claims P1-P3 and F1 of ``data/reference/claims.csv``).

The papers train VGG-16 / ResNet-110 on CIFAR for ~200 epochs on GPUs (arXiv:2003.02800 § 4, arXiv:2002.09958 § 4).
Here the same code runs at the scale this machine allows. Full: MNIST-5k (5,000 real MNIST digits, stratified
70/15/15 split by seed, area-downsampled to 16x16; CIFAR-10 instead when a local copy and a CUDA GPU are present),
VGG-8 at quarter width and a ResNet-8 at half width, E = 8 epochs, 5 seeds, sized so that ``workbench reproduce
pruning`` takes ~15-25 min on 2 CPU cores. Quick: scikit-learn's 8x8 digits, a 3-layer VGG, one seed, seconds.
MNIST is far easier than CIFAR, so accuracy drops are expected to be smaller; the table says which data set and
scale each number comes from, and nothing here is tuned to match the papers.

Statistics: every trained quantity is a per-seed sample (seeds pair the split, the initial weights and the batch
order across methods); rows show the mean with its 95 % t interval, and a row whose interval straddles the edge of
its band is "unresolved" (:mod:`workbench.core.reproduce`). P1's ranking compares L1 with each rival on per-seed
differences (:func:`~workbench.core.reproduce.paired_best`).

The schedules [R]: pruning while training prunes every ``n`` epochs until ``N1`` = 75 % of the epochs (the FRS
code's 150 of 200); the baseline trains the same number of epochs, prunes once to the same target and retrains;
the paper retrains 10 epochs after (we assume, the FRS code's default) 200, so the retraining here is scaled to 5 %
of the epochs (at least one). The criteria comparison (P1-P3) removes the same fraction from every layer; FRS (F1)
ranks globally, as its authors do. P3 uses one target in the trained and the analytic rows: the preset's 80 %, the
level of P1 on the same network (VGG-16 CIFAR-10); the analytic rows add the curve over target and ``N1 / E``,
since the paper states neither. The FRS authors' public code defaults (n = 21, N1 = 150, 200 epochs) set the
analytic VGG-16 line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from workbench.core.manifest import paper_range, paper_value, read_preset
from workbench.core.paths import data_dir
from workbench.core.reproduce import (
    ClaimResult,
    Interval,
    paired_best,
    range_claim_samples,
    relative_claim,
    relative_claim_samples,
)
from workbench.datasets import Splits, cifar10, digits, make_loaders, mnist5k
from workbench.nn import count_macs, resnet, vgg
from workbench.pruning.accounting import saving
from workbench.pruning.analytic import compare, profile, saving_curve, schedule_costs
from workbench.pruning.schedule import PruneSchedule
from workbench.pruning.trainer import PruneRun, prune_while_training, train_prune_retrain


@dataclass(frozen=True)
class Scale:
    """The configuration of one reproduction scale.

    Parameters
    ----------
    dataset : {"digits", "mnist5k"}
        Training data (``"mnist5k"`` becomes CIFAR-10 when a local copy and a CUDA GPU are present).
    image_px : int
        Image side (digits: 8 native, larger upsampled; MNIST-5k: 28 native, smaller area-averaged).
    cfg : str or tuple
        VGG configuration (:func:`workbench.nn.vgg`).
    width_mult : float
        VGG width multiplier.
    resnet_depth : int
        Depth of the ResNet used for F1.
    resnet_width : float
        Its width multiplier.
    epochs, every_n, stop_epoch, retrain_epochs : int
        Schedule (E, n, N1) and the baseline's retraining epochs.
    seeds : tuple of int
        Seeds (split, initial weights, batch order), one run per method and seed.
    batch_size : int
        Training batch size.
    """

    dataset: str
    image_px: int
    cfg: str | tuple
    width_mult: float
    resnet_depth: int
    resnet_width: float
    epochs: int
    every_n: int
    stop_epoch: int
    retrain_epochs: int
    seeds: tuple[int, ...]
    batch_size: int = 64

    def vgg_text(self, data: str) -> str:
        """The "scale used" column of the VGG rows."""
        net = f"VGG-{self.cfg[3:]}" if isinstance(self.cfg, str) else "VGG " + "-".join(map(str, self.cfg))
        return (f"{data}, {net} x{self.width_mult:g}, E={self.epochs}, n={self.every_n}, N1={self.stop_epoch}, "
                f"{len(self.seeds)} seed(s)")

    def resnet_text(self, data: str) -> str:
        """The "scale used" column of the ResNet (F1) rows."""
        return (f"{data}, ResNet-{self.resnet_depth} x{self.resnet_width:g}, FRS global, {FRS_TARGET:.0%} filters, "
                f"E={self.epochs}, n={self.every_n}, N1={self.stop_epoch}, {len(self.seeds)} seed(s)")


PWT_POINT = "PWT paper (VGG-16 CIFAR-10)"
FRS_POINT = "FRS paper (ResNet-110 CIFAR-10)"
QUICK = Scale("digits", 8, (32, "M", 64, "M", 64), 1.0, 8, 0.5, 8, 1, 5, 1, (0,))
FULL = Scale("mnist5k", 16, "vgg8", 0.25, 8, 0.5, 8, 2, 6, 1, (0, 1, 2, 3, 4))

#: Filters pruned (fraction of the block-inner filters) in the FRS rows. It was chosen so that the pruned ResNet's
#: parameter compression matches the paper's 2.4x (on the earlier digits ResNet-20 scale, before this one), so F1's
#: compression and FLOPs rows follow from it by construction and say so.
FRS_TARGET = 0.6

#: Relative tolerance of the P3 savings. The saving is a ratio of two counts made with the same accounting, so the
#: conventions the paper does not state (per-phase memory traffic vs 3 x forward, the optimiser's update traffic at
#: batch 32-512) move it by well under a point on VGG-16 (the analytic rows print how much); +-10 % (+-4 points at
#: 41 %) covers those with margin. The unstated schedule (target, N1 / E) moves it by tens of points; that is shown
#: as a curve in the notes and in the ``pruning.saving_curve`` view, not absorbed into the tolerance.
SAVING_TOLERANCE = 0.10

#: Grid of the P3 curve: targets and N1 / E.
CURVE_TARGETS = (0.3, 0.5, 0.7, 0.8, 0.9)
CURVE_STOPS = (0.25, 0.5, 0.75, 1.0)


def load_schedule_preset(name: str) -> dict:
    """A named schedule from ``data/presets/pruning/schedules.yaml`` (settings with their sources)."""
    presets = read_preset("pruning", "schedules")
    if name not in presets:
        raise ValueError(f"schedule preset {name!r} is not allowed; allowed: one of {sorted(presets)}")
    return presets[name]


def p3_target() -> float:
    """The one filter target of every P3 row (trained and analytic): the ``frs_code_vgg16`` preset's."""
    return float(load_schedule_preset("frs_code_vgg16")["target_ratio"])


def load_splits(scale: Scale, seed: int) -> tuple[Splits, str]:
    """The data of one seed and its label for the table (CIFAR-10 replaces MNIST-5k with a local copy and a GPU)."""
    if scale.dataset == "digits":
        return digits(size=scale.image_px, seed=seed), f"digits {scale.image_px}x{scale.image_px}"
    if scale.dataset != "mnist5k":
        raise ValueError(f"dataset={scale.dataset!r} is not allowed; allowed: 'digits' or 'mnist5k'")
    if torch.cuda.is_available():
        try:
            return cifar10(data_dir() / "datasets", seed=seed), "CIFAR-10 32x32"
        except FileNotFoundError:
            pass
    return mnist5k(size=scale.image_px, seed=seed), f"MNIST-5k {scale.image_px}x{scale.image_px}"


def _vgg(scale: Scale, splits: Splits, seed: int):
    torch.manual_seed(seed)
    return vgg(list(scale.cfg) if isinstance(scale.cfg, tuple) else scale.cfg, splits.num_classes,
               splits.in_channels, splits.input_size, scale.width_mult)


def _resnet(scale: Scale, splits: Splits, seed: int):
    torch.manual_seed(seed)
    return resnet(scale.resnet_depth, splits.num_classes, splits.in_channels, scale.resnet_width)


def _pwt(scale: Scale, splits: Splits, loaders, criterion: str, target: float, seed: int, ranking: str = "layer",
         build=_vgg) -> PruneRun:
    schedule = PruneSchedule(scale.every_n, scale.stop_epoch, target, ranking)
    return prune_while_training(build(scale, splits, seed), loaders, criterion=criterion, schedule=schedule,
                                epochs=scale.epochs, seed=seed)


@dataclass
class Runs:
    """Every training run of the table, one per seed and method (lists in seed order)."""

    data: str
    vgg: dict[tuple[str, float], list[PruneRun]]
    baselines: list[PruneRun]
    resnets: dict[float, list[PruneRun]]
    input_shape: tuple[int, ...]


def train_runs(scale: Scale) -> Runs:
    """Pruning while training per (criterion, target), the baselines (train + prune + retrain at the P3 target) and
    the FRS ResNets, for each seed."""
    vggs: dict[tuple[str, float], list[PruneRun]] = {}
    baselines: list[PruneRun] = []
    resnets: dict[float, list[PruneRun]] = {}
    target = p3_target()
    for seed in scale.seeds:
        splits, data = load_splits(scale, seed)
        loaders = make_loaders(splits, batch_size=scale.batch_size)
        methods = dict.fromkeys((("l1", 0.0), ("l1", 0.8), ("activation", 0.8), ("random", 0.8), ("l1", 0.5),
                                 ("l1", target)))
        for criterion, ratio in methods:
            vggs.setdefault((criterion, ratio), []).append(_pwt(scale, splits, loaders, criterion, ratio, seed))
        baselines.append(train_prune_retrain(_vgg(scale, splits, seed), loaders, criterion="l1",
                                             target_ratio=target, ranking="layer", epochs=scale.epochs,
                                             retrain_epochs=scale.retrain_epochs, retrain_lr=0.01, seed=seed))
        for ratio in (0.0, FRS_TARGET):
            resnets.setdefault(ratio, []).append(_pwt(scale, splits, loaders, "frs", ratio, seed, ranking="global",
                                                      build=_resnet))
    return Runs(data, vggs, baselines, resnets, splits.input_shape)


def _per_seed(runs: list[PruneRun]) -> np.ndarray:
    """Test accuracy (%) of each seed's run."""
    return 100 * np.array([r.test_accuracy for r in runs])


def _criteria_rows(scale: Scale, runs: Runs) -> list[ClaimResult]:
    """P1 (is L1 the best criterion at 80 %; its drop) and P2 (drop at 50 %), over seeds paired by split."""
    acc = {key: _per_seed(value) for key, value in runs.vgg.items()}
    unpruned = acc[("l1", 0.0)]
    at80 = {c: acc[(c, 0.8)] for c in ("l1", "activation", "random")}
    means = ", ".join(f"{c} {Interval.of(v)}" for c, v in sorted(at80.items(), key=lambda kv: -kv[1].mean()))
    seeds = f"{len(scale.seeds)} seed(s), paired by split, initialisation and batch order"
    where = scale.vgg_text(runs.data)
    return [
        paired_best("P1", "rank of L1 among {L1, mean activation, random} at 80% filters pruned", "l1",
                    {c: v.tolist() for c, v in at80.items()}, scale=where,
                    note=f"test accuracy (%) after pruning while training: {means}; unpruned "
                         f"{unpruned.mean():.1f}%; {seeds}"),
        range_claim_samples("P1", "accuracy drop at 80% filters pruned, L1 (%)",
                            *paper_range("pruning", "accuracy_drop_80_pct"), unpruned - at80["l1"],
                            scale=where, note=f"paper: VGG-16 CIFAR-10, <1%; an accuracy gain counts as within; "
                                              f"{seeds}"),
        range_claim_samples("P2", "accuracy drop at 50% filters pruned, L1 (%)",
                            *paper_range("pruning", "accuracy_drop_50_pct"), unpruned - acc[("l1", 0.5)],
                            scale=where, note=f"paper: CIFAR-100, ~0 at 50%; MNIST is an easier task; an accuracy "
                                              f"gain counts as within; {seeds}"),
    ]


def _convention_spread(prof, schedule: PruneSchedule, epochs: int, retrain: int) -> float:
    """Largest change (points) of the analytic memory saving across accounting conventions: per-phase traffic at
    batch 32, 128 and 512, and the older ``3 x forward traffic`` count."""
    savings = [100 * compare(prof, schedule, epochs, retrain, batch)["memory_saving"] for batch in (32, 128, 512)]
    forward = [c[1] for c in schedule_costs(prof, schedule, epochs)]
    once = compare(prof, schedule, epochs, retrain)["final_widths"]
    baseline = epochs * prof.cost(prof.widths)[1] + retrain * prof.cost(once)[1]
    savings.append(100 * saving(sum(forward), baseline))
    return max(savings) - min(savings)


def _curve_text(rows: list[dict], key: str, target: float, stop: float) -> str:
    along_target = ", ".join(f"{r['target_ratio']:.0%}: {r[key]:.0f}" for r in rows
                             if r["stop_fraction"] == stop)
    along_stop = ", ".join(f"{r['stop_fraction']:g}: {r[key]:.0f}" for r in rows if r["target_ratio"] == target)
    return f"curve (%): over the target at N1/E={stop:g}: {along_target}; over N1/E at {target:.0%}: {along_stop}"


def _cost_rows(scale: Scale, runs: Runs) -> list[ClaimResult]:
    """P3: training compute and memory-access savings at one target, measured at this scale (per seed) and counted
    for VGG-16 on CIFAR (with the curve over target and N1 / E)."""
    target = p3_target()
    pwt = runs.vgg[("l1", target)]
    baselines = runs.baselines
    compute = [100 * saving(p.total_macs, b.total_macs) for p, b in zip(pwt, baselines)]
    memory = [100 * saving(p.train_memory, b.train_memory) for p, b in zip(pwt, baselines)]
    gap = Interval.of(_per_seed(pwt) - _per_seed(baselines))
    schedule_note = (f"{target:.0%} filters per layer, E={scale.epochs}, n={scale.every_n}, N1={scale.stop_epoch} "
                     f"vs E + prune + {scale.retrain_epochs} retrain epoch(s); test accuracy pruning while "
                     f"training - baseline (points): {gap}; the saving is counted, so it barely varies by seed")
    paper_compute = paper_value("pruning", "compute_saving", label=PWT_POINT)
    paper_memory = paper_value("pruning", "memory_saving", label=PWT_POINT)
    p = load_schedule_preset("frs_code_vgg16")
    prof = profile(p["network"], p["input_size"])
    schedule = PruneSchedule(p["every_n"], p["stop_epoch"], target, "layer")
    analytic = compare(prof, schedule, p["epochs"], p["retrain_epochs"], p["batch_size"])
    curve = saving_curve(prof, epochs=p["epochs"], every_n=p["every_n"], retrain_epochs=p["retrain_epochs"],
                         targets=CURVE_TARGETS, stop_fractions=CURVE_STOPS, batch_size=p["batch_size"])
    stop = p["stop_epoch"] / p["epochs"]
    spread = _convention_spread(prof, schedule, p["epochs"], p["retrain_epochs"])
    analytic_scale = (f"{p['network']} {p['input_size']}px, per-layer {target:.0%}, n={p['every_n']}, "
                      f"N1={p['stop_epoch']}, E={p['epochs']}, retrain {p['retrain_epochs']}, batch "
                      f"{p['batch_size']} (preset frs_code_vgg16) [R]")
    tolerance_note = (f"+-{SAVING_TOLERANCE:.0%}: accounting conventions move this saving by {spread:.2f} points; the "
                      "paper's schedule is not given, so the verdict holds for this schedule only")
    trained = scale.vgg_text(runs.data)
    return [
        relative_claim_samples("P3", "training compute saving vs train+prune+retrain (%)", paper_compute, compute,
                               SAVING_TOLERANCE, scale=trained, note=schedule_note),
        relative_claim_samples("P3", "training memory-access saving vs train+prune+retrain (%)", paper_memory,
                               memory, SAVING_TOLERANCE, scale=trained,
                               note=f"{schedule_note}; memory counted per phase, not from MACs"),
        relative_claim("P3", "training compute saving, analytic VGG-16 CIFAR (%)", paper_compute,
                       100 * analytic["compute_saving"], SAVING_TOLERANCE, scale=analytic_scale,
                       note=f"counted layer by layer, no training; "
                            f"{_curve_text(curve, 'compute_saving', target, stop)}"),
        relative_claim("P3", "training memory-access saving, analytic VGG-16 CIFAR (%)", paper_memory,
                       100 * analytic["memory_saving"], SAVING_TOLERANCE, scale=analytic_scale,
                       note=f"{tolerance_note}; {_curve_text(curve, 'memory_saving', target, stop)}"),
    ]


def _frs_rows(scale: Scale, runs: Runs) -> list[ClaimResult]:
    """F1: accuracy drop (per seed), FLOPs cut and compression of FRS pruning while training on a ResNet."""
    drops = _per_seed(runs.resnets[0.0]) - _per_seed(runs.resnets[FRS_TARGET])
    full_count = count_macs(runs.resnets[0.0][0].model, runs.input_shape)
    pruned = [count_macs(r.model, runs.input_shape) for r in runs.resnets[FRS_TARGET]]
    flops_cut = float(np.mean([100 * (1 - c.macs / full_count.macs) for c in pruned]))
    compression = float(np.mean([full_count.params / c.params for c in pruned]))
    where = scale.resnet_text(runs.data)
    chosen = (f"by construction: the {FRS_TARGET:.0%} target was chosen to match the paper's 2.4x compression; "
              "only block-inner convolutions are pruned")
    return [
        range_claim_samples("F1", "accuracy drop, FRS pruning while training (%)",
                            *paper_range("pruning", "accuracy_drop_pct"), drops, scale=where,
                            note="paper: ResNet-110 CIFAR-10, 0.01% at 56% FLOPs cut; <1% generally; an accuracy "
                                 "gain counts as within"),
        ClaimResult("F1", "FLOPs reduction (%)", paper_value("pruning", "inference_mac_reduction", label=FRS_POINT),
                    round(flops_cut, 1), "set by the target", None, where,
                    f"{chosen}; mean over seeds (global ranking decides which layers lose filters)"),
        ClaimResult("F1", "parameter compression (x)", paper_value("pruning", "compression"), round(compression, 2),
                    "set by the target", None, where,
                    f"{chosen}; block outputs tied by identity shortcuts stay at full width"),
    ]


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """Recompute the pruning claims at the quick or full scale (see the module docstring)."""
    scale = QUICK if quick else FULL
    runs = train_runs(scale)
    return _criteria_rows(scale, runs) + _cost_rows(scale, runs) + _frs_rows(scale, runs)
