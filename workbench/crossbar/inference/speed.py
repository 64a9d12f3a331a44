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

from workbench.core.timing import best_time
from workbench.crossbar.array.circuit import solve_crossbar
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.fast import MODELS, effective_conductance
from workbench.crossbar.array.spice import ngspice_path, ngspice_solve
from workbench.nn.device import torch_threads

__all__ = ["amortising_batch", "charged_speedup", "compare_models", "inference_timing", "linearisation_error"]


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
    out["t_circuit_s"] = best_time(lambda: solve_crossbar(G, v[0], circuit), repeats)
    out["t_extract_s"] = best_time(lambda: effective_conductance(G, circuit), repeats)
    g_eff = effective_conductance(G, circuit)
    # The GEMM runs in torch on one thread, as ngspice does (NumPy's OpenBLAS threads contend with torch's OpenMP
    # pool once torch is imported, and a multi-threaded GEMM on a busy shared machine is orders slower).
    v_t, g_t = torch.from_numpy(v), torch.from_numpy(g_eff)
    with torch_threads(1):
        out["t_fast_s"] = best_time(lambda: v_t @ g_t, 10 * repeats) / batch
        single = v_t[0].clone()
        out["t_fast_single_s"] = best_time(lambda: single @ g_t, 20 * repeats)
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


def charged_speedup(t_reference_s: float, t_extract_s: float, t_fast_s: float, batch: int) -> float:
    """Speed-up over a reference (ngspice) per matrix-vector product when ``batch`` vectors share one ``G_eff``
    extraction: ``t_reference / (t_extract / batch + t_fast)``.

    Rx-Caffe's FCM (arXiv 1809.00072, Sec. III) pre-solves ``G_eff`` once per programmed array; its speed claim
    holds only when that pre-solve is spread over many inputs. ``t_fast_s`` is the per-vector GEMM time at that
    batch size (a lone vector's time for ``batch = 1``).
    """
    if not batch >= 1:
        raise ValueError(f"batch={batch!r} is not allowed; allowed: an integer >= 1")
    for name, value in (("t_reference_s", t_reference_s), ("t_extract_s", t_extract_s), ("t_fast_s", t_fast_s)):
        if not value >= 0:
            raise ValueError(f"{name}={value!r} is not allowed; allowed: a time >= 0 s")
    return t_reference_s / (t_extract_s / batch + t_fast_s)


def amortising_batch(t_reference_s: float, t_extract_s: float, t_fast_s: float, target: float) -> float:
    """The smallest batch whose :func:`charged_speedup` reaches ``target`` (``inf`` when even an infinite batch,
    i.e. the GEMM alone, falls short)."""
    if not target > 0:
        raise ValueError(f"target={target!r} is not allowed; allowed: a speed-up > 0")
    per_vector = t_reference_s / target - t_fast_s  # time per vector left for the extraction's share
    if per_vector <= 0:
        return float("inf")
    return float(max(1, np.ceil(t_extract_s / per_vector)))


def linearisation_error(
    size: int,
    config: CrossbarConfig,
    v_nl: float,
    *,
    n_vectors: int = 16,
    seed: int = 0,
    spice_vectors: int = 0,
) -> dict[str, float]:
    """Error of the fast model with sinh cells, linearised once, against the Newton circuit solve (claim X1).

    Rx-Caffe's FCM (arXiv 1809.00072, Sec. III) folds device nonlinearity into one pre-solved ``G_eff``; with
    nonlinear cells that matrix depends on the input, so one ``G_eff`` is exact at its operating point only. Here
    ``G_eff`` is extracted as :func:`~workbench.crossbar.inference.layers.program_crossbar` does: the secant
    conductances of
    the Newton solution with every row at ``circuit.v_op_fraction * v_read``. Conductances are uniform in
    ``[G_min, G_max]``, inputs uniform in ``[0, v_read]`` (the config's parasitics and read voltage).

    Parameters
    ----------
    size : int
        Rows = columns of the random array.
    config : CrossbarConfig
        Parasitics (``circuit``), conductance range (``device``) and ``v_read`` (``peripherals``); its ``v_nl_v``
        is not used.
    v_nl : float
        Sinh nonlinearity voltage (V) of the cells, ``I = g v_nl sinh(v / v_nl)``: smaller is more nonlinear.
    n_vectors : int
        Input vectors compared.
    spice_vectors : int
        Also solve the first ``spice_vectors`` inputs with ngspice (sinh cells as behavioural sources) to check the
        Newton reference itself; NaN when 0 or ngspice is missing.

    Returns
    -------
    dict
        ``err_linearised`` (largest column-current deviation / largest exact current), ``err_ohmic`` (the same for
        the linear-cell ``G_eff``, which ignores the nonlinearity), ``err_newton_vs_spice``, ``min_cell_v`` /
        ``max_cell_v`` (range of cell voltages in the exact solutions, V).
    """
    if not (isinstance(v_nl, (int, float)) and np.isfinite(v_nl) and v_nl > 0):
        raise ValueError(f"v_nl={v_nl!r} is not allowed; allowed: a voltage > 0 V")
    if n_vectors < 1 or spice_vectors < 0:
        raise ValueError(f"n_vectors={n_vectors!r}, spice_vectors={spice_vectors!r} are not allowed; allowed: "
                         "n_vectors >= 1, spice_vectors >= 0")
    rng = np.random.default_rng(seed)
    dev, per = config.device, config.peripherals
    circuit = replace(config.circuit, model="exact")
    G = rng.uniform(dev.g_min_s, dev.g_max_s, (size, size))
    v = rng.uniform(0.0, per.v_read_v, (n_vectors, size))
    exact = solve_crossbar(G, v, circuit, v_nl=v_nl, full_output=True)
    v_op = np.full(size, circuit.v_op_fraction * per.v_read_v)
    scale = np.abs(exact.i_out).max()
    out = {
        "err_linearised": float(np.abs(v @ effective_conductance(G, circuit, v_nl=v_nl, v_op=v_op)
                                       - exact.i_out).max() / scale),
        "err_ohmic": float(np.abs(v @ effective_conductance(G, circuit) - exact.i_out).max() / scale),
        "min_cell_v": float(exact.v_cell.min()),
        "max_cell_v": float(exact.v_cell.max()),
        "err_newton_vs_spice": float("nan"),
    }
    if spice_vectors and ngspice_path() is not None:
        spice = ngspice_solve(G, v[:spice_vectors], circuit, v_nl=v_nl)
        out["err_newton_vs_spice"] = float(np.abs(spice - exact.i_out[:spice_vectors]).max() / np.abs(spice).max())
    return out


def inference_timing(model, x, config: CrossbarConfig, repeats: int = 5, threads: int = 1) -> dict[str, float]:
    """Forward time of ``model`` on ``x`` in plain torch and converted to crossbars (programming excluded).

    Both run with ``threads`` torch threads (default 1: on this shared 2-core machine multi-threaded timings are
    dominated by contention). Returns ``t_torch_s``, ``t_crossbar_s``, ``t_program_s`` and ``slowdown``
    (crossbar / torch).
    """
    from workbench.crossbar.inference.layers import convert

    start = time.perf_counter()
    converted = convert(model, config)
    t_program = time.perf_counter() - start
    model = model.eval()
    with torch_threads(threads), torch.no_grad():
        t_torch = best_time(lambda: model(x), repeats)
        t_xbar = best_time(lambda: converted(x), repeats)
    return {"t_torch_s": t_torch, "t_crossbar_s": t_xbar, "t_program_s": t_program, "slowdown": t_xbar / t_torch}
