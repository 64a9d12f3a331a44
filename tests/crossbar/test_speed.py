"""Tests of the speed/accuracy comparison helpers."""

import math

import torch
from torch import nn

from workbench.crossbar.config import load_preset
from workbench.crossbar.speed import compare_models, inference_timing
from workbench.crossbar.spice import ngspice_path


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
