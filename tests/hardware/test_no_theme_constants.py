"""No theme module types an energy or area: every one comes from the component library (``workbench/hardware``) and
its sourced presets (issue 25, item 4). A registry-looped AST scan over each theme's package: a float literal in the
value bound to a name, attribute, keyword or dict key whose name says energy or area (``e_*``, ``*_fj`` ... ``*_j``,
``*_um2``, ``*_mm2``, ``*energy*``, ``*area*``) is a typed constant. Not constants: 0, a knob's ``low`` / ``high``
range, and, as an operand of arithmetic, unit conversions (powers of ten) and halves or doublings of a computed
quantity. Cell areas in squared feature sizes (``*_f2``) are a device's layout rule, not a circuit's price; ratios
and shares are dimensionless."""

import ast
import importlib
import math
import re
from pathlib import Path

import pytest

from workbench.themes import MANIFESTS

UNIT_NAME = re.compile(r"(^e_|_(fj|pj|nj|uj|mj|j)$|_(um2|mm2|cm2)$|energy|area(?!.*_f2$))", re.IGNORECASE)
#: Dimensionless quantities named after an energy or area (a ratio, a share).
DIMENSIONLESS = re.compile(r"ratio|share|pct|fraction", re.IGNORECASE)
#: Operands of arithmetic that scale a computed quantity rather than state one.
NEUTRAL = {0.5, 1.0, 2.0}
RANGE_KEYWORDS = {"low", "high"}


def _theme_packages() -> list[Path]:
    return [Path(importlib.import_module(spec.split(":")[0]).__file__).parent for spec in MANIFESTS]


def _is_constant(value, operand: bool) -> bool:
    if not isinstance(value, float) or value == 0.0 or not math.isfinite(value):
        return False
    if not operand:
        return True
    exponent = math.log10(abs(value))
    return value not in NEUTRAL and not math.isclose(exponent, round(exponent), abs_tol=1e-9)


def _floats(node: ast.AST) -> list[float]:
    """Float literals in ``node`` that state a value (module docstring), skipping knob ranges."""
    found = []

    def visit(n, operand=False):
        if isinstance(n, ast.keyword) and n.arg in RANGE_KEYWORDS:
            return
        if isinstance(n, ast.Constant) and _is_constant(n.value, operand):
            found.append(n.value)
        for child in ast.iter_child_nodes(n):
            visit(child, isinstance(n, ast.BinOp) or (operand and isinstance(n, (ast.UnaryOp, ast.IfExp))))

    visit(node)
    return found


def _name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Constant) and isinstance(target.value, str):
        return target.value
    return None


def typed_constants(path: Path) -> list[str]:
    """``file:line name=value`` for every energy/area name bound to a float literal in ``path``."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        pairs = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.keyword) and node.arg:
            pairs = [(ast.Name(node.arg), node.value)]
        elif isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values))
        for target, value in pairs:
            name = _name(target) if target is not None else None
            if name and UNIT_NAME.search(name) and not DIMENSIONLESS.search(name):
                hits += [f"{path.name}:{value.lineno} {name}={v!r}" for v in _floats(value)]
    return hits


@pytest.mark.parametrize("package", _theme_packages(), ids=lambda p: p.name)
def test_no_energy_or_area_constant_in_a_theme(package):
    hits = [h for f in sorted(package.rglob("*.py")) for h in typed_constants(f)]
    assert not hits, f"energy/area constants typed in theme {package.name} (price them in workbench/hardware): {hits}"


def test_the_scan_finds_a_typed_constant(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("e_decoder_fj = 500.0\nx = dict(area_mm2=0.5 * 3.1)\ne_cycle_pj = knob(30.0, low=0.0, high=100.0)\n"
                 "energy_pj = n * 1e-3\ny = {'e_core_pj': 10.0}\ncell_area_f2 = 4.0\narea_um2 = 0.5\n")
    found = [h.split(" ")[1] for h in typed_constants(f)]
    assert sorted(found) == ["area_mm2=3.1", "area_um2=0.5", "e_core_pj=10.0", "e_cycle_pj=30.0", "e_decoder_fj=500.0"]
