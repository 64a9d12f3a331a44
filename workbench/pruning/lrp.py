"""Layer-wise relevance propagation (LRP-alpha-beta) through the workbench's VGG and ResNet models.

Relevance starts at the logits as the one-hot true label and is propagated back layer by layer:

* convolution / linear (Bach et al., "On pixel-wise explanations ... by layer-wise relevance propagation", PLoS ONE
  2015, Eq. 60; Montavon et al., "Layer-wise relevance propagation: an overview", 2019, Sec. 10.2.2):
  ``R_i = x_i * sum_j (alpha * w+_ij / z+_j - beta * w-_ij / z-_j) R_j`` with ``z+_j = sum_i x_i w+_ij`` and
  ``z-_j = sum_i x_i w-_ij`` (biases excluded); with non-negative inputs and ``alpha - beta = 1`` relevance is
  conserved wherever both ``z+`` and ``z-`` are non-zero;
* batch norm and ReLU pass relevance through unchanged, max pooling sends it to the winning input, average
  pooling splits it in proportion to the inputs (the z-rule), as in the FRS authors' public code (Aketi et al.,
  arXiv:2002.09958);
* a residual addition ``y = a + b`` splits ``R`` in proportion to each input: ``R_a = a / y * R``, ``R_b = b / y * R``.

:func:`relevance` returns the relevance arriving at every prunable layer's post-ReLU feature map.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from workbench.nn.models import VGG, BasicBlock, ResNet

EPS = 1e-9


def _stable(z: torch.Tensor) -> torch.Tensor:
    """``z`` pushed away from zero by EPS in its own sign (zeros become +EPS)."""
    return z + EPS * torch.where(z >= 0, 1.0, -1.0)


def conv_relprop(conv: nn.Conv2d, x: torch.Tensor, r: torch.Tensor, alpha: float = 2.0, beta: float = 1.0):
    """Relevance at the input ``x`` of ``conv`` from relevance ``r`` at its output (alpha-beta rule)."""
    wp, wn = conv.weight.clamp(min=0), conv.weight.clamp(max=0)

    def forward(w: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, w, None, conv.stride, conv.padding, conv.dilation, conv.groups)

    def backward(s: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return torch.nn.grad.conv2d_input(x.shape, w, s, conv.stride, conv.padding, conv.dilation, conv.groups)

    cp = backward(alpha * r / _stable(forward(wp)), wp)
    cn = backward(-beta * r / _stable(forward(wn)), wn)
    return x * (cp + cn)


def linear_relprop(linear: nn.Linear, x: torch.Tensor, r: torch.Tensor, alpha: float = 2.0, beta: float = 1.0):
    """Relevance at the input ``x`` of ``linear`` from relevance ``r`` at its output (alpha-beta rule)."""
    wp, wn = linear.weight.clamp(min=0), linear.weight.clamp(max=0)
    cp = (alpha * r / _stable(x @ wp.T)) @ wp
    cn = (-beta * r / _stable(x @ wn.T)) @ wn
    return x * (cp + cn)


def maxpool_relprop(pool: nn.MaxPool2d, x: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """Winner-take-all: each output's relevance goes to the input position that was the maximum."""
    _, index = F.max_pool2d(x, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode, True)
    return F.max_unpool2d(r, index, pool.kernel_size, pool.stride, pool.padding, output_size=x.shape[-2:])


def global_avgpool_relprop(x: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """Relevance ``r`` [N, C] of a global average pool split over the positions of ``x`` in proportion to ``x``."""
    total = _stable(x.sum(dim=(2, 3), keepdim=True))
    return x / total * r[:, :, None, None]


def residual_relprop(a: torch.Tensor, b: torch.Tensor, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split relevance ``r`` of ``a + b`` between the two summands in proportion to each."""
    s = r / _stable(a + b)
    return a * s, b * s


def _vgg_relevance(model: VGG, x: torch.Tensor, r: torch.Tensor, alpha: float, beta: float) -> dict:
    inputs = []
    for module in model.features:
        inputs.append(x)
        x = module(x)
    pooled_in = x
    r = linear_relprop(model.classifier, torch.flatten(model.pool(x), 1), r, alpha, beta)
    r = global_avgpool_relprop(pooled_in, r)
    relus = {id(p.relu): p.name for p in model.prunable()}
    first_conv = next(i for i, m in enumerate(model.features) if isinstance(m, nn.Conv2d))
    out = {}
    for i in range(len(model.features) - 1, first_conv, -1):
        module = model.features[i]
        if isinstance(module, nn.ReLU) and id(module) in relus:
            out[relus[id(module)]] = r
        if isinstance(module, nn.Conv2d):
            r = conv_relprop(module, inputs[i], r, alpha, beta)
        elif isinstance(module, nn.MaxPool2d):
            r = maxpool_relprop(module, inputs[i], r)
    return out


def _block_relprop(block: BasicBlock, name: str, x: torch.Tensor, r: torch.Tensor, alpha: float, beta: float,
                   out: dict) -> torch.Tensor:
    h = block.relu1(block.bn1(block.conv1(x)))
    branch = block.bn2(block.conv2(h))
    short = block.shortcut(x)
    r_branch, r_short = residual_relprop(branch, short, r)
    r_h = conv_relprop(block.conv2, h, r_branch, alpha, beta)
    out[f"{name}.conv1"] = r_h
    r_x = conv_relprop(block.conv1, x, r_h, alpha, beta)
    if isinstance(block.shortcut, nn.Sequential):
        r_short = conv_relprop(block.shortcut[0], x, r_short, alpha, beta)
    return r_x + r_short


def _resnet_relevance(model: ResNet, x: torch.Tensor, r: torch.Tensor, alpha: float, beta: float) -> dict:
    x = model.relu(model.bn(model.conv(x)))
    inputs = []
    for block in model.blocks:
        inputs.append(x)
        x = block(x)
    r = linear_relprop(model.classifier, torch.flatten(model.pool(x), 1), r, alpha, beta)
    r = global_avgpool_relprop(x, r)
    out: dict = {}
    for i in range(len(model.blocks) - 1, -1, -1):
        r = _block_relprop(model.blocks[i], f"blocks.{i}", inputs[i], r, alpha, beta, out)
    return out


def relevance(
    model: nn.Module, x: torch.Tensor, target: torch.Tensor, alpha: float = 2.0, beta: float = 1.0
) -> dict[str, torch.Tensor]:
    """Relevance maps [N, C, H, W] at each prunable layer's post-ReLU output, from the one-hot ``target`` labels.

    The model is evaluated in eval mode (batch-norm running statistics) without gradients and put back in its
    previous mode.

    Raises
    ------
    TypeError
        For a model that is neither a workbench :class:`VGG` nor :class:`ResNet`.
    ValueError
        When ``alpha - beta != 1`` (the rule would not conserve relevance).
    """
    if abs(alpha - beta - 1) > 1e-12 or beta < 0:
        raise ValueError(f"alpha={alpha}, beta={beta} is not allowed; allowed: alpha - beta = 1 with beta >= 0")
    if not isinstance(model, (VGG, ResNet)):
        raise TypeError(f"relevance supports workbench VGG and ResNet models, got {type(model).__name__}")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits_classes = model.classifier.out_features
            r = F.one_hot(target.long(), logits_classes).to(x.dtype)
            if isinstance(model, VGG):
                return _vgg_relevance(model, x, r, alpha, beta)
            return _resnet_relevance(model, x, r, alpha, beta)
    finally:
        model.train(was_training)
