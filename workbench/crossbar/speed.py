"""Speed and accuracy of the fast crossbar model against the nodal solver and ngspice (claim X1).

Used by ``benchmarks/bench_crossbar.py`` and :mod:`workbench.crossbar.reproduce`. Timings are wall-clock on this
machine: ngspice per input vector is one ``ngspice -b`` run with one ``.op`` (process start included, as a designer
would run it); the circuit solve per vector is one factorisation and solve; the fast model's time per
matrix-vector product is one single-threaded batched matrix multiply divided by the batch size (Rx-Caffe
evaluates a layer's inputs as one GEMM), with the one-off ``G_eff`` extraction reported separately.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import torch

from workbench.crossbar.circuit import solve_crossbar
from workbench.crossbar.config import CrossbarConfig
from workbench.crossbar.fast import MODELS, effective_conductance
from workbench.crossbar.spice import ngspice_path, ngspice_solve
from workbench.nn.device import torch_threads

__all__ = ["compare_models", "inference_timing"]


def _best_time(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls after one warm-up call (the machine is shared: best-of filters noise)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def compare_models(
    size: int,
    config: CrossbarConfig,
    *,
    n_spice: int = 1,
    batch: int = 4096,
    seed: int = 0,
    cols: int | None = None,
    repeats: int = 3,
) -> dict[str, float]:
    """Time and error of every model on one random ``size x cols`` array at the config's parasitics.

    Conductances are uniform in ``[G_min, G_max]`` and inputs uniform in ``[0, v_read]``. ngspice is skipped (its
    entries are NaN) when ``n_spice=0`` or it is not installed. Errors are the largest column-current deviation
    relative to the largest exact column current.

    Returns
    -------
    dict
        ``t_spice_s``, ``t_circuit_s``, ``t_extract_s`` (per vector / once), ``t_fast_s`` (per vector in a batch of
        ``batch``), ``t_fast_single_s`` (one vector alone), ``speedup_vs_spice``, ``speedup_vs_circuit``,
        ``err_fast``, ``err_circuit_vs_spice``, ``err_fast_vs_spice`` and ``err_<model>`` for every model in
        :data:`MODELS`.
    """
    cols = size if cols is None else cols
    rng = np.random.default_rng(seed)
    dev, per = config.device, config.peripherals
    G = rng.uniform(dev.g_min_s, dev.g_max_s, (size, cols))
    v = rng.uniform(0.0, per.v_read_v, (batch, size))
    circuit = replace(config.circuit, model="exact")
    out: dict[str, float] = {"size": size, "cols": cols}
    n_check = max(n_spice, 8)
    exact = solve_crossbar(G, v[:n_check], circuit)
    out["t_circuit_s"] = _best_time(lambda: solve_crossbar(G, v[0], circuit), repeats)
    out["t_extract_s"] = _best_time(lambda: effective_conductance(G, circuit), repeats)
    g_eff = effective_conductance(G, circuit)
    # The GEMM runs in torch on one thread, as ngspice does (NumPy's OpenBLAS threads contend with torch's OpenMP
    # pool once torch is imported, and a multi-threaded GEMM on a busy shared machine is orders slower).
    v_t, g_t = torch.from_numpy(v), torch.from_numpy(g_eff)
    with torch_threads(1):
        out["t_fast_s"] = _best_time(lambda: v_t @ g_t, 10 * repeats) / batch
        single = v_t[0].clone()
        out["t_fast_single_s"] = _best_time(lambda: single @ g_t, 20 * repeats)
    scale = np.abs(exact).max()
    for model in MODELS:
        approx = v[:n_check] @ effective_conductance(G, replace(circuit, model=model))
        out[f"err_{model}"] = float(np.abs(approx - exact).max() / scale)
    out["err_fast"] = out["err_exact"]
    if n_spice and ngspice_path() is not None:
        start = time.perf_counter()
        spice = ngspice_solve(G, v[:n_spice], circuit)
        out["t_spice_s"] = (time.perf_counter() - start) / n_spice
        out["err_circuit_vs_spice"] = float(np.abs(spice - exact[:n_spice]).max() / np.abs(spice).max())
        out["err_fast_vs_spice"] = float(np.abs(spice - v[:n_spice] @ g_eff).max() / np.abs(spice).max())
    else:
        out["t_spice_s"] = out["err_circuit_vs_spice"] = out["err_fast_vs_spice"] = float("nan")
    out["speedup_vs_spice"] = out["t_spice_s"] / out["t_fast_s"]
    out["speedup_vs_circuit"] = out["t_circuit_s"] / out["t_fast_s"]
    return out


def inference_timing(model, x, config: CrossbarConfig, repeats: int = 5, threads: int = 1) -> dict[str, float]:
    """Forward time of ``model`` on ``x`` in plain torch and converted to crossbars (programming excluded).

    Both run with ``threads`` torch threads (default 1: on this shared 2-core machine multi-threaded timings are
    dominated by contention). Returns ``t_torch_s``, ``t_crossbar_s``, ``t_program_s`` and ``slowdown``
    (crossbar / torch).
    """
    from workbench.crossbar.layers import convert

    start = time.perf_counter()
    converted = convert(model, config)
    t_program = time.perf_counter() - start
    model = model.eval()
    with torch_threads(threads), torch.no_grad():
        t_torch = _best_time(lambda: model(x), repeats)
        t_xbar = _best_time(lambda: converted(x), repeats)
    return {"t_torch_s": t_torch, "t_crossbar_s": t_xbar, "t_program_s": t_program, "slowdown": t_xbar / t_torch}
