"""The landing page: every theme (from its manifest) with a link to its dashboard, and every registered study."""

from __future__ import annotations

import html

import pandas as pd

from workbench.core.manifest import ThemeManifest, list_manifests
from workbench.core.registry import get_study, list_studies, list_views

THEME_COLUMNS = ["theme", "title", "papers", "claims", "studies", "views", "notebook", "summary"]
STUDY_COLUMNS = ["theme", "study", "cost", "knobs", "metrics", "notebook", "description"]


def _notebook(manifest: ThemeManifest | None) -> str:
    """The dashboard file name when the manifest declares one that exists, else ``""`` (no dead link)."""
    return manifest.notebook if manifest is not None and manifest.notebook_path.exists() else ""


def theme_table() -> pd.DataFrame:
    """One row per theme manifest: title, arXiv ids, claim ids, its studies and views, dashboard, summary."""
    rows = [{
        "theme": m.theme,
        "title": m.title,
        "papers": ", ".join(m.papers),
        "claims": ", ".join(m.claims),
        "studies": ", ".join(list_studies(theme=m.theme)),
        "views": ", ".join(list_views(theme=m.theme)),
        "notebook": _notebook(m),
        "summary": m.summary,
    } for m in list_manifests()]
    return pd.DataFrame(rows, columns=THEME_COLUMNS)


def study_table() -> pd.DataFrame:
    """One row per registered study: theme, name, cost class, knobs, metrics (with units), dashboard file."""
    manifests = {m.theme: m for m in list_manifests()}
    rows = []
    for name in list_studies():
        study = get_study(name)
        rows.append({
            "theme": study.theme,
            "study": name,
            "cost": study.cost,
            "knobs": ", ".join(k.name for k in study.knobs),
            "metrics": ", ".join(m.title for m in study.metrics),
            "notebook": _notebook(manifests.get(study.theme)),
            "description": study.description,
        })
    return pd.DataFrame(rows, columns=STUDY_COLUMNS)


def _link(notebook: str) -> str:
    return f'<a href="{html.escape(notebook)}">{html.escape(notebook)}</a>' if notebook else ""


def _html_table(css_class: str, headers: list[str], rows: list[list[str]], links: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers + ["dashboard"])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + f"<td>{_link(link)}</td></tr>"
                   for cells, link in zip(rows, links))
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def theme_table_html(table: pd.DataFrame | None = None) -> str:
    """The theme table as HTML with relative links to the dashboards (they work in JupyterLab and Voila)."""
    table = theme_table() if table is None else table
    columns = ["title", "papers", "claims", "studies", "views", "summary"]
    return _html_table("workbench-themes", columns, table[columns].values.tolist(), list(table["notebook"]))


def study_table_html(table: pd.DataFrame | None = None) -> str:
    """The study table as HTML with relative links to the theme dashboards."""
    table = study_table() if table is None else table
    columns = ["theme", "study", "cost", "knobs", "metrics"]
    return _html_table("workbench-studies", columns, table[columns].values.tolist(), list(table["notebook"]))
