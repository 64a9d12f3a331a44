import re

import pytest
import torch

from workbench.core.progress import Cancelled, Reporter, reporting
from workbench.datasets import digits, make_loaders
from workbench.nn import evaluate_accuracy, fit, vgg
from workbench.nn.train import learning_rate


@pytest.fixture(scope="module")
def loaders():
    return make_loaders(digits(size=8, seed=0), batch_size=64)


def small_model():
    torch.manual_seed(0)
    return vgg([16, "M", 32, "M", 32], num_classes=10, in_channels=1, input_size=8)


def test_two_epochs_on_digits_reach_well_above_chance(loaders):
    result = fit(small_model(), loaders.train, loaders.val, epochs=2, lr=0.05, seed=0)
    assert len(result.history) == 2
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert evaluate_accuracy(result.model, loaders.test) > 0.7  # chance is 0.1


def test_same_seed_same_weights(loaders):
    a = fit(small_model(), loaders.train, epochs=1, seed=3).model
    b = fit(small_model(), loaders.train, epochs=1, seed=3).model
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)


class Interrupted(Exception):
    pass


def test_resume_from_checkpoint_matches_an_uninterrupted_run(loaders, tmp_path):
    path = tmp_path / "run.pt"
    full = fit(small_model(), loaders.train, loaders.val, epochs=3, seed=1).model
    def crash(epoch, model):
        if epoch == 1:
            raise Interrupted
        return False

    with pytest.raises(Interrupted):
        fit(small_model(), loaders.train, loaders.val, epochs=3, seed=1, checkpoint=path, epoch_hook=crash)
    # The hook interrupted after epoch 1 (0-based) finished but before its checkpoint: one epoch is stored.
    assert torch.load(path, weights_only=True)["epoch"] == 1
    resumed = fit(small_model(), loaders.train, loaders.val, epochs=3, seed=1, checkpoint=path)
    assert [h["epoch"] for h in resumed.history] == [0, 1, 2]
    for p, q in zip(full.parameters(), resumed.model.parameters()):
        torch.testing.assert_close(p, q)


def test_cancellation_stops_between_epochs(loaders):
    reporter = Reporter()
    reporter.cancel.set()
    with reporting(reporter), pytest.raises(Cancelled):
        fit(small_model(), loaders.train, epochs=2)


def test_epoch_hook_that_prunes_rebuilds_the_optimizer(loaders):
    snapshot = []

    def hook(epoch, model):
        if epoch > 0:
            return False
        model.remove_channels("features.0", range(model.widths()["features.0"] // 2))
        snapshot.extend(p.detach().clone() for p in model.parameters())
        return True

    model = fit(small_model(), loaders.train, epochs=2, epoch_hook=hook, lr=0.05).model
    assert model.widths()["features.0"] == 8
    # Every parameter, including the ones rebuilt by the removal, moved during the epoch after the prune.
    assert all(not torch.equal(a, b) for a, b in zip(snapshot, model.parameters()))


def test_epoch_log_joins_the_history_and_sees_the_model_before_the_hook(loaders):
    def hook(epoch, model):
        model.remove_channels("features.0", range(model.widths()["features.0"] // 2))
        return True

    result = fit(small_model(), loaders.train, epochs=2, epoch_hook=hook,
                 epoch_log=lambda model: {"width": model.widths()["features.0"]})
    assert [h["width"] for h in result.history] == [16, 8]


def test_learning_rate_schedule():
    assert learning_rate(0, 10, 0.1, "cosine") == pytest.approx(0.1)
    assert learning_rate(5, 10, 0.1, "cosine") == pytest.approx(0.05)
    assert learning_rate(7, 10, 0.1, "constant") == 0.1


@pytest.mark.parametrize("kwargs,match", [({"epochs": 0}, "epochs=0"), ({"lr": -1}, "lr=-1"),
                                          ({"schedule": "step"}, "schedule='step'")])
def test_invalid_settings_name_the_field(loaders, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit(small_model(), loaders.train, **kwargs)


@pytest.mark.parametrize("content", [b"garbage\n", None])
def test_unreadable_checkpoint_is_named_and_left_untouched(loaders, tmp_path, content):
    path = tmp_path / "run.pt"
    if content is None:
        torch.save({"something": "else"}, path)
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"run\.pt is not a readable training checkpoint"):
        fit(small_model(), loaders.train, epochs=1, checkpoint=path)
    assert path.read_bytes() == before


def test_a_checkpoint_with_a_nan_weight_is_named_not_resumed(loaders, tmp_path):
    path = tmp_path / "run.pt"

    def stop(epoch, model):
        if epoch == 1:  # after epoch 0's checkpoint
            raise Interrupted
        return False

    with pytest.raises(Interrupted):
        fit(small_model(), loaders.train, epochs=2, checkpoint=path, epoch_hook=stop)
    state = torch.load(path, weights_only=True)
    name = next(n for n, t in state["model"].items() if t.is_floating_point())
    state["model"][name].view(-1)[0] = float("nan")
    torch.save(state, path)
    with pytest.raises(ValueError, match=rf"run\.pt is not a readable training checkpoint of this model "
                                         rf"\(DamagedFile: {re.escape(name)} holds 1 non-finite value"):
        fit(small_model(), loaders.train, epochs=2, checkpoint=path)


class _Exploit:
    """A pickle payload that creates ``marker`` when unpickled without ``weights_only``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def test_a_crafted_checkpoint_runs_no_code_and_is_named(loaders, tmp_path):
    path, marker = tmp_path / "run.pt", tmp_path / "pwned"
    torch.save({"format": "workbench-fit-checkpoint-2", "model": _Exploit(marker)}, path)
    with pytest.raises(ValueError, match=r"run\.pt is not a readable training checkpoint.*UnpicklingError"):
        fit(small_model(), loaders.train, epochs=1, checkpoint=path)
    assert not marker.exists()
    torch.load(path, weights_only=False)  # the same file, fully unpickled, does run its code
    assert marker.exists()


def test_a_pruned_run_resumes_from_a_plain_data_checkpoint(loaders, tmp_path):
    path = tmp_path / "run.pt"

    def prune_then_stop(epoch, model):
        model.remove_channels("features.0", range(5))
        return True

    first = fit(small_model(), loaders.train, epochs=1, seed=2, checkpoint=path, epoch_hook=prune_then_stop).model
    state = torch.load(path, weights_only=True)
    assert state["widths"]["features.0"] == 5 and state["epoch"] == 1
    resumed = fit(small_model(), loaders.train, epochs=1, seed=2, checkpoint=path).model
    assert resumed.widths() == first.widths()
    for p, q in zip(first.parameters(), resumed.parameters()):
        torch.testing.assert_close(p, q)


def test_tensor_batches_follow_the_epoch_and_another_optimizer_plugs_in(tmp_path):
    """An in-memory loader ordered by the epoch resumes to the same weights as an uninterrupted run, and an optimizer
    factory replaces SGD while the schedule still sets its learning rate."""
    from workbench.nn.train import TensorBatches

    x, y = digits(size=8, seed=0).train.tensors

    def run(epochs, checkpoint=None):
        built, logged = [], []
        batches = TensorBatches(x, y, 128, lambda epoch: torch.randperm(
            len(y), generator=torch.Generator().manual_seed(epoch)))
        result = fit(small_model(), batches, epochs=epochs, lr=0.01, device="cpu", checkpoint=checkpoint,
                     optimizer=lambda net: built.append(torch.optim.Adam(net.parameters(), lr=1.0)) or built[-1],
                     epoch_log=lambda net: logged.append(built[-1].param_groups[0]["lr"]) or {})
        return result, logged

    whole, rates = run(3)
    assert rates == [learning_rate(e, 3, 0.01, "cosine") for e in range(3)]
    assert all(0 < row["train_seconds"] <= row["seconds"] for row in whole.history)
    run(1, tmp_path / "ckpt.pt")
    resumed, rates = run(3, tmp_path / "ckpt.pt")
    assert len(rates) == 2  # epochs 1 and 2 only
    for name, value in whole.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name
    with pytest.raises(ValueError, match="batch_size=0"):
        TensorBatches(x, y, 0, lambda epoch: torch.arange(len(y)))
