import pytest
import torch
from torch import nn

from workbench.nn import BasicBlock, resnet, vgg
from workbench.pruning.lrp import (
    _block_relprop,
    conv_relprop,
    global_avgpool_relprop,
    linear_relprop,
    maxpool_relprop,
    relevance,
    residual_relprop,
)


def test_linear_rule_by_hand():
    # One output, inputs x = (1, 2), weights w = (3, -1): z+ = 3, z- = -2, R_out = 1.
    # R_1 = x1 * (2 * 3 / 3) = 2; R_2 = x2 * (-1 * -1 / -2) = -1; total = alpha - beta = 1.
    layer = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        layer.weight[:] = torch.tensor([[3.0, -1.0]])
    r = linear_relprop(layer, torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0]]))
    torch.testing.assert_close(r, torch.tensor([[2.0, -1.0]]))


def test_conv_rule_conserves_relevance_and_matches_an_explicit_sum():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
    x = torch.rand(2, 3, 5, 5)
    r_out = torch.rand(2, 4, 5, 5)
    r_in = conv_relprop(conv, x, r_out)
    torch.testing.assert_close(r_in.sum(dim=(1, 2, 3)), r_out.sum(dim=(1, 2, 3)), rtol=1e-4, atol=1e-4)
    # Independent computation: unfold the input and apply the alpha-beta formula contribution by contribution.
    cols = torch.nn.functional.unfold(x, 3, padding=1)  # [N, 27, 25]
    w = conv.weight.reshape(4, 27)
    contrib = cols[:, None] * w[None, :, :, None]  # [N, out, 27, positions]
    zp = contrib.clamp(min=0).sum(2, keepdim=True)
    zn = contrib.clamp(max=0).sum(2, keepdim=True)
    r = r_out.reshape(2, 4, 1, 25)
    per_input = (2 * contrib.clamp(min=0) / zp - contrib.clamp(max=0) / zn) * r
    folded = torch.nn.functional.fold(per_input.sum(1), (5, 5), 3, padding=1)
    torch.testing.assert_close(r_in, folded, rtol=1e-4, atol=1e-5)


def test_pooling_and_residual_rules():
    x = torch.tensor([[[[1.0, 3.0], [2.0, 0.0]]]])
    r = maxpool_relprop(nn.MaxPool2d(2), x, torch.tensor([[[[5.0]]]]))
    torch.testing.assert_close(r, torch.tensor([[[[0.0, 5.0], [0.0, 0.0]]]]))
    r = global_avgpool_relprop(x, torch.tensor([[6.0]]))
    torch.testing.assert_close(r, torch.tensor([[[[1.0, 3.0], [2.0, 0.0]]]]))
    ra, rb = residual_relprop(torch.tensor([1.0, 4.0]), torch.tensor([3.0, -2.0]), torch.tensor([8.0, 1.0]))
    torch.testing.assert_close(ra, torch.tensor([2.0, 2.0]))
    torch.testing.assert_close(rb, torch.tensor([6.0, -1.0]))


def test_vgg_relevance_is_conserved_layer_by_layer():
    torch.manual_seed(1)
    model = vgg([6, "M", 8, 8, "M", 8], num_classes=5, in_channels=2, input_size=8)
    x, y = torch.randn(4, 2, 8, 8), torch.tensor([0, 1, 2, 3])
    maps = relevance(model, x, y)
    assert list(maps) == [p.name for p in reversed(model.prunable())]
    for name, r in maps.items():
        assert r.shape[1] == model.widths()[name]
        # One unit of relevance (the one-hot label) reaches every layer: alpha - beta = 1.
        torch.testing.assert_close(r.sum(dim=(1, 2, 3)), torch.ones(4), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("stride,width_in", [(1, 16), (2, 8)])
def test_residual_block_conserves_relevance(stride, width_in):
    # Alpha-beta conserves relevance wherever an output has both positive and negative contributions; with a few
    # dozen inputs per output that is almost everywhere, hence the small tolerance.
    torch.manual_seed(3)
    block = BasicBlock(width_in, 16, 16, stride).eval()
    x = torch.rand(2, width_in, 6, 6)
    out = block(x)
    r = torch.rand_like(out) * (out > 0)
    maps = {}
    r_in = _block_relprop(block, "b", x, r, 2.0, 1.0, maps)
    torch.testing.assert_close(r_in.sum(dim=(1, 2, 3)), r.sum(dim=(1, 2, 3)), rtol=0.02, atol=0)
    assert maps["b.conv1"].shape == (2, 16, 6 // stride, 6 // stride)


def test_resnet_relevance_reaches_every_block():
    torch.manual_seed(2)
    model = resnet(8, num_classes=3, in_channels=1, width_mult=0.5)
    maps = relevance(model, torch.randn(2, 1, 8, 8), torch.tensor([0, 2]))
    assert set(maps) == {p.name for p in model.prunable()}
    for name, r in maps.items():
        assert r.shape[1] == model.widths()[name]
        assert torch.isfinite(r).all()


def test_relevance_arguments_are_checked():
    model = vgg([4], input_size=4)
    with pytest.raises(ValueError, match="alpha - beta = 1"):
        relevance(model, torch.randn(1, 3, 4, 4), torch.tensor([0]), alpha=2, beta=2)
    with pytest.raises(TypeError, match="Sequential"):
        relevance(nn.Sequential(nn.Linear(2, 2)), torch.randn(1, 2), torch.tensor([0]))
