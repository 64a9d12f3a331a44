"""Theme manifests: a theme is one declaration, its table of contents, and its paper numbers, claims and presets are
data read in one way.

Each theme package declares ``MANIFEST = ThemeManifest(...)`` in ``workbench/<theme>/manifest.py``, and
``workbench/themes.py`` lists where the manifests are. A manifest gives the theme's title, papers (arXiv ids),
dashboard notebook and claim ids, and names everything the theme plugs in: its studies, views and composition stages,
its ``reproduce`` function and, where it has one, the regenerator of its expensive shipped data. It names them by
reference, ``"package.module:NAME"`` (:func:`resolve`), so reading the manifests imports no theme module: the registry
(:mod:`workbench.core.registry`) imports a study's module when studies are first listed. The overview page,
``workbench list``, ``workbench reproduce``, ``workbench regenerate`` and the registry-looped tests derive from the
manifests.

Data layout (``data/``):

* ``reference/claims.csv``: ``id, paper, claim``: the papers' headline claims (``shared/papers/claims.md``).
* ``reference/<theme>_paper.csv``: every number a theme takes from a paper, once, in long form
  ``claim, label, quantity, low, high, unit, source``. A row with a ``label`` belongs to a point drawn on charts
  (:func:`reference_points` pivots the label's quantities into one row); ``low == high`` is a single value, else a
  range. Both the chart overlays and ``reproduce.py`` read this table.
* ``presets/<theme>/<name>.yaml``: parameter sets with a source per value, read by :func:`read_preset`.

These tables (and ``reference/components_reference.csv``) are written by hand: their SHA-256 is recorded in
``reference/SHA256SUMS.json`` by :func:`record_reference_tables` (``workbench regenerate reference-tables``, run after
a reviewed edit), and a table that no longer matches it, or has a non-number where a number is required, is refused
naming the file (:func:`workbench.core.integrity.read_csv`).
"""

from __future__ import annotations

import functools
import importlib
import math
import typing
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.core.integrity import load_yaml, read_csv, record_manifest
from workbench.core.paths import PROJECT_ROOT, presets_dir, reference_dir

PAPER_COLUMNS = ("claim", "label", "quantity", "low", "high", "unit", "source")
CLAIM_COLUMNS = ("id", "paper", "claim")


@dataclass(frozen=True)
class ThemeManifest:
    """The one declaration of a research theme: what it is and what it plugs in.

    Every object is named by a reference ``"package.module:NAME"`` (:func:`resolve`), imported only when used.

    Parameters
    ----------
    theme : str
        The package name under ``workbench/`` (``"tim"``).
    title : str
        Human title (``"TiM-DNN: ternary in-memory computing"``).
    papers : tuple of str
        arXiv ids of the theme's papers.
    notebook : str
        Its dashboard, a file under ``notebooks/``.
    reproduce : str
        Its reproduction check, ``reproduce(quick: bool = False) -> list[ClaimResult]``
        (:mod:`workbench.core.reproduce`).
    studies, views, stages : tuple of str
        Its :class:`~workbench.core.study.Study`, :class:`~workbench.core.views.View` and
        :class:`~workbench.core.stages.Stage` objects: the registry holds exactly these.
    claims : tuple of str
        Ids in ``data/reference/claims.csv`` that its ``reproduce`` checks.
    summary : str
        One sentence for the overview page.
    regenerate : str or None
        Recomputes the data the theme ships or caches because they are too expensive to make on first use (trained
        weights, Monte Carlo tables, tuned presets): called with no arguments, it runs for minutes to hours, prints
        its progress and returns the paths it wrote. ``workbench regenerate THEME`` runs it; ``None`` (the default)
        for a theme whose data all come from its studies and seed sweeps.
    """

    theme: str
    title: str
    papers: tuple[str, ...]
    notebook: str
    reproduce: str
    studies: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    summary: str = ""
    regenerate: str | None = None

    def __post_init__(self) -> None:
        refs = [self.reproduce, *self.studies, *self.views, *self.stages, *([self.regenerate] if self.regenerate
                                                                             else [])]
        for ref in refs:
            module, _, name = ref.partition(":")
            if not module.startswith("workbench.") or not name.isidentifier():
                raise ValueError(f"theme {self.theme!r}: reference {ref!r} is not allowed; allowed: "
                                 f"'workbench.<module>:<NAME>'")
        if len(set(refs)) != len(refs):
            raise ValueError(f"theme {self.theme!r}: a reference is listed twice in {refs}")

    @property
    def notebook_path(self) -> Path:
        return PROJECT_ROOT / "notebooks" / self.notebook


def resolve(ref: str) -> Any:
    """The object a manifest reference ``"package.module:NAME"`` names, importing its module."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def list_manifests() -> list[ThemeManifest]:
    """The manifest of every theme, in the order ``workbench/themes.py`` lists them."""
    from workbench.themes import MANIFESTS

    manifests = []
    for ref in MANIFESTS:
        manifest = resolve(ref)
        if manifest.theme != ref.split(".")[1]:
            raise ValueError(f"{ref}: theme is {manifest.theme!r}, the package is {ref.split('.')[1]!r}")
        manifests.append(manifest)
    return manifests


def get_manifest(theme: str) -> ThemeManifest:
    """The manifest of ``theme``; ``KeyError`` naming the themes otherwise."""
    for manifest in list_manifests():
        if manifest.theme == theme:
            return manifest
    raise KeyError(f"no theme {theme!r}; themes: {[m.theme for m in list_manifests()]}")


# -- claims and paper numbers ------------------------------------------------------------------------------------------
#: The hand-written tables of ``data/reference/`` (besides the papers' tables, ``<theme>_paper.csv``).
CURATED_TABLES = ("claims.csv", "components_reference.csv")
RECORD_COMMAND = "workbench regenerate reference-tables"


def curated_tables() -> list[str]:
    """The file names of every hand-written table of ``data/reference/``, whose hashes the manifest records."""
    return sorted([*CURATED_TABLES, *(p.name for p in reference_dir().glob("*_paper.csv"))])


def curated_remedy(path: Path) -> str:
    """How to make a hand-written reference table good again: restore it, or record a reviewed edit."""
    return (f"restore it with `git checkout -- {path}`, or after a reviewed edit record its hash with "
            f"`{RECORD_COMMAND}`")


def read_curated(path: Path, **options: Any) -> pd.DataFrame:
    """A hand-written table of ``data/reference/`` checked against the hash manifest, for its columns and for numbers
    where ``options`` require them (:func:`workbench.core.integrity.read_csv`)."""
    return read_csv(path, remake=curated_remedy(path), manifest=True, **options)


def record_reference_tables() -> list[Path]:
    """Record the SHA-256 of the hand-written tables of data/reference/ (claims.csv, the papers' tables,
    components_reference.csv) after a reviewed edit.

    The claims and papers' tables are then read with every check, so a table with a non-number where a number is
    required is named at once; returns the manifest written (``workbench regenerate reference-tables``).
    """
    manifest = record_manifest(reference_dir(), curated_tables(), command=RECORD_COMMAND)
    claims_table.cache_clear()
    paper_table.cache_clear()
    claims_table()
    for name in curated_tables():
        if name.endswith("_paper.csv"):
            paper_table(name.removesuffix("_paper.csv"))
    return [manifest]


def _read_csv(path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A claims or paper table; a paper number may be blank (not given) or an infinity (an open bound: ``< 1 %``
    is ``-inf`` to 1)."""
    numbers = ("low", "high") if "low" in columns else ()
    return read_curated(path, numbers=numbers, blank_ok=numbers, infinite_ok=numbers, columns=columns,
                        dtype={"claim": str, "label": str, "id": str, "paper": str}, keep_default_na=False,
                        na_values={"low": [""], "high": [""]})


@functools.cache
def claims_table() -> pd.DataFrame:
    """``data/reference/claims.csv``: one row per headline claim (id, paper, claim)."""
    return _read_csv(reference_dir() / "claims.csv", CLAIM_COLUMNS)


def claim_text(claim_id: str) -> str:
    """The claim's text; ``KeyError`` when the id is not in the claims table."""
    rows = claims_table()[claims_table()["id"] == claim_id]
    if rows.empty:
        raise KeyError(f"claim {claim_id!r} is not in data/reference/claims.csv")
    return str(rows["claim"].iloc[0])


@functools.cache
def paper_table(theme: str) -> pd.DataFrame:
    """The theme's paper numbers (``data/reference/<theme>_paper.csv``, columns :data:`PAPER_COLUMNS`)."""
    return _read_csv(reference_dir() / f"{theme}_paper.csv", PAPER_COLUMNS)


def _rows(theme: str, quantity: str, label: str) -> pd.DataFrame:
    table = paper_table(theme)
    rows = table[(table["quantity"] == quantity) & (table["label"] == label)]
    if len(rows) != 1:
        where = f" of point {label!r}" if label else ""
        raise KeyError(f"{theme}_paper.csv has {len(rows)} rows for quantity {quantity!r}{where}; expected 1")
    return rows


def paper_range(theme: str, quantity: str, *, label: str = "") -> tuple[float, float]:
    """``(low, high)`` of a paper number (equal for a single value)."""
    row = _rows(theme, quantity, label).iloc[0]
    return float(row["low"]), float(row["high"])


def paper_value(theme: str, quantity: str, *, label: str = "") -> float:
    """A single paper number; ``ValueError`` when the paper gives a range."""
    low, high = paper_range(theme, quantity, label=label)
    if not (low == high or (math.isnan(low) and math.isnan(high))):
        raise ValueError(f"{theme}_paper.csv: {quantity!r} is a range {low:g}-{high:g}, not a single value")
    return low


def reference_points(theme: str) -> pd.DataFrame:
    """The labelled paper points as one row each (``label``, ``source`` and one column per quantity), for chart
    overlays."""
    table = paper_table(theme)
    labelled = table[table["label"] != ""]
    if labelled.empty:
        return pd.DataFrame(columns=["label", "source"])
    wide = labelled.pivot_table(index="label", columns="quantity", values="low", aggfunc="first", sort=False)
    sources = labelled.groupby("label", sort=False)["source"].first()
    return wide.join(sources).reset_index().rename_axis(columns=None)


# -- presets -----------------------------------------------------------------------------------------------------------
def read_preset(theme: str, name: str, directory: Path | None = None) -> dict[str, Any]:
    """The YAML preset ``data/presets/<theme>/<name>.yaml`` as a dict (:func:`~workbench.core.integrity.load_yaml`:
    the safe loader, so no data file runs code, with a size and alias-expansion limit).

    Themes turn the dict into their config dataclass; ``directory`` replaces ``data/presets/<theme>`` (a user's own
    preset folder).

    Raises
    ------
    ValueError
        For a missing preset (listing the available ones), a file that is not a YAML mapping or one beyond the
        limits of :func:`~workbench.core.integrity.load_yaml`.
    """
    path = preset_path(theme, name, directory)
    folder = path.parent
    if not path.is_file():
        available = sorted(p.stem for p in folder.glob("*.yaml"))
        raise ValueError(f"no {theme} preset {name!r} in {folder}; available: {available}")
    try:
        tree = load_yaml(path)
    except ValueError as error:
        raise ValueError(f"preset {error}{_remedy(path)}") from None
    if not isinstance(tree, dict):
        raise ValueError(f"preset {path} must be a YAML mapping, got {type(tree).__name__}")
    return tree


def preset_path(theme: str, name: str, directory: Path | None = None) -> Path:
    """The file of preset ``name``: ``data/presets/<theme>/<name>.yaml``, or ``<directory>/<name>.yaml``."""
    return (presets_dir() / theme if directory is None else Path(directory)) / f"{name}.yaml"


def check_preset_types(path: Path, values: dict[str, Any], config: type) -> None:
    """Raise ``ValueError`` naming the preset file and the entry of ``values`` whose value is not of the type its
    field of the dataclass ``config`` declares (bool, int, float, str; an int or a number written as text is a float).

    A preset value of the wrong type would otherwise fail far from the file, e.g. in a knob declared from it.
    """
    hints = _field_types(config)
    for name, value in values.items():
        kind = hints.get(name)
        if kind not in _TYPE_WORDS or _has_type(value, kind):
            continue
        raise ValueError(f"preset {path}: {name}={value!r} is not allowed; allowed: {_TYPE_WORDS[kind]}{_remedy(path)}")


def check_preset_entries(owner: str, path: Path, values: dict[str, Any], sources: dict[str, str], config: type,
                         expected: Collection[str]) -> None:
    """Raise ``ValueError`` naming ``owner`` (``"tim preset 'tim_32nm'"``) when the entries of a flat preset table
    are not exactly ``expected``, an entry has no source, or a value is not of the type its field of ``config``
    declares (:func:`check_preset_types`)."""
    missing, unknown = sorted(set(expected) - set(values)), sorted(set(values) - set(expected))
    if missing or unknown:
        raise ValueError(f"{owner}: missing entries {missing}, unknown entries {unknown}")
    unsourced = sorted(n for n, s in sources.items() if not str(s).strip())
    if unsourced:
        raise ValueError(f"{owner}: entries without a source: {unsourced}")
    check_preset_types(path, values, config)


@functools.lru_cache(maxsize=64)
def _field_types(config: type) -> dict[str, Any]:
    """The resolved field annotations of the dataclass ``config`` (once per class: resolving them takes ~0.2 ms, and
    every model built from a preset checks its values)."""
    return typing.get_type_hints(config)


_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def _remedy(path: Path) -> str:
    """How to repair a preset file: a shipped one is restored from git."""
    shipped = Path(path).resolve().is_relative_to(presets_dir().resolve())
    return f" (restore the shipped file with `git checkout -- {path}`)" if shipped else ""


def _has_type(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return kind is bool
    if kind is float and isinstance(value, str):
        try:
            return math.isfinite(float(value))
        except ValueError:
            return False
    return isinstance(value, (int, float) if kind is float else kind)
