"""nn.facts: the facts of a composed network, measured on data."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from workbench.core.stages import NetworkArtifact
from workbench.nn import vgg
from workbench.nn.facts import measure_facts


def test_facts_are_measured_on_data():
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3))
    with torch.no_grad():
        net[0].weight[:2] = 0  # half the filters zero
        net[3].weight.copy_(torch.sign(torch.randn(3, 64)))  # binary weights
    x = torch.randn(8, 1, 4, 4)
    x[:, :, :2] = 0  # half the input pixels zero
    conv, linear = measure_facts(net, x)
    assert conv.weight_density == 0.5 and conv.input_density == 0.5
    assert conv.macs == 4 * 4 * 4 * 9 and linear.macs == 64 * 3
    with torch.no_grad():
        conv_out = net[0](x)
    assert conv.output_density == float((conv_out != 0).float().mean())
    assert linear.input_density == float((conv_out > 0).float().mean())  # the ReLU's zeros, counted independently
    assert linear.precision == "binary" and conv.precision == "float"
    assert conv.in_shape == (1, 4, 4) and linear.out_shape == (3,)



def test_macs_equal_torch_flop_counter_and_params_the_layer_parameters():
    model = vgg([4, "M", 8], num_classes=10, in_channels=1, input_size=8).eval()
    facts = measure_facts(model, torch.randn(4, 1, 8, 8))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:  # counted independently: 2 FLOPs per MAC
        model(torch.zeros(1, 1, 8, 8))
    flops = counter.get_flop_counts()
    assert [f.macs for f in facts] == [sum(flops[f"VGG.{f.name}"].values()) // 2 for f in facts]
    artifact = NetworkArtifact(model, (1, 8, 8), facts)
    assert artifact.params == sum(p.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))
                                  for p in m.parameters(recurse=False))
