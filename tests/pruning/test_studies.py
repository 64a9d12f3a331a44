
import pytest

from workbench.core import get_study, list_studies
from workbench.pruning.experiment import build_network, load_dataset
from workbench.viz.charts import load_reference

STUDIES = ["pruning.schedule_cost", "pruning.train_prune_retrain", "pruning.while_training"]


def test_studies_are_registered():
    assert list_studies("pruning.*") == STUDIES
    assert get_study("pruning.schedule_cost").cost == "interactive"
    assert get_study("pruning.while_training").cost == "batch"


def test_schedule_cost_is_interactive_and_plausible():
    """Its speed is measured by benchmarks/bench_ui.py (knob change -> chart), not asserted here."""
    study = get_study("pruning.schedule_cost")
    assert study.cost == "interactive"
    result = study.evaluate(target_ratio=0.8)
    assert 0 < result["compute_saving"] < 100
    assert result["pwt_gmac_per_sample"] < result["baseline_gmac_per_sample"]
    # 80% of the filters of every layer: about 1 - 0.2^2 = 96% fewer forward MACs.
    assert result["inference_mac_reduction"] == pytest.approx(96, abs=1.5)


@pytest.mark.parametrize("name,extra", [("pruning.while_training", {"every_n": 1, "stop_epoch": 2}),
                                        ("pruning.train_prune_retrain", {"retrain_epochs": 1})])
def test_batch_studies_return_every_metric(name, extra):
    study = get_study(name)
    result = study.evaluate(width_mult=0.125, epochs=3, target_ratio=0.5, **extra)
    assert result["filters_pruned"] == pytest.approx(50, abs=1)
    assert 10 < result["accuracy"] <= 100
    assert result["train_gmac"] > 0 and result["latency_ms"] > 0
    assert set(result["final_widths"]) == set(result["initial_widths"])
    assert sum(result["final_widths"].values()) < sum(result["initial_widths"].values())


def test_reference_points_are_the_papers_labelled_points():
    study = get_study("pruning.schedule_cost")
    ref = load_reference(True, study).set_index("label")
    assert ref.loc["PWT paper (VGG-16 CIFAR-10)", "compute_saving"] == 41
    assert ref.loc["FRS paper (ResNet-110 CIFAR-10)", "inference_mac_reduction"] == 56
    assert set(ref.columns) - {"source"} <= set(study.knob_names + study.metric_names)


def test_schedule_constraints_name_the_knobs():
    study = get_study("pruning.while_training")
    with pytest.raises(ValueError, match="stop_epoch=20"):
        study.validate(stop_epoch=20, epochs=10)
    with pytest.raises(ValueError, match="stop_epoch=10"):
        study.validate(stop_epoch=10, epochs=10)
    with pytest.raises(ValueError, match="every_n=8"):
        study.validate(every_n=8, stop_epoch=4)


def test_cifar_without_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    load_dataset.cache_clear()
    with pytest.raises(FileNotFoundError, match="datasets"):
        load_dataset("cifar10")
    load_dataset.cache_clear()


def test_networks_fit_the_data():
    splits = load_dataset("synthetic")
    model = build_network("resnet20", splits, 0.25)
    assert model.classifier.out_features == 10 and model.conv.in_channels == 3
    with pytest.raises(ValueError, match="alexnet"):
        build_network("alexnet", splits)
