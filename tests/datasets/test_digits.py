import pytest
import torch

from workbench.datasets import digits


def test_shapes_sizes_and_normalisation():
    s = digits(size=16, seed=0)
    assert s.input_shape == (1, 16, 16) and s.num_classes == 10 and s.name == "digits"
    assert len(s.train) + len(s.val) + len(s.test) == 1797
    assert len(s.test) == pytest.approx(0.15 * 1797, abs=2)
    x, y = s.train.tensors
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert abs(x.mean().item()) < 1e-4 and x.std().item() == pytest.approx(1, abs=1e-2)
    assert set(y.tolist()) == set(range(10))


def test_split_is_deterministic_in_the_seed_and_disjoint():
    a, b, c = digits(seed=1), digits(seed=1), digits(seed=2)
    assert torch.equal(a.test.tensors[0], b.test.tensors[0])
    assert not torch.equal(a.test.tensors[1], c.test.tensors[1])
    rows = {tuple(x.flatten().tolist()) for split in (a.train, a.val, a.test) for x in split.tensors[0]}
    # Splits partition the images (digits has a few exact duplicate images, hence the small slack).
    assert len(rows) >= 1797 - 20


def test_upsampling_preserves_the_image():
    small, big = digits(size=8), digits(size=16)
    pooled = torch.nn.functional.avg_pool2d(big.test.tensors[0], 2)
    corr = torch.corrcoef(torch.stack([pooled.flatten(), small.test.tensors[0].flatten()]))[0, 1]
    assert corr > 0.9


@pytest.mark.parametrize("kwargs,match", [({"size": 4}, "size=4"), ({"val_fraction": 0}, "val_fraction=0"),
                                          ({"val_fraction": 0.6, "test_fraction": 0.5}, "< 1")])
def test_invalid_arguments_name_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        digits(**kwargs)
