"""Stored results are current results: one seed point of every batch study, recomputed now, gives the stored metrics.

A change that alters a study's results must bump its version and regenerate its seeds (`workbench sweep ...
--write-seed`); this test catches the case where it did not. The recomputed point is the cheapest row of each seed
file (fewest epochs), so the whole test costs one short training run per batch study.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench.core.paths import reference_dir
from workbench.core.registry import get_study

SEEDS = sorted((reference_dir() / "seeds").glob("*.parquet"))


def _cheapest_row(frame: pd.DataFrame, knobs: list[str]) -> dict:
    cost_knobs = [k for k in ("epochs", "retrain_epochs", "frames", "samples") if k in knobs]
    row = frame.sort_values(cost_knobs, kind="stable").iloc[0] if cost_knobs else frame.iloc[0]
    return {k: (row[k].item() if hasattr(row[k], "item") else row[k]) for k in knobs}


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_a_seed_point_recomputes_to_its_stored_metrics(path):
    study = get_study(path.stem)
    stored = pd.read_parquet(path)
    params = _cheapest_row(stored, study.knob_names)
    row = stored[(stored[study.knob_names] == pd.Series(params)).all(axis=1)].iloc[0]
    fresh = study.evaluate(params)
    for metric in study.metrics:
        if metric.measured:
            continue
        old, new = float(row[metric.name]), float(fresh[metric.name])
        assert (math.isnan(old) and math.isnan(new)) or new == pytest.approx(old, rel=1e-6, abs=1e-9), (
            f"{study.name} {params}: {metric.name} stored {old}, recomputed {new}; bump the study's version and "
            f"regenerate data/reference/seeds/{path.name} with `workbench sweep {study.name} ... --write-seed`")
