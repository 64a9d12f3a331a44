"""One vocabulary: a metric name means one unit in every registered study, the canonical quantities use their
canonical names, a name's unit suffix agrees with its declared unit, and ``seed`` is declared once."""

from __future__ import annotations

import pytest

from workbench.core import list_studies
from workbench.core.manifest import list_manifests
from workbench.core.registry import get_study
from workbench.core.vocabulary import CANONICAL_METRICS, SEED_HIGH, SUFFIX_UNITS

#: Every theme's studies (not the sample studies other tests register).
STUDIES = [name for manifest in list_manifests() for name in list_studies(theme=manifest.theme)]

#: Names that once meant a canonical quantity; none may come back under another name.
RETIRED = {"accuracy_crossbar", "fp_accuracy", "static_accuracy", "accuracy_loss", "test_accuracy", "accuracy_ideal",
           "degradation_pct", "hardware_loss", "network_accuracy", "energy_nj", "latency_us",
           "energy_per_inference_uj"}


def test_a_metric_name_means_one_unit_in_every_study():
    units: dict[str, dict[str, str]] = {}
    for name in STUDIES:
        for metric in get_study(name).metrics:
            units.setdefault(metric.name, {})[name] = metric.unit
    mixed = {metric: by_study for metric, by_study in units.items() if len(set(by_study.values())) > 1}
    assert not mixed, f"one metric name, several units: {mixed}"


@pytest.mark.parametrize("name", STUDIES)
def test_canonical_quantities_carry_their_canonical_name_and_unit(name):
    for metric in get_study(name).metrics:
        assert metric.name not in RETIRED, f"{name}: {metric.name!r} is a retired name of a canonical metric"
        if metric.name in CANONICAL_METRICS:
            unit, better, _ = CANONICAL_METRICS[metric.name]
            assert (metric.unit, metric.better) == (unit, better), f"{name}.{metric.name}"
        elif "accuracy" in metric.name:
            pytest.fail(f"{name}: {metric.name!r} names an accuracy outside the canonical "
                        f"{sorted(n for n in CANONICAL_METRICS if 'accuracy' in n)}")


@pytest.mark.parametrize("name", STUDIES)
def test_a_unit_suffix_agrees_with_the_declared_unit(name):
    for metric in get_study(name).metrics:
        suffix = next((s for s in SUFFIX_UNITS if metric.name.endswith(s)), None)
        if suffix is not None:  # "tops_per_mm2" is in TOPS/mm2: the suffix names the denominator
            unit = SUFFIX_UNITS[suffix]
            assert metric.unit in (unit, f"{metric.unit.split('/')[0]}/{unit}"), \
                f"{name}.{metric.name} is declared in {metric.unit!r}, its name says {unit!r}"


@pytest.mark.parametrize("name", [n for n in STUDIES if "seed" in get_study(n).knob_names])
def test_seed_is_one_declaration(name):
    seed = get_study(name).knob("seed")
    assert (seed.default, seed.low, seed.high) == (0, 0, SEED_HIGH)


@pytest.mark.parametrize("name", STUDIES)
def test_epochs_and_learning_rate_are_the_shared_declarations(name):
    """A stage's own (``pruning.train.epochs`` in the composed study) included."""
    for knob in get_study(name).knobs:
        plain = knob.name.rsplit(".", 1)[-1]
        if plain == "epochs":
            assert knob.unit == "epochs", knob.name
        if plain == "lr":
            assert knob.log and knob.label == "learning rate", knob.name
