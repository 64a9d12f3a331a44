"""Stored results are current results: one seed point of every batch study, recomputed now, gives the stored metrics.

A change that alters a study's results must bump its version and regenerate its seeds (`workbench sweep ...
--write-seed`); this test catches the case where it did not. The recomputed point is the cheapest row of each seed
file (fewest epochs), so the whole test costs one short training run per batch study.

A trained metric moves with the processor that recomputes it (float rounding in torch / MKL / oneDNN kernels sends
training down another trajectory: issue 23), so each metric is compared within the tolerance that
:mod:`workbench.core.seed_spread` derives from its measured spread over five training seeds and four kernel sets
(``data/reference/seeds/spread.csv``): ``max(4 * sqrt(2) * sd_kernels, sd_seeds)``. A metric that moved with
neither (op and MAC counts, analytic costs) has tolerance 0 and is compared exactly. `.ci/run` runs this file a second
time under ``ATEN_CPU_CAPABILITY=default``, so a stored point that holds on one kernel set only fails in CI.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench.core.paths import reference_dir
from workbench.core.registry import get_study
from workbench.core.seed_spread import check_point, read_tolerances, spread_path

SEEDS = sorted((reference_dir() / "seeds").glob("*.parquet"))
TOLERANCES = read_tolerances().set_index(["study", "metric"])


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_file_has_a_current_spread_measurement(path):
    study = get_study(path.stem)
    measured = TOLERANCES.xs(study.name, level="study") if study.name in TOLERANCES.index.levels[0] else None
    scalar = sorted(m.name for m in study.metrics if not m.measured)
    assert measured is not None and sorted(measured.index) == scalar, (
        f"{spread_path()} has no spread for every metric of {study.name}: run `workbench regenerate seed-spread`")
    assert set(measured["study_version"]) == {str(study.version)}, (
        f"{study.name} is at version {study.version} but its spread was measured at {set(measured['study_version'])}:"
        " run `workbench regenerate seed-spread`")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_file_is_what_its_sidecar_recorded(path):
    """Issue 30: a shipped file carries its content hash; an altered or damaged one is refused by name on import."""
    import json

    from workbench.core.files import content_sha256

    assert json.loads(path.with_suffix(".json").read_text())["sha256"] == content_sha256(path), (
        f"{path} differs from what its sidecar recorded; regenerate it with `workbench sweep ... --write-seed`")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_a_seed_point_recomputes_to_its_stored_metrics(path):
    study = get_study(path.stem)
    stored = pd.read_parquet(path)
    params = check_point(stored, study.knob_names)
    row = stored[(stored[study.knob_names] == pd.Series(params)).all(axis=1)].iloc[0]
    fresh = study.evaluate(params)
    for metric in study.metrics:
        if metric.measured:
            continue
        old, new = float(row[metric.name]), float(fresh[metric.name])
        spread = TOLERANCES.loc[(study.name, metric.name)]
        tolerance = float(spread["tolerance"])
        assert (math.isnan(old) and math.isnan(new)) or abs(new - old) <= tolerance + 1e-6 * abs(old) + 1e-9, (
            f"{study.name} {params}: {metric.name} stored {old}, recomputed {new}, allowed +-{tolerance:.4g} (the "
            f"larger of 4 sqrt(2) x sd over {spread['kernel_sets']} kernel sets = "
            f"{4 * math.sqrt(2) * spread['sd_kernels']:.4g} and sd over {spread['seeds']} seeds = "
            f"{spread['sd_seeds']:.4g}); bump the study's version and regenerate "
            f"data/reference/seeds/{path.name} with `workbench sweep {study.name} ... --write-seed`")


def test_tolerances_are_zero_for_a_metric_that_moves_with_nothing_and_follow_the_kernels_above_the_seed_floor():
    """The derivation itself, on made-up runs: equal runs give 0; kernel spread gives 4 sqrt(2) sd of it; a metric
    the kernels did not move keeps one seed sd."""
    from workbench.core.seed_spread import tolerances

    settings = ["native", "avx2", "portable", "1", "2"]
    sources = ["kernels"] * 3 + ["seed"] * 2
    values = {"exact": [7.0] * 5, "chaotic": [90.0, 93.0, 87.0, 91.0, 89.0], "calm": [90.0, 90.0, 90.0, 95.0, 85.0]}
    runs = pd.DataFrame([{"study": "s", "study_version": "1", "metric": metric, "source": source, "setting": setting,
                          "value": value, "seconds": 1.0}
                         for metric, series in values.items()
                         for source, setting, value in zip(sources, settings, series, strict=True)])
    table = tolerances(runs).set_index("metric")
    assert table.loc["exact", "tolerance"] == 0
    assert table.loc["chaotic", "kernel_range"] == 6.0 and table.loc["chaotic", "sd_kernels"] == pytest.approx(3.0)
    assert table.loc["chaotic", "tolerance"] == pytest.approx(4 * math.sqrt(2) * 3.0)
    assert table.loc["calm", "sd_kernels"] == 0
    assert table.loc["calm", "tolerance"] == pytest.approx(pd.Series([90.0, 95.0, 85.0]).std()) == 5.0
