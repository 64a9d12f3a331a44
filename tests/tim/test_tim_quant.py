"""Tests of the ternary quantizers: three values, the stated scale rules, gradient flow, and a tiny STE training."""

import pytest
import torch
from torch import nn

from workbench.tim.mapping import NETWORKS, layers_from_model
from workbench.tim.quant import (
    TernaryConv2d,
    TernaryLinear,
    TernaryQuantizer,
    activation_density,
    digits_model,
    ternarize,
    ternary_experiment,
    weight_density,
)


def _tensor(seed=0, shape=(64, 32)):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("representation", ["unweighted", "symmetric", "asymmetric"])
@pytest.mark.parametrize("scale_mode", ["statistics", "learnable"])
def test_exactly_three_values(representation, scale_mode):
    x = _tensor() + 0.3  # skewed, so asymmetric scales differ
    q = TernaryQuantizer(representation, scale_mode, 0.7)(x)
    values = torch.unique(q.detach())
    assert len(values) == 3
    assert values[1] == 0 and values[0] < 0 < values[2]
    if representation == "unweighted":
        assert values.tolist() == [-1.0, 0.0, 1.0]
    elif representation == "symmetric":
        assert values[0] == pytest.approx(-values[2].item())
    else:
        assert values[0].item() != pytest.approx(-values[2].item(), rel=1e-3)


def test_scales_follow_the_stated_rule():
    x = _tensor(1) + 0.2
    delta = 0.7 * x.abs().mean()
    pos, neg = x > delta, x < -delta
    sym = TernaryQuantizer("symmetric", "statistics", 0.7)(x)
    a = x.abs()[pos | neg].mean()  # TWN: mean magnitude of the kept values
    assert torch.allclose(sym[pos], a.expand(int(pos.sum())))
    assert torch.allclose(sym[neg], -a.expand(int(neg.sum())))
    assert (sym[~(pos | neg)] == 0).all()
    asym = TernaryQuantizer("asymmetric", "statistics", 0.7)(x)
    assert asym[pos][0] == pytest.approx(x[pos].mean().item())
    assert asym[neg][0] == pytest.approx(x[neg].mean().item())


def test_threshold_knob_sets_sparsity():
    x = _tensor(2)
    zeros = [(TernaryQuantizer("unweighted", threshold=t)(x) == 0).float().mean().item() for t in (0.2, 0.7, 1.2)]
    assert zeros[0] < zeros[1] < zeros[2]
    # Gaussian: mean|x| = sqrt(2/pi) ~ 0.8, so Delta = 0.7 x 0.8 ~ 0.56 zeroes ~42% of values.
    assert zeros[1] == pytest.approx(0.42, abs=0.04)


def test_gradients_flow_through_ste_and_to_learnable_scales():
    x = _tensor(3).requires_grad_()
    quant = TernaryQuantizer("asymmetric", "learnable", 0.7)
    q = quant(x)
    weights = _tensor(4)
    (q * weights).sum().backward()
    assert torch.allclose(x.grad[q > 0], quant.pos_scale.detach() * weights[q > 0])  # STE, scaled by b
    assert quant.pos_scale.grad == pytest.approx(weights[q > 0].sum().item(), rel=1e-5)
    assert quant.neg_scale.grad == pytest.approx(-weights[q < 0].sum().item(), rel=1e-5)
    # Activation STE is clipped: no gradient where |x| > 1.
    y = (_tensor(5) * 2).requires_grad_()
    TernaryQuantizer("unweighted", activation=True)(y).sum().backward()
    assert (y.grad[y.detach().abs() > 1] == 0).all() and (y.grad[y.detach().abs() <= 1] == 1).all()


def test_activation_quantizer_uses_running_statistics_in_eval():
    quant = TernaryQuantizer("symmetric", activation=True)
    quant(_tensor(6))
    quant.eval()
    one, many = quant(_tensor(7)[:1]), quant(_tensor(7))[:1]
    assert torch.equal(one, many)  # independent of the batch it sits in


def test_ternarize_swaps_layers_and_keeps_weights():
    model = digits_model(4)
    tern = ternarize(model, "symmetric")
    kinds = [type(m) for m in tern.modules()]
    assert TernaryConv2d in kinds and TernaryLinear in kinds and nn.ReLU not in kinds
    assert nn.ReLU in [type(m) for m in model.modules()]  # the original is untouched
    assert torch.equal(tern.features[0].weight, model.features[0].weight)
    assert 0 < weight_density(tern) < 1
    x = torch.randn(8, 1, 8, 8)
    assert 0 < activation_density(tern, x) < 1
    assert tern(x).shape == (8, 10)
    partial = ternarize(model, "symmetric", keep_first_last=True)
    assert type(partial.features[0]) is nn.Conv2d and type(partial.classifier) is nn.Linear
    assert isinstance(partial.features[4], TernaryConv2d)
    with pytest.raises(ValueError, match="representation"):
        ternarize(model, "binary")
    with pytest.raises(ValueError, match="scale_mode"):
        TernaryQuantizer(scale_mode="adaptive")


def test_layers_from_model_match_the_hand_written_spec():
    assert layers_from_model(digits_model(16), (1, 8, 8)) == NETWORKS["digits_vgg"]


def test_tiny_ste_training_learns():
    result = ternary_experiment("symmetric", "statistics", 0.7, quantize_activations=True, width=8, epochs=2,
                                seed=0)
    assert result["accuracy_float"] > 60  # 10 classes: chance is 10%
    assert result["accuracy"] > 30
    assert 0 < result["weight_density"] < 1 and 0 < result["activation_density"] < 1
    assert result["nm_energy_per_inference_nj"] > result["energy_per_inference_nj"] > 0
