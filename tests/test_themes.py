"""Registry-looped checks (timm style): every theme, study, view, paper table, claim and seed file is tested for free.

A new theme is covered the moment its manifest is listed in ``workbench/themes.py`` and names its studies and views.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from workbench.core.knobs import check_signature
from workbench.core.manifest import (
    PAPER_COLUMNS,
    claims_table,
    get_manifest,
    list_manifests,
    paper_table,
    reference_points,
    resolve,
)
from workbench.core.paths import reference_dir
from workbench.core.registry import FIELDS, entries, get_study, get_view, list_studies, list_views
from workbench.core.store import ResultStore
from workbench.viz.export import export

MANIFESTS = list_manifests()
THEMES = [m.theme for m in MANIFESTS]
STUDIES = [name for name in list_studies() if get_study(name).theme in THEMES]
VIEWS = [name for name in list_views() if get_view(name).theme in THEMES]
REGENERATING = [m.theme for m in MANIFESTS if m.regenerate is not None]
SEEDS = sorted((reference_dir() / "seeds").glob("*.parquet"))
#: A raw Python name in a title: lower-case words joined by underscores ("sigma_rp", "v_read_v"), not a paper symbol
#: with a one-letter or capitalised base or subscript ("t_sw", "r_wire", "G_max", "tau_D").
RAW_NAME = re.compile(r"\b(?:[a-z][a-z0-9]+(?:_[a-z0-9]+)+|[a-z](?:_[a-z0-9]+){2,})\b")


def test_every_theme_package_has_a_manifest_a_notebook_and_a_reproduction():
    root = Path(importlib.import_module("workbench").__path__[0])
    packages = {p.relative_to(root).parts[0] for p in root.glob("*/**/studies.py")}  # a theme's or its sub-packages
    assert packages == set(THEMES), "a package with studies.py needs a manifest listed in workbench/themes.py"
    for manifest in MANIFESTS:
        assert manifest.notebook_path.exists(), manifest.notebook
        assert callable(resolve(manifest.reproduce)) and manifest.reproduce.startswith(f"workbench.{manifest.theme}.")
        assert manifest.papers and all(p.replace(".", "").isdigit() for p in manifest.papers), manifest.papers


@pytest.mark.parametrize("kind", FIELDS)
def test_every_registered_object_is_declared_by_exactly_one_manifest(kind):
    """The manifests are the table of contents: what they name exists, is of its kind and theme, and the registry
    holds exactly it (a theme object registered any other way, or named by two manifests, fails here)."""
    declared: dict[int, list[str]] = {}
    for manifest in MANIFESTS:
        for ref in getattr(manifest, FIELDS[kind]):
            entry = resolve(ref)
            assert type(entry).__name__ == kind.title() and entry.theme == manifest.theme, ref
            assert entries(kind)[entry.name] is entry, ref
            declared.setdefault(id(entry), []).append(ref)
    assert all(len(refs) == 1 for refs in declared.values()), [r for r in declared.values() if len(r) > 1]
    registered = {name: entry for name, entry in entries(kind).items() if entry.theme in THEMES}
    assert registered and {id(e) for e in registered.values()} == set(declared), \
        sorted(n for n, e in registered.items() if id(e) not in declared)


def test_a_name_means_one_object_across_studies_views_and_stages():
    """``workbench export NAME`` takes a view or a study, and a stage name is a pipeline's part: no name is two."""
    names = [name for kind in FIELDS for name in entries(kind)]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


@pytest.mark.parametrize("theme", REGENERATING)
def test_a_declared_regenerator_is_a_documented_call_without_arguments(theme):
    regenerate = resolve(get_manifest(theme).regenerate)
    assert callable(regenerate) and regenerate.__module__.startswith(f"workbench.{theme}.")
    assert not [p for p in inspect.signature(regenerate).parameters.values() if p.default is p.empty], \
        "`workbench regenerate THEME` calls it with no arguments"
    assert inspect.getdoc(regenerate), "`workbench regenerate` lists the first paragraph of its docstring"


@pytest.mark.parametrize("theme", THEMES)
def test_claims_and_paper_numbers_refer_to_the_claims_table(theme):
    manifest = get_manifest(theme)
    known = set(claims_table()["id"])
    assert set(manifest.claims) <= known, set(manifest.claims) - known
    table = paper_table(theme)
    assert list(table.columns[: len(PAPER_COLUMNS)]) == list(PAPER_COLUMNS)
    assert set(table["claim"]) <= set(manifest.claims), "a paper number must belong to one of the theme's claims"
    assert (table["low"] <= table["high"]).all() and table["source"].str.len().gt(10).all()
    papers = set(claims_table().set_index("id").loc[list(manifest.claims), "paper"].astype(str))
    assert papers <= set(manifest.papers)


@pytest.mark.parametrize("name", STUDIES)
def test_study_signature_matches_its_knobs_and_overlay_has_its_columns(name):
    study = get_study(name)
    check_signature(name, study.func, list(study.arguments(study.defaults())))  # raises naming the difference
    if study.reference:
        points = reference_points(study.theme)
        columns = set(study.metric_names + study.knob_names)
        drawable = [row for _, row in points.iterrows()
                    if sum(c in columns and not pd.isna(row[c]) for c in points.columns) >= 2]
        assert drawable, f"{name}: no paper point gives two of its columns to draw"


@pytest.mark.parametrize("name", VIEWS)
def test_every_view_renders_on_defaults_and_exports(name, tmp_path):
    view = get_view(name)
    check_signature(name, view.func, view.parameters)
    assert view.theme in THEMES and view.title
    store = ResultStore(tmp_path / "store.duckdb") if view.studies else None
    chart, frame = view.render(store=store)
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    spec = chart.to_dict()
    assert "$schema" in spec
    written = export(chart, tmp_path / "figure", formats=["svg"], data=frame, params=view.defaults(), view=view)
    assert written["svg"].read_bytes().lstrip().startswith(b"<svg")
    assert len(pd.read_csv(written["csv"])) == len(frame)
    record = json.loads(written["json"].read_text())
    assert record["view"]["name"] == name and set(record["knobs"]) == set(view.knob_names)


@pytest.mark.parametrize("name", [f"study:{n}" for n in STUDIES] + [f"view:{n}" for n in VIEWS])
def test_every_knob_and_metric_reads_as_a_human_label(name):
    kind, _, short = name.partition(":")
    entry = get_study(short) if kind == "study" else get_view(short)
    items = list(entry.knobs) + list(getattr(entry, "metrics", ()))
    raw = {item.name for item in items
           if ("_" in item.name and (not item.label or item.name in item.title)) or RAW_NAME.search(item.title)}
    long = {item.label for item in entry.knobs if len(item.label) > 40}
    assert not long, f"{short}: labels {sorted(long)} must wrap onto two lines of a 160 px control column (<= 40 chars)"
    assert not raw, (f"{short}: {sorted(raw)} show a raw name; give each a short human `label=` where it is declared "
                     "(no unit: the unit field adds it)")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_file_version_and_columns_match_its_study(path):
    study = get_study(path.stem)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["study"] == study.name and str(sidecar["study_version"]) == study.version
    frame = pd.read_parquet(path)
    assert set(study.knob_names + study.metric_names) <= set(frame.columns)
    assert len(frame) == sidecar["points"] > 0
    for row in frame[study.knob_names].head(3).to_dict("records"):
        study.validate({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    assert frame[study.metric_names].select_dtypes("number").map(math.isfinite).all().all()


@pytest.mark.parametrize("name", STUDIES)
def test_every_curve_grid_value_is_one_the_knob_accepts(name):
    """Issue 28: an Explorer's curve (21 points by default) is the knob's grid; a value off the knob's step or
    range would be rejected and silently drop from the curve (pruning kept 2 of 21 points). Joint constraints may
    still leave points out; single-knob validation never may."""
    study = get_study(name)
    for knob in study.knobs:
        for n in (2, 5, 21):
            for value in knob.grid(n):
                assert knob.validate(value) == value, f"{name}: {knob.name} grid({n}) offers {value!r}"
