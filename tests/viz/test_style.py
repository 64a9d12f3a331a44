"""Tests for workbench.viz.style: sizes, fonts, switching and restoring like Altair's PluginRegistry."""

import altair as alt
import pandas as pd
import pytest

from workbench.viz import style


def _config():
    return alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q").to_dict()["config"]


def test_paper_style_sizes_the_whole_figure_to_the_column_width():
    for columns, inches in ((1, 3.5), (2, 7.16), (None, 5.0)):
        config = style.paper_style(columns or 1, width_in=None if columns else inches)["config"]
        assert config["view"]["continuousWidth"] == inches * 72
        assert config["view"]["continuousHeight"] == round(0.55 * inches * 72)
        assert config["autosize"] == {"type": "fit-x", "contains": "padding"}  # axes, legend and padding included
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
        assert config["view"]["continuousWidth"] == 7.16 * 72
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


def test_pipeline_labels_come_from_the_declared_map_not_truncation():
    assert style.short_label("pruning.train>tim.ternarize>tim.tiles") == "prune > ternary > TiM"
    assert style.short_label("crossbar.arrays") == "crossbar"
    assert style.short_label("multi") == "multi"  # not a pipeline: as typed
    expr = style.label_expr(["pruning.train>tim.tiles", "tim.ternarize>tim.tiles"])
    assert '"prune > TiM"' in expr and '"ternary > TiM"' in expr
    assert style.label_expr(["single", "multi"]) is None


def test_a_categorys_colour_is_its_place_in_the_sorted_declared_domain():
    """Issue 28 Deliver 4: the crossbar layer-cost chart's "adc" changed colour between gallery runs, as colours went
    to categories in the order charts and rows arrived; a colour is now a function of the declared set alone."""
    domain = ["dac", "adc", "array", "buffers"]
    palette = style.PALETTE + style.EXTRA_COLOURS
    expected = {name: palette[i] for i, name in enumerate(sorted(domain))}
    style.category_colours(["zzz", "adc", "yyy"])  # a chart drawn earlier in the process changes nothing
    for categories in (domain, domain[::-1], ["buffers", "adc"]):  # rows in another order, categories missing
        assert style.category_colours(categories, domain) == {c: expected[c] for c in categories}
    assert style.category_colours(domain[::-1]) == expected  # undeclared: the categories are their own domain
    numbers = style.category_colours(["16", "2", "8"])
    assert list(numbers.values()) == [palette[2], palette[0], palette[1]]  # 2 < 8 < 16, not as text ("16" < "2")
    assert style.category_colours(["other", "adc"], domain)["other"] == palette[len(domain)]  # after the domain
    many = style.category_colours([f"cat-{i}" for i in range(20)])  # more than the 8 Okabe-Ito colours
    assert len(set(many.values())) == 20
    scale = style.category_scale(["dac", "adc"], domain).to_dict()
    assert scale == {"domain": ["dac", "adc"], "range": [expected["dac"], expected["adc"]]}


@pytest.mark.parametrize("values, log", [([0.5, 3.0, 2800.0], True), ([1.0, 10.0], False), ([4e-4, 0.18], True),
                                         ([0.0, 5000.0], False), ([-1.0, 100.0], False), ([2.0, 60.0], False)])
def test_log_scale_is_chosen_above_one_and_a_half_decades(values, log):
    assert style.wants_log(values) is log


def test_numeric_categories_read_numerically_and_declared_order_wins():
    assert style.category_order(["1", "16", "2", "32", "4"]) == ["1", "2", "4", "16", "32"]
    assert style.category_order(["b", "a", "b"]) == ["b", "a"]
    assert style.category_order(["multi", "single"], declared=("single", "multi", "none")) == ["single", "multi"]


def test_a_line_breaks_at_a_categorical_gap_only():
    assert style.line_segments([0, 4, 5, 6, 7, 8, 9]).tolist() == [0, 1, 1, 1, 1, 1, 1]  # "0 bit (ideal)" apart
    assert style.line_segments([9, 0, 4, 5, 6, 7, 8, 4]).tolist() == [1, 0, 1, 1, 1, 1, 1, 1]  # per point, in any order
    assert style.line_segments([1, 2, 4, 8, 16, 32]).tolist() == [0] * 6  # a geometric grid is one line
    assert style.line_segments([0.0, 0.05, 0.1, 0.15]).tolist() == [0] * 4
