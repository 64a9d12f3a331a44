"""Break-even against a model with a closed-form inverse, and on TiM's claim rows."""

import functools
import math

import pytest

from workbench.cli import main
from workbench.core import Bool, Float, Metric, Study
from workbench.core.knobs import Assumed, Int
from workbench.core.manifest import list_manifests, resolve
from workbench.core.registry import get_study
from workbench.explain.breakeven import ClaimQuantity, break_even, explain_claim, theme_quantities
from workbench.tim.reproduce import explained


def _power(a: float, b: float, n: int, fast: bool) -> dict:
    return {"y": a * a * b, "z": 10.0 * n + (5.0 if fast else 0.0)}


TOY = Study("toy.power", "toy", _power, metrics=(Metric("y", "", "max", "a^2 b."), Metric("z", "", "max", "10 n.")),
            knobs=(Float("a", 2.0, low=0.1, high=10.0, log=True, assumed=Assumed(1.0, 4.0, "why a")),
                   Float("b", 1.5, low=0.5, high=3.0, citation="a paper"),
                   Int("n", 2, low=1, high=8, assumed=Assumed(1, 4, "why n")),
                   Bool("fast", False, assumed=Assumed(False, True, "why fast"))))


@pytest.mark.parametrize("target, inside", [(6.0, True), (24.0, True), (100.0, False), (0.05, False)])
def test_break_even_matches_the_closed_form_inverse(target, inside):
    """y = a^2 b, so y reaches t at a = sqrt(t / b)."""
    found = break_even(TOY, "y", target, "a")
    assert found.value == pytest.approx(math.sqrt(target / 1.5), rel=1e-9)
    assert found.inside is inside
    assert found.distance == pytest.approx(abs(found.value - 2.0) / 3.0)
    at_base = break_even(TOY, "y", target, "a", {"b": 3.0})
    assert at_base.value == pytest.approx(math.sqrt(target / 3.0), rel=1e-9)


def test_a_target_no_value_reaches_is_out_of_reach():
    found = break_even(TOY, "y", 1000.0, "a")  # a <= 10 gives y <= 150
    assert found.value is None and found.inside is None and "out of reach" in found.note


def test_a_lattice_knob_reports_the_first_value_past_the_target():
    assert break_even(TOY, "z", 35.0, "n").value == 4  # 10 n crosses 35 between 3 and 4, seen from n = 2
    assert break_even(TOY, "z", 12.0, "n").value == 1  # below the default: the first value under the target
    assert break_even(TOY, "z", 24.0, "fast").value is True and break_even(TOY, "z", 24.0, "fast").inside


def test_only_an_assumed_knob_has_a_break_even():
    with pytest.raises(ValueError, match="'b' of study 'toy.power' is not assumed"):
        break_even(TOY, "y", 6.0, "b")


def test_a_claim_quantity_targets_the_nearer_end_or_nothing_when_it_lands():
    ranged = ClaimQuantity("M2", "q", "tim.arch", "speedup_vs_near_memory", 3.2, 4.2)
    assert (ranged.target(5.0), ranged.target(1.0), ranged.target(4.0)) == (4.2, 3.2, None)
    single = ClaimQuantity("M1", "q", "tim.arch", "peak_tops", 100.0, 100.0, rel_tol=0.15)
    assert (single.target(110.0), single.target(120.0)) == (None, 100.0)


@functools.cache
def _quick_rows(theme: str) -> tuple:
    """The rows of ``theme``'s quick reproduction, computed once for the tests below."""
    return tuple(resolve(next(m for m in list_manifests() if m.theme == theme).reproduce)(quick=True))


@pytest.mark.parametrize("manifest", [m for m in list_manifests() if theme_quantities(m.theme)],
                         ids=lambda m: m.theme)
def test_every_linked_row_is_its_quantity_computed_from_the_study(manifest):
    """Registry-looped: each row a theme links (a metric at a point, against a reference, over designs) equals the
    row its reproduce computes; a row the model cannot compute (an unwritable memory: -inf or 0 in the report) is
    NaN."""
    rows = {(r.claim, r.quantity): r for r in _quick_rows(manifest.theme)}
    for q in theme_quantities(manifest.theme):
        row = rows[(q.claim, q.quantity)]
        value = q.values([{}])[0]
        if math.isfinite(row.workbench) and row.workbench != 0:
            assert value == pytest.approx(row.workbench, rel=1e-9), q.quantity
        else:
            assert math.isnan(value), q.quantity


def test_the_analytic_themes_link_every_row_outside_tolerance():
    """Issue 29's done-when: every row outside tolerance or unresolved of TiM, MRAM, SparCE's trace and PaD's FLOPs
    is linked to a quantity ``workbench explain`` can move (crossbar cost's X3 sanity rows pass at ISAAC's tile
    boundary, their components compared in ``components.md``)."""
    for theme, claims in (("tim", {"M1", "M2"}), ("mram", {"S2", "V1", "V2"}), ("sparce", {"C1"}), ("pad", {"K1"})):
        linked = {(q.claim, q.quantity) for q in theme_quantities(theme)}
        missed = [(r.claim, r.quantity) for r in _quick_rows(theme)
                  if r.claim in claims and r.verdict in ("NO", "unresolved") and not r.measured]
        assert missed and set(missed) <= linked, sorted(set(missed) - linked)


def test_tim_peak_throughput_break_even_reaches_the_paper_value():
    """At the break-even precharge current the model gives the paper's 114 TOPS; a slower restore lowers it."""
    q = next(q for q in explained() if q.metric == "peak_tops")
    study = get_study("tim.arch")
    found = break_even(study, "peak_tops", q.low, "i_precharge_ua")
    assert found.value < study.knob("i_precharge_ua").default
    assert study.evaluate(i_precharge_ua=found.value)["peak_tops"] == pytest.approx(q.low, rel=1e-6)
    assert found.inside is (55.0 <= found.value <= 220.0)


def test_explain_claim_marks_landed_rows_and_ranks_the_knobs():
    frame = explain_claim("M1", top=2)
    assert (frame.loc[frame["quantity"] == "TOPS/mm2", "verdict"] == "within").all()
    missed = frame[frame["quantity"] == "peak throughput (TOPS)"]
    assert len(missed) == 2 and set(missed["verdict"]) <= {"landable", "implausible", "out of reach"}


def test_workbench_explain_prints_a_claim_and_refuses_an_unknown_one(capsys):
    assert main(["explain", "M1", "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== claim M1") and "peak throughput (TOPS): paper 114" in out
    assert main(["explain", "Z9"]) == 2
    assert "no theme declares claim 'Z9'" in capsys.readouterr().err


def test_a_reduction_against_a_reference_moves_both_designs():
    """With a reference, the quantity is 1 - y(point) / y(reference): a = 2 vs b = 3 at the reference gives
    1 - a^2 1.5 / (a^2 3) = 0.5 whatever a, so no a reaches 0.6; along b (cited, so not swept) nothing changes."""
    found = break_even(TOY, "y", 0.6, "a", {"b": 1.5}, reference={"b": 3.0})
    assert found.value is None and "1 - y / reference spans 0.5 to 0.5" in found.note
    # z = 10 n + 5 fast: at n, fast vs n, slow the reduction is 1 - (10 n + 5) / (10 n); it reaches -0.25 at n = 2
    assert break_even(TOY, "z", -0.25, "n", {"fast": True}, reference={"fast": False}).value == 2


def test_the_vsh_write_energy_break_even_along_the_hole_mobility_is_out_of_reach():
    """theta_VH = sigma_VH / sigma_xx stays below (e^2 / h) R_sheet over the plausible mobilities: the VSH cell as
    long as its channel is wide does not switch at the iso write voltage, and the break-even says so."""
    from workbench.mram.reproduce import explained as mram_explained

    q = next(q for q in mram_explained() if q.quantity == "write energy reduction, VSH vs GSH")
    study = get_study("mram.array")
    found = break_even(study, q.metric, q.low, "vsh_hole_mobility_cm2_per_vs", q.point, q.reference)
    assert found.value is None and "out of reach" in found.note
