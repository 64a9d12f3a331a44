"""SSD300-VGG16 built in torch for FLOP accounting at any input size (meta tensors: shapes only, no weights).

Architecture: Liu et al., "SSD: Single Shot MultiBox Detector", ECCV 2016, Fig. 2 and the authors' Caffe model, as
torchvision's ``ssd300_vgg16`` builds it: VGG-16 conv1_1..conv5_3 with the third max-pool in ceil mode (75 -> 38 at
300 px), pool5 3x3 stride 1, conv6 3x3 dilation 6 (1024), conv7 1x1 (1024); extra layers conv8 (1x1 256, 3x3/2
512), conv9 (1x1 128, 3x3/2 256), conv10 and conv11 (1x1 128, 3x3 *valid* 256); 3x3 heads on conv4_3, conv7,
conv8_2 .. conv11_2 with 4, 6, 6, 6, 4, 4 default boxes per location, each predicting 4 offsets and
``num_classes`` scores (21 for PASCAL VOC: 20 classes + background).

At 300 px the six maps are 38, 19, 10, 5, 3, 1. Below ~260 px the two 3x3 valid convolutions run out of map
(conv10_2 needs a 3x3 input). Two documented ways out (knob ``extras``):

* ``"pad"``: a valid 3x3 convolution whose input is smaller than 3x3 is given padding 1 (the map keeps its size);
* ``"drop"``: the extra stages that cannot run are removed with their heads (the detector predicts from fewer maps).

``FlopCounterMode`` counts 2 FLOPs per multiply-accumulate of convolutions; ReLU, pooling, L2Norm and box decoding
are not counted (as in the published 31.4 GMAC / 62.8 GFLOP figure).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

EXTRAS_MODES = ("pad", "drop")
#: Published MACs of SSD300-VGG16 at 300x300 with 21 classes (torchvision's ssd300_vgg16 accounting;
#: docs/design.md § PaD).
PUBLISHED_GMACS_300 = 31.4
#: Smallest input the VGG backbone itself takes (five 2x2 pools need at least a 1x1 conv5 map: 2**4 = 16 px).
MIN_INPUT_PX = 16
BOXES_PER_LOCATION = (4, 6, 6, 6, 4, 4)
VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "C", 512, 512, 512, "M", 512, 512, 512)


#: conv8_2 .. conv11_2: (in, 1x1 out, 3x3 out, stride, padding) as in the SSD300 Caffe model.
EXTRA_SPECS = ((1024, 256, 512, 2, 1), (512, 128, 256, 2, 1), (256, 128, 256, 1, 0), (256, 128, 256, 1, 0))


@dataclass(frozen=True)
class ExtrasPlan:
    """Map sides of the six (or fewer) prediction maps, and the padding each kept extra stage uses."""

    map_sides: tuple[int, ...]
    pads: tuple[int, ...]
    padded: tuple[str, ...]
    dropped: tuple[str, ...]


def extras_plan(input_px: int, extras: str = "pad") -> ExtrasPlan:
    """The prediction-map sides at ``input_px`` and how the extra layers are handled (see the module docstring)."""
    s = input_px
    for v in VGG16[:10]:
        if v == "M":
            s //= 2
        elif v == "C":
            s = -(-s // 2)
    sides = [s]  # conv4_3
    s //= 2  # pool4; pool5 (3x3, stride 1, pad 1), conv6 (dilated, pad 6) and conv7 keep the side
    sides.append(s)
    pads, padded, dropped = [], [], []
    for i, (_, _, _, stride, pad) in enumerate(EXTRA_SPECS):
        name = f"conv{8 + i}_2"
        if pad == 0 and s < 3:
            if extras == "drop":
                dropped = [f"conv{8 + j}_2" for j in range(i, len(EXTRA_SPECS))]
                break
            pad = 1
            padded.append(name)
        s = (s + 2 * pad - 3) // stride + 1
        pads.append(pad)
        sides.append(s)
    return ExtrasPlan(tuple(sides), tuple(pads), tuple(padded), tuple(dropped))


def _relu_conv(cin: int, cout: int, **kw) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, **kw), nn.ReLU(inplace=True)]


class SSD300(nn.Module):
    """SSD300-VGG16 for ``input_px`` (built on the meta device; forward returns the per-map head outputs)."""

    def __init__(self, input_px: int = 300, num_classes: int = 21, extras: str = "pad") -> None:
        super().__init__()
        if extras not in EXTRAS_MODES:
            raise ValueError(f"extras={extras!r} is not allowed; allowed: one of {EXTRAS_MODES}")
        if input_px < MIN_INPUT_PX:
            raise ValueError(f"input_px={input_px} is not allowed: SSD300-VGG16's backbone (four 2x2 pools before "
                             f"conv5) needs input_px >= {MIN_INPUT_PX}")
        if num_classes < 2:
            raise ValueError(f"num_classes={num_classes} is not allowed; allowed: >= 2 (classes + background)")
        layers: list[nn.Module] = []
        cin, side = 3, input_px
        for v in VGG16:
            if v in ("M", "C"):
                layers.append(nn.MaxPool2d(2, 2, ceil_mode=v == "C"))
                side = -(-side // 2) if v == "C" else side // 2
            else:
                layers += _relu_conv(cin, v, kernel_size=3, padding=1)
                cin = v
        self.conv4_3 = nn.Sequential(*layers[:23])  # up to relu4_3
        self.conv5 = nn.Sequential(*layers[23:])
        plan = extras_plan(input_px, extras)
        self.padded = list(plan.padded)
        self.dropped = list(plan.dropped)
        self.fc = nn.Sequential(
            nn.MaxPool2d(3, 1, 1),
            *_relu_conv(512, 1024, kernel_size=3, padding=6, dilation=6),
            *_relu_conv(1024, 1024, kernel_size=1),
        )
        self.extras = nn.ModuleList()
        head_channels = [512, 1024]
        for (c_in, c_mid, c_out, stride, _), pad in zip(EXTRA_SPECS, plan.pads):
            self.extras.append(nn.Sequential(*_relu_conv(c_in, c_mid, kernel_size=1),
                                             *_relu_conv(c_mid, c_out, kernel_size=3, stride=stride, padding=pad)))
            head_channels.append(c_out)
        sides = list(plan.map_sides)
        self.map_sides = tuple(sides)
        boxes = BOXES_PER_LOCATION[:len(head_channels)]
        self.loc = nn.ModuleList(nn.Conv2d(c, b * 4, 3, padding=1) for c, b in zip(head_channels, boxes))
        self.conf = nn.ModuleList(nn.Conv2d(c, b * num_classes, 3, padding=1) for c, b in zip(head_channels, boxes))
        self.input_px = input_px

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        maps = [self.conv4_3(x)]
        x = self.fc(self.conv5(maps[0]))
        maps.append(x)
        for stage in self.extras:
            x = stage(x)
            maps.append(x)
        return [head(m) for heads in (self.loc, self.conf) for head, m in zip(heads, maps)]


@dataclass(frozen=True)
class SSDCount:
    """FLOPs of one SSD300 forward pass at one input size."""

    input_px: int
    flops: int
    backbone_flops: int
    extras_flops: int
    heads_flops: int
    map_sides: tuple[int, ...]
    padded: tuple[str, ...]
    dropped: tuple[str, ...]

    @property
    def gmacs(self) -> float:
        return self.flops / 2e9

    @property
    def gflops(self) -> float:
        return self.flops / 1e9


@functools.lru_cache(maxsize=256)
def ssd300_flops(input_px: int = 300, num_classes: int = 21, extras: str = "pad") -> SSDCount:
    """FLOPs of SSD300-VGG16 on one ``input_px`` x ``input_px`` RGB image, counted by ``torch.utils.flop_counter``
    on meta tensors (no weights are allocated)."""
    plan = extras_plan(input_px, extras) if input_px >= MIN_INPUT_PX else None
    model = _meta_model(num_classes, extras, plan.pads if plan else (), input_px)
    with torch.device("meta"):
        x = torch.empty(1, 3, input_px, input_px)
    with FlopCounterMode(display=False) as counter:
        model(x)
    per_module = counter.get_flop_counts()

    leaves = {k: v for k, v in per_module.items() if not any(o.startswith(k + ".") for o in per_module)}

    def total(prefix: str) -> int:
        return int(sum(sum(v.values()) for k, v in leaves.items() if k.startswith(f"SSD300.{prefix}.")))

    backbone = total("conv4_3") + total("conv5") + total("fc")
    extras_f = total("extras")
    heads = total("loc") + total("conf")
    return SSDCount(input_px, int(counter.get_total_flops()), backbone, extras_f, heads, plan.map_sides,
                    plan.padded, plan.dropped)


_MODELS: dict[tuple, SSD300] = {}


def _meta_model(num_classes: int, extras: str, pads: tuple[int, ...], input_px: int) -> SSD300:
    """One meta-device model per structure (sizes that pad or drop the same layers share it)."""
    key = (num_classes, extras, pads)
    if key not in _MODELS:
        with torch.device("meta"):
            _MODELS[key] = SSD300(input_px, num_classes, extras)
    return _MODELS[key]
