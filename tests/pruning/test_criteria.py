import pytest
import torch

from workbench.nn import resnet, vgg
from workbench.pruning.criteria import CRITERIA, class_weights, frs_scores, score
from workbench.pruning.lrp import relevance


def tiny():
    torch.manual_seed(0)
    return vgg([4, "M", 6], num_classes=3, in_channels=1, input_size=4)


def batch(n=12):
    torch.manual_seed(1)
    return torch.randn(n, 1, 4, 4), torch.arange(n) % 3


@pytest.mark.parametrize("name", sorted(CRITERIA))
@pytest.mark.parametrize("build", [tiny, lambda: resnet(8, 3, 1, 0.25)])
def test_every_criterion_scores_every_channel(name, build):
    model = build()
    scores = score(name, model, batch())
    assert list(scores) == [p.name for p in model.prunable()]
    for layer in model.prunable():
        assert scores[layer.name].shape == (layer.conv.out_channels,)
        assert torch.isfinite(scores[layer.name]).all()


def test_l1_matches_an_explicit_sum():
    model = tiny()
    with torch.no_grad():
        model.features[0].weight[2] = 0.5  # 1 x 3 x 3 filter of 0.5: L1 = 4.5
    assert score("l1", model, batch())["features.0"][2].item() == pytest.approx(4.5)


def test_activation_is_the_mean_post_relu_output():
    model = tiny().eval()
    x, y = batch()
    expected = model.features[2](model.features[1](model.features[0](x))).mean(dim=(0, 2, 3))
    torch.testing.assert_close(score("activation", model, (x, y))["features.0"], expected)


def test_random_is_seeded():
    model = tiny()
    a, b, c = (score("random", model, batch(), seed=s)["features.4"] for s in (1, 1, 2))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_class_weights_favour_poorly_classified_classes():
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    predictions = torch.tensor([0, 0, 1, 0, 0, 0])  # accuracies 1, 0.5, 0
    w = class_weights(predictions, labels, 4)
    sig = torch.sigmoid
    torch.testing.assert_close(w, torch.stack([sig(torch.tensor(1.0)), sig(torch.tensor(2.0)), torch.tensor(1.0),
                                               torch.tensor(0.0)]))


def test_frs_by_hand_from_the_relevance_maps():
    model = tiny()
    x, y = batch()
    maps = relevance(model, x, y)
    with torch.no_grad():
        predictions = model.eval()(x).argmax(1)
    w = class_weights(predictions, y, 3)
    r = maps["features.4"].mean(dim=(2, 3))
    per_class = torch.stack([r[y == k].mean(0) * w[k] for k in range(3)])
    expected = per_class.mean(0).abs()
    expected = expected / expected.norm()
    torch.testing.assert_close(frs_scores(model, (x, y))["features.4"], expected)
    assert frs_scores(model, (x, y))["features.0"].norm().item() == pytest.approx(1.0)


def test_frs_ranks_a_dead_channel_last():
    model = tiny()
    with torch.no_grad():
        model.features[4].weight[1] = 0  # channel 1 of the last conv never fires: no relevance reaches it
        model.features[4].weight[0] = 0
        model.features[5].bias[0] = 1.0  # channel 0 is a constant: relevance flows, but not class-specific
    scores = frs_scores(model, batch())["features.4"]
    assert scores[1] == scores.min()


def test_unknown_criterion_names_the_value():
    with pytest.raises(ValueError, match="'taylor'"):
        score("taylor", tiny(), batch())
