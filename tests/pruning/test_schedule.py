import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from workbench.pruning.schedule import PruneSchedule, normalise, select


def test_steps_follow_n_and_n1():
    assert PruneSchedule(every_n_epochs=3, stop_epoch=10).steps() == [2, 5, 8]
    assert PruneSchedule(every_n_epochs=1, stop_epoch=3).steps() == [0, 1, 2]


@given(
    widths=st.lists(st.integers(1, 64), min_size=1, max_size=6),
    n=st.integers(1, 4),
    extra=st.integers(0, 12),
    ratio=st.floats(0, 0.95),
    ranking=st.sampled_from(["global", "layer"]),
)
def test_removals_reach_the_target_and_respect_the_floor(widths, n, extra, ratio, ranking):
    schedule = PruneSchedule(every_n_epochs=n, stop_epoch=n + extra, target_ratio=ratio, ranking=ranking)
    named = {f"l{i}": w for i, w in enumerate(widths)}
    removals = schedule.removals(named)
    assert len(removals) == len(schedule.steps())
    if ranking == "global":
        assert all(r >= 0 for r in removals)
        assert sum(removals) == min(round(ratio * sum(widths)), sum(w - 1 for w in widths))
        assert max(removals) - min(removals) <= 1  # spread evenly
    else:
        for name, w in named.items():
            assert sum(r[name] for r in removals) == min(round(ratio * w), w - 1)


@pytest.mark.parametrize("kwargs,match", [
    ({"every_n_epochs": 0}, "every_n_epochs=0"), ({"stop_epoch": 1, "every_n_epochs": 2}, "stop_epoch=1"),
    ({"target_ratio": 1.0}, "target_ratio=1.0"), ({"ranking": "local"}, "ranking='local'"),
    ({"min_channels": 0}, "min_channels=0"),
])
def test_invalid_schedules_name_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PruneSchedule(**kwargs)


def test_global_selection_ranks_normalised_scores_across_layers():
    scores = {"a": torch.tensor([1.0, 2.0, 3.0, 4.0]), "b": torch.tensor([100.0, 1.0])}
    # Normalised: a = [.18, .37, .55, .73], b = [1.0, .01]: the two lowest are b[1] and a[0].
    keep = select(scores, 2, "global")
    assert keep["a"].tolist() == [1, 2, 3] and keep["b"].tolist() == [0]
    assert normalise(scores)["b"].norm().item() == pytest.approx(1.0)


def test_global_selection_keeps_the_floor():
    scores = {"a": torch.tensor([0.1, 0.2, 0.3]), "b": torch.tensor([5.0, 6.0, 7.0])}
    keep = select(scores, 4, "global", min_channels=1)
    assert len(keep["a"]) == 1 and len(keep["b"]) == 1


def test_layer_selection_removes_lowest_in_each_layer():
    scores = {"a": torch.tensor([3.0, 1.0, 2.0]), "b": torch.tensor([0.5, 0.1])}
    keep = select(scores, {"a": 2, "b": 1}, "layer")
    assert keep["a"].tolist() == [0] and keep["b"].tolist() == [0]
    with pytest.raises(ValueError, match="per layer"):
        select(scores, 2, "layer")
