"""Every notebook under notebooks/ runs headless without error, draws every figure it builds, and is committed
without outputs.

The tests are parametrized over the notebooks present, so a theme notebook added later is covered automatically.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from workbench.core import get_view, list_views
from workbench.testing.dashboards import DASHBOARD_CALL

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _code_cells(path: Path) -> list:
    return [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_headless(path):
    notebook = nbformat.read(path, as_version=4)
    # sections built when the reader nears them are built here too, so their errors show
    notebook.cells.append(nbformat.v4.new_code_cell("from workbench.ui import build_all\nassert not build_all()"))
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()  # raises CellExecutionError naming the cell and the traceback
    errors = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
              if output.output_type == "error" or output.get("name") == "stderr" and "Traceback" in output.text]
    assert not errors, errors
    figures = [cell for cell in notebook.cells if cell.cell_type == "code" and DASHBOARD_CALL.search(cell.source)]
    for cell in figures:
        assert any(WIDGET_VIEW in output.get("data", {}) for output in cell.outputs), f"no widget shown: {cell.source}"
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    statuses = [m["state"]["value"] for m in state.values() if "wb-status" in str(m["state"].get("value", ""))]
    assert not [s for s in statuses if "wb-error" in s], [s for s in statuses if "wb-error" in s]
    drawn = [m for m in state.values() if m["state"].get("spec")]
    charts = [cell for cell in figures if "SweepPanel" not in cell.source]  # a sweep panel draws after a sweep
    assert len(drawn) >= len(charts), f"{len(charts)} figures built, {len(drawn)} charts drawn"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_without_outputs(path):
    dirty = [index for index, cell in enumerate(_code_cells(path)) if cell.outputs or cell.execution_count is not None]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or execution counts; clear them before committing"


def test_there_are_notebooks():
    assert any(p.name == "00_overview.ipynb" for p in NOTEBOOKS)


def _declared(kind: str) -> list[tuple[str, str]]:
    """``(notebook, name)`` of every study or view (``kind``) a theme manifest declares, with the theme's notebook."""
    from workbench.core.manifest import list_manifests, resolve

    return [(m.notebook, resolve(ref).name) for m in list_manifests() for ref in getattr(m, kind)]


def _shown_names(notebook: str) -> str:
    return "\n".join(cell.source for cell in _code_cells(NOTEBOOK_DIR / notebook))


@pytest.mark.parametrize("notebook, name", _declared("views"), ids=lambda v: v)
def test_every_view_is_on_its_themes_notebook(notebook, name):
    assert f'"{name}"' in _shown_names(notebook), f"view {name} is declared but {notebook} does not show it"


@pytest.mark.parametrize("notebook, name", _declared("studies"), ids=lambda v: v)
def test_every_study_is_on_its_themes_notebook(notebook, name):
    """A study reaches its page through an Explorer of its own or through a view that reads its stored points."""
    shown = _shown_names(notebook)
    through_views = [view for view in list_views() if name in get_view(view).studies and f'"{view}"' in shown]
    assert f'"{name}"' in shown or through_views, f"study {name} is declared but {notebook} does not show it"
