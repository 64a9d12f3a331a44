import pytest
import torch

import workbench.pruning.trainer as trainer
from workbench.datasets import digits, make_loaders
from workbench.nn import resnet, vgg
from workbench.pruning.schedule import PruneSchedule
from workbench.pruning.trainer import prune_while_training, train_prune_retrain

CFG = [16, "M", 32, "M", 32]


@pytest.fixture(scope="module")
def loaders():
    return make_loaders(digits(size=8, seed=0), batch_size=64)


def small_vgg():
    torch.manual_seed(0)
    return vgg(CFG, num_classes=10, in_channels=1, input_size=8)


def hand_forward_macs(widths):
    """3x3 convs at 8x8, 4x4, 2x2 on 1 input channel, then a 10-way linear layer."""
    c1, c2, c3 = widths["features.0"], widths["features.4"], widths["features.8"]
    return 64 * 9 * 1 * c1 + 16 * 9 * c1 * c2 + 4 * 9 * c2 * c3 + c3 * 10


def test_run_compute_is_three_forward_passes_of_the_live_network_per_epoch(loaders):
    run = prune_while_training(small_vgg(), loaders, criterion="l1", epochs=5,
                               schedule=PruneSchedule(every_n_epochs=1, stop_epoch=4, target_ratio=0.5))
    samples = len(loaders.train.dataset)
    widths = [h["widths"] for h in run.history]
    assert widths[0] == {"features.0": 16, "features.4": 32, "features.8": 32}
    assert len({tuple(w.values()) for w in widths}) == 5  # a different network every epoch (4 steps + final)
    expected = sum(3 * hand_forward_macs(w) * samples for w in widths)
    assert run.train_macs == expected
    assert run.pruned_fraction == pytest.approx(0.5, abs=1 / 80)
    assert hand_forward_macs(run.final_widths) < hand_forward_macs(widths[0]) / 2
    assert run.overhead_macs == 0  # L1 reads only the weights


def test_weights_still_update_after_each_prune_step(loaders, monkeypatch):
    snapshots = []
    original = trainer.apply_keep

    def spy(model, keep):
        removed = original(model, keep)
        snapshots.append([p.detach().clone() for p in model.parameters()])
        return removed

    monkeypatch.setattr(trainer, "apply_keep", spy)
    run = prune_while_training(small_vgg(), loaders, criterion="activation", epochs=3,
                               schedule=PruneSchedule(every_n_epochs=1, stop_epoch=2, target_ratio=0.4))
    assert len(snapshots) == 2
    after_last_prune = snapshots[-1]
    final = list(run.model.parameters())
    assert [p.shape for p in final] == [p.shape for p in after_last_prune]
    assert all(not torch.equal(a, b) for a, b in zip(after_last_prune, final))


@pytest.mark.parametrize("criterion", ["l1", "frs"])
def test_half_the_filters_pruned_while_training_still_classifies_well(loaders, criterion):
    run = prune_while_training(small_vgg(), loaders, criterion=criterion, epochs=6, lr=0.05,
                               schedule=PruneSchedule(every_n_epochs=1, stop_epoch=3, target_ratio=0.5))
    assert run.pruned_fraction == pytest.approx(0.5, abs=0.02)
    assert run.test_accuracy > 0.85  # chance is 0.10


def test_baseline_trains_prunes_once_and_retrains(loaders):
    run = train_prune_retrain(small_vgg(), loaders, criterion="l1", target_ratio=0.5, epochs=3, retrain_epochs=2)
    assert [h["epoch"] for h in run.history] == [0, 1, 2, 3, 4]
    full, pruned = run.history[0]["train_macs"], run.history[-1]["train_macs"]
    assert all(h["train_macs"] == full for h in run.history[:3])
    assert all(h["train_macs"] == pruned for h in run.history[3:]) and pruned < full
    assert run.pruned_fraction == pytest.approx(0.5, abs=1 / 80)
    assert run.test_accuracy > 0.5


def test_pruning_while_training_costs_less_than_the_baseline(loaders):
    schedule = PruneSchedule(every_n_epochs=1, stop_epoch=2, target_ratio=0.5)
    pwt = prune_while_training(small_vgg(), loaders, epochs=3, schedule=schedule)
    base = train_prune_retrain(small_vgg(), loaders, target_ratio=0.5, epochs=3, retrain_epochs=2)
    assert pwt.total_macs < base.total_macs
    assert pwt.train_memory < base.train_memory
    assert sum(pwt.final_widths.values()) == sum(base.final_widths.values())


def test_resnet_prunes_while_training(loaders):
    torch.manual_seed(0)
    model = resnet(8, num_classes=10, in_channels=1, width_mult=0.5)
    run = prune_while_training(model, loaders, criterion="frs", epochs=2,
                               schedule=PruneSchedule(every_n_epochs=1, stop_epoch=2, target_ratio=0.5))
    assert run.pruned_fraction == pytest.approx(0.5, abs=0.05)
    device = next(run.model.parameters()).device  # "auto" runs on a GPU where there is one
    assert run.model(torch.zeros(1, 1, 8, 8, device=device)).shape == (1, 10)


def test_resume_mid_schedule_matches_an_uninterrupted_run(loaders, tmp_path, monkeypatch):
    schedule = PruneSchedule(every_n_epochs=1, stop_epoch=3, target_ratio=0.5)
    full = prune_while_training(small_vgg(), loaders, epochs=4, schedule=schedule)
    path = tmp_path / "pwt.pt"
    calls = []
    original = trainer.apply_keep

    def crash_on_second_prune(model, keep):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return original(model, keep)

    monkeypatch.setattr(trainer, "apply_keep", crash_on_second_prune)
    with pytest.raises(RuntimeError, match="power cut"):
        prune_while_training(small_vgg(), loaders, epochs=4, schedule=schedule, checkpoint=path)
    monkeypatch.setattr(trainer, "apply_keep", original)
    resumed = prune_while_training(small_vgg(), loaders, epochs=4, schedule=schedule, checkpoint=path)
    assert resumed.final_widths == full.final_widths
    assert resumed.train_macs == full.train_macs
    assert resumed.test_accuracy == full.test_accuracy


def test_invalid_arguments_name_the_field(loaders):
    with pytest.raises(ValueError, match="stop_epoch=10"):
        prune_while_training(small_vgg(), loaders, epochs=5, schedule=PruneSchedule(stop_epoch=10))
    with pytest.raises(ValueError, match="criterion='taylor'"):
        prune_while_training(small_vgg(), loaders, criterion="taylor")
    with pytest.raises(ValueError, match="retrain_epochs=-1"):
        train_prune_retrain(small_vgg(), loaders, retrain_epochs=-1)
