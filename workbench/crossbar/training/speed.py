"""Speed of crossbar-aware training and the error of each speed-up technique against the full model (TxSim, arXiv
2002.11151, Sec. IV; claim T1).

The *full model* of a training step is: every tile's forward and transposed read matrices solved exactly (nodal
analysis, :func:`~workbench.crossbar.array.fast.effective_conductance`) at every iteration (``refresh_every=1``), the
tiles read one GEMM at a time, fresh random numbers for the update. Each speed-up changes one of these:

* ``short_path``: the analytical model ``G / (1 + G R_series)`` instead of the exact solve (and, in
  :func:`fidelity_pareto`, every circuit model: ``"line"``, the exact network by block relaxation, ``"diagonal"``);
* ``refresh_every``: the read matrices' attenuation refreshed every ``L`` iterations;
* ``batched``: one batched GEMM over the tiles (exact: only rounding differs);
* ``random_pool``: the update's random numbers from a pre-drawn pool.

:func:`speedup_errors` trains the same network from the same start with the full model and with each technique and
reports the largest output deviation over a few steps (relative to the largest output). :func:`step_timing` times
one training step of an MLP against the same step in plain torch; :func:`circuit_step_time` the circuit-level
evaluation of one step: every tile's nodal system factorised once per array and step and solved for all the
step's input vectors (the batch's forward reads and, by reciprocity when ``r_driver == r_sense``, its transposed
reads: ``2 batch`` right-hand sides), as a circuit simulator with a reused factorisation would.
:func:`fidelity_pareto` puts the knobs together at matched fidelity: step time against deviation from the full
model for every combination of circuit model, refresh interval, batching and random pool (claim T1's row takes
the fastest combination within a stated deviation). Timings are wall-clock on this machine, single-threaded (the
machine is shared; best of interleaved repeats).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.core.timing import best_time
from workbench.crossbar.array.circuit import solve_crossbar
from workbench.crossbar.training.layers import TxLinear, TxSimConfig, crossbar_sgd_step, layer_tiles, tx_mlp
from workbench.nn.device import torch_threads

__all__ = ["SPEEDUPS", "circuit_step_time", "fidelity_pareto", "output_deviations", "refresh_time",
           "speedup_errors", "step_timing"]

SPEEDUPS = ("short_path", "refresh_every", "batched", "random_pool")


def _batch(sizes, batch: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, sizes[0], generator=gen), torch.randint(0, sizes[-1], (batch,), generator=gen)


def step_timing(sizes: tuple[int, ...], config: TxSimConfig, *, batch: int = 64, lr: float = 0.01, seed: int = 0,
                repeats: int = 3, inner: int = 10, t_refresh_s: float | None = None) -> dict[str, float]:
    """Wall time of one training step (forward, backward, update) of an MLP on crossbars and in plain torch.

    Both run single-threaded, interleaved, on the same random batch, plain torch with ``torch.optim.SGD``. The
    crossbar step is amortised over the refresh interval ``L``: the steady step (read matrices patched, no refresh)
    plus the refresh of every layer's read matrices divided by ``L`` (timed separately, so that a short timing
    window neither misses nor over-counts refreshes). Layers that refresh incrementally inside the update
    (:attr:`TxSimConfig.elementwise` models with a programmed update) are timed as they run, over windows of a whole
    number of refresh intervals, the refresh included in the step (``t_refresh_s`` 0). Returns ``t_crossbar_s``
    (amortised), ``t_steady_s``, ``t_refresh_s``, ``t_torch_s`` and ``slowdown`` (amortised crossbar / torch).
    ``t_refresh_s``, when given, is a refresh time measured before for the same network and circuit model (it does
    not depend on the refresh interval, batching or random pool), used instead of timing one.
    """
    x, y = _batch(sizes, batch, seed)
    needs_refresh = config.crossbar.circuit.model != "ideal" and (config.forward or config.backward)
    incremental = needs_refresh and config.update and config.elementwise
    steady = config if incremental else replace(config, refresh_every=100000)  # steady state: no refresh while timed
    model = tx_mlp(sizes, steady, seed)
    if incremental:
        inner = config.refresh_every * -(-inner // config.refresh_every)
    x, y = x.to(model[1].dev), y.to(model[1].dev)
    plain = nn.Sequential(*[m if not isinstance(m, TxLinear) else nn.Linear(m.in_features, m.out_features)
                            for m in model]).to(x.device)
    opt = torch.optim.SGD(plain.parameters(), lr=lr)
    layers = [m for m in model if isinstance(m, TxLinear)]

    def tx_step():
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        crossbar_sgd_step(model, lr)

    def torch_step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(plain(x), y).backward()
        opt.step()

    with torch_threads(1):
        # Interleaved, best of each: on a shared machine the load drifts, and both sides should see the same.
        t_torch = t_steady = float("inf")
        for _ in range(repeats):
            t_torch = min(t_torch, best_time(torch_step, 1, inner=inner))
            t_steady = min(t_steady, best_time(tx_step, 1, inner=inner))
        t_refresh = 0.0
        if needs_refresh and not incremental and t_refresh_s is not None:
            t_refresh = t_refresh_s
        elif needs_refresh and not incremental:  # one refresh, timed once (the exact model's refresh of a large
            start = time.perf_counter()          # layer takes minutes)
            _refresh(layers)
            t_refresh = time.perf_counter() - start
    t_tx = t_steady + t_refresh / config.refresh_every
    return {"t_crossbar_s": t_tx, "t_steady_s": t_steady, "t_refresh_s": t_refresh, "t_torch_s": t_torch,
            "slowdown": t_tx / t_torch}


def _refresh(layers) -> None:
    """Recompute every layer's read matrices from scratch (a refresh)."""
    for layer in layers:
        layer._factors = None
        layer._mats = None
        layer.matrices()


def refresh_time(sizes: tuple[int, ...], config: TxSimConfig, *, repeats: int = 3, seed: int = 0) -> float:
    """Best of ``repeats`` wall times (s) of one refresh of every layer's read matrices of an MLP, one thread (the
    refresh cost does not depend on the refresh interval, batching or random pool)."""
    layers = [m for m in tx_mlp(sizes, config, seed) if isinstance(m, TxLinear)]
    with torch_threads(1):
        return best_time(lambda: _refresh(layers), repeats, warmup=False)


def circuit_step_time(sizes: tuple[int, ...], config: TxSimConfig, *, batch: int = 64, repeats: int = 1,
                      seed: int = 0) -> dict[str, float]:
    """Time of the reads of one training step evaluated at circuit level, with one factorisation per tile and array:
    :func:`~workbench.crossbar.array.circuit.solve_crossbar` (one sparse LU of the tile's nodal system, then triangular
    solves) on both arrays of every tile, with the step's ``2 batch`` input vectors as right-hand sides (the forward
    reads, and the transposed reads, which share the nodal matrix when ``r_driver == r_sense``: reciprocity).

    One full tile of every layer is timed (best of ``repeats``) and scaled to the layer's tiles (the solve time does
    not depend on the values). Returns ``t_circuit_s``, ``factorisations`` and ``solves`` (right-hand sides).
    """
    rng = np.random.default_rng(seed)
    dev, circuit = config.crossbar.device, replace(config.crossbar.circuit, model="exact")
    total, factorisations = 0.0, 0
    for K, N in zip(sizes[:-1], sizes[1:], strict=True):
        tiles = layer_tiles(K, N, circuit)
        rs, cs = tiles[0]
        G = rng.uniform(dev.g_min_s, dev.g_max_s, (rs.stop - rs.start, cs.stop - cs.start))
        v = rng.uniform(0, config.crossbar.peripherals.v_read_v, (2 * batch, G.shape[0]))
        per_tile = best_time(lambda G=G, v=v: solve_crossbar(G, v, circuit), repeats)
        total += per_tile * 2 * len(tiles)  # both arrays
        factorisations += 2 * len(tiles)
    return {"t_circuit_s": total, "factorisations": factorisations, "solves": factorisations * 2 * batch}


def output_deviations(sizes: tuple[int, ...], reference: TxSimConfig, variants: dict[str, TxSimConfig], *,
                      steps: int = 8, batch: int = 32, lr: float = 0.1, seed: int = 0) -> dict[str, float]:
    """Largest output deviation (% of the reference's largest output) of every variant from ``reference`` over
    ``steps`` training steps of the same MLP from the same start, on the same batches: 64 random probe inputs are
    read after every step, and the worst step counts (a refreshed read matrix is exact again, so the deviation
    just before a refresh is the one to bound).

    Runs draw the update's random numbers from the same seeded generators, so variants with fresh draws see the
    reference's draws; pooled draws (``random_pool``) differ, and their deviation includes that of different draws.
    """
    gen = torch.Generator().manual_seed(seed + 1)
    data = [_batch(sizes, batch, int(torch.randint(0, 2**31, (1,), generator=gen))) for _ in range(steps)]
    probe = _batch(sizes, 64, seed + 2)[0]
    outputs = {}
    for name, cfg in {"reference": reference, **variants}.items():
        model = tx_mlp(sizes, cfg, seed)
        outputs[name] = []
        with torch_threads(1):
            for x, y in data:
                model.zero_grad(set_to_none=True)
                F.cross_entropy(model(x), y).backward()
                crossbar_sgd_step(model, lr)
                with torch.no_grad():
                    outputs[name].append(model(probe))
    deviation = {}
    for name in variants:
        deviation[name] = max(100 * float((out - ref).abs().max()) / float(ref.abs().max())
                              for out, ref in zip(outputs[name], outputs["reference"], strict=True))
    return deviation


def _full(config: TxSimConfig) -> TxSimConfig:
    """The full model of ``config``'s crossbar and write (module docstring)."""
    return replace(config, crossbar=config.crossbar.with_changes(circuit={"model": "exact"}), refresh_every=1,
                   batched=False, random_pool=False)


def speedup_errors(sizes: tuple[int, ...], config: TxSimConfig, *, steps: int = 8, batch: int = 32, lr: float = 0.1,
                   refresh_every: int = 10, seed: int = 0) -> dict[str, float]:
    """Largest output deviation (% of the largest output) over ``steps`` training steps, of each speed-up against
    the full model (see the module docstring), from the same start and data (:func:`output_deviations`).

    ``config`` sets the crossbar and write model; its speed-up fields are overridden. Random numbers make runs with
    stochastic rounding or write noise differ from the full model by their noise as well; with
    ``random_pool`` the deviation is that of different random draws, not a bias.
    """
    full = _full(config)
    variants = {
        "short_path": replace(full, crossbar=full.crossbar.with_changes(circuit={"model": "cumulative"})),
        "refresh_every": replace(full, refresh_every=refresh_every),
        "batched": replace(full, batched=True),
        "random_pool": replace(full, random_pool=True),
    }
    return output_deviations(sizes, full, variants, steps=steps, batch=batch, lr=lr, seed=seed)


def fidelity_pareto(timed_sizes: tuple[int, ...], error_sizes: tuple[int, ...], config: TxSimConfig, *,
                    models: tuple[str, ...] = ("exact", "line", "diagonal", "cumulative"),
                    refresh: tuple[int, ...] = (1, 3, 10), batch: int = 64, steps: int = 10, repeats: int = 3,
                    inner: int = 5, seed: int = 0) -> list[dict]:
    """Step time against deviation from the full model for every combination of the speed-up knobs: circuit model
    (``models``), refresh interval (``refresh``), batched GEMM and random pool.

    The step of a ``timed_sizes`` MLP at ``batch`` is timed as :func:`step_timing`, with ``config``'s write; the
    refresh of each circuit model is timed once, best of ``repeats`` (:func:`refresh_time`), and reused for its
    combinations. The deviation is :func:`output_deviations` of
    an ``error_sizes`` MLP over ``steps`` steps at the same tile size and parasitics, with the write made
    deterministic (analog pulse counts, no cycle-to-cycle noise; nonlinearity and variation kept): with stochastic
    rounding and noise, any perturbation re-draws which cells get a pulse, and after a few steps the outputs of two
    runs that differ only in their random draws already differ by tens of percent, which would hide the read
    model's error. The random pool then changes nothing (its draws are exactly distributed, only reused at random
    offsets): a pooled combination has its fresh-draw twin's deviation by construction.

    Returns one dict per combination with ``model``, ``refresh_every``, ``batched``, ``random_pool``, ``step_s``
    (amortised), ``torch_step_s`` and ``error_pct``, fastest first.
    """
    full = _full(config)
    exact_write = replace(full, write=replace(full.write, rounding="none", gamma=0.0))
    variants = {(m, L, b): replace(full, crossbar=full.crossbar.with_changes(circuit={"model": m}), refresh_every=L,
                                   batched=b)
                for m in models for L in refresh for b in (False, True)}
    named = {f"{m}/{L}/{b}": replace(cfg, write=exact_write.write) for (m, L, b), cfg in variants.items()}
    errors = output_deviations(error_sizes, exact_write, named, steps=steps, seed=seed)
    refresh_s = {m: refresh_time(timed_sizes, variants[(m, refresh[0], True)], repeats=repeats, seed=seed)
                 for m in models}
    rows = []
    for (m, L, b), cfg in variants.items():
        for pool in (False, True):
            timing = step_timing(timed_sizes, replace(cfg, random_pool=pool), batch=batch, seed=seed,
                                 repeats=repeats, inner=inner, t_refresh_s=refresh_s[m])
            rows.append({"model": m, "refresh_every": L, "batched": b, "random_pool": pool,
                         "step_s": timing["t_crossbar_s"], "torch_step_s": timing["t_torch_s"],
                         "error_pct": errors[f"{m}/{L}/{b}"]})
    return sorted(rows, key=lambda r: r["step_s"])
