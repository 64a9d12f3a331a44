"""nn.trace: one traced forward pass, layer by layer, against hand counts."""

from __future__ import annotations

import torch
from torch import nn

from workbench.nn.trace import is_weight_layer, trace_layers


def _net() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),          # 3x6x6 -> 8x6x6
        nn.ReLU(),
        nn.MaxPool2d(2),                        # -> 8x3x3
        nn.Conv2d(8, 4, 3, groups=2, bias=False),  # -> 4x1x1, each output sees 8 / 2 = 4 input channels
        nn.Flatten(),                           # -> 4
        nn.Linear(4, 5),                        # -> 5
    )


def test_macs_shapes_and_params_match_a_hand_count():
    traces = trace_layers(_net(), torch.randn(2, 3, 6, 6))
    assert [t.name for t in traces] == ["0", "3", "5"]
    assert [t.kind for t in traces] == ["conv", "conv", "linear"]
    # per sample: output elements x (input channels / groups x kernel area), or output elements x input features
    assert [t.macs for t in traces] == [8 * 6 * 6 * (3 * 3 * 3), 4 * 1 * 1 * (4 * 3 * 3), 5 * 4]
    assert [t.in_shape for t in traces] == [(3, 6, 6), (8, 3, 3), (4,)]
    assert [t.out_shape for t in traces] == [(8, 6, 6), (4, 1, 1), (5,)]
    assert [t.params for t in traces] == [8 * 3 * 9 + 8, 4 * 4 * 9, 5 * 4 + 5]
    assert traces[0].input.shape == (2, 3, 6, 6) and traces[2].output.shape == (2, 5)  # the whole batch


def test_a_shape_traces_one_zero_sample_and_the_model_keeps_its_mode():
    net = _net().train()
    conv = trace_layers(net, (3, 6, 6))[0]
    assert net.training
    assert conv.input.shape == (1, 3, 6, 6) and not conv.input.any()
    torch.testing.assert_close(conv.output[0], net[0].bias.detach()[:, None, None].expand(8, 6, 6))  # bias only


def test_conv_linear_and_modules_it_does_not_count():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(2, 3),
                        nn.ReLU(inplace=True))
    traces = trace_layers(net, torch.randn(4, 1, 3, 3), select=lambda m: not isinstance(m, nn.Sequential))
    assert [type(t.module) for t in traces] == [nn.Conv2d, nn.ReLU, nn.Flatten, nn.Linear, nn.ReLU]
    assert [t.kind for t in traces] == ["conv", None, None, "linear", None]
    assert [t.macs for t in traces] == [2 * 9, None, None, 3 * 2, None]
    assert [t.weight is None for t in traces] == [False, True, True, False, True]
    assert traces[1].out_shape == (2, 1, 1) and traces[2].out_shape == (2,)
    # the in-place ReLUs ran after the layers: the records keep what each layer computed
    assert (traces[0].output < 0).any() and (traces[3].output < 0).any()
    assert [is_weight_layer(t.module) for t in traces] == [True, False, False, True, False]


def test_a_module_called_twice_is_recorded_twice_and_the_weight_is_the_quantized_one():
    class Quantized(nn.Linear):
        def __init__(self):
            super().__init__(2, 2, bias=False)
            self.weight_quantizer = nn.Hardtanh(-0.1, 0.1)

        def forward(self, x):
            return nn.functional.linear(x, self.weight_quantizer(self.weight))

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = Quantized()

        def forward(self, x):
            return self.layer(self.layer(x))

    net = Twice()
    first, second = trace_layers(net, torch.ones(1, 2))
    assert first.name == second.name == "layer"
    torch.testing.assert_close(second.input, first.output)
    torch.testing.assert_close(first.weight, net.layer.weight.detach().clamp(-0.1, 0.1))
