import contextlib

import pytest
from sample_studies import LENS

from workbench.core import Float, Metric, Study


def test_validate_fills_defaults_and_coerces():
    full = LENS.validate(aperture_mm="20")
    assert full["aperture_mm"] == 20.0 and full["focal_mm"] == 50.0 and full["coating"] == "single"


def test_unknown_knob_and_joint_constraint_are_named():
    with pytest.raises(ValueError, match="unknown knob.*zoom"):
        LENS.validate(zoom=2)
    with pytest.raises(ValueError, match="aperture_mm.*focal_mm"):
        LENS.validate(aperture_mm=60.0, focal_mm=20.0)


def test_evaluate_matches_closed_form():
    result = LENS.evaluate(aperture_mm=25.0, focal_mm=50.0, coating="multi")
    assert result["brightness"] == pytest.approx(0.25 * 1.1)
    assert result["f_number"] == pytest.approx(2.0)


def _missing_metric(a):
    return {"other": a}


def _text_metric(a):
    return {"m": "high"}


def test_evaluate_checks_every_metric_is_a_number():
    knobs = (Float("a", 1.0, low=0, high=2),)
    with pytest.raises(RuntimeError, match="no value for metric"):
        Study("t.a", "t", _missing_metric, knobs, (Metric("m"),)).evaluate()
    with pytest.raises(RuntimeError, match="must be a number"):
        Study("t.b", "t", _text_metric, knobs, (Metric("m"),)).evaluate()


def test_declaration_errors():
    knobs = (Float("a", 1.0, low=0, high=2),)
    with pytest.raises(ValueError, match="duplicated knob"):
        Study("t.c", "t", _missing_metric, knobs * 2, (Metric("m"),))
    with pytest.raises(ValueError, match="both knob and metric"):
        Study("t.d", "t", _missing_metric, knobs, (Metric("a"),))
    with pytest.raises(ValueError, match="cost"):
        Study("t.e", "t", _missing_metric, knobs, (Metric("m"),), cost="slow")
    with pytest.raises(ValueError, match="better"):
        Metric("m", better="up")


def test_every_evaluation_runs_inside_the_study_context():
    entered = []

    @contextlib.contextmanager
    def context():
        entered.append("in")
        yield
        entered.append("out")

    def model(a):
        assert entered == ["in"]
        return {"m": a}

    study = Study("t.f", "t", model, (Float("a", 1.0, low=0, high=2),), (Metric("m"),), context=context)
    assert study.evaluate(a=2.0)["m"] == 2.0 and entered == ["in", "out"]
