"""Tests for workbench.viz.charts: encodings, layers, Pareto points and the large-frame path."""

import itertools

import numpy as np
import pandas as pd
import pytest
from sample_studies import LENS

from workbench.core.integrity import DamagedFile
from workbench.core.pareto import pareto_mask
from workbench.viz import style
from workbench.viz.charts import PICK, ROW, density_frame, load_reference, sweep_heatmap, tradeoff


@pytest.fixture(scope="module")
def lens_frame():
    rows = []
    for aperture, focal, coating in itertools.product([2.0, 5.0, 10.0, 20.0], [25.0, 50.0, 100.0], ["single", "multi"]):
        params = LENS.validate(aperture_mm=aperture, focal_mm=focal, coating=coating)
        rows.append({**params, **LENS.evaluate(params)})
    return pd.DataFrame(rows)


def _datasets(spec):
    return spec.get("datasets", {})


def _layer_data(spec, layer):
    data = layer.get("data") or spec["data"]
    return pd.DataFrame(data["values"] if "values" in data else _datasets(spec)[data["name"]])


def _flat_layers(spec):
    for layer in spec["layer"]:
        if "layer" in layer:
            for inner in layer["layer"]:
                yield {**inner, "data": inner.get("data", layer.get("data"))}
        else:
            yield layer


def test_tradeoff_encodings_titles_and_tooltips(lens_frame):
    spec = tradeoff(lens_frame, LENS, "weight_g", "brightness", color="coating", shape="stabilised").to_dict()
    points = next(layer for layer in _flat_layers(spec) if "shape" in layer["encoding"])
    enc = points["encoding"]
    assert enc["x"]["field"] == "weight_g" and enc["x"]["title"] == "weight_g (g)"
    assert enc["y"]["field"] == "brightness" and enc["y"]["type"] == "quantitative"
    assert {k: enc["color"][k] for k in ("field", "type", "title")} == {"field": "coating", "type": "nominal",
                                                                         "title": "coating"}
    assert enc["color"]["scale"]["domain"] == ["single", "multi"]  # the knob's declared order
    assert enc["shape"]["field"] == "stabilised"
    tooltip_fields = [t["field"] for t in enc["tooltip"]]
    varying = [k for k in LENS.knob_names if lens_frame[k].nunique() > 1]
    assert 0 < len(varying) and tooltip_fields == varying + LENS.metric_names  # a knob the same everywhere is left out
    single = tradeoff(lens_frame.iloc[:1], LENS, "weight_g", "brightness").to_dict()
    one = next(layer for layer in _flat_layers(single) if "tooltip" in layer.get("encoding", {}))
    assert [t["field"] for t in one["encoding"]["tooltip"]] == LENS.knob_names + LENS.metric_names
    assert len(_layer_data(spec, points)) == len(lens_frame)


def test_log_knob_gets_log_axis_and_quantitative_colour(lens_frame):
    spec = tradeoff(lens_frame, LENS, "focal_mm", "brightness", color="aperture_mm").to_dict()
    point = [layer for layer in _flat_layers(spec) if layer["mark"]["type"] == "point"][0]
    assert point["encoding"]["x"]["scale"] == {"type": "log"}
    assert point["encoding"]["color"]["type"] == "quantitative"


@pytest.mark.parametrize("seeds, kind", [(4, "ordinal"), (8, "ordinal"), (9, "quantitative")])
def test_integer_knob_with_few_values_gets_a_discrete_colour_scale(lens_frame, seeds, kind):
    frame = lens_frame.assign(seed=np.arange(len(lens_frame)) % seeds)
    spec = tradeoff(frame, LENS, "weight_g", "brightness", color="seed").to_dict()
    point = [layer for layer in _flat_layers(spec) if "color" in layer.get("encoding", {})][0]
    assert point["encoding"]["color"]["type"] == kind
    assert point["encoding"]["color"]["scale"]["scheme"] == "viridis"


def test_pareto_points_are_the_non_dominated_set(lens_frame):
    spec = tradeoff(lens_frame, LENS, "weight_g", "brightness").to_dict()
    lines = [layer for layer in _flat_layers(spec) if layer["mark"]["type"] == "line"]
    assert len(lines) == 1
    line = lines[0]
    # smaller weight is better, so the staircase steps after each front point
    assert line["mark"]["interpolate"] == "step-after"
    # a line's tooltip would show one point wherever it is hovered: the front's dots carry it, the line does not
    dots = [layer for layer in _flat_layers(spec) if layer["mark"].get("size") == 16]
    assert "tooltip" not in line["encoding"] and len(dots) == 1 and dots[0]["encoding"]["tooltip"]
    front = _layer_data(spec, line)
    expected = lens_frame[pareto_mask(lens_frame, {"weight_g": "min", "brightness": "max"})]
    assert sorted(front["weight_g"]) == pytest.approx(sorted(expected["weight_g"].unique()))
    # independent check: no other point is at least as light and at least as bright with one strict
    for _, p in front.iterrows():
        better = (lens_frame.weight_g <= p.weight_g) & (lens_frame.brightness >= p.brightness)
        strictly = (lens_frame.weight_g < p.weight_g) | (lens_frame.brightness > p.brightness)
        assert not (better & strictly).any()
    # the front is monotone: heavier front points are brighter
    ordered = front.sort_values("weight_g")
    assert np.all(np.diff(ordered["brightness"]) > 0)


def test_no_front_without_better_direction(lens_frame):
    spec = tradeoff(lens_frame, LENS, "f_number", "brightness").to_dict()
    assert not [layer for layer in _flat_layers(spec) if layer["mark"]["type"] == "line"]
    spec = tradeoff(lens_frame, LENS, "weight_g", "brightness", pareto=False).to_dict()
    assert not [layer for layer in _flat_layers(spec) if layer["mark"]["type"] == "line"]


def test_click_selection_over_row_numbers(lens_frame):
    spec = tradeoff(lens_frame, LENS, "weight_g", "brightness").to_dict()
    (param,) = spec["params"]
    assert param["name"] == PICK and param["select"]["fields"] == [ROW]


def test_highlight_reference_and_order_layers(lens_frame, tmp_path):
    ref = pd.DataFrame({"weight_g": [100.0], "brightness": [0.05], "label": ["paper [1]"]})
    current = lens_frame.iloc[5].to_dict()
    spec = tradeoff(lens_frame, LENS, "weight_g", "brightness", reference=ref, highlight=current,
                    order="focal_mm").to_dict()
    layers = list(_flat_layers(spec))
    crosses = [layer for layer in layers if layer["mark"].get("shape") == "cross"]
    assert len(crosses) == 1 and _layer_data(spec, crosses[0])["reference"].tolist() == ["paper [1]"]
    texts = [layer for layer in layers if layer["mark"]["type"] == "text"]
    assert texts and texts[0]["encoding"]["text"]["field"] == "reference"
    rings = [layer for layer in layers if layer["mark"].get("color") == "#D62728"]
    assert _layer_data(spec, rings[0])[["weight_g", "brightness"]].iloc[0].tolist() == pytest.approx(
        [current["weight_g"], current["brightness"]])
    ordered = [layer for layer in layers if layer["mark"]["type"] == "line" and "order" in layer["encoding"]]
    assert ordered[0]["encoding"]["order"]["field"] == "focal_mm"
    # a CSV reference file, relative to data/reference/ or absolute
    path = tmp_path / "ref.csv"
    ref.to_csv(path, index=False)
    assert load_reference(str(path), LENS).equals(ref)
    with pytest.raises(FileNotFoundError, match="no_such_file.csv"):
        load_reference("no_such_file.csv", LENS)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 64)
    with pytest.raises(DamagedFile, match="binary.csv is not a readable CSV table"):
        load_reference(str(binary), LENS)
    # paper points without one of the axes are left out, not an error (the axes change under the overlay)
    for partial in (ref.drop(columns="weight_g"), ref.assign(weight_g=float("nan"))):
        layers = _flat_layers(tradeoff(lens_frame, LENS, "weight_g", "brightness", reference=partial).to_dict())
        assert not [layer for layer in layers if layer["mark"].get("shape") == "cross"]


def test_unknown_column_is_named(lens_frame):
    with pytest.raises(KeyError, match="energy"):
        tradeoff(lens_frame, LENS, "energy", "brightness")


def test_above_max_rows_bins_the_cloud_and_keeps_front_exact():
    rng = np.random.default_rng(1)
    n = 12_000
    frame = pd.DataFrame({"aperture_mm": rng.uniform(1, 60, n), "focal_mm": rng.uniform(60, 200, n),
                          "coating": "single", "stabilised": False, "seed": 0})
    frame = pd.DataFrame([{**r, **LENS.func(**r)} for r in frame.to_dict("records")])
    spec = tradeoff(frame, LENS, "weight_g", "brightness", color="coating").to_dict()  # no MaxRowsError
    layers = list(_flat_layers(spec))
    rect = [layer for layer in layers if layer["mark"]["type"] == "rect"][0]
    cells = _layer_data(spec, rect)
    assert cells["points"].sum() == n  # every point counted once
    exact = [layer for layer in layers if layer["mark"]["type"] == "point" and "color" in layer["encoding"]][0]
    expected = frame[pareto_mask(frame, {"weight_g": "min", "brightness": "max"})]
    assert len(_layer_data(spec, exact)) == len(expected) < 5000
    assert sum(len(v) for v in _datasets(spec).values()) < 5000


def test_density_frame_counts_agree_with_numpy():
    data = pd.DataFrame({"a": [1.0, 1.1, 5.0, 9.9, 10.0], "b": [0.0, 0.1, 0.5, 1.0, 1.0]})
    cells = density_frame(data, "a", "b", bins=2)
    assert cells["points"].sum() == 5
    # edges a: [1, 5.5, 10], b: [0, 0.5, 1]; (5.0, 0.5) falls in the upper b bin
    counted = {(row.a_lo, row.b_lo): row.points for row in cells.itertuples()}
    assert counted == {(1.0, 0.0): 2, (1.0, 0.5): 1, (5.5, 0.5): 2}
    log_cells = density_frame(data, "a", "b", bins=2, log_x=True)
    edges = np.unique(np.concatenate([log_cells["a_lo"], log_cells["a_hi"]]))
    assert edges == pytest.approx([1.0, np.sqrt(10.0), 10.0])  # geometric bins


def test_sweep_heatmap_pools_cells(lens_frame):
    spec = sweep_heatmap(lens_frame, LENS, "aperture_mm", "focal_mm", "brightness").to_dict()
    rect = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"][0]
    cells = _layer_data(spec, rect)
    assert len(cells) == 4 * 3 and set(cells["points"]) == {2}  # two coatings pooled per cell
    one = cells[(cells.aperture_mm == 10.0) & (cells.focal_mm == 50.0)]["brightness"].item()
    expected = lens_frame[(lens_frame.aperture_mm == 10.0) & (lens_frame.focal_mm == 50.0)]["brightness"].mean()
    assert one == pytest.approx(expected)
    assert rect["encoding"]["color"]["scale"]["reverse"] is False  # brightness: larger is better
    assert any(layer["mark"]["type"] == "text" for layer in spec["layer"])
    spec = sweep_heatmap(lens_frame, LENS, "coating", "focal_mm", "weight_g", agg="min").to_dict()
    rect = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"][0]
    assert rect["encoding"]["x"]["type"] == "nominal" and rect["encoding"]["color"]["scale"]["reverse"] is True
    with pytest.raises(ValueError, match="agg='sum'"):
        sweep_heatmap(lens_frame, LENS, "aperture_mm", "focal_mm", "brightness", agg="sum")


def test_sweep_heatmap_above_max_rows():
    grid = pd.DataFrame([(a, f) for a in np.linspace(1, 60, 80) for f in np.geomspace(5, 200, 80)],
                        columns=["aperture_mm", "focal_mm"])
    grid["brightness"] = (grid.aperture_mm / grid.focal_mm) ** 2
    spec = sweep_heatmap(grid, LENS, "aperture_mm", "focal_mm", "brightness").to_dict()  # no MaxRowsError
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect"]  # too many cells to annotate
    assert len(_layer_data(spec, spec["layer"][0])) == 6400


def test_heatmap_numeric_choice_axis_reads_numerically_and_labels_only_when_they_fit():
    from workbench.sparce.studies import CORE  # sasa_size is a Choice of numbers: as text it sorted 1, 16, 2, 32

    cells = pd.DataFrame([{"sasa_size": s, "sasa_assoc": w, "time_reduction": 0.1 * s / w}
                          for s in (1, 2, 4, 8, 16, 32, 64) for w in (1, 2, 4) if s % w == 0])
    spec = sweep_heatmap(cells, CORE, "sasa_size", "sasa_assoc", "time_reduction").to_dict()
    x, y = spec["layer"][0]["encoding"]["x"], spec["layer"][0]["encoding"]["y"]
    assert x["sort"] == ["1", "2", "4", "8", "16", "32", "64"]
    assert y["sort"] == ["4", "2", "1"]  # largest at the top
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "text"]
    assert spec["width"] >= 7 * 36 and spec["height"] >= 3 * 24  # large enough to read
    many = pd.DataFrame([{"aperture_mm": a, "focal_mm": f, "brightness": 1 / 3 + a * f}
                         for a in range(1, 41) for f in (25.0, 50.0)])
    spec = sweep_heatmap(many, LENS, "aperture_mm", "focal_mm", "brightness").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect"]  # 40 columns: the values do not fit
    assert spec["width"] <= 480


def test_tradeoff_picks_a_log_axis_for_a_metric_over_three_decades_only():
    frame = pd.DataFrame({**{k.name: k.default for k in LENS.knobs}, "brightness": [0.1, 0.2, 0.3, 0.4],
                          "weight_g": [0.5, 3.0, 90.0, 2800.0]}).assign(aperture_mm=[1.0, 2.0, 3.0, 4.0])
    encoding = tradeoff(frame, LENS, "weight_g", "brightness").to_dict()["layer"][0]["encoding"]
    assert encoding["x"]["scale"] == {"type": "log"} and encoding["y"]["scale"] == {"zero": False}
    frame["weight_g"] = [1.0, 2.0, 5.0, 10.0]  # one decade: linear
    encoding = tradeoff(frame, LENS, "weight_g", "brightness").to_dict()["layer"][0]["encoding"]
    assert encoding["x"]["scale"] == {"zero": False}
    encoding = tradeoff(frame, LENS, "weight_g", "brightness", log_x=True).to_dict()["layer"][0]["encoding"]
    assert encoding["x"]["scale"] == {"type": "log"}  # an explicit choice wins


def test_sweep_curve_breaks_at_a_categorical_gap_and_legends_use_short_labels(lens_frame):
    frame = lens_frame[lens_frame["coating"] == "single"].head(7).assign(seed=[0, 4, 5, 6, 7, 8, 9])
    spec = tradeoff(frame, LENS, "weight_g", "brightness", order="seed").to_dict()
    line = next(layer for layer in _flat_layers(spec) if layer["mark"]["type"] == "line"
                and "detail" in layer["encoding"])
    assert line["encoding"]["detail"]["field"] == "_segment"
    assert _layer_data(spec, line)["_segment"].tolist() == [0, 1, 1, 1, 1, 1, 1]
    piped = lens_frame.assign(coating=np.where(lens_frame["coating"] == "single", "pruning.train>tim.tiles",
                                               "tim.ternarize>tim.tiles"))
    spec = tradeoff(piped, LENS, "weight_g", "brightness", color="coating").to_dict()
    colour = next(layer for layer in _flat_layers(spec) if "color" in layer.get("encoding", {}))["encoding"]["color"]
    assert '"prune > TiM"' in colour["legend"]["labelExpr"] and '"ternary > TiM"' in colour["legend"]["labelExpr"]
    assert len(set(colour["scale"]["range"])) == 2


def _dotted(stages: dict) -> dict:
    return {"y": stages["stage.x"]}


def test_a_dotted_knob_is_one_column_not_a_nested_field():
    """A composed stage knob (``crossbar.arrays.program_sigma``) is escaped for Vega-Lite: its points are drawn with
    their values (unescaped, Vega-Lite would read ``stage`` -> ``x`` and find nothing)."""
    import vl_convert

    from workbench.core import Float, Metric, Study

    study = Study("demo.dotted", "demo", _dotted, knobs=(Float("stage.x", 1.0, high=9.0, label="x"),),
                  metrics=(Metric("y", better="min"),), stage_knobs=("stage.x",))
    frame = pd.DataFrame({"stage.x": [1.0, 2.0, 3.0], "y": [3.0, 1.0, 2.0]})
    svg = vl_convert.vegalite_to_svg(tradeoff(frame, study, x="stage.x", y="y", color="stage.x").to_dict())
    assert all(f"x: {v}" in svg for v in (1, 2, 3))


def test_a_hand_written_reference_table_given_by_path_is_checked_against_its_recorded_hash(tmp_path, monkeypatch):
    import shutil

    from workbench.core.integrity import MANIFEST_NAME
    from workbench.core.paths import reference_dir

    copy = tmp_path / "reference"
    copy.mkdir()
    for name in ("pruning_paper.csv", MANIFEST_NAME):
        shutil.copy(reference_dir() / name, copy / name)
    for module in ("workbench.viz.charts", "workbench.core.manifest"):
        monkeypatch.setattr(f"{module}.reference_dir", lambda: copy)
    intact = load_reference("pruning_paper.csv", LENS)
    assert len(intact) == len(pd.read_csv(reference_dir() / "pruning_paper.csv"))
    (copy / "pruning_paper.csv").write_text((copy / "pruning_paper.csv").read_text().replace("41", "14", 1))
    with pytest.raises(DamagedFile, match="pruning_paper.csv does not match the SHA-256"):
        load_reference("pruning_paper.csv", LENS)


def _categorical_knobs():
    """(study, knob) of every registered study's choice or switch."""
    from workbench.core.knobs import Bool, Choice
    from workbench.core.registry import get_study, list_studies

    return [pytest.param(name, knob.name, id=f"{name}:{knob.name}") for name in list_studies()
            for knob in get_study(name).knobs if isinstance(knob, (Choice, Bool)) and len(knob.grid()) >= 2]


@pytest.mark.parametrize(("name", "knob"), _categorical_knobs())
def test_a_knobs_colours_do_not_depend_on_the_rows(name, knob):
    """Issue 28 Deliver 4: an Explorer chart coloured by a choice gives each option the same colour whatever order
    the points arrive in and whichever options they hold (a category changed colour between gallery runs), and
    distinct colours within the legend."""
    from workbench.core.registry import get_study

    study = get_study(name)
    options = study.knob(knob).grid()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({knob: options * 3, "x_value": rng.random(3 * len(options)),
                          "y_value": rng.random(3 * len(options))})

    def colours(rows: pd.DataFrame) -> dict:
        spec = tradeoff(rows, study, "x_value", "y_value", color=knob, pareto=False).to_dict()
        scale = next(layer for layer in _flat_layers(spec) if "color" in layer.get("encoding", {}))
        scale = scale["encoding"]["color"]["scale"]
        assert len(set(scale["range"])) == len(scale["domain"])
        return dict(zip(scale["domain"], scale["range"], strict=True))

    every = colours(frame)
    ranked = sorted(options, key=lambda o: (o if isinstance(o, (int, float)) else str(o)))  # 2 before 16
    palette = style.PALETTE + style.EXTRA_COLOURS
    assert every == {str(o): palette[i % len(palette)] for i, o in enumerate(ranked)}  # the declared set decides
    shuffled = frame.sample(frac=1.0, random_state=1)
    fewer = shuffled[shuffled[knob] != options[-1 if len(options) > 2 else 0]]  # one option missing
    for rows in (shuffled, fewer):
        assert colours(rows) == {c: every[c] for c in map(str, dict.fromkeys(rows[knob]))}
