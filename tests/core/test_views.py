import pandas as pd
import pytest
from sample_studies import LENS, LENS_CURVE

from workbench.core import Float, View, get_view, list_views, register_view


def test_view_is_registered_and_listed_by_theme():
    assert get_view("sample.lens_curve") is LENS_CURVE
    assert list_views(theme="sample") == ["sample.lens_curve"]
    with pytest.raises(KeyError, match="no view named 'nope'"):
        get_view("nope")
    with pytest.raises(ValueError, match="already registered"):
        register_view(View("sample.lens_curve", "other", LENS_CURVE.func, "x", LENS_CURVE.knobs, LENS_CURVE.studies))


def test_view_reads_the_stored_frames_of_its_studies(store):
    _, empty = LENS_CURVE.render(store=store)
    assert list(empty["source"]) == ["model"] * 3
    store.put(LENS, LENS.validate({"aperture_mm": 20.0}), LENS.evaluate(aperture_mm=20.0))
    _, frame = LENS_CURVE.render({"focal_mm": 40.0}, store=store)
    stored = frame[frame["source"] == "stored"]
    assert stored["aperture_mm"].tolist() == [20.0]
    model = frame[frame["source"] == "model"].set_index("aperture_mm")["weight_g"]
    assert model[10.0] == pytest.approx(LENS.evaluate(aperture_mm=10.0, focal_mm=40.0)["weight_g"])


def test_view_knobs_are_validated_and_signature_checked():
    with pytest.raises(ValueError, match="focal_mm"):
        LENS_CURVE.validate({"focal_mm": 1000.0})
    with pytest.raises(ValueError, match="unknown knob"):
        LENS_CURVE.validate({"colour": "red"})

    def draw(size):
        return None, pd.DataFrame()

    with pytest.raises(ValueError, match=r"without a parameter \['width'\], parameters without a knob \['size'\]"):
        View("x.bad", "x", draw, "bad", knobs=(Float("width", 1.0, low=0.0, high=2.0),))
    with pytest.raises(ValueError, match=r"knobs without a parameter \['frames'\]"):
        View("x.bad2", "x", draw, "bad", knobs=(Float("size", 1.0, low=0.0, high=2.0),), studies=("sample.lens",))
