"""Tests for workbench.viz.export: figure files are valid, written atomically, with data and a provenance sidecar."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert
from PIL import Image
from sample_studies import LENS

from workbench import __version__
from workbench.viz import style, svgtext
from workbench.viz.charts import tradeoff
from workbench.viz.export import export, render

SYSTEM_FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
                    Path.home() / ".local/share/fonts"]


@pytest.fixture(scope="module")
def frame():
    rows = [LENS.validate(aperture_mm=a, focal_mm=f) for a in (2.0, 8.0, 20.0) for f in (30.0, 90.0)]
    return pd.DataFrame([{**r, **LENS.evaluate(r)} for r in rows])


def test_export_writes_valid_figures_data_and_sidecar(frame, tmp_path):
    chart = tradeoff(frame, LENS, "weight_g", "brightness", color="focal_mm")
    written = export(chart, tmp_path / "figs" / "lens.svg", data=frame, study=LENS, params={"coating": "single"},
                     columns=2, command="pytest")
    assert set(written) == {"svg", "png", "pdf", "csv", "json"}
    assert all(p.parent == tmp_path / "figs" and p.stem == "lens" for p in written.values())
    root = ET.fromstring(written["svg"].read_bytes())
    assert root.tag.endswith("svg")
    assert root.get("width") == "515.52pt"  # the whole figure is the two-column width, legend included
    assert not [e for e in root.iter() if e.tag.endswith("text")]  # text drawn as outlines, no font needed
    assert 'aria-label="weight_g (g)"' in written["svg"].read_text()
    assert written["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert written["pdf"].read_bytes()[:5] == b"%PDF-"
    table = pd.read_csv(written["csv"])
    assert list(table.columns) == LENS.knob_names + ["brightness", "weight_g"]  # knobs, then the plotted metrics
    assert table["weight_g"].tolist() == pytest.approx(frame["weight_g"].tolist())
    meta = json.loads(written["json"].read_text())
    assert meta["study"]["name"] == "sample.lens" and meta["study"]["version"] == LENS.version
    assert meta["metrics"]["weight_g"]["unit"] == "g" and meta["metrics"]["brightness"]["better"] == "max"
    assert meta["knobs"]["focal_mm"]["unit"] == "mm"
    assert meta["params"] == {"coating": "single"}
    assert meta["workbench_version"] == __version__ and meta["style"] == "paper" and meta["command"] == "pytest"
    assert meta["git"]["commit"] is None or len(meta["git"]["commit"]) == 40
    assert meta["files"]["pdf"] == "lens.pdf"
    assert meta["csv"]["left_out"] == {"f_number": "not plotted (the JSON sidecar names every knob and metric)"}
    assert not list((tmp_path / "figs").glob(".*.tmp"))  # no temporary files left behind


def test_export_csv_leaves_out_bookkeeping_and_nested_columns(frame, tmp_path):
    stored = frame.assign(key="abc", elapsed_s=0.1, layers=[[{"layer": "conv1", "macs": 10}]] * len(frame),
                          energy_breakdown_pj=[{"adc": 1.0}] * len(frame))
    chart = tradeoff(stored, LENS, "weight_g", "brightness")
    written = export(chart, tmp_path / "lens", formats=["svg"], data=stored, study=LENS)
    assert list(pd.read_csv(written["csv"]).columns) == LENS.knob_names + ["brightness", "weight_g"]
    left_out = json.loads(written["json"].read_text())["csv"]["left_out"]
    assert set(left_out) == {"f_number", "key", "elapsed_s", "energy_breakdown_pj", "layers"}
    # without a study and with no plotted column in the data, every scalar column is kept
    other = alt.Chart(pd.DataFrame({"u": [1]})).mark_point().encode(x="u:Q")
    written = export(other, tmp_path / "other", formats=["svg"], data=stored[["key", "layers"]])
    assert list(pd.read_csv(written["csv"]).columns) == ["key"]
    assert json.loads(written["json"].read_text())["csv"]["left_out"]["layers"].startswith("nested values")


def test_export_csv_of_a_view_keeps_its_plotted_columns(tmp_path):
    layers = pd.DataFrame({"layer": ["conv1", "fc"], "energy_pj": [3.0, 1.0], "note": ["a", "b"]})
    chart = alt.Chart(layers).mark_bar().encode(x="energy_pj:Q", y="layer:N", tooltip=["note"])
    written = export(chart, tmp_path / "view", formats=["svg"], data=layers, study=LENS)
    assert list(pd.read_csv(written["csv"]).columns) == ["layer", "energy_pj"]


def test_export_subset_of_formats_and_errors(frame, tmp_path):
    chart = tradeoff(frame, LENS, "weight_g", "brightness")
    written = export(chart, tmp_path / "only", formats=["PNG"], style=None)
    assert set(written) == {"png", "json"}
    with pytest.raises(ValueError, match="'gif'"):
        export(chart, tmp_path / "bad", formats=["gif"])
    with pytest.raises(ValueError, match="non-empty"):
        export(chart, tmp_path / "bad", formats=[])


def _hidden_fonts_command(folder: Path) -> list[str]:
    """A command prefix that runs in a user + mount namespace with every system font folder mounted over empty."""
    mounts = " && ".join(f"mount --bind {folder} {d}" for d in SYSTEM_FONT_DIRS if d.is_dir())
    return ["unshare", "--map-root-user", "--mount", "sh", "-c", f"{mounts or 'true'} && exec \"$0\" \"$@\""]


def test_paper_figure_is_identical_with_the_system_fonts_hidden(frame, tmp_path):
    """The paper font ships with the project: hiding every system font changes nothing in the rendered SVG."""
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    prefix = _hidden_fonts_command(empty)
    if shutil.which("unshare") is None or subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("hiding the system fonts needs unprivileged user and mount namespaces (unshare -rm)")
    with style.enable("paper", columns=1):
        spec = tradeoff(frame, LENS, "weight_g", "brightness", color="coating").to_dict()
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    script = ("import json, os, sys; from workbench.viz.export import render; "
              f"assert not any(os.listdir(d) for d in {[str(d) for d in SYSTEM_FONT_DIRS if d.is_dir()]!r}); "
              f"sys.stdout.write(render(json.loads(open({str(tmp_path / 'spec.json')!r}).read()), 'svg').decode())")
    hidden = subprocess.run([*prefix, sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ), check=True).stdout
    here = render(spec, "svg").decode()
    assert hidden == here
    assert float(ET.fromstring(here).get("width")) == 3.5 * 72


def _ink_outside(svg: str, margin: float = 40.0) -> int:
    """Pixels drawn outside the figure: ``svg`` rendered with its viewBox grown by ``margin`` on every side and its
    white background removed; everything outside the original box must stay transparent."""
    root = ET.fromstring(svg)
    x, y, w, h = map(float, root.get("viewBox").split())
    root.remove(root.find("{http://www.w3.org/2000/svg}rect"))
    root.set("viewBox", f"{x - margin} {y - margin} {w + 2 * margin} {h + 2 * margin}")
    root.set("width", str(w + 2 * margin))
    root.set("height", str(h + 2 * margin))
    png = Image.open(io.BytesIO(vl_convert.svg_to_png(ET.tostring(root, encoding="unicode"), scale=2)))
    alpha = np.asarray(png.getchannel("A")).copy()
    alpha[round(2 * margin):-round(2 * margin), round(2 * margin):-round(2 * margin)] = 0
    return int((alpha > 0).sum())


LONG_TITLE = "SparCE time reduction vs activation sparsity (bands: paper C1 ranges, diamonds: trained CNN)"


@pytest.mark.parametrize("options, inches", [({"columns": 1}, 3.5), ({"columns": 2}, 7.16),
                                             ({"width_in": 5.0}, 5.0)])
def test_paper_figure_is_exactly_the_journal_width_with_nothing_clipped(frame, tmp_path, options, inches):
    labels = ["TiM-DNN (paper)", "prune > ternary > TiM", "crossbar with non-idealities", "ours"]
    data = frame.assign(source=[labels[i % 4] for i in range(len(frame))])
    chart = alt.Chart(data, title=LONG_TITLE).mark_point().encode(
        x=alt.X("weight_g:Q", title="lens weight (g)"), y=alt.Y("brightness:Q", title="relative brightness"),
        color=alt.Color("source:N", title="source"))
    written = export(chart, tmp_path / "fig", **options)
    svg = written["svg"].read_text()
    root = ET.fromstring(svg)
    assert root.get("width") == f"{inches * 72:g}pt"  # 1 in = 72 pt: the printed width, legend and title included
    assert not [e for e in root.iter() if e.tag.endswith("text")]  # every label drawn as glyph outlines
    drawn = " ".join(e.get("aria-label") for e in root.iter() if e.get("aria-label"))
    assert all(label in drawn for label in labels) and "…" not in drawn  # no label cut short
    assert set(LONG_TITLE.split()) <= set(drawn.split())  # the title wrapped, not cut
    assert _ink_outside(svg) == 0  # no glyph, mark or legend entry outside the figure's box
    png = Image.open(written["png"])
    assert png.size[0] == round(inches * 300)
    assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)  # pHYs: 11811 px/m
    media_box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)", written["pdf"].read_bytes())
    assert float(media_box.group(1)) == pytest.approx(inches * 72, abs=0.01)
    size = json.loads(written["json"].read_text())["size"]
    assert size["width_in"] == inches and size["png_dpi"] == 300


def test_outlined_svg_draws_what_the_font_draws(frame):
    """The glyph outlines sit where vl-convert draws the text in the paper font (rendered side by side)."""
    with style.enable("paper", columns=1):
        spec = alt.Chart(frame, title=LONG_TITLE).mark_point().encode(x="weight_g:Q", y="brightness:Q",
                                                                      color="coating:N").to_dict()
    raw = render(spec, "svg").decode()
    outlined, boxes = svgtext.text_to_paths(raw)
    assert "<text" in raw and "<text" not in outlined and "single" in {b.text for b in boxes}
    as_text = np.asarray(Image.open(io.BytesIO(vl_convert.svg_to_png(raw, scale=3))).convert("L"), dtype=float)
    as_paths = np.asarray(Image.open(io.BytesIO(vl_convert.svg_to_png(outlined, scale=3))).convert("L"), dtype=float)
    assert as_text.shape == as_paths.shape
    assert np.abs(as_text - as_paths).mean() < 0.5  # grey levels 0-255: the same picture, up to anti-aliasing


def test_concatenated_chart_is_resized_to_the_width_and_the_stem_kept_as_typed(frame, tmp_path):
    """Two 300 px panels (Vega cannot fit a concatenation) are resized to share 3.5 in, the text kept at its size."""
    panel = alt.Chart(frame).mark_point().encode(x="weight_g:Q", y="brightness:Q").properties(width=300)
    written = export(panel | panel, tmp_path / "Fig 3.final", formats=["svg", "png"])
    assert sorted(p.name for p in written.values()) == ["Fig 3.final.json", "Fig 3.final.png", "Fig 3.final.svg"]
    svg = written["svg"].read_text()
    assert ET.fromstring(svg).get("width") == "252pt" and _ink_outside(svg) == 0
    size = json.loads(written["json"].read_text())["size"]
    assert 0.95 <= size["scale"] <= 1 and Image.open(written["png"]).size[0] == 1050
