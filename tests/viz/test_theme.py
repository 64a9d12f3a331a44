"""Tests for workbench.viz.theme: sizes, fonts, switching and restoring like Altair's PluginRegistry."""

import altair as alt
import pandas as pd
import pytest

from workbench.viz import theme


def _config():
    return alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q").to_dict()["config"]


def test_paper_theme_sizes_the_whole_figure_to_the_column_width():
    for columns, inches in ((1, 3.5), (2, 7.0)):
        config = theme.paper_theme(columns)["config"]
        assert config["view"]["continuousWidth"] == inches * 72
        assert config["view"]["continuousHeight"] == round(0.75 * inches * 72)
        assert config["autosize"] == {"type": "fit", "contains": "padding"}  # axes, legend and padding included
    one, two = theme.paper_theme(1)["config"], theme.paper_theme(2)["config"]
    assert one["font"] == "Source Serif Pro"  # the shipped font, no fallback list
    assert (theme.FONT_DIR / "SourceSerifPro-Regular.ttf").is_file() and (theme.FONT_DIR / "LICENSE.txt").is_file()
    assert 6 <= one["axis"]["labelFontSize"] <= two["axis"]["labelFontSize"] <= 10  # print sizes (pt)
    assert one["legend"]["orient"] == "bottom"  # legends must not widen the figure beyond the column
    with pytest.raises(ValueError, match="columns=3"):
        theme.paper_theme(3)


def test_enable_switches_and_restores_as_context_manager():
    before = theme.active()
    with theme.enable("paper", columns=2):
        assert theme.active() == "paper"
        config = _config()
        assert config["font"] == theme.SERIF
        assert config["view"]["continuousWidth"] == 7 * 72
        with theme.enable("screen"):
            assert _config()["font"] == theme.SANS
        assert theme.active() == "paper"
    assert theme.active() == before


def test_unknown_theme_and_bad_option_raise_before_switching():
    before = theme.active()
    with pytest.raises(ValueError, match="unknown theme 'poster'"):
        theme.enable("poster")
    with pytest.raises(ValueError, match="columns=5"):
        theme.enable("paper", columns=5)
    assert theme.active() == before
    assert theme.names() == ["paper", "screen"]
