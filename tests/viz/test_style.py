"""Tests for workbench.viz.style: sizes, fonts, switching and restoring like Altair's PluginRegistry."""

import altair as alt
import pandas as pd
import pytest

from workbench.viz import style


def _config():
    return alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q").to_dict()["config"]


def test_paper_style_sizes_the_whole_figure_to_the_column_width():
    for columns, inches in ((1, 3.5), (2, 7.0)):
        config = style.paper_style(columns)["config"]
        assert config["view"]["continuousWidth"] == inches * 72
        assert config["view"]["continuousHeight"] == round(0.75 * inches * 72)
        assert config["autosize"] == {"type": "fit", "contains": "padding"}  # axes, legend and padding included
    one, two = style.paper_style(1)["config"], style.paper_style(2)["config"]
    assert one["font"] == "Source Serif Pro"  # the shipped font, no fallback list
    assert (style.FONT_DIR / "SourceSerifPro-Regular.ttf").is_file() and (style.FONT_DIR / "LICENSE.txt").is_file()
    assert 6 <= one["axis"]["labelFontSize"] <= two["axis"]["labelFontSize"] <= 10  # print sizes (pt)
    assert one["legend"]["orient"] == "bottom"  # legends must not widen the figure beyond the column
    with pytest.raises(ValueError, match="columns=3"):
        style.paper_style(3)


def test_enable_switches_and_restores_as_context_manager():
    before = style.active()
    with style.enable("paper", columns=2):
        assert style.active() == "paper"
        config = _config()
        assert config["font"] == style.SERIF
        assert config["view"]["continuousWidth"] == 7 * 72
        with style.enable("screen"):
            assert _config()["font"] == style.SANS
        assert style.active() == "paper"
    assert style.active() == before


def test_unknown_style_and_bad_option_raise_before_switching():
    before = style.active()
    with pytest.raises(ValueError, match="unknown figure style 'poster'"):
        style.enable("poster")
    with pytest.raises(ValueError, match="columns=5"):
        style.enable("paper", columns=5)
    assert style.active() == before
    assert style.names() == ["paper", "screen"]
