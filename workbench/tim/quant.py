"""Ternary quantization of weights and activations, trained with a straight-through estimator (STE).

Representations (TiM-DNN, arXiv:1909.06892, Sec. II): unweighted {-1, 0, 1}, symmetric weighted {-a, 0, a} and
asymmetric weighted {-a, 0, b}. Every quantizer zeroes values with ``|x| <= Delta``, ``Delta = threshold x mean|x|``
(Li et al., "Ternary weight networks", 2016, who derive ``threshold ~ 0.7``), and maps the rest to the scale of
their sign:

* ``scale_mode="statistics"``: symmetric ``a = mean |x|`` over the nonzero positions (the TWN optimum);
  asymmetric ``a = mean |x|`` over negative, ``b = mean x`` over positive positions.
* ``scale_mode="learnable"``: the scales are parameters trained by back-propagation (Zhu et al., "Trained ternary
  quantization", 2017): the gradient of ``b`` is the summed gradient over the positive positions, of ``a`` minus the
  summed gradient over the negative ones.

The STE passes the gradient of the quantized tensor to its input unchanged for weights (TWN/TTQ) and clipped to
``|x| <= 1`` for activations (Hubara et al. 2016; inputs there are batch-normalised). Activation quantizers replace
the ReLUs of a network, so the next layer receives signed ternary inputs as a TiM tile expects; in evaluation they
use running averages of ``Delta`` and the statistic scales (like batch norm) so results do not depend on batch size.
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from workbench.nn.trace import trace_layers
from workbench.tim.arch import REPRESENTATIONS

SCALE_MODES = ("statistics", "learnable")
#: Small VGG for 8x8 digits: three conv-BN-quantizer stages (two pools), global average pool, linear classifier.
DIGITS_CFG = (1, "M", 2, "M", 4)


def _check(representation: str, scale_mode: str, threshold: float) -> None:
    if representation not in REPRESENTATIONS:
        raise ValueError(f"representation={representation!r}; allowed: {REPRESENTATIONS}")
    if scale_mode not in SCALE_MODES:
        raise ValueError(f"scale_mode={scale_mode!r}; allowed: {SCALE_MODES}")
    if not 0.0 <= threshold < 10.0:
        raise ValueError(f"threshold={threshold!r}; allowed: 0 <= threshold < 10")


class _SignSTE(torch.autograd.Function):
    """Ternary sign pattern {-1, 0, 1} of ``x`` against ``delta``; backward passes the gradient where ``|x|<=clip``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, delta: torch.Tensor, clip: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.clip = clip
        return (x > delta).to(x.dtype) - (x < -delta).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        if math.isinf(ctx.clip):
            return grad, None, None
        return grad * (x.abs() <= ctx.clip).to(grad.dtype), None, None


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    count = mask.sum()
    return torch.where(count > 0, (values * mask).sum() / count.clamp(min=1), torch.ones((), dtype=values.dtype))


class TernaryQuantizer(nn.Module):
    """Quantize a tensor to three values: ``{-1,0,1}``, ``{-a,0,a}`` or ``{-a,0,b}`` (see the module docstring).

    Parameters
    ----------
    representation : {"unweighted", "symmetric", "asymmetric"}
    scale_mode : {"statistics", "learnable"}
        Ignored for ``"unweighted"``.
    threshold : float
        ``Delta = threshold x mean|x|``.
    activation : bool
        True for activations: clipped STE and running statistics for evaluation; False for weights.
    momentum : float
        Running-average momentum of the activation statistics.
    """

    def __init__(self, representation: str = "symmetric", scale_mode: str = "statistics", threshold: float = 0.7,
                 activation: bool = False, momentum: float = 0.1):
        super().__init__()
        _check(representation, scale_mode, threshold)
        self.representation, self.scale_mode, self.threshold = representation, scale_mode, threshold
        self.activation, self.momentum = activation, momentum
        learn = scale_mode == "learnable" and representation != "unweighted"
        self.neg_scale = nn.Parameter(torch.tensor(-1.0)) if learn else None  # a; -1 = set from statistics on first use
        self.pos_scale = nn.Parameter(torch.tensor(-1.0)) if learn and representation == "asymmetric" else None
        for name in ("running_delta", "running_neg", "running_pos"):
            self.register_buffer(name, torch.tensor(-1.0))  # -1 = not yet seen

    def _running(self, name: str, value: torch.Tensor) -> torch.Tensor:
        buffer = getattr(self, name)
        if self.training:
            with torch.no_grad():
                buffer.copy_(value if buffer < 0 else (1 - self.momentum) * buffer + self.momentum * value)
            return value
        return buffer if buffer >= 0 else value

    def statistics(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(Delta, a, b)`` from the statistics of ``x`` (the rule of the module docstring, no running average)."""
        x = x.detach()
        delta = self.threshold * x.abs().mean()
        neg, pos = x < -delta, x > delta
        if self.representation == "asymmetric":
            a, b = _masked_mean(-x, neg.to(x.dtype)), _masked_mean(x, pos.to(x.dtype))
        else:
            a = b = _masked_mean(x.abs(), (neg | pos).to(x.dtype))
        return delta, a, b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        delta, a, b = self.statistics(x)
        if self.activation:
            delta = self._running("running_delta", delta)
            a, b = self._running("running_neg", a), self._running("running_pos", b)
        sign = _SignSTE.apply(x, delta, 1.0 if self.activation else math.inf)
        if self.representation == "unweighted":
            return sign
        if self.neg_scale is not None:
            if self.neg_scale.item() < 0:  # first use: start the learnable scales from the statistics
                with torch.no_grad():
                    self.neg_scale.fill_(a.item())
                    if self.pos_scale is not None:
                        self.pos_scale.fill_(b.item())
            a = self.neg_scale
            b = self.pos_scale if self.pos_scale is not None else self.neg_scale
        return torch.where(sign > 0, b * sign, a * sign)

    def extra_repr(self) -> str:
        kind = "activation" if self.activation else "weight"
        return f"{self.representation}, {self.scale_mode}, threshold={self.threshold}, {kind}"


class TernaryConv2d(nn.Conv2d):
    """A ``Conv2d`` whose weights pass through a :class:`TernaryQuantizer` in every forward pass."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.weight_quantizer(self.weight), self.bias)


class TernaryLinear(nn.Linear):
    """A ``Linear`` whose weights pass through a :class:`TernaryQuantizer` in every forward pass."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight_quantizer(self.weight), self.bias)


def _ternary_copy(layer: nn.Module, quantizer: TernaryQuantizer) -> nn.Module:
    kind = TernaryConv2d if isinstance(layer, nn.Conv2d) else TernaryLinear
    clone = copy.deepcopy(layer)
    clone.__class__ = kind
    clone.weight_quantizer = quantizer
    return clone


def ternarize(model: nn.Module, representation: str = "symmetric", scale_mode: str = "statistics",
              threshold: float = 0.7, activations: bool = True, keep_first_last: bool = False) -> nn.Module:
    """A copy of ``model`` with ternary weights in every conv/linear layer and, if ``activations``, every ReLU
    replaced by a ternary activation quantizer. The copy keeps the trained weights (start of STE fine-tuning).

    ``keep_first_last`` leaves the first and the last weight layer in full precision (the usual practice of TWN,
    TTQ and DoReFa-Net: the first sees raw pixels, the last produces the logits)."""
    _check(representation, scale_mode, threshold)
    clone = copy.deepcopy(model)
    weight_layers = [m for m in clone.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    kept = {id(weight_layers[0]), id(weight_layers[-1])} if keep_first_last else set()

    def swap(parent: nn.Module) -> None:
        for name, child in parent.named_children():
            if isinstance(child, (nn.Conv2d, nn.Linear)):
                if id(child) in kept:
                    continue
                setattr(parent, name, _ternary_copy(child, TernaryQuantizer(representation, scale_mode, threshold)))
            elif isinstance(child, nn.ReLU) and activations:
                setattr(parent, name, TernaryQuantizer(representation, scale_mode, threshold, activation=True))
            else:
                swap(child)

    swap(clone)
    return clone


def weight_density(model: nn.Module) -> float:
    """Fraction of nonzero quantized weights over every ternary layer of ``model``."""
    nonzero = total = 0
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (TernaryConv2d, TernaryLinear)):
                q = module.weight_quantizer(module.weight)
                nonzero += int((q != 0).sum())
                total += q.numel()
    if total == 0:
        raise ValueError("weight_density: the model has no ternary layers")
    return nonzero / total


def activation_density(model: nn.Module, x: torch.Tensor) -> float:
    """Fraction of nonzero outputs of the activation quantizers of ``model`` on inputs ``x`` (eval mode)."""
    quantizers = trace_layers(model, x, select=lambda m: isinstance(m, TernaryQuantizer) and m.activation)
    outputs = [t.output for t in quantizers]
    total = sum(o.numel() for o in outputs)
    return sum(int((o != 0).sum()) for o in outputs) / total if total else 1.0


def digits_model(width: int = 16) -> nn.Module:
    """The small VGG (``workbench.nn.vgg``) the ``tim.quant`` study trains on 8x8 digits."""
    from workbench.nn import vgg

    cfg = [c * width if isinstance(c, int) else c for c in DIGITS_CFG]
    return vgg(cfg, num_classes=10, in_channels=1, input_size=8)


def ternary_experiment(representation: str = "symmetric", scale_mode: str = "statistics", threshold: float = 0.7,
                       quantize_activations: bool = True, keep_first_last: bool = True, width: int = 16,
                       epochs: int = 15, lr: float = 0.05, seed: int = 0, device: str = "auto") -> dict:
    """Train the digits VGG in full precision, ternarize it, train it on with the STE (same epochs and learning
    rate); compare test accuracy.

    The trained ternary network is then mapped onto the default TiM-DNN (with this representation and the measured
    weight and activation densities) for its energy per inference, on TiM and on the near-memory baseline. Every
    layer is mapped as ternary, also a first/last layer kept in full precision (an approximation of their cost).
    Training runs on ``device`` (``"auto"``: CUDA when present); the mapping runs on the CPU copy of the model.
    """
    from workbench.datasets import digits, make_loaders
    from workbench.nn import evaluate_accuracy, fit
    from workbench.tim.arch import TimConfig
    from workbench.tim.mapping import layers_from_model, map_network

    torch.manual_seed(seed)
    splits = digits(seed=seed)
    loaders = make_loaders(splits, batch_size=64)
    model = digits_model(width)
    fit(model, loaders.train, loaders.val, epochs=epochs, lr=lr, device=device, seed=seed,
        description="full-precision training")
    fp_accuracy = evaluate_accuracy(model, loaders.test, device=device)
    ternary = ternarize(model, representation, scale_mode, threshold, activations=quantize_activations,
                        keep_first_last=keep_first_last)
    fit(ternary, loaders.train, loaders.val, epochs=epochs, lr=lr, device=device, seed=seed + 1,
        description="ternary STE training")
    accuracy = evaluate_accuracy(ternary, loaders.test, device=device)
    w_density = weight_density(ternary)
    a_density = activation_density(ternary, splits.test.tensors[0]) if quantize_activations else 1.0
    cfg = TimConfig(representation=representation, weight_density=w_density,
                    input_density=min(1.0, max(a_density, 1e-3)))
    mapping = map_network(layers_from_model(ternary.cpu(), splits.input_shape), cfg)
    return {
        "accuracy": 100 * accuracy,
        "accuracy_float": 100 * fp_accuracy,
        "accuracy_drop": 100 * (fp_accuracy - accuracy),
        "weight_density": w_density,
        "activation_density": a_density,
        "energy_per_inference_nj": mapping.energy_pj * 1e-3,
        "nm_energy_per_inference_nj": mapping.nm_energy_pj * 1e-3,
    }
