"""Claims X1 and X2 (Rx-Caffe / FCM, arXiv 1809.00072) recomputed by the workbench, side by side with the paper.

* X1 speed: the fast crossbar model is ~5 orders of magnitude faster than circuit simulation (abstract). Here: per
  matrix-vector product, fast model vs one ngspice ``.op`` per vector on random arrays (16/32/64; quick: 16/32),
  with the one-off ``G_eff`` extraction (FCM's pre-solve, Sec. III) charged: to a lone vector, and to a batch
  sharing one extraction; the row states the batch that reaches the paper's speed-up.
* X1 error: the fast model is accurate against circuit simulation (<= 0.28% from HSPICE). With linear cells
  ``G_eff`` is exact by superposition, so that row passes by construction and only checks the solvers agree. The
  rows that test the claim use sinh cells (``I = g v_nl sinh(v / v_nl)``): ``G_eff`` linearised once at an
  operating point against the Newton circuit solve, over a swept ``v_nl`` (the paper's device is not known here).
* X2: non-idealities degrade large DNN accuracy by 9.6%-32% (ImageNet networks, abstract). Here: a small CNN trained
  on MNIST-5k (5,000 real MNIST images, 16x16) over several seeds under the ``rx_caffe`` preset ([R] parameters,
  not fitted to the paper), with its unsourced driver/sense resistance swept (the band it gives) and tiles of
  16/32/64 (a row each, with a confidence interval); the scale differs, so a row says only whether the drop falls
  in the same band.
* X3 (sanity check of the cost model, not a claim of the Rx-Caffe paper and not fitted): ISAAC's published tile
  breakdown (ISCA 2016, Table I) has the ADCs at 58% of tile power and 31% of tile area. Here: ISAAC's tile rebuilt
  from the component library at the same boundary (:func:`workbench.hardware.validate.isaac_breakdown`: 12 IMAs of
  the cost model's ISAAC-like macro, 64 KB eDRAM, bus and a quarter router), the ADC share of its energy and area;
  the per-component comparison is ``data/reference/components.md``.
"""

from __future__ import annotations

import math

from workbench.core.manifest import paper_range, paper_value
from workbench.core.reproduce import NOT_COMPUTED, ClaimResult, Interval, range_claim_samples
from workbench.crossbar.array.config import load_preset
from workbench.crossbar.array.spice import ngspice_path
from workbench.crossbar.inference.network import MNIST_SIDE, crossbar_accuracy
from workbench.crossbar.inference.speed import amortising_batch, charged_speedup, compare_models, linearisation_error

__all__ = ["R_DS_SWEEP_OHM", "V_NL_SWEEP_V", "X2_TILES", "reproduce", "x1_error_rows", "x1_runs", "x1_speed_rows",
           "x2_rows"]

NO_NGSPICE = "ngspice is not installed (apt-get install ngspice), so the circuit-simulator side cannot be measured"

#: [R] Sinh nonlinearity voltages of the X1 error rows (V): from nearly ohmic at the rx_caffe read voltage
#: (0.2 V; v_nl = 1 V bends the I-V by < 1%) to strongly nonlinear (0.15 V, sinh(0.2/0.15) is 1.33x its
#: linear part). The paper does not state its cells' nonlinearity; a sweep, not a fitted value.
V_NL_SWEEP_V = (1.0, 0.5, 0.25, 0.15)
#: Array size of the X1 nonlinear rows (a Newton solve of 16 vectors takes ~1 s there).
X1_NONLINEAR_SIZE = 32
#: [R] Row-driver and column-sense resistance (ohm, the same on both ends) swept for X2: 0 is wires only, 100 the
#: rx_caffe preset's value; no source for either was available, so the rows report the band over this range.
R_DS_SWEEP_OHM = (0.0, 50.0, 100.0, 200.0)
#: Tile sizes of the X2 table (the paper tiles its layers on 16/32/64 crossbars, docs/design.md § crossbars).
X2_TILES = (16, 32, 64)
#: Training (and programming) seeds and epochs of X2, full and quick. Quick mode (a smoke test, seconds) also
#: replaces the exact G_eff extraction by the diagonal closed form and sweeps only 0 and the preset's resistance.
X2_SEEDS, X2_SEEDS_QUICK = (0, 1, 2, 3, 4), (0, 1)
X2_EPOCHS, X2_EPOCHS_QUICK = 8, 1


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """The Rx-Caffe / FCM rows (:func:`fcm_claims`), then the TxSim T1 and T2 rows
    (:mod:`workbench.crossbar.training.reproduce`)."""
    from workbench.crossbar.training.reproduce import training_claims

    return fcm_claims(quick) + training_claims(quick)


def fcm_claims(quick: bool = False) -> list[ClaimResult]:
    """The X1 and X2 rows of the reproduction table (``quick``: 16/32 arrays for speed; for X2 2 seeds x 1 epoch,
    two resistances and the diagonal closed form), then the X3 sanity rows."""
    config = load_preset("rx_caffe")
    runs = x1_runs(config, quick)
    results = [*x1_speed_rows(runs), *x1_error_rows(runs, config), *x2_rows(quick)]
    results.extend(isaac_sanity())
    return results


def x1_runs(config, quick: bool = False) -> list[dict]:
    """:func:`~workbench.crossbar.inference.speed.compare_models` at 16/32/64 (quick: 16/32; ngspice on 3 vectors,
    quick 1; batches of 4096, quick 1024), shared by the X1 rows."""
    sizes = (16, 32) if quick else (16, 32, 64)
    n_spice, batch = (1, 1024) if quick else (3, 4096)
    return [{**compare_models(n, config, n_spice=n_spice, batch=batch), "n_spice": n_spice, "batch": batch}
            for n in sizes]


def x1_speed_rows(runs: list[dict]) -> list[ClaimResult]:
    """X1 speed, two rows: one vector with its ``G_eff`` extraction charged, and a batch sharing one extraction.

    Rx-Caffe's FCM (arXiv 1809.00072, Sec. III) pre-solves ``G_eff`` per programmed array and then runs GEMMs; the
    paper's ~1e5x holds per product once many inputs share that pre-solve. Timings are this machine's
    (:func:`~workbench.crossbar.inference.speed.compare_models`): wall-clock, so the values vary between runs.
    """
    paper_speedup = paper_value("crossbar", "speedup_vs_circuit_simulation")
    largest = runs[-1]
    n_spice, batch = largest["n_spice"], largest["batch"]
    size = largest["size"]
    scale = f"random {size}x{size} array, rx_caffe parasitics, ngspice one .op per vector, {n_spice} vector(s)"
    if ngspice_path() is None:
        return [ClaimResult("X1", quantity, paper_speedup, NOT_COMPUTED, ">= 1e5 (~5 orders of magnitude)", None,
                            scale, NO_NGSPICE)
                for quantity in _speed_quantities(batch)]

    def speedups(r: dict) -> tuple[float, float]:
        single = charged_speedup(r["t_spice_s"], r["t_extract_s"], r["t_fast_single_s"], 1)
        return single, charged_speedup(r["t_spice_s"], r["t_extract_s"], r["t_fast_s"], batch)

    single, batched = speedups(largest)
    needed = amortising_batch(largest["t_spice_s"], largest["t_extract_s"], largest["t_fast_s"], paper_speedup)
    times = (f"at {size}x{size}: ngspice {largest['t_spice_s']:.3g} s per vector (process start included), "
             f"G_eff extraction {largest['t_extract_s']:.3g} s, GEMM {largest['t_fast_single_s']:.2g} s for a lone "
             f"vector, {largest['t_fast_s']:.2g} s per vector in a batch of {batch}")
    per_size = "; per size (one vector / batch): " + ", ".join(
        f"{r['size']}: {speedups(r)[0]:.3g} / {speedups(r)[1]:.3g}" for r in runs)
    reach = (f"the paper's {paper_speedup:.0e}x needs >= {needed:.0f} vectors per extraction"
             if math.isfinite(needed) else f"no batch reaches the paper's {paper_speedup:.0e}x")
    single_cause = ("" if single >= paper_speedup else
                    "MISS: the one-off extraction (R triangular solves of the nodal system) dominates a lone "
                    "vector; ")
    return [
        ClaimResult("X1", _speed_quantities(batch)[0], paper_speedup, single, ">= 1e5 (~5 orders of magnitude)",
                    bool(single >= paper_speedup), scale, f"{single_cause}{reach}; {times}{per_size}", measured=True),
        ClaimResult("X1", _speed_quantities(batch)[1], paper_speedup, batched, ">= 1e5 (~5 orders of magnitude)",
                    bool(batched >= paper_speedup), scale,
                    f"extraction charged / {batch}; {reach}; fast time = one single-threaded batched GEMM / batch "
                    f"size{per_size}", measured=True),
    ]


def _speed_quantities(batch: int) -> tuple[str, str]:
    return ("fast model vs ngspice, one vector with its G_eff extraction charged (x faster)",
            f"fast model vs ngspice, {batch} vectors sharing one G_eff extraction, per vector (x faster)")


def x1_error_rows(runs: list[dict], config) -> list[ClaimResult]:
    """X1 error: one row for linear cells (exact by construction, a solver cross-check against ngspice) and one
    per :data:`V_NL_SWEEP_V` for sinh cells, where one linearised ``G_eff`` is an approximation (Rx-Caffe's FCM
    folds device nonlinearity into ``G_eff``, arXiv 1809.00072 Sec. III; paper: <= 0.28% from HSPICE)."""
    paper_error_pct = paper_range("crossbar", "max_error_pct")[1]
    tolerance = f"<= {paper_error_pct}%"
    spice = ngspice_path() is not None
    largest = runs[-1]
    closed_forms = ("closed forms at the largest size: diagonal "
                    f"{100 * largest['err_diagonal']:.3g}%, cumulative {100 * largest['err_cumulative']:.3g}%, ideal "
                    f"{100 * largest['err_ideal']:.3g}%")
    worst_linear = max(100 * r["err_fast_vs_spice"] for r in runs) if spice else NOT_COMPUTED
    rows = [ClaimResult(
        "X1", "fast model vs ngspice, LINEAR cells: max column-current error (%), exact by construction",
        paper_error_pct, worst_linear, tolerance, bool(worst_linear <= paper_error_pct) if spice else None,
        f"sizes {', '.join(str(r['size']) for r in runs)}; linear cells",
        ("passes by construction: G_eff is exact for linear cells (superposition), so this checks only that the "
         f"nodal solver and ngspice agree; {closed_forms}") if spice else f"{NO_NGSPICE}; {closed_forms}",
    )]
    size, v_op = X1_NONLINEAR_SIZE, config.circuit.v_op_fraction * config.peripherals.v_read_v
    for v_nl in V_NL_SWEEP_V:
        e = linearisation_error(size, config, v_nl, spice_vectors=1 if spice else 0)
        err = 100 * e["err_linearised"]
        within = bool(err <= paper_error_pct)
        cause = ("" if within else
                 f"MISS: one G_eff linearised at {v_op:g} V per row cannot follow the sinh cells over the "
                 f"{e['min_cell_v']:.2g}-{e['max_cell_v']:.2g} V the cells see (the error grows as v_nl shrinks); ")
        check = (f"Newton vs ngspice (sinh B-sources, 1 vector): {100 * e['err_newton_vs_spice']:.2g}%"
                 if spice else "ngspice cross-check of the Newton solve not run (not installed)")
        rows.append(ClaimResult(
            "X1", f"fast model (G_eff linearised) vs Newton circuit solve, sinh cells v_nl = {v_nl:g} V: max "
            "column-current error (%)",
            paper_error_pct, err, tolerance, within,
            f"random {size}x{size} array, rx_caffe parasitics, 16 inputs uniform in [0, v_read]",
            f"{cause}linear-cell G_eff (nonlinearity ignored): {100 * e['err_ohmic']:.3g}%; {check}; v_nl is "
            "swept [R], the paper's device nonlinearity is not known here",
        ))
    return rows


def _x2_drops(tiles, resistances, seeds, epochs, model: str) -> dict[tuple[int, float], list[float]]:
    """Accuracy drop (pp) on MNIST-5k per (tile size, driver = sense resistance), one sample per seed (the seed
    sets the split, the initial weights, the batch order and the programming variation)."""
    base = load_preset("rx_caffe")
    drops: dict[tuple[int, float], list[float]] = {(t, r): [] for t in tiles for r in resistances}
    for seed in seeds:
        for tile in tiles:
            for r in resistances:
                config = base.with_changes(
                    circuit={"rows": tile, "cols": tile, "r_driver_ohm": r, "r_sense_ohm": r, "model": model},
                    seed=seed)
                acc = crossbar_accuracy(config, epochs=epochs, train_seed=seed, dataset="mnist5k")
                drops[tile, r].append(acc["accuracy_drop"])
    return drops


def x2_rows(quick: bool = False) -> list[ClaimResult]:
    """X2: the band of the accuracy drop over the swept driver/sense resistance at 64x64 tiles, then one row per
    tile size at the preset's resistance with its confidence interval over seeds (arXiv 1809.00072, abstract:
    9.6%-32% on ImageNet DNNs)."""
    low, high = paper_range("crossbar", "accuracy_degradation_pct")
    seeds, epochs = (X2_SEEDS_QUICK, X2_EPOCHS_QUICK) if quick else (X2_SEEDS, X2_EPOCHS)
    preset_r = load_preset("rx_caffe").circuit.r_driver_ohm
    resistances = (0.0, preset_r) if quick else R_DS_SWEEP_OHM
    model = "diagonal" if quick else load_preset("rx_caffe").circuit.model
    drops = _x2_drops(X2_TILES, resistances, seeds, epochs, model)
    data = (f"MNIST-5k (real MNIST, {MNIST_SIDE}x{MNIST_SIDE}, 3,500 train / 750 test), VGG 16-M-32-M-32, "
            f"{epochs} epochs, {len(seeds)} seeds, rx_caffe preset [R], {model} G_eff")

    def ci(tile: int, r: float) -> Interval:
        return Interval.of(drops[tile, r])

    tile = max(X2_TILES)
    band = {r: ci(tile, r) for r in resistances}
    lo, hi = min(i.mean for i in band.values()), max(i.mean for i in band.values())
    lo_ci, hi_ci = min(i.low for i in band.values()), max(i.high for i in band.values())
    if low <= lo_ci and hi_ci <= high:
        within, resolved = True, True
    elif hi_ci < low or lo_ci > high:
        within, resolved = False, True
    else:
        within, resolved = None, False
    inside = [f"{r:g}" for r, i in band.items() if low <= i.mean <= high]
    per_r = "; ".join(f"{r:g} ohm: {i}" for r, i in band.items())
    rows = [ClaimResult(
        "X2", f"accuracy drop (pp), {tile}x{tile} tiles, r_driver = r_sense swept {min(resistances):g}-"
        f"{max(resistances):g} ohm: band of the seed means",
        f"{low:g}-{high:g}", f"{lo:.3g}-{hi:.3g}", "band within range, 95% CI", within, data,
        f"the verdict rests on the driver/sense resistance, which no source gives ([R] swept); the mean drop is in "
        f"the paper's band at {', '.join(inside) or 'none'} ohm; per resistance: {per_r}; paper: ImageNet DNNs",
        None, resolved,
    )]
    for t in X2_TILES:
        others = ", ".join(f"{r:g} ohm {ci(t, r).mean:.3g}" for r in resistances if r != preset_r)
        mean = ci(t, preset_r).mean
        side, amount = ("below", "less") if mean < low else ("above", "more")
        cause = ("" if low <= mean <= high else
                 f"MISS ({side} the band): at {t}x{t} the column currents through the {preset_r:g} ohm driver/sense "
                 f"resistance and {t} wire segments drop {amount} voltage than at the paper's operating point, whose "
                 "resistances are not known here (and its ImageNet DNNs are deeper); ")
        rows.append(range_claim_samples(
            "X2", f"accuracy drop (pp), {t}x{t} tiles, r_driver = r_sense = {preset_r:g} ohm (preset, unsourced)",
            low, high, drops[t, preset_r], scale=data,
            note=f"{cause}mean drop at the other resistances: {others}; larger tiles carry more current through the "
            "same driver/sense resistance and longer wires",
        ))
    return rows


def isaac_sanity() -> list[ClaimResult]:
    """Two X3 rows: the ADC share of energy and of area of ISAAC's tile rebuilt from the component library
    (:func:`workbench.hardware.validate.isaac_breakdown`: 12 IMAs, eDRAM, bus, a quarter router), against ISAAC's
    tile shares, the same boundary. A sanity check: it passes when the ADCs come out as the largest component; the
    note lists each component's share and the per-component comparison lives in ``components.md``."""
    from workbench.hardware.validate import CITED_CELLS, isaac_breakdown

    b = isaac_breakdown()
    macro, cost, config = b["macro"], b["cost"], b["config"]
    rows = []
    for quantity, parts, name in (("adc_power_share_pct", b["tile_energy_pj"], "energy"),
                                  ("adc_area_share_pct", b["tile_area_um2"], "area")):
        total = sum(parts.values())
        share = 100 * parts["adc"] / total
        largest = max(parts, key=parts.get)
        others = ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in parts.items() if k != "adc")
        note = (f"largest component: {largest}; others: {others}. Survey ADC over single-channel designs (8 bits at "
                f"{cost.adc_rate_gsps:g} GS/s, {macro.adc.energy_fj / 1e3:.2f} pJ, {macro.adc.area_um2:.0f} um2 per "
                f"conversion/ADC); the array's cells are a cited device's ({config.device.g_max_us:g} uS, on/off "
                f"{config.device.on_off_ratio:g}, crossbar preset {CITED_CELLS}), whose "
                f"{macro.extras['line_current_a'] * 1e3:.2g} mA lines are "
                f"{macro.extras['line_current_ratio']:.0f}x what a wire at the cell pitch carries; "
                "per-component ratios to ISAAC and what each moves the shares: data/reference/components.md")
        rows.append(ClaimResult(
            "X3", f"SANITY CHECK (not fitted): ADC share of tile {name} (%), ISAAC-like tile from the components",
            paper_value("crossbar", quantity), share, "sanity: ADCs the largest component", largest == "adc",
            "12 IMAs of 8 128x128 crossbars, 2-bit cells, 16-bit weights and inputs, 1-bit DACs, 8-bit ADC per 128 "
            "columns at 1.28 GS/s, 32 nm, with 64 KB eDRAM, bus and a quarter router (no sigmoid/max-pool units)",
            note,
        ))
    return rows
