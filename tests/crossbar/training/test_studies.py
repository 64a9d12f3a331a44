"""Tests of the crossbar-aware training studies, views and reproduction rows (small real versions)."""

import pandas as pd
import pytest

from workbench.crossbar.training.reproduce import _ops_row
from workbench.crossbar.training.studies import OPS, TRAINING, with_ops
from workbench.crossbar.training.views import accuracy_curves, degradation, step_time

SMALL = dict(epochs=1, hidden=8, tile_size=16, dataset="digits")


def test_each_ops_setting_maps_to_the_three_switches():
    for name, flags in OPS.items():
        config = with_ops(TRAINING.arguments(TRAINING.defaults())["config"], name)
        assert (config.forward, config.backward, config.update) == flags


def test_training_point_reports_accuracy_and_degradation_against_the_ideal_run():
    ideal = TRAINING.evaluate(**SMALL, nonideal_ops="ideal")
    assert ideal["accuracy_drop"] == 0.0 and ideal["accuracy"] == ideal["accuracy_float"]
    full = TRAINING.evaluate(**SMALL, nonideal_ops="all")
    assert full["accuracy_float"] == ideal["accuracy"]
    assert full["accuracy_drop"] == pytest.approx(full["accuracy_float"] - full["accuracy"])
    assert len(full["accuracy_per_epoch"]) == 1 and full["layer_matrices"] == [[64, 8], [8, 10]]


def test_the_cnn_runs_its_convolutions_on_the_crossbars():
    full = TRAINING.evaluate(**SMALL, network="cnn", nonideal_ops="all")
    # 3x3 kernels of 1 -> 4 and 4 -> 8 channels, then 8 channels x 2 x 2 after two poolings of the 8x8 digits
    assert full["layer_matrices"] == [[9, 4], [36, 8], [32, 10]]
    ideal = TRAINING.evaluate(**SMALL, network="cnn", nonideal_ops="ideal")
    assert full["accuracy_float"] == ideal["accuracy"]


@pytest.mark.parametrize("knob, value", [("refresh_every", 0), ("nu", -1.0), ("pulses", 0), ("gamma", 5.0)])
def test_bad_knobs_are_clear_errors(knob, value):
    with pytest.raises(ValueError, match=f"{knob}"):
        TRAINING.validate(**{knob: value})


def test_views_say_what_is_missing_on_an_empty_store():
    empty = {TRAINING.name: pd.DataFrame()}
    for _chart, frame in (accuracy_curves("digits", empty), degradation(empty),
                         step_time({"crossbar.training_speed": pd.DataFrame()})):
        assert "note" in frame.columns


def test_every_operation_is_modelled():
    row = _ops_row(quick=True)
    assert row.claim == "T1" and row.within and row.workbench == "forward, backward, update"
