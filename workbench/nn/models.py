"""Model builders: configurable VGG and CIFAR-style ResNets whose convolutions can be physically narrowed.

Every model is a plain ``nn.Module`` that also lists its *prunable* convolutions (:meth:`prunable`) and removes
output channels from one of them for real (:meth:`remove_channels`): the convolution, its batch norm and every
consumer of those channels are rebuilt with fewer channels, so later forward passes cost less. New ``Parameter``
objects are created, so an optimizer built before a removal must be rebuilt after it.

References
----------
K. Simonyan and A. Zisserman, "Very deep convolutional networks for large-scale image recognition", ICLR 2015
(configurations A and D); K. He et al., "Deep residual learning for image recognition", CVPR 2016, Sec. 4.2
(the CIFAR ResNets with 6n+2 layers; option B, 1x1 projection shortcuts where the shape changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

#: Named VGG configurations: integers are 3x3 conv widths (conv-BN-ReLU), ``"M"`` a 2x2 max pool. The classifier
#: is global average pooling followed by one linear layer (the usual CIFAR adaptation), so "vgg8" has 7 conv
#: layers + 1 linear layer, "vgg11" 8 + 1 and "vgg16" 13 + 1.
VGG_CFGS: dict[str, list[int | str]] = {
    "vgg8": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512],
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


@dataclass(frozen=True)
class Prunable:
    """One convolution whose output channels may be removed.

    Parameters
    ----------
    name : str
        The convolution's name in ``model.named_modules()``.
    conv : nn.Conv2d
        The convolution itself.
    bn : nn.BatchNorm2d
        Its batch norm (narrowed with it).
    relu : nn.ReLU
        The ReLU module whose output is this layer's post-activation feature map (hook it for activations).
    """

    name: str
    conv: nn.Conv2d
    bn: nn.BatchNorm2d
    relu: nn.ReLU


def _keep_index(keep: Sequence[int] | torch.Tensor, size: int, name: str) -> torch.Tensor:
    index = torch.as_tensor(keep, dtype=torch.long).flatten()
    if index.numel() == 0:
        raise ValueError(f"layer {name!r}: keep must retain at least one of its {size} channels, got none")
    if index.unique().numel() != index.numel() or index.min() < 0 or index.max() >= size:
        raise ValueError(f"layer {name!r}: keep={index.tolist()} must be distinct channel indices in [0, {size})")
    return index.sort().values


def _narrow_conv_out(conv: nn.Conv2d, index: torch.Tensor) -> None:
    conv.weight = nn.Parameter(conv.weight.data[index].clone())
    if conv.bias is not None:
        conv.bias = nn.Parameter(conv.bias.data[index].clone())
    conv.out_channels = index.numel()


def _narrow_conv_in(conv: nn.Conv2d, index: torch.Tensor) -> None:
    if conv.groups != 1:
        raise ValueError("grouped convolutions cannot be narrowed on their input side")
    conv.weight = nn.Parameter(conv.weight.data[:, index].clone())
    conv.in_channels = index.numel()


def _narrow_bn(bn: nn.BatchNorm2d, index: torch.Tensor) -> None:
    if bn.affine:
        bn.weight = nn.Parameter(bn.weight.data[index].clone())
        bn.bias = nn.Parameter(bn.bias.data[index].clone())
    if bn.track_running_stats:
        bn.running_mean = bn.running_mean[index].clone()
        bn.running_var = bn.running_var[index].clone()
    bn.num_features = index.numel()


def _narrow_linear_in(linear: nn.Linear, index: torch.Tensor) -> None:
    linear.weight = nn.Parameter(linear.weight.data[:, index].clone())
    linear.in_features = index.numel()


class PrunableMixin:
    """Shared helpers for models that declare prunable convolutions."""

    def prunable(self) -> list[Prunable]:  # pragma: no cover - abstract
        raise NotImplementedError

    def widths(self) -> dict[str, int]:
        """Output channels of every prunable convolution, in forward order."""
        return {p.name: p.conv.out_channels for p in self.prunable()}

    def _find(self, name: str) -> Prunable:
        for p in self.prunable():
            if p.name == name:
                return p
        raise KeyError(f"{name!r} is not a prunable layer; prunable: {[p.name for p in self.prunable()]}")


class VGG(PrunableMixin, nn.Module):
    """VGG-style network: conv(3x3)-BN-ReLU stacks with max pools, global average pool, one linear classifier.

    Parameters
    ----------
    cfg : list of int or "M"
        Conv widths and pools, e.g. ``[64, "M", 128, "M"]``.
    num_classes : int
        Classifier outputs.
    in_channels : int
        Input image channels.
    input_size : int
        Input height = width in pixels; a pool that would shrink the map below 1 pixel is left out, so any
        configuration builds for any input size.
    """

    def __init__(self, cfg: Sequence[int | str], num_classes: int = 10, in_channels: int = 3, input_size: int = 32):
        super().__init__()
        if num_classes < 1 or in_channels < 1 or input_size < 1:
            raise ValueError(
                f"num_classes={num_classes}, in_channels={in_channels}, input_size={input_size}: all must be >= 1"
            )
        layers: list[nn.Module] = []
        channels, size = in_channels, input_size
        for item in cfg:
            if item == "M":
                if size >= 2:
                    layers.append(nn.MaxPool2d(2))
                    size //= 2
                continue
            if not isinstance(item, int) or item < 1:
                raise ValueError(f"cfg entry {item!r} is not allowed; allowed: a positive int width or 'M'")
            layers += [nn.Conv2d(channels, item, 3, padding=1, bias=False), nn.BatchNorm2d(item), nn.ReLU()]
            channels = item
        if not any(isinstance(m, nn.Conv2d) for m in layers):
            raise ValueError(f"cfg={list(cfg)!r} must contain at least one conv width")
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)
        self.output_size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))

    def prunable(self) -> list[Prunable]:
        """Every convolution (with its batch norm and ReLU), in forward order."""
        mods = list(self.features)
        return [
            Prunable(f"features.{i}", m, mods[i + 1], mods[i + 2])
            for i, m in enumerate(mods)
            if isinstance(m, nn.Conv2d)
        ]

    def remove_channels(self, name: str, keep: Sequence[int] | torch.Tensor) -> None:
        """Keep only output channels ``keep`` of convolution ``name`` (and the matching inputs downstream)."""
        layer = self._find(name)
        index = _keep_index(keep, layer.conv.out_channels, name)
        _narrow_conv_out(layer.conv, index)
        _narrow_bn(layer.bn, index)
        start = int(name.split(".")[1]) + 1
        nxt = next((m for m in list(self.features)[start:] if isinstance(m, nn.Conv2d)), None)
        if nxt is not None:
            _narrow_conv_in(nxt, index)
        else:
            _narrow_linear_in(self.classifier, index)


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with a residual connection (He et al. 2016, Fig. 2).

    The shortcut is the identity when shapes agree and a 1x1 conv + BN projection otherwise (option B). The inner
    width (``conv1``'s outputs) is free to change, since only ``conv2`` consumes it.
    """

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(mid_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )
        self.relu2 = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return self.relu2(out + self.shortcut(x))


class ResNet(PrunableMixin, nn.Module):
    """CIFAR ResNet with ``depth = 6n + 2`` layers: a 3x3 stem, three stages of ``n`` basic blocks with 16, 32 and
    64 channels (stride 2 entering stages 2 and 3), global average pool and a linear classifier.

    Parameters
    ----------
    depth : int
        Total weight layers, 6n + 2 (20, 56, 110, ...).
    num_classes, in_channels : int
        Classifier outputs and input image channels.
    width_mult : float
        Multiplies every width (1.0 is the paper's 16/32/64).
    """

    def __init__(self, depth: int = 20, num_classes: int = 10, in_channels: int = 3, width_mult: float = 1.0):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"depth={depth} is not allowed; allowed: 6n+2 with n >= 1 (20, 56, 110, ...)")
        if width_mult <= 0:
            raise ValueError(f"width_mult={width_mult} is not allowed; allowed: > 0")
        n = (depth - 2) // 6
        widths = [max(1, round(w * width_mult)) for w in (16, 32, 64)]
        self.conv = nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        blocks: list[nn.Module] = []
        channels = widths[0]
        for stage, width in enumerate(widths):
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(channels, width, width, stride))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.relu(self.bn(self.conv(x))))
        return self.classifier(torch.flatten(self.pool(x), 1))

    def prunable(self) -> list[Prunable]:
        """The first convolution of every block (its outputs feed only the block's second convolution).

        Block outputs are tied across identity shortcuts and are left at full width (Li et al. 2016 prune ResNets
        the same way).
        """
        return [Prunable(f"blocks.{i}.conv1", b.conv1, b.bn1, b.relu1) for i, b in enumerate(self.blocks)]

    def remove_channels(self, name: str, keep: Sequence[int] | torch.Tensor) -> None:
        """Keep only output channels ``keep`` of block convolution ``name`` (``"blocks.<i>.conv1"``)."""
        layer = self._find(name)
        index = _keep_index(keep, layer.conv.out_channels, name)
        block = self.blocks[int(name.split(".")[1])]
        _narrow_conv_out(block.conv1, index)
        _narrow_bn(block.bn1, index)
        _narrow_conv_in(block.conv2, index)


def vgg(
    cfg: str | Sequence[int | str] = "vgg8",
    num_classes: int = 10,
    in_channels: int = 3,
    input_size: int = 32,
    width_mult: float = 1.0,
) -> VGG:
    """Build a VGG from a named configuration (``"vgg8"``, ``"vgg11"``, ``"vgg16"``) or an explicit cfg list.

    ``width_mult`` scales every conv width (rounded, at least 1), e.g. 0.25 for a CPU-sized VGG-8.
    """
    if isinstance(cfg, str):
        if cfg not in VGG_CFGS:
            raise ValueError(f"cfg={cfg!r} is not allowed; allowed: one of {sorted(VGG_CFGS)} or a list")
        cfg = VGG_CFGS[cfg]
    if width_mult <= 0:
        raise ValueError(f"width_mult={width_mult} is not allowed; allowed: > 0")
    scaled = [max(1, round(c * width_mult)) if isinstance(c, int) and width_mult != 1.0 else c for c in cfg]
    return VGG(scaled, num_classes=num_classes, in_channels=in_channels, input_size=input_size)


def resnet(depth: int = 20, num_classes: int = 10, in_channels: int = 3, width_mult: float = 1.0) -> ResNet:
    """Build a CIFAR ResNet (``depth`` = 20, 56, 110 or any 6n+2) with 1x1 projection shortcuts."""
    return ResNet(depth=depth, num_classes=num_classes, in_channels=in_channels, width_mult=width_mult)
