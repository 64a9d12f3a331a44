"""Speed of crossbar-aware training and the error of each speed-up technique against the full model (TxSim, arXiv
2002.11151, Sec. IV; claim T1).

The *full model* of a training step is: every tile's forward and transposed read matrices solved exactly (nodal
analysis, :func:`~workbench.crossbar.array.fast.effective_conductance`) at every iteration (``refresh_every=1``), the
tiles read one GEMM at a time, fresh random numbers for the update. Each speed-up changes one of these:

* ``short_path``: the analytical model ``G / (1 + G R_series)`` instead of the exact solve;
* ``refresh_every``: the read matrices' attenuation refreshed every ``L`` iterations;
* ``batched``: one batched GEMM over the tiles (exact: only rounding differs);
* ``random_pool``: the update's random numbers from a pre-drawn pool.

:func:`speedup_errors` trains the same network from the same start with the full model and with each technique and
reports the largest output deviation after a few steps (relative to the largest output). :func:`step_timing` times
one training step of an MLP against the same step in plain torch; :func:`circuit_step_time` the circuit-level
evaluation of one step (every read of every input vector solved by nodal analysis, as a circuit simulator would).
Timings are wall-clock on this machine, single-threaded (the machine is shared; best of repeats).
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

__all__ = ["SPEEDUPS", "circuit_step_time", "speedup_errors", "step_timing"]

SPEEDUPS = ("short_path", "refresh_every", "batched", "random_pool")


def _batch(sizes, batch: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, sizes[0], generator=gen), torch.randint(0, sizes[-1], (batch,), generator=gen)


def step_timing(sizes: tuple[int, ...], config: TxSimConfig, *, batch: int = 64, lr: float = 0.01, seed: int = 0,
                repeats: int = 3, inner: int = 10) -> dict[str, float]:
    """Wall time of one training step (forward, backward, update) of an MLP on crossbars and in plain torch.

    Both run single-threaded, interleaved, on the same random batch, plain torch with ``torch.optim.SGD``. The
    crossbar step is amortised over the refresh interval ``L``: the steady step (read matrices patched, no refresh)
    plus the refresh of every layer's read matrices divided by ``L`` (timed separately, so that a short timing
    window neither misses nor over-counts refreshes). Layers that refresh incrementally inside the update
    (:attr:`TxSimConfig.elementwise` models with a programmed update) are timed as they run, over windows of a whole
    number of refresh intervals, the refresh included in the step (``t_refresh_s`` 0). Returns ``t_crossbar_s``
    (amortised), ``t_steady_s``, ``t_refresh_s``, ``t_torch_s`` and ``slowdown`` (amortised crossbar / torch).
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

    def refresh():
        for layer in layers:
            layer._factors = None
            layer._mats = None
            layer.matrices()

    with torch_threads(1):
        # Interleaved, best of each: on a shared machine the load drifts, and both sides should see the same.
        t_torch = t_steady = float("inf")
        for _ in range(repeats):
            t_torch = min(t_torch, best_time(torch_step, 1, inner=inner))
            t_steady = min(t_steady, best_time(tx_step, 1, inner=inner))
        t_refresh = 0.0
        if needs_refresh and not incremental:  # one refresh, timed once (the exact model's refresh of a large
            start = time.perf_counter()        # layer takes minutes)
            refresh()
            t_refresh = time.perf_counter() - start
    t_tx = t_steady + t_refresh / config.refresh_every
    return {"t_crossbar_s": t_tx, "t_steady_s": t_steady, "t_refresh_s": t_refresh, "t_torch_s": t_torch,
            "slowdown": t_tx / t_torch}


def circuit_step_time(sizes: tuple[int, ...], config: TxSimConfig, *, batch: int = 64, max_vectors: int = 4,
                      seed: int = 0) -> dict[str, float]:
    """Time of one training step evaluated at circuit level: every read of every input vector solved by nodal
    analysis (:func:`~workbench.crossbar.array.circuit.solve_crossbar`, one factorisation and solve per array, tile and
    vector, as one ``.op`` of a circuit simulator), forward and transposed reads of both arrays of every tile.

    The solve of ``max_vectors`` vectors on one full tile of every layer is timed and scaled to the batch and the
    layer's tiles (the solve time does not depend on the values). Returns ``t_circuit_s`` and ``solves``.
    """
    rng = np.random.default_rng(seed)
    dev, circuit = config.crossbar.device, replace(config.crossbar.circuit, model="exact")
    total, solves = 0.0, 0
    for K, N in zip(sizes[:-1], sizes[1:], strict=True):
        tiles = layer_tiles(K, N, circuit)
        rs, cs = tiles[0]
        G = rng.uniform(dev.g_min_s, dev.g_max_s, (rs.stop - rs.start, cs.stop - cs.start))
        v = rng.uniform(0, config.crossbar.peripherals.v_read_v, G.shape[0])
        start = time.perf_counter()
        for _ in range(max_vectors):
            solve_crossbar(G, v, circuit)
        per_solve = (time.perf_counter() - start) / max_vectors
        n = 2 * 2 * len(tiles) * batch  # 2 arrays x (forward + transposed) x tiles x vectors
        total += per_solve * n
        solves += n
    return {"t_circuit_s": total, "solves": solves}


def speedup_errors(sizes: tuple[int, ...], config: TxSimConfig, *, steps: int = 8, batch: int = 32, lr: float = 0.1,
                   refresh_every: int = 10, seed: int = 0) -> dict[str, float]:
    """Largest output deviation (% of the largest output) after ``steps`` training steps, of each speed-up against
    the full model (see the module docstring), from the same start and data.

    ``config`` sets the crossbar and write model; its speed-up fields are overridden. Random numbers make runs with
    stochastic rounding or write noise differ from the full model by their noise as well; with
    ``random_pool`` the deviation is that of different random draws, not a bias.
    """
    full = replace(config, crossbar=config.crossbar.with_changes(circuit={"model": "exact"}), refresh_every=1,
                   batched=False, random_pool=False)
    variants = {
        "full": full,
        "short_path": replace(full, crossbar=full.crossbar.with_changes(circuit={"model": "cumulative"})),
        "refresh_every": replace(full, refresh_every=refresh_every),
        "batched": replace(full, batched=True),
        "random_pool": replace(full, random_pool=True),
    }
    gen = torch.Generator().manual_seed(seed + 1)
    data = [_batch(sizes, batch, int(torch.randint(0, 2**31, (1,), generator=gen))) for _ in range(steps)]
    probe = _batch(sizes, 64, seed + 2)[0]
    outputs = {}
    for name, cfg in variants.items():
        model = tx_mlp(sizes, cfg, seed)
        with torch_threads(1):
            for x, y in data:
                model.zero_grad(set_to_none=True)
                F.cross_entropy(model(x), y).backward()
                crossbar_sgd_step(model, lr)
            with torch.no_grad():
                outputs[name] = model(probe)
    scale = float(outputs["full"].abs().max())
    return {name: 100 * float((outputs[name] - outputs["full"]).abs().max()) / scale for name in SPEEDUPS}
