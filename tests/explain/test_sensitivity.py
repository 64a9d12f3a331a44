"""Tornado and Morris against closed forms on a toy study, and on TiM's architecture model."""

import time

import numpy as np
import pytest

from workbench.core import Bool, Float, Metric, Study
from workbench.core.knobs import Assumed, Int
from workbench.core.registry import get_study, get_view
from workbench.explain.sensitivity import morris, plausible_value, tornado


def _model(a: float, b: float, n: int) -> dict:
    return {"y": 3.0 * a - 2.0 * b + 0.0 * n}


def _feasible(arguments: dict) -> None:
    if arguments["a"] > 1.5 and arguments["b"] > 3.5:
        raise ValueError("a and b too large together")


TOY = Study("toy.linear", "toy", _model, metrics=(Metric("y", "", "max", "3a - 2b."),), knobs=(
    Float("a", 1.0, low=0.0, high=10.0, assumed=Assumed(0.5, 2.0, "why a")),
    Float("b", 2.0, low=0.0, high=10.0, assumed=Assumed(1.0, 5.0, "why b")),
    Int("n", 4, low=1, high=8, citation="a paper"),
))
CONSTRAINED = Study("toy.constrained", "toy", _model, metrics=TOY.metrics, knobs=TOY.knobs, constraints=_feasible)


def test_tornado_gives_the_metric_at_each_end_sorted_by_swing():
    frame = tornado(TOY, "y").set_index("knob")
    assert list(frame.index) == ["b", "a"]  # swing 2 x 4 = 8 before 3 x 1.5 = 4.5; the cited n is not swept
    assert frame.loc["a", ["metric_low", "metric_default", "metric_high"]].tolist() == [-2.5, -1.0, 2.0]
    assert frame.loc["b", ["metric_low", "metric_high"]].tolist() == [1.0, -7.0]
    assert frame.loc["b", "swing"] == pytest.approx(8.0) and frame.loc["a", "swing_rel"] == pytest.approx(4.5)
    at_base = tornado(TOY, "y", {"a": 2.0}).set_index("knob")
    assert at_base.loc["b", "metric_default"] == 2.0


def test_an_infeasible_end_is_named_and_left_out_of_the_swing():
    frame = tornado(CONSTRAINED, "y", {"a": 2.0}).set_index("knob")
    assert frame.loc["b", "infeasible"] == "high" and np.isnan(frame.loc["b", "metric_high"])
    assert frame.loc["b", "swing"] == pytest.approx(2.0)  # |y(b=1) - y(b=2)| = 2
    assert frame.loc["a", "infeasible"] == ""


def test_morris_mu_star_of_a_linear_model_is_its_slope_times_the_plausible_range():
    frame = morris(TOY, "y", trajectories=8, seed=1).set_index("knob")
    assert frame.loc["a", "mu_star"] == pytest.approx(3.0 * 1.5)
    assert frame.loc["b", "mu"] == pytest.approx(-2.0 * 4.0)
    assert frame.loc["a", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert (frame["effects"] == 8).all()
    constrained = morris(CONSTRAINED, "y", trajectories=8, seed=1).set_index("knob")
    assert constrained.loc["b", "mu_star"] == pytest.approx(8.0) and constrained["effects"].sum() < 16


def test_plausible_value_snaps_to_what_the_knob_accepts():
    study = get_study("tim.arch")
    assert plausible_value(study.knob("cols_per_pcu"), 0.4) == 2  # options 1, 2, 4 inside 1..4: 2.2 is nearest 2
    assert plausible_value(study.knob("cols_per_pcu"), 0.7) == 4  # 3.1 is nearest 4
    assert plausible_value(study.knob("conversion_pipelined"), 0.6) is True
    assert plausible_value(study.knob("acc_bits"), 0.5) == 18


def test_tim_tornado_is_fast_and_finds_the_period_levers_of_peak_throughput():
    study = get_study("tim.arch")
    started = time.perf_counter()
    frame = tornado(study, "peak_tops", {"batch": 2})
    assert time.perf_counter() - started < 2.0
    assert len(frame) <= 20
    top = frame.set_index("knob")
    assert top.loc["input_density", "swing"] == 0.0  # densities move energy, never the period
    assert top.loc["i_precharge_ua", "metric_high"] > top.loc["i_precharge_ua", "metric_low"]  # faster restore
    assert top.loc["conversion_pipelined", "metric_high"] > top.loc["conversion_pipelined", "metric_low"]
    assert "high" in top.loc["sigma_i_read_rel", "infeasible"]  # 4 % spread cannot resolve L = 16 within the swing
    again = time.perf_counter()
    tornado(study, "peak_tops", {"batch": 2})
    assert time.perf_counter() - again < 0.1


def test_the_tornado_view_draws_the_table_it_computes():
    chart, frame = get_view("tim.assumption_tornado").func(metric="tops_per_w", network="resnet18")
    assert frame["swing"].is_monotonic_decreasing
    assert chart.to_dict()["layer"][0]["mark"]["type"] == "bar"


def _steps(n: int, fast: bool) -> dict:
    return {"z": 10.0 * n + (5.0 if fast else 0.0)}


LATTICE = Study("toy.lattice", "toy", _steps, metrics=(Metric("z", "", "max", "10 n + 5 fast."),), knobs=(
    Int("n", 2, low=1, high=8, assumed=Assumed(1, 4, "why n")),
    Bool("fast", False, assumed=Assumed(False, True, "why fast")),
))


def test_morris_effects_of_lattice_knobs_are_per_step_actually_taken():
    """A switch flips by one plausible range (effect 5); n moves 1..4 (effect 10 x 3 per range)."""
    frame = morris(LATTICE, "z", trajectories=6, seed=3).set_index("knob")
    assert frame.loc["fast", "mu_star"] == pytest.approx(5.0)
    assert frame.loc["n", "mu_star"] == pytest.approx(30.0)


def test_workbench_explain_a_study_prints_its_tornado_and_morris(capsys):
    from workbench.cli import main

    assert main(["explain", "tim.arch", "--metric", "access_period_ns", "--morris", "4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== tim.arch: access period (ns)") and "Morris over the plausible ranges" in out
    assert main(["explain", "tim.arch"]) == 2
    assert "needs --metric" in capsys.readouterr().err


def test_sobol_indices_of_an_additive_model_are_its_variance_shares():
    """y = 3a - 2b with a ~ U(0.5, 2), b ~ U(1, 5): Var 9 x 1.5^2/12 and 4 x 4^2/12, so S1 = ST = 0.240 and 0.760."""
    from workbench.explain.sensitivity import sobol

    frame = sobol(TOY, "y", samples=1024, seed=2).set_index("knob")
    share_a = 9 * 1.5**2 / 12 / (9 * 1.5**2 / 12 + 4 * 4.0**2 / 12)
    assert frame.loc["a", "S1"] == pytest.approx(share_a, abs=0.03)
    assert frame.loc["b", "ST"] == pytest.approx(1 - share_a, abs=0.03)
    assert list(frame.index) == ["b", "a"]
    with pytest.raises(ValueError, match="Sobol' points are infeasible"):
        sobol(CONSTRAINED, "y", {"a": 2.0}, samples=16)
    with pytest.raises(ValueError, match=r"\['n'\] are not assumed knobs"):
        sobol(TOY, "y", knobs=["n"], samples=16)


ANALYTIC_THEMES = ("tim", "crossbar", "mram", "sparce", "pad")


@pytest.mark.parametrize("theme", ANALYTIC_THEMES)
def test_each_analytic_dashboard_has_a_tornado_view_that_renders_and_exports(theme, tmp_path, capsys):
    """Registry-looped over the views: each analytic theme has a tornado of its assumptions, shown on the theme's
    dashboard notebook, whose table is sorted by swing, whose chart draws it, and which `workbench export VIEW OUT`
    writes."""
    from workbench.cli import main
    from workbench.core.manifest import get_manifest
    from workbench.core.registry import list_views
    from workbench.testing.dashboards import views_on

    names = [n for n in list_views(theme=theme) if n.endswith("_tornado")]
    assert names, f"theme {theme} has no tornado view"
    assert set(names) <= views_on(get_manifest(theme).notebook_path), f"a tornado of {theme} is not on its dashboard"
    for name in names:
        chart, frame = get_view(name).render({})
        assert len(frame) and frame["swing"].is_monotonic_decreasing and (frame["swing"] > 0).any()
        assert chart.to_dict()["layer"][0]["mark"]["type"] == "bar"
        assert main(["export", name, str(tmp_path / name), "--format", "svg"]) == 0
        assert (tmp_path / f"{name}.svg").stat().st_size > 1000
