import numpy as np
import pytest
import torch

from workbench.datasets import make_loaders, mnist5k
from workbench.datasets.mnist import _images_and_labels


def test_the_5000_real_images_split_stratified_and_normalised():
    s = mnist5k(seed=0)
    assert s.input_shape == (1, 28, 28) and s.num_classes == 10 and s.name == "mnist5k"
    assert len(s.train) + len(s.val) + len(s.test) == 5000
    assert len(s.test) == 750 and len(s.val) == 750
    assert torch.bincount(s.test.tensors[1]).tolist() == [75] * 10  # 500 images per class, 15 % of each held out
    x = s.train.tensors[0]
    assert abs(x.mean().item()) < 1e-4 and x.std().item() == pytest.approx(1, abs=1e-2)


def test_raw_pixels_are_mnist_digits():
    images, labels = _images_and_labels()
    assert images.min() == 0 and images.max() == 1 and np.bincount(labels).tolist() == [500] * 10
    # MNIST digits are centred by their centre of mass in the 28x28 field (LeCun et al.), within a pixel or two.
    ys, xs = np.mgrid[0:28, 0:28]
    mass = images[:, 0].sum(axis=(1, 2))
    centre = np.stack([(images[:, 0] * ys).sum(axis=(1, 2)) / mass, (images[:, 0] * xs).sum(axis=(1, 2)) / mass])
    assert np.abs(centre.mean(axis=1) - 13.5).max() < 1.5


def test_split_is_deterministic_and_downsampling_keeps_the_image():
    a, b, c = mnist5k(seed=3), mnist5k(seed=3), mnist5k(seed=4)
    assert torch.equal(a.test.tensors[0], b.test.tensors[0])
    assert not torch.equal(a.test.tensors[0], c.test.tensors[0])  # other images (labels are sorted by class)
    small = mnist5k(size=14, seed=3)
    pooled = torch.nn.functional.avg_pool2d(a.test.tensors[0], 2)
    corr = torch.corrcoef(torch.stack([pooled.flatten(), small.test.tensors[0].flatten()]))[0, 1]
    assert corr > 0.99
    assert next(iter(make_loaders(small, batch_size=32).train))[0].shape == (32, 1, 14, 14)


@pytest.mark.parametrize("kwargs,match", [({"size": 4}, "size=4"), ({"test_fraction": 1.2}, "test_fraction=1.2")])
def test_invalid_arguments_name_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mnist5k(**kwargs)
