"""Tests of the speed/accuracy comparison helpers."""

import math

import pytest
import torch
from torch import nn

from workbench.crossbar.array.config import load_preset
from workbench.crossbar.array.spice import ngspice_path
from workbench.crossbar.inference.speed import compare_models, inference_timing


def test_compare_models_reports_exact_fast_model_and_ordered_times():
    r = compare_models(8, load_preset("rx_caffe"), n_spice=1 if ngspice_path() else 0, batch=256, repeats=2)
    assert r["err_fast"] < 1e-10
    assert r["err_diagonal"] < r["err_ideal"]
    assert r["t_fast_s"] < r["t_circuit_s"]
    if ngspice_path():
        assert r["err_circuit_vs_spice"] < 1e-6 and r["err_fast_vs_spice"] < 1e-6
        assert r["t_circuit_s"] < r["t_spice_s"]
    else:
        assert math.isnan(r["t_spice_s"])


def test_inference_timing_keys_and_thread_count_restored():
    before = torch.get_num_threads()
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    t = inference_timing(model, torch.randn(8, 1, 8, 8), load_preset("ideal"), repeats=2)
    assert t["slowdown"] > 0 and t["t_program_s"] > 0
    assert torch.get_num_threads() == before


def test_charged_speedup_grows_with_the_batch_sharing_one_extraction():
    from workbench.crossbar.inference.speed import amortising_batch, charged_speedup

    t_spice, t_extract, t_single, t_batched = 4.7, 0.08, 2e-6, 3e-8  # seconds; the order of the 64x64 timings
    single = charged_speedup(t_spice, t_extract, t_single, 1)
    batched = [charged_speedup(t_spice, t_extract, t_batched, b) for b in (10, 1000, 100_000)]
    assert single < batched[0] < batched[1] < batched[2] < t_spice / t_batched  # the GEMM alone bounds it
    assert math.isclose(single, t_spice / (t_extract + t_single))
    need = amortising_batch(t_spice, t_extract, t_batched, 1e5)
    assert charged_speedup(t_spice, t_extract, t_batched, int(need)) >= 1e5
    assert charged_speedup(t_spice, t_extract, t_batched, int(need) - 1) < 1e5
    assert amortising_batch(t_spice, t_extract, t_batched, 1e9) == math.inf  # beyond the GEMM alone


@pytest.mark.parametrize("kwargs, name", [(dict(batch=0), "batch"), (dict(t_extract_s=-1.0), "t_extract_s")])
def test_charged_speedup_rejects_bad_input_naming_it(kwargs, name):
    from workbench.crossbar.inference.speed import charged_speedup

    args = dict(t_reference_s=1.0, t_extract_s=0.1, t_fast_s=1e-6, batch=1) | kwargs
    with pytest.raises(ValueError, match=name):
        charged_speedup(**args)


def test_linearisation_error_grows_as_the_cells_get_more_nonlinear():
    from workbench.crossbar.inference.speed import linearisation_error

    config = load_preset("rx_caffe")
    errors = [linearisation_error(16, config, v_nl, n_vectors=8) for v_nl in (1.0, 0.5, 0.25, 0.15)]
    linearised = [e["err_linearised"] for e in errors]
    assert linearised == sorted(linearised) and linearised[-1] > 10 * linearised[0]
    # ~ (v / v_nl)^2 / 6 at first order: 4x from v_nl = 1 to 0.5 (0.23% -> 0.9% at 16x16 here)
    assert 3 < linearised[1] / linearised[0] < 5
    # linearising at the operating point beats ignoring the nonlinearity, and both are far from exact
    assert all(e["err_linearised"] < e["err_ohmic"] for e in errors)
    assert linearised[0] > 1e-4
    with pytest.raises(ValueError, match="v_nl"):
        linearisation_error(8, config, 0.0)


@pytest.mark.skipif(not ngspice_path(), reason="ngspice not installed")
def test_newton_reference_agrees_with_ngspice_for_sinh_cells():
    from workbench.crossbar.inference.speed import linearisation_error

    e = linearisation_error(8, load_preset("rx_caffe"), 0.15, n_vectors=2, spice_vectors=1)
    assert e["err_newton_vs_spice"] < 1e-6
