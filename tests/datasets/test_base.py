import pytest
import torch

from workbench.datasets import digits, make_loaders


def test_loaders_cover_each_split_once():
    s = digits()
    loaders = make_loaders(s, batch_size=100, eval_batch_size=50)
    assert sum(len(y) for _, y in loaders.train) == len(s.train)
    assert max(len(y) for _, y in loaders.train) == 100
    assert torch.equal(torch.cat([y for _, y in loaders.test]), s.test.tensors[1])


def test_training_order_follows_the_global_seed():
    s = digits()
    loaders = make_loaders(s, batch_size=64)
    torch.manual_seed(3)
    first = next(iter(loaders.train))[1]
    torch.manual_seed(3)
    assert torch.equal(first, next(iter(loaders.train))[1])


def test_invalid_batch_size_names_the_field():
    with pytest.raises(ValueError, match="batch_size=0"):
        make_loaders(digits(), batch_size=0)
