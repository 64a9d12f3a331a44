import pytest
import torch
from torch import nn

from workbench.nn import VGG_CFGS, resnet, vgg


@pytest.mark.parametrize("name", sorted(VGG_CFGS))
@pytest.mark.parametrize("size,channels", [(8, 1), (16, 3), (32, 3)])
def test_every_named_vgg_builds_for_any_input(name, size, channels):
    model = vgg(name, num_classes=7, in_channels=channels, input_size=size, width_mult=0.125)
    out = model(torch.randn(2, channels, size, size))
    assert out.shape == (2, 7)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == sum(1 for c in VGG_CFGS[name] if c != "M")
    assert model.output_size >= 1


def test_vgg_pools_are_dropped_when_the_map_is_one_pixel():
    model = vgg([4, "M", "M", "M", "M", 4], input_size=4)
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.features) == 2
    assert model.output_size == 1


def test_vgg_bad_cfg_names_the_value():
    with pytest.raises(ValueError, match="vgg99"):
        vgg("vgg99")
    with pytest.raises(ValueError, match="'X'"):
        vgg([8, "X"])
    with pytest.raises(ValueError, match="at least one conv"):
        vgg(["M"])


@pytest.mark.parametrize("depth,blocks", [(20, 9), (56, 27), (110, 54)])
def test_resnet_depths(depth, blocks):
    model = resnet(depth, num_classes=10, width_mult=0.25)
    assert len(model.blocks) == blocks
    weighted = (nn.Conv2d, nn.Linear)
    weight_layers = [m for n, m in model.named_modules() if isinstance(m, weighted) and "shortcut" not in n]
    assert len(weight_layers) == depth
    assert model(torch.randn(1, 3, 16, 16)).shape == (1, 10)


def test_resnet_uses_projection_shortcuts_only_where_shapes_change():
    model = resnet(20)
    projections = [i for i, b in enumerate(model.blocks) if isinstance(b.shortcut, nn.Sequential)]
    assert projections == [3, 6]
    assert all(b.shortcut[0].kernel_size == (1, 1) for b in model.blocks if isinstance(b.shortcut, nn.Sequential))
    with pytest.raises(ValueError, match="depth=21"):
        resnet(21)


@pytest.mark.parametrize("build", [lambda: vgg("vgg8", 10, 1, 16, 0.25), lambda: resnet(20, 10, 1, 0.5)])
def test_remove_channels_narrows_for_real_and_keeps_the_kept_function(build):
    torch.manual_seed(0)
    model = build().eval()
    x = torch.randn(3, 1, 16, 16)
    for layer in model.prunable():
        width = layer.conv.out_channels
        keep = torch.arange(0, width, 2)
        # Zeroing the dropped channels' BN output must give the same network function as removing them.
        with torch.no_grad():
            drop = torch.ones(width, dtype=torch.bool)
            drop[keep] = False
            layer.bn.weight[drop] = 0
            layer.bn.bias[drop] = 0
        before = model(x)
        params_before = sum(p.numel() for p in model.parameters())
        model.remove_channels(layer.name, keep)
        assert model.widths()[layer.name] == len(keep)
        assert sum(p.numel() for p in model.parameters()) < params_before
        torch.testing.assert_close(model(x), before, rtol=1e-4, atol=1e-5)


def test_remove_channels_rejects_bad_indices():
    model = vgg([4, 4], input_size=8)
    name = model.prunable()[0].name
    with pytest.raises(ValueError, match="at least one"):
        model.remove_channels(name, [])
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        model.remove_channels(name, [0, 7])
    with pytest.raises(KeyError, match="features.0"):
        model.remove_channels("nope", [0])


def test_remove_channels_creates_new_parameters():
    model = vgg([4, 4], input_size=8)
    old = {id(p) for p in model.parameters()}
    model.remove_channels("features.0", [1, 2])
    assert {id(p) for p in model.parameters()} != old
