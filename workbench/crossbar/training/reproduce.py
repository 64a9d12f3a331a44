"""Claims T1 and T2 (TxSim, arXiv 2002.11151) recomputed by the workbench, side by side with the paper.

* T1: non-idealities modelled in forward, backward and weight update; orders of magnitude faster than prior work
  (secondary notes: 6-108x faster than prior simulators). Here, at matched fidelity (issue 26): (a) the time per
  training step of the crossbar-aware MLP (parasitics on, 64x64 tiles) in the fastest configuration of the speed-up
  knobs (circuit model, refresh interval, batching, random pool) whose outputs stay within ``TOLERANCE_PCT`` of the
  full model's (:func:`~workbench.crossbar.training.speed.fidelity_pareto`), against a circuit-level evaluation of
  the same step's reads with one LU factorisation per tile and array and all the step's vectors as right-hand
  sides (measured on one tile per layer, scaled); the prior simulators of the paper are not available here, so the
  baseline differs and the row says so; (b) the analytical short-path model's own deviation against the same
  bound; (c) which operations are modelled: each of forward, backward, update switched non-ideal on its own must
  change the trained network.
* T2: training accuracy degradation 3%-10% for large DNNs (ImageNet scale). Here: an MLP on MNIST-5k (14x14) or,
  quick, on the digits, trained with all three operations non-ideal at the ``crossbar.training`` defaults ([R]
  device and circuit values, not fitted to the paper), over several seeds: the degradation's confidence interval
  against the band; "unresolved" when the interval straddles an edge. The scale differs (small MLP, small data), so
  the row says only whether the drop falls in the same band. The learning rate is matched: pulse counts use the
  write's effective mid-window step, and the note gives a linear device with that step for comparison.
"""

from __future__ import annotations

import numpy as np
import torch

from workbench.core.manifest import paper_range
from workbench.core.reproduce import ClaimResult, range_claim_samples
from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.peripherals import PeripheralConfig
from workbench.crossbar.training.layers import TxSimConfig, tx_mlp
from workbench.crossbar.training.speed import circuit_step_time, fidelity_pareto
from workbench.crossbar.training.update import UpdateConfig

__all__ = ["training_claims"]


def _speed_config(tile: int) -> TxSimConfig:
    crossbar = CrossbarConfig(
        circuit=CircuitConfig(rows=tile, cols=tile, r_wire_row_ohm=2.0, r_wire_col_ohm=2.0, r_driver_ohm=50.0,
                              r_sense_ohm=50.0, model="cumulative"),
        peripherals=PeripheralConfig(input_bits=8, adc_bits=8))
    return TxSimConfig(crossbar=crossbar, write=UpdateConfig(nu=2.0, gamma=0.2), refresh_every=10, device="cpu")


#: Largest output deviation from the full model (% of the largest output, worst step) a speed-up configuration may
#: have to count for claim T1: the speed-up is claimed at this fidelity.
TOLERANCE_PCT = 1.0


def _speed_rows(quick: bool) -> list[ClaimResult]:
    """T1 at matched fidelity: the fastest speed-up configuration whose deviation from the full model stays within
    :data:`TOLERANCE_PCT` against the circuit-level step with one factorisation per tile; and the short-path model's
    own deviation against the same bound."""
    low, high = paper_range("crossbar", "speedup_vs_prior_simulators")
    sizes, error_sizes, tile, steps = ((196, 64, 10), (64, 32, 10), 32, 4) if quick else \
        ((784, 256, 10), (128, 64, 10), 64, 10)
    config = _speed_config(tile)
    rows = fidelity_pareto(sizes, error_sizes, config, refresh=(1, 10) if quick else (1, 3, 10), steps=steps,
                           repeats=1 if quick else 3, inner=2 if quick else 5)
    circuit = circuit_step_time(sizes, config, repeats=1 if quick else 3)
    within = [r for r in rows if r["error_pct"] <= TOLERANCE_PCT]
    best = within[0]
    speedup = circuit["t_circuit_s"] / best["step_s"]

    def label(r):
        return (f"{r['model']} L={r['refresh_every']}{' batched' if r['batched'] else ''}"
                f"{' pool' if r['random_pool'] else ''}")

    front, lowest = [], float("inf")
    for r in rows:  # fastest first: a row is on the front when it deviates less than every faster one
        if r["error_pct"] < lowest:
            front.append(f"{label(r)} {1e3 * r['step_s']:.3g} ms / {r['error_pct']:.2g} %")
            lowest = r["error_pct"]
    scale = (f"MLP {'-'.join(map(str, sizes))} timed at batch 64 (deviation on {'-'.join(map(str, error_sizes))} over "
             f"{steps} steps at lr 0.1, analog noiseless write), {tile}x{tile} tiles, wire/driver/sense parasitics, "
             "8-bit DAC/ADC, nonlinear noisy update, one CPU thread")
    timed = ClaimResult(
        "T1", f"crossbar-aware training step within {TOLERANCE_PCT:g} % of the exact model vs circuit-level step "
              "(x faster)", f"{low:g}-{high:g}", speedup, ">= 10x (orders of magnitude)", bool(speedup >= 10), scale,
        f"fastest configuration within {TOLERANCE_PCT:g} % of max output: {label(best)}, {1e3 * best['step_s']:.3g} "
        f"ms per step (deviation {best['error_pct']:.2g} %); circuit level {circuit['t_circuit_s']:.3g} s per step "
        f"({circuit['factorisations']} LU factorisations, {circuit['solves']} right-hand sides: one factorisation "
        "per tile and array, the batch's forward and transposed reads solved on it; its update not counted). "
        f"Pareto front (step time / deviation): {'; '.join(front)}. Baseline differs from the paper's prior "
        "simulators", measured=True)
    short = min((r for r in rows if r["model"] == "cumulative" and r["refresh_every"] == 1),
                key=lambda r: r["step_s"])
    short_row = ClaimResult(
        "T1", f"analytical short-path read model within {TOLERANCE_PCT:g} % of the exact model (deviation, % of max "
              "output)", "valid when R_cell >> R_wire", short["error_pct"], f"<= {TOLERANCE_PCT:g}",
        bool(short["error_pct"] <= TOLERANCE_PCT), scale,
        f"{1e3 * short['step_s']:.3g} ms per step; it ignores the current the other cells of a line draw through the "
        "shared driver, sense resistor and wires, so it is not claimed for the speed-up above", measured=True)
    return [timed, short_row]


def _ops_row(quick: bool) -> ClaimResult:
    """Each operation switched non-ideal alone changes the network after the same training steps."""
    sizes = (32, 16, 10)
    crossbar = CrossbarConfig(
        circuit=CircuitConfig(rows=16, cols=16, r_wire_row_ohm=5.0, r_wire_col_ohm=5.0, r_driver_ohm=100.0,
                              r_sense_ohm=50.0, model="exact"),
        peripherals=PeripheralConfig(input_bits=6, adc_bits=6))
    write = UpdateConfig(nu=2.0, gamma=0.2)
    gen = torch.Generator().manual_seed(0)
    data = [(torch.randn(16, sizes[0], generator=gen), torch.randint(0, 10, (16,), generator=gen)) for _ in range(3)]
    probe = torch.randn(32, sizes[0], generator=gen)
    outputs = {}
    for name, flags in {"ideal": (False, False, False), "forward": (True, False, False),
                        "backward": (False, True, False), "update": (False, False, True)}.items():
        config = TxSimConfig(crossbar=crossbar, write=write, forward=flags[0], backward=flags[1], update=flags[2],
                             device="cpu")
        model = tx_mlp(sizes, config)
        from workbench.crossbar.training.layers import crossbar_sgd_step

        for x, y in data:
            model.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            crossbar_sgd_step(model, 0.1)
        with torch.no_grad():
            outputs[name] = model(probe)
    changes = {k: float((outputs[k] - outputs["ideal"]).abs().max()) for k in ("forward", "backward", "update")}
    modelled = [k for k, v in changes.items() if v > 1e-6]
    return ClaimResult(
        "T1", "operations modelled non-ideal (each switched on alone changes training)", "forward, backward, update",
        ", ".join(modelled), "all three", len(modelled) == 3, "MLP 32-16-10, 16x16 tiles, exact read matrices",
        "passes by construction when each switch is wired in; largest output change after 3 steps: "
        + ", ".join(f"{k} {v:.3g}" for k, v in changes.items()))


def _degradation_row(quick: bool) -> ClaimResult:
    from workbench.crossbar.training.studies import TRAINING

    low, high = paper_range("crossbar", "training_degradation_pct")
    dataset, epochs, seeds = ("digits", 3, (0, 1)) if quick else ("mnist5k", 10, (0, 1, 2, 3, 4))
    point = {**TRAINING.defaults(), "dataset": dataset, "epochs": epochs, "tile_size": 64, "hidden": 64}
    write = UpdateConfig(nu=point["nu"], pulses=point["pulses"])
    linear = {**point, "nu": 0.0, "pulses": max(1, round(1 / write.mid_step))}
    samples, notes, linear_drop = [], [], []
    for seed in seeds:
        result = TRAINING.evaluate({**point, "seed": seed})
        samples.append(result["accuracy_drop"])
        notes.append(f"{result['accuracy_float']:.1f}->{result['accuracy']:.1f}")
        linear_drop.append(TRAINING.evaluate({**linear, "seed": seed})["accuracy_drop"])
    knobs = ", ".join(f"{k}={point[k]}" for k in ("r_wire_ohm", "circuit_model", "nu", "gamma", "d2d_sigma", "pulses",
                                                   "adc_bits"))
    return range_claim_samples(
        "T2", "training accuracy degradation, all operations non-ideal (percentage points)", low, high, samples,
        scale=f"MLP on {dataset} ({point['hidden']} hidden), {epochs} epochs, 64x64 tiles, {len(seeds)} seeds; "
              f"{knobs} [R], not fitted; NeuroSim's saturating write, absolute cycle-to-cycle noise",
        note=f"ideal->crossbar accuracy per seed: {', '.join(notes)}; per-seed degradation "
             f"{', '.join(f'{s:.2f}' for s in samples)}. Compared at a matched learning rate: pulse counts use the "
             f"effective mid-window step ({write.mid_step:.4g} of the window at nu={point['nu']}, vs 1/pulses = "
             f"{1 / point['pulses']:.4g} linear); a linear device with that step ({linear['pulses']} pulses, all else "
             f"equal) degrades by {', '.join(f'{s:.2f}' for s in linear_drop)} (mean "
             f"{np.mean(linear_drop):.2f}), so the nonlinearity's own share is "
             f"{np.mean(samples) - np.mean(linear_drop):.2f} points; paper: large DNNs (ImageNet)")


def training_claims(quick: bool = False) -> list[ClaimResult]:
    """The T1 and T2 rows (``quick``: smaller networks, the digits, 2 seeds; seconds)."""
    np.random.seed(0)
    return [*_speed_rows(quick), _ops_row(quick), _degradation_row(quick)]
