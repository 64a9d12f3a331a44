import pytest
import torch

from workbench.nn import count_macs, resnet, vgg
from workbench.pruning.analytic import channel_links, compare, profile, schedule_costs
from workbench.pruning.schedule import PruneSchedule


@pytest.mark.parametrize("network,build", [("vgg8", lambda: vgg("vgg8", 10, 3, 16)),
                                           ("resnet20", lambda: resnet(20, 10, 3))])
def test_profile_cost_matches_counting_a_physically_pruned_network(network, build):
    prof = profile(network, 16)
    model = build()
    full = count_macs(model, (3, 16, 16))
    assert prof.cost(model.widths()) == pytest.approx((full.macs, full.memory_accesses))
    generator = torch.Generator().manual_seed(0)
    for name, width in model.widths().items():
        keep = torch.randperm(width, generator=generator)[: max(1, width // 3)]
        model.remove_channels(name, keep)
    pruned = count_macs(model, (3, 16, 16))
    assert prof.cost(model.widths()) == pytest.approx((pruned.macs, pruned.memory_accesses))


def test_links_follow_the_data_flow():
    links = channel_links(vgg([4, "M", 8], input_size=8))
    assert links == {"features.0": (None, "features.0"), "features.4": ("features.0", "features.4"),
                     "classifier": ("features.4", None)}
    links = channel_links(resnet(8))
    assert links["blocks.0.conv1"] == (None, "blocks.0.conv1")
    assert links["blocks.0.conv2"] == ("blocks.0.conv1", None)
    assert links["blocks.1.shortcut.0"] == (None, None)


def test_without_pruning_the_saving_is_the_retraining_share():
    prof = profile("vgg8", 16)
    result = compare(prof, PruneSchedule(2, 10, 0.0, "layer"), epochs=40, retrain_epochs=10)
    assert result["compute_saving"] == pytest.approx(10 / 50)
    assert result["memory_saving"] == pytest.approx(10 / 50)


def test_saving_grows_with_the_target_and_earlier_pruning():
    prof = profile("vgg16", 32)
    savings = [compare(prof, PruneSchedule(10, 100, t, "layer"), 200, 10)["compute_saving"] for t in (0.2, 0.5, 0.8)]
    assert savings == sorted(savings)
    early = compare(prof, PruneSchedule(5, 50, 0.5, "layer"), 200, 10)["compute_saving"]
    assert early > savings[1]


def test_per_epoch_costs_step_down_after_each_prune():
    prof = profile("vgg8", 16)
    costs = [c[0] for c in schedule_costs(prof, PruneSchedule(3, 9, 0.5, "layer"), epochs=12)]
    assert costs[0] == costs[1] == costs[2] > costs[3] == costs[5] > costs[6] > costs[9] == costs[11]


def test_global_ranking_is_not_analytic():
    with pytest.raises(ValueError, match="ranking='global'"):
        schedule_costs(profile("vgg8", 16), PruneSchedule(2, 4, 0.5, "global"), 4)
    with pytest.raises(ValueError, match="stop_epoch=20"):
        compare(profile("vgg8", 16), PruneSchedule(2, 20, 0.5, "layer"), 10, 1)


def test_saving_curve_grows_with_the_target_and_as_pruning_stops_earlier():
    from workbench.pruning.analytic import saving_curve

    stops = (0.25, 0.5, 0.75, 1.0)
    targets = (0.3, 0.5, 0.8)
    rows = saving_curve(profile("vgg8", 16), epochs=40, every_n=5, retrain_epochs=2, targets=targets,
                        stop_fractions=stops)
    assert len(rows) == len(stops) * len(targets)
    for key in ("compute_saving", "memory_saving"):
        for target in targets:
            along = [r[key] for r in rows if r["target_ratio"] == target]  # N1 / E growing
            assert along == sorted(along, reverse=True) and along[0] > along[-1]
        for stop in stops:
            along = [r[key] for r in rows if r["stop_fraction"] == stop]  # target growing
            assert along == sorted(along) and along[0] < along[-1]
    assert any(r["compute_saving"] != pytest.approx(r["memory_saving"], abs=1e-6) for r in rows)
    with pytest.raises(ValueError, match="N1 / E"):
        saving_curve(profile("vgg8", 16), epochs=40, every_n=5, retrain_epochs=2, targets=(0.5,),
                     stop_fractions=(1.5,))


def test_memory_saving_depends_on_the_batch_through_the_update_traffic():
    prof = profile("vgg8", 16)
    schedule = PruneSchedule(3, 9, 0.5, "layer")
    small, large = (compare(prof, schedule, 12, 1, batch)["memory_saving"] for batch in (1, 512))
    assert small != pytest.approx(large, abs=1e-6)
    assert compare(prof, schedule, 12, 1, 1)["compute_saving"] == compare(prof, schedule, 12, 1, 512)["compute_saving"]


@pytest.mark.parametrize("every_n, stop_epoch, target", [(1, 30, 0.5), (5, 100, 0.3), (7, 7, 0.9)])
def test_compare_counts_each_distinct_width_once_and_sums_the_same_numbers(every_n, stop_epoch, target):
    """compare prices an epoch once per distinct widths; its totals equal the epoch-by-epoch sum, bit for bit."""
    from workbench.pruning.accounting import TRAIN_PASSES
    from workbench.pruning.analytic import schedule_widths

    prof, schedule = profile("vgg16", 32), PruneSchedule(every_n, stop_epoch, target, "layer")
    result = compare(prof, schedule, 120, 10)
    widths = schedule_widths(prof, schedule, 120)
    assert result["pwt_macs"] == sum(TRAIN_PASSES * prof.cost(w)[0] for w in widths)
    assert result["pwt_memory"] == sum(prof.training_memory(w, 128).total for w in widths)
