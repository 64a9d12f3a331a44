import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core.knobs import Bool, Choice, Float, Int, config_knobs, field_knob, knob_field, validate_config


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_validate_accepts_exactly_the_range(value):
    knob = Float("r_wire_ohm", 1.0, low=0.5, high=10.0, unit="ohm")
    if not math.isnan(value) and 0.5 <= value <= 10.0:
        assert knob.validate(value) == value
    else:
        with pytest.raises(ValueError) as error:
            knob.validate(value)
        message = str(error.value)
        assert "r_wire_ohm" in message and "0.5" in message and "10.0" in message


@given(st.integers(-50, 50))
def test_int_validate_respects_range_and_step(value):
    knob = Int("rows", 8, low=4, high=40, step=4)
    ok = 4 <= value <= 40 and value % 4 == 0
    if ok:
        assert knob.validate(value) == value
    else:
        with pytest.raises(ValueError, match="rows"):
            knob.validate(value)


def test_int_rejects_fractions_and_bools_but_parses_text():
    knob = Int("bits", 4, low=1, high=8)
    assert knob.validate("6") == 6
    assert knob.validate(6.0) == 6
    for bad in (6.5, True, "six", None):
        with pytest.raises(ValueError, match="bits"):
            knob.validate(bad)


def test_default_is_validated_at_declaration():
    with pytest.raises(ValueError, match="x"):
        Float("x", 5.0, low=0.0, high=1.0)
    with pytest.raises(ValueError, match="log"):
        Float("x", 1.0, low=0.0, high=1.0, log=True)


@given(st.integers(2, 30))
def test_log_grid_is_geometric_and_spans_the_range(n):
    knob = Float("r", 10.0, low=1.0, high=1000.0, log=True)
    grid = knob.grid(n)
    assert len(grid) == n
    assert grid[0] == pytest.approx(1.0) and grid[-1] == pytest.approx(1000.0)
    ratios = [b / a for a, b in zip(grid, grid[1:])]
    assert max(ratios) == pytest.approx(min(ratios))


@given(st.floats(0.0, 1.0))
def test_from_unit_stays_in_range_for_every_type(u):
    knobs = [
        Float("a", 1.0, low=1.0, high=3.0, step=0.5),
        Int("b", 2, low=2, high=9, step=3),
        Choice("c", "x", options=("x", "y", "z")),
        Bool("d", False),
    ]
    for knob in knobs:
        assert knob.validate(knob.from_unit(u)) == knob.from_unit(u)


def test_choice_matches_options_and_text_and_keeps_bools_apart():
    knob = Choice("bits", 4, options=(2, 4, 8))
    assert knob.validate(8) == 8
    assert knob.validate("8") == 8
    with pytest.raises(ValueError, match="one of 2, 4, 8"):
        knob.validate(3)
    flag = Choice("mode", 1, options=(1, 0))
    with pytest.raises(ValueError):
        flag.validate(True)


def test_bool_parses_common_spellings():
    knob = Bool("on")
    assert knob.validate("yes") is True and knob.validate("off") is False and knob.validate(1) is True
    with pytest.raises(ValueError, match="True or False"):
        knob.validate("maybe")


def test_title_includes_unit():
    assert Float("t_pulse_ns", 1.0, low=0, high=2, unit="ns").title == "t_pulse_ns (ns)"
    assert Int("epochs", 5, low=1, high=9, unit="epochs").title == "epochs"


def test_infinite_and_open_bounds_exclude_their_limit():
    knob = Float("g_us", 1.0, low=0.0, low_open=True, high=math.inf, unit="uS")
    assert knob.validate(1e9) == 1e9 and not knob.bounded
    for bad in (0.0, math.inf, -1.0):
        with pytest.raises(ValueError, match=r"0.0 < g_us < inf uS"):
            knob.validate(bad)
    with pytest.raises(ValueError, match="n"):
        Int("n", 1, low=1, high=math.inf).validate(math.inf)


@dataclass(frozen=True)
class _Wire:
    rows: int = knob_field(64, low=1, high=1024, help="Rows per tile.")
    r_ohm: float = knob_field(0.0, low=0.0, high=math.inf, unit="ohm", help="Resistance of one wire segment.")
    model: str = knob_field("exact", options=("exact", "ideal"), help="How the wires are solved.")

    def __post_init__(self) -> None:
        validate_config(self)


def test_validate_config_names_class_field_value_and_range_and_coerces():
    assert _Wire(rows=8.0, r_ohm=2).rows == 8 and isinstance(_Wire(r_ohm=2).r_ohm, float)
    with pytest.raises(ValueError, match=r"_Wire.r_ohm=-1.0 is not allowed; allowed: 0.0 <= r_ohm < inf ohm"):
        _Wire(r_ohm=-1.0)
    with pytest.raises(ValueError, match=r"_Wire.model='spice'.*one of 'exact', 'ideal'"):
        _Wire(model="spice")


def test_config_knobs_take_unit_and_help_from_the_field_and_only_narrow():
    size, r_ohm, model = config_knobs(_Wire, ("size", "r_ohm", "model"), size=dict(field="rows", options=(16, 32),
                                      default=32), r_ohm=dict(high=10.0, default=1.0))
    assert isinstance(size, Choice) and size.options == (16, 32) and size.help == "Rows per tile."
    assert (r_ohm.unit, r_ohm.low, r_ohm.high, r_ohm.default) == ("ohm", 0.0, 10.0, 1.0)
    assert model == field_knob(_Wire, "model") and model.source.endswith("_Wire.model")
    with pytest.raises(ValueError, match="unbounded"):
        config_knobs(_Wire, ("r_ohm",))
    with pytest.raises(ValueError, match="outside"):
        config_knobs(_Wire, ("rows",), rows=dict(high=2048))
    with pytest.raises(ValueError, match="cannot be changed"):
        config_knobs(_Wire, ("r_ohm",), r_ohm=dict(high=10.0, help="other words"))
    with pytest.raises(ValueError, match="no knob field"):
        config_knobs(_Wire, ("cols",))


def test_decimal_step_is_enforced_up_to_float_rounding():
    knob = Float("target_ratio", 0.5, low=0.0, high=0.9, step=0.05)
    assert knob.validate("0.15") == 0.15 and knob.validate(0.1 + 0.05) == 0.1 + 0.05
    with pytest.raises(ValueError, match=r"'target_ratio': value 0.07 is not allowed.*step 0.05"):
        knob.validate(0.07)
    assert knob.snap(0.07) == pytest.approx(0.05) and knob.snap(2.0) == pytest.approx(0.9)


@pytest.mark.parametrize("text", ["inf", "-inf", "1e400", "nan", "abc", ""])
def test_non_finite_and_non_numeric_text_names_the_kind_of_number(text):
    with pytest.raises(ValueError, match=rf"knob 'tiles' expects a whole number, got '{text}'; allowed: 1 <= tiles"):
        Int("tiles", 32, low=1, high=256).parse(text)
    with pytest.raises(ValueError, match=rf"knob 'density' expects a finite number, got '{text}'"):
        Float("density", 0.5, low=0.05, high=1.0).parse(text)


def test_int_snap_stays_on_the_step_grid():
    knob = Int("size", 32, low=4, high=64, step=4)
    assert [knob.snap(v) for v in (0.0, 5.9, 6.1, 63.0, 99.0)] == [4, 4, 8, 64, 64]


# -- provenance (issue 29) -------------------------------------------------------------------------------------------
def test_an_assumed_field_carries_its_plausible_range_into_the_study_knob():
    from workbench.core.knobs import Assumed

    @dataclass(frozen=True)
    class Cell:
        i_ua: float = knob_field(20.0, low=0.0, high=math.inf, unit="uA", help="Read current.",
                                 assumed=Assumed(10.0, 40.0, "half to twice the estimate"))
        r_ohm: float = knob_field(5.0, low=0.0, high=math.inf, unit="ohm", help="Wire.", citation="Paper, Table I")

    i_ua, r_ohm = config_knobs(Cell, i_ua=dict(high=80.0), r_ohm=dict(high=10.0))
    assert (i_ua.assumed.low, i_ua.assumed.high, i_ua.citation) == (10.0, 40.0, "")
    assert r_ohm.assumed is None and r_ohm.citation == "Paper, Table I"


@pytest.mark.parametrize("assumed, says", [
    ((10.0, 40.0, " "), "needs a reason"),
    ((30.0, 40.0, "why"), "default 20.0 lies outside its plausible range"),
    ((-1.0, 40.0, "why"), "plausible end -1.0 is not allowed"),
])
def test_a_bad_plausible_range_fails_where_it_is_declared(assumed, says):
    from workbench.core.knobs import Assumed

    with pytest.raises(ValueError, match=says):
        knob_field(20.0, low=0.0, high=100.0, help="Read current.", assumed=Assumed(*assumed))


def test_a_value_is_cited_or_assumed_not_both():
    from workbench.core.knobs import Assumed

    with pytest.raises(ValueError, match="cited or assumed, not both"):
        knob_field(20.0, low=0.0, high=100.0, help="x", citation="Paper", assumed=Assumed(10.0, 30.0, "why"))


def test_a_study_narrowing_a_range_below_the_plausible_one_fails_at_derivation():
    from workbench.core.knobs import Assumed

    @dataclass(frozen=True)
    class Cell:
        i_ua: float = knob_field(20.0, low=0.0, high=math.inf, help="x", assumed=Assumed(10.0, 40.0, "why"))

    with pytest.raises(ValueError, match="plausible end 40.0 is not allowed"):
        config_knobs(Cell, i_ua=dict(high=30.0))


def test_preset_provenance_cites_a_publication_and_refuses_an_assumption_without_a_range():
    from workbench.core.knobs import Assumed, preset_provenance

    assert preset_provenance("x", "Natarajan et al., IEDM 2008", None) == {"citation": "Natarajan et al., IEDM 2008"}
    assert preset_provenance("x", "assumption: a guess", {"low": 1, "high": 3, "reason": "r"}) == {
        "assumed": Assumed(1, 3, "r")}
    with pytest.raises(ValueError, match="without a plausible range"):
        preset_provenance("x", "[R] assumption: a guess", None)
    with pytest.raises(ValueError, match=r"missing \['reason'\]"):
        preset_provenance("x", "assumption: a guess", {"low": 1, "high": 3})
