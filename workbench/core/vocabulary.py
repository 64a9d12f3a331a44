"""One vocabulary across themes: the canonical metric names (one unit each) and the shared knob declarations.

A quantity every theme reports has one name and one unit here, so a chart or a search that mixes studies compares
like with like (``docs/design.md`` § studies). A study declares such a metric through :func:`canonical_metric`,
which fixes the name, unit and direction and lets the study say in its own words what it measured; a shared knob
(seed, epochs, learning rate) comes from the factories below with one name, unit and label. A registry-looped test
(``tests/core/test_vocabulary.py``) checks every registered study against these declarations.

The accuracy triple follows one convention: ``accuracy`` is the technique's accuracy (on the hardware, with the
dynamic or pruned network), ``accuracy_float`` the same network's reference accuracy without the technique (float,
ideal devices, static), and ``accuracy_drop`` = ``accuracy_float`` - ``accuracy`` in percentage points.
"""

from __future__ import annotations

from workbench.core.knobs import Float, Int
from workbench.core.study import Metric

#: The canonical metrics: name -> (unit, better direction, axis label).
CANONICAL_METRICS: dict[str, tuple[str, str, str]] = {
    "accuracy": ("%", "max", "accuracy"),
    "accuracy_float": ("%", "max", "float accuracy"),
    "accuracy_drop": ("pp", "min", "accuracy drop"),
    "energy_per_inference_nj": ("nJ", "min", "energy / inference"),
    "latency_per_inference_us": ("us", "min", "latency / inference"),
    "area_mm2": ("mm2", "min", "area"),
}

#: Unit a metric name's suffix promises (``read_energy_pj`` is in pJ); the test checks each declared unit against it.
SUFFIX_UNITS: dict[str, str] = {
    "_nj": "nJ", "_pj": "pJ", "_fj": "fJ", "_uj": "uJ", "_us": "us", "_ns": "ns", "_ms": "ms", "_s": "s",
    "_mm2": "mm2", "_um2": "um2", "_ua": "uA", "_mv": "mV", "_pct": "%",
}

#: Highest seed any study accepts (the PaD detector's own training videos use seeds above it).
SEED_HIGH = 9_999


def canonical_metric(name: str, help: str, label: str = "") -> Metric:
    """The canonical metric ``name`` with the study's own description.

    Parameters
    ----------
    name : str
        A key of :data:`CANONICAL_METRICS`.
    help : str
        What this study measures under the name (one sentence).
    label : str
        Axis label when the study's wording is clearer than the canonical one ("accuracy on hardware").
    """
    if name not in CANONICAL_METRICS:
        raise ValueError(f"metric {name!r} is not canonical; allowed: {', '.join(CANONICAL_METRICS)}")
    unit, better, default_label = CANONICAL_METRICS[name]
    return Metric(name, unit, better, help, label or default_label)


def seed_knob(help: str) -> Int:
    """The ``seed`` knob: one name, range and label in every study; ``help`` says what it seeds."""
    return Int("seed", 0, low=0, high=SEED_HIGH, help=help)


def epochs_knob(default: int, *, high: int, help: str, low: int = 1, label: str = "") -> Int:
    """The ``epochs`` knob in epochs (a theme chooses its default and range: digits trains in 15, CIFAR in 200; a
    stage names which training it counts in ``label``, e.g. ``"ternary fine-tuning"``)."""
    return Int("epochs", default, low=low, high=high, unit="epochs", label=label, help=help)


def lr_knob(default: float, *, help: str, low: float = 1e-3, high: float = 0.5) -> Float:
    """The ``lr`` knob (initial learning rate, log scale)."""
    return Float("lr", default, low=low, high=high, log=True, label="learning rate", help=help)
