import contextlib
import math
from dataclasses import dataclass, field

import pytest
from sample_studies import LENS

from workbench.core import Choice, Float, Int, Metric, Study
from workbench.core.knobs import config_knobs, knob_field, validate_config


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


def _ratio_metric(a):
    return {"m": a / a if a else math.nan, "r": 1 / a if a else math.inf}


@pytest.mark.parametrize("metrics,a,says", [
    ((Metric("m"), Metric("r")), 0.0, r"metric 'm' is nan; allowed: a finite number \(NaN only for a metric that "
                                      r"declares when it does not apply\)"),
    ((Metric("m", not_applicable="a = 0"), Metric("r", not_applicable="a = 0")), 0.0,
     r"metric 'r' is inf; allowed: a finite number$"),
], ids=["undeclared-nan", "declared-but-inf"])
def test_a_non_finite_metric_fails_the_point_unless_it_declares_when_it_does_not_apply(metrics, a, says):
    study = Study("t.f", "t", _ratio_metric, (Float("a", 1.0, low=0, high=2),), metrics)
    assert study.evaluate(a=2.0) == {"m": 1.0, "r": 0.5}
    with pytest.raises(RuntimeError, match=rf"^study 't.f': {says}"):
        study.evaluate(a=a)


def test_a_declared_nan_is_a_value():
    declared = (Metric("m", not_applicable="a = 0"), Metric("r"))
    result = Study("t.g", "t", lambda a: {"m": math.nan, "r": 1.0}, (Float("a", 0.0, low=0, high=2),),
                   declared).evaluate()
    assert math.isnan(result["m"]) and result["r"] == 1.0


def test_every_metric_that_may_be_nan_says_when():
    """A study that reports NaN declares it on the metric (:attr:`Metric.not_applicable`), with a reason."""
    from workbench.core.registry import get_study, list_studies

    declared = {(name, m.name): m.not_applicable for name in list_studies() for m in get_study(name).metrics
                if m.not_applicable}
    assert ("mram.device", "write_time_ns") in declared and ("crossbar.inference", "area_mm2") in declared
    assert all(len(reason.split()) >= 3 for reason in declared.values()), declared


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


# -- a study over a configuration dataclass -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Tile:
    rows: int = knob_field(64, low=1, high=math.inf, help="Rows.")
    cols: int = knob_field(64, low=1, high=math.inf, help="Columns.")

    def __post_init__(self):
        validate_config(self)


@dataclass(frozen=True)
class _Chip:
    tile: _Tile = field(default_factory=_Tile)
    active: int = knob_field(8, low=1, high=math.inf, help="Rows active per access.")
    seed: int = 0

    def __post_init__(self):
        validate_config(self)
        if self.active > self.tile.rows:
            raise ValueError(f"active={self.active} exceeds rows={self.tile.rows}")


BUILT = []


def _chip_study(config: _Chip, batch: int) -> dict:
    BUILT.append(config)
    return {"macs": config.active * config.tile.cols * batch}


CHIP = Study("demo.chip", "demo", _chip_study, config=_Chip(seed=7), metrics=(Metric("macs", "", "max"),), knobs=(
    *config_knobs(_Tile, ("size",), size=dict(field=("rows", "cols"), high=256)),
    *config_knobs(_Chip, ("active",), active=dict(high=64)),
    Int("batch", 1, low=1, high=8),
))


def test_a_config_study_passes_the_built_config_and_the_other_knobs():
    """Knobs of a nested section set its fields (one knob may set several), the others reach the function as
    keywords; fields without a knob keep the given instance's values."""
    BUILT.clear()
    assert CHIP.evaluate(size=32, active=4, batch=2)["macs"] == 4 * 32 * 2
    assert BUILT == [_Chip(tile=_Tile(rows=32, cols=32), active=4, seed=7)]
    assert CHIP.arguments(CHIP.validate())["config"] == _Chip(seed=7)


def test_the_config_validation_is_the_joint_constraint_and_runs_once_per_validation(monkeypatch):
    with pytest.raises(ValueError, match="active=9 exceeds rows=8"):
        CHIP.validate(size=8, active=9)
    calls = []
    check = _Chip.__post_init__
    monkeypatch.setattr(_Chip, "__post_init__", lambda self: (calls.append(self), check(self)))
    CHIP.validate(size=16)
    assert len(calls) == 1


def test_a_config_study_function_must_take_config_and_the_other_knobs():
    with pytest.raises(ValueError, match=r"knobs without a parameter \['config'\]"):
        Study("demo.bad", "demo", _missing_metric, config=_Chip, metrics=(Metric("m"),),
              knobs=(*config_knobs(_Chip, ("active",), active=dict(high=8)), Float("a", 1.0)))


def test_a_knob_setting_several_fields_must_suit_each():
    @dataclass(frozen=True)
    class Odd:
        a: int = knob_field(4, low=1, high=8, help="A.")
        b: int = knob_field(4, low=1, high=4, help="B.")

    with pytest.raises(ValueError, match="Odd.b as knob 'ab': 8 is outside"):
        config_knobs(Odd, ("ab",), ab=dict(field=("a", "b")))


def test_a_knob_of_a_section_class_nested_twice_is_refused():
    @dataclass(frozen=True)
    class Twin:
        left: _Tile = field(default_factory=_Tile)
        right: _Tile = field(default_factory=_Tile)

    def twin(config: Twin) -> dict:
        return {"m": 1.0}

    with pytest.raises(ValueError, match=r"holds _Tile at \['left', 'right'\]"):
        Study("demo.twin", "demo", twin, config=Twin, metrics=(Metric("m"),),
              knobs=config_knobs(_Tile, ("rows",), rows=dict(high=128)))


def _gain(mode: str, a: float, b: float) -> dict:
    return {"y": a if mode == "a" else b}


def test_a_knob_the_point_does_not_use_takes_its_default_and_shares_the_key():
    from workbench.core.store import point_key

    study = Study("demo.used", "demo", _gain, metrics=(Metric("y"),),
                  knobs=(Choice("mode", "a", options=("a", "b")), Float("a", 1.0, high=9.0), Float("b", 2.0, high=9.0)),
                  used_knobs=lambda p: {"mode", p["mode"]})
    assert study.validate(mode="a", a=3.0, b=7.0) == {"mode": "a", "a": 3.0, "b": 2.0}
    assert point_key(study, {"mode": "a", "a": 3.0, "b": 7.0}) == point_key(study, {"mode": "a", "a": 3.0})
    assert point_key(study, {"mode": "b", "b": 7.0}) != point_key(study, {"mode": "b", "b": 8.0})
    assert study.evaluate(mode="b", a=5.0, b=7.0) == {"y": 7.0}


def test_a_metric_limit_names_the_side_past_it_and_needs_its_meaning():
    with pytest.raises(ValueError, match="limit needs better"):
        Metric("m", limit=1.0, limit_help="too much")
    with pytest.raises(ValueError, match="limit_help"):
        Metric("m", better="min", limit=1.0)
    upper = Metric("ratio", better="min", limit=1.0, limit_help="too much current", label="current ratio")
    lower = Metric("margin_mv", unit="mV", better="max", limit=5.0, limit_help="the sense amplifier cannot resolve it")
    assert upper.beyond_limit(0.99) is None and upper.beyond_limit(1.0) is None
    assert upper.beyond_limit(2.5) == "current ratio = 2.5, above its limit 1: too much current"
    assert lower.beyond_limit(6.0) is None and "below its limit 5 mV" in lower.beyond_limit(4.0)
    assert upper.beyond_limit(math.nan) is None and upper.beyond_limit(None) is None
    study = Study("t.limit", "t", _missing_metric, (Float("a", 1.0, low=0, high=2),), (upper, lower, Metric("m")))
    assert study.limit_warnings(None) == []
    assert study.limit_warnings({"ratio": 3.0, "margin_mv": 1.0, "m": 9.0}) == [
        upper.beyond_limit(3.0), lower.beyond_limit(1.0)]
    assert study.limit_warnings({"ratio": 0.5, "margin_mv": 10.0}) == []


def _staged(gain: float, stages: dict) -> dict:
    return {"y": gain * stages["demo.one.x"] + stages["demo.two.x"]}


def test_stage_knobs_reach_the_function_as_one_mapping_by_their_composed_names():
    knobs = (Float("gain", 2.0, high=9.0), Float("demo.one.x", 1.0, high=9.0), Float("demo.two.x", 0.5, high=9.0))
    study = Study("demo.staged", "demo", _staged, metrics=(Metric("y"),), knobs=knobs,
                  stage_knobs=("demo.one.x", "demo.two.x"))
    assert study.evaluate({"demo.one.x": 3.0}) == {"y": 2.0 * 3.0 + 0.5}
    with pytest.raises(ValueError, match="not among its knobs"):
        Study("demo.staged", "demo", _staged, metrics=(Metric("y"),), knobs=knobs, stage_knobs=("demo.three.x",))
    with pytest.raises(ValueError, match="do not match its knobs"):  # a stage knob is not a parameter of its own
        Study("demo.staged", "demo", _staged, metrics=(Metric("y"),), knobs=knobs, stage_knobs=("demo.one.x",))
    with pytest.raises(ValueError, match="identifiers joined by '.'"):
        Float("demo..x", 1.0, high=9.0)
