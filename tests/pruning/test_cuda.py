"""The same runs on a CUDA device (skipped where torch sees none; CI has none, the GPU check runs them)."""

import pytest
import torch

from workbench.datasets import make_loaders, synthetic_images
from workbench.nn import count_macs, fit, resolve_device, vgg
from workbench.pruning.accounting import measure_latency_ms
from workbench.pruning.lrp import relevance
from workbench.pruning.schedule import PruneSchedule
from workbench.pruning.trainer import prune_while_training

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(scope="module")
def loaders():
    return make_loaders(synthetic_images(num_classes=5, samples_per_class=60, size=12, seed=0), batch_size=16)


def model():
    torch.manual_seed(0)
    return vgg([16, "M", 32, "M", 32], num_classes=5, in_channels=3, input_size=12)


def test_auto_picks_the_gpu():
    assert resolve_device("auto").type == "cuda"


def test_fit_and_resume_on_the_gpu(loaders, tmp_path):
    path = tmp_path / "run.pt"
    first = fit(model(), loaders.train, loaders.val, epochs=2, device="cuda", checkpoint=path)
    assert next(first.model.parameters()).device.type == "cuda"
    resumed = fit(model(), loaders.train, loaders.val, epochs=4, device="cuda", checkpoint=path)
    assert [h["epoch"] for h in resumed.history] == [0, 1, 2, 3]
    assert resumed.val_accuracy > 0.5


@pytest.mark.parametrize("criterion", ["frs", "activation", "l1"])
def test_prune_while_training_on_the_gpu(loaders, criterion):
    run = prune_while_training(model(), loaders, criterion=criterion, epochs=6, device="cuda",
                               schedule=PruneSchedule(every_n_epochs=1, stop_epoch=3, target_ratio=0.5))
    assert run.pruned_fraction == pytest.approx(0.5, abs=0.03)
    assert run.test_accuracy > 0.6  # chance is 0.2
    assert next(run.model.parameters()).device.type == "cuda"


def test_gpu_and_cpu_agree_on_relevance_and_counts():
    net = model().eval()
    x, y = torch.rand(4, 3, 12, 12), torch.tensor([0, 1, 2, 3])
    cpu = relevance(net, x, y)
    cpu_count = count_macs(net, (3, 12, 12))
    net.cuda()
    gpu = relevance(net, x.cuda(), y.cuda())
    for name in cpu:
        torch.testing.assert_close(gpu[name].cpu(), cpu[name], rtol=1e-3, atol=1e-4)
    gpu_count = count_macs(net, (3, 12, 12))
    assert (gpu_count.macs, gpu_count.memory_accesses) == (cpu_count.macs, cpu_count.memory_accesses)
    assert measure_latency_ms(net, (3, 12, 12), repeats=5) > 0
