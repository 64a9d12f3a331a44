import pytest
import torch

from workbench.datasets import make_loaders, synthetic_images
from workbench.nn import evaluate_accuracy, fit, vgg


def test_shapes_and_determinism():
    a = synthetic_images(num_classes=4, samples_per_class=20, size=12, channels=2, seed=5)
    b = synthetic_images(num_classes=4, samples_per_class=20, size=12, channels=2, seed=5)
    c = synthetic_images(num_classes=4, samples_per_class=20, size=12, channels=2, seed=6)
    assert a.input_shape == (2, 12, 12) and a.num_classes == 4
    assert len(a.train) + len(a.val) + len(a.test) == 80
    assert torch.equal(a.train.tensors[0], b.train.tensors[0])
    assert not torch.equal(a.train.tensors[0], c.train.tensors[0])


def test_noise_controls_difficulty_and_classes_are_learnable():
    torch.manual_seed(0)
    accuracy = {}
    for noise in (0.3, 3.0):
        s = synthetic_images(num_classes=5, samples_per_class=60, size=12, channels=3, noise=noise, seed=0)
        loaders = make_loaders(s, batch_size=16)
        torch.manual_seed(0)
        model = vgg([16, "M", 16], num_classes=5, in_channels=3, input_size=12)
        accuracy[noise] = evaluate_accuracy(fit(model, loaders.train, epochs=6, seed=0).model, loaders.test)
    assert accuracy[0.3] > 0.8  # chance is 0.2
    assert accuracy[3.0] < accuracy[0.3]


@pytest.mark.parametrize("kwargs,match", [({"num_classes": 1}, "num_classes=1"), ({"noise": -1}, "noise=-1"),
                                          ({"size": 2}, "size=2")])
def test_invalid_arguments_name_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthetic_images(**kwargs)
