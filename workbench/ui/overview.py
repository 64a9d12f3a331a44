"""The landing page's table: every registered study, grouped by theme, with a link to its theme notebook."""

from __future__ import annotations

import html

import pandas as pd

from workbench.core.paths import PROJECT_ROOT
from workbench.core.registry import get_study, list_studies

#: Theme package -> its dashboard notebook under ``notebooks/`` (a link is shown once the file exists).
THEME_NOTEBOOKS = {
    "pruning": "pruning.ipynb",
    "crossbar": "crossbars.ipynb",
    "tim": "tim_dnn.ipynb",
    "mram": "mram_cim.ipynb",
    "sparce": "sparce.ipynb",
    "dyvedeep": "dyvedeep.ipynb",
    "pad": "pack_and_detect.ipynb",
}


def study_table() -> pd.DataFrame:
    """One row per registered study: theme, name, cost class, knobs, metrics (with units), notebook file."""
    rows = []
    for name in list_studies():
        study = get_study(name)
        notebook = THEME_NOTEBOOKS.get(study.theme)
        exists = notebook is not None and (PROJECT_ROOT / "notebooks" / notebook).exists()
        rows.append({
            "theme": study.theme,
            "study": name,
            "cost": study.cost,
            "knobs": ", ".join(k.name for k in study.knobs),
            "metrics": ", ".join(m.title for m in study.metrics),
            "notebook": notebook if exists else "",
            "description": study.description,
        })
    return pd.DataFrame(rows, columns=["theme", "study", "cost", "knobs", "metrics", "notebook", "description"])


def study_table_html(table: pd.DataFrame | None = None) -> str:
    """The study table as HTML with relative links to the theme notebooks (they work in JupyterLab and Voila)."""
    table = study_table() if table is None else table
    head = "".join(f"<th>{c}</th>" for c in ("theme", "study", "cost", "knobs", "metrics", "dashboard"))
    body = []
    for row in table.itertuples():
        link = f'<a href="{html.escape(row.notebook)}">{html.escape(row.notebook)}</a>' if row.notebook else ""
        cells = [row.theme, row.study, row.cost, row.knobs, row.metrics]
        body.append(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + f"<td>{link}</td></tr>"
        )
    return f'<table class="workbench-studies"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
