import torch
from torch import nn

from workbench.nn import count_macs, resnet, vgg


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc = nn.Linear(6 * 2 * 2, 5)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(torch.relu(self.conv2(x)), 1))


def test_macs_and_memory_match_hand_computation():
    count = count_macs(Tiny(), (2, 8, 8))
    conv = 8 * 8 * 4 * (2 * 3 * 3)  # output positions x out channels x (in channels x kernel)
    conv2 = 2 * 2 * 6 * (4 * 3 * 3)
    fc = 24 * 5
    assert count.layers["conv"].macs == conv
    assert count.layers["conv2"].macs == conv2
    assert count.layers["fc"].macs == fc
    assert count.macs == conv + conv2 + fc
    assert count.layers["conv"].input_reads == 2 * 8 * 8
    assert count.layers["conv"].weight_reads == 4 * 2 * 9 + 4
    assert count.layers["conv"].output_writes == 4 * 8 * 8
    assert count.layers["conv2"].input_reads == 4 * 4 * 4
    assert count.layers["fc"].memory_accesses == 24 + (24 * 5 + 5) + 5
    assert count.memory_accesses == sum(layer.memory_accesses for layer in count.layers.values())
    assert count.params == sum(p.numel() for p in Tiny().parameters())


def test_known_model_sizes():
    # ResNet-20 on CIFAR: 0.27 M parameters and about 41 M MACs (He et al. 2016, Table 6 and common counts).
    count = count_macs(resnet(20), (3, 32, 32))
    assert 0.26e6 < count.params < 0.28e6
    assert 40e6 < count.macs < 42e6


def test_pruning_halves_the_macs_of_a_narrowed_layer_pair():
    model = vgg([8, 8], num_classes=3, in_channels=1, input_size=4)
    before = count_macs(model, (1, 4, 4)).layers
    model.remove_channels("features.0", range(4))
    after = count_macs(model, (1, 4, 4)).layers
    assert after["features.0"].macs * 2 == before["features.0"].macs
    assert after["features.3"].macs * 2 == before["features.3"].macs


def test_counting_leaves_mode_and_batchnorm_statistics_alone():
    model = vgg([4], input_size=4).train()
    stats = model.features[1].running_mean.clone()
    count_macs(model, (3, 4, 4))
    assert model.training
    torch.testing.assert_close(model.features[1].running_mean, stats)
