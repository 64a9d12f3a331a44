"""The effort knobs of DyVEDeep (arXiv:1704.01137): one threshold set for the whole network, overridable per layer.

Every threshold is relative to a statistic of its own layer measured once on training images (see
:class:`workbench.dyvedeep.engine.Calibration`), so one global value means the same thing in every layer:

* ``spet_fraction`` f and ``spet_threshold`` T (neuron level, saturation prediction and early termination): a ReLU
  neuron accumulates its terms most-significant first (by |weight|, an order fixed once per output channel); after
  ``ceil(f n)`` of its ``n`` terms, and then after every further ``spet_chunk`` terms, it stops and outputs 0 if the
  partial sum is below ``-T x std(pre-activation of the layer)``. ``f = 1`` switches it off (exact).
* ``sig_threshold`` and ``sim_threshold`` (feature level, significance-driven selective sampling): outputs on the
  stride-2 grid are computed; another position is interpolated from its grid neighbours when all of them are below
  ``sig_threshold x std(activation)`` (insignificant) or their spread max - min is below
  ``sim_threshold x std(activation)`` (similar), else computed. ``0`` switches each test off (exact).
* ``var_threshold`` (layer level, similarity-based feature-map approximation): an input channel whose variance over
  the map is below ``var_threshold x mean channel variance of the layer's input`` is replaced by its mean, so its
  contribution to output channel k is ``mean(X_c) x sum(W_kc)``. ``0`` switches it off (exact).

Each mechanism is a reconstruction [R] of the paper's description (its full text was not available); the choices
are documented here and in :mod:`workbench.dyvedeep.engine`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

#: field -> (low, high, low inclusive); every threshold's allowed range.
RANGES: dict[str, tuple[float, float, bool]] = {
    "spet_fraction": (0.0, 1.0, False),
    "spet_threshold": (0.0, 10.0, True),
    "spet_chunk": (1, 4096, True),
    "sig_threshold": (0.0, 10.0, True),
    "sim_threshold": (0.0, 10.0, True),
    "var_threshold": (0.0, 10.0, True),
}
THRESHOLDS = tuple(RANGES)
#: thresholds a per-layer scale multiplies (:meth:`Effort.scaled`)
SCALED = ("spet_threshold", "sig_threshold", "sim_threshold", "var_threshold")


def check_value(name: str, value, where: str = "") -> float | int:
    """``value`` validated for threshold ``name`` (``ValueError`` naming it, the value and the allowed range)."""
    if name not in RANGES:
        raise ValueError(f"{where}unknown effort field {name!r}; allowed: {list(RANGES)}")
    low, high, low_inclusive = RANGES[name]
    allowed = f"{low} {'<=' if low_inclusive else '<'} {name} <= {high}"
    if isinstance(value, bool):
        raise ValueError(f"{where}{name}={value!r} is not allowed; allowed: {allowed}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}{name}={value!r} is not allowed; allowed: {allowed}") from None
    ok = (low <= number if low_inclusive else low < number) and number <= high and not math.isnan(number)
    if name == "spet_chunk":
        ok = ok and number == int(number)
        allowed += " (an integer number of terms)"
    if not ok:
        raise ValueError(f"{where}{name}={value!r} is not allowed; allowed: {allowed}")
    return int(number) if name == "spet_chunk" else number


@dataclass(frozen=True)
class LayerEffort:
    """The thresholds in force in one layer (see the module docstring for their meaning and units)."""

    spet_fraction: float = 1.0
    spet_threshold: float = 0.0
    spet_chunk: int = 32
    sig_threshold: float = 0.0
    sim_threshold: float = 0.0
    var_threshold: float = 0.0

    @property
    def spet_on(self) -> bool:
        return self.spet_fraction < 1.0

    @property
    def sdss_on(self) -> bool:
        return self.sig_threshold > 0.0 or self.sim_threshold > 0.0

    @property
    def var_on(self) -> bool:
        return self.var_threshold > 0.0


@dataclass(frozen=True)
class Effort(LayerEffort):
    """Network-wide thresholds plus per-layer overrides.

    Parameters
    ----------
    spet_fraction, spet_threshold, spet_chunk, sig_threshold, sim_threshold, var_threshold
        Global values (module docstring); the defaults are the exact settings (every mechanism off).
    layers : mapping of str to mapping of str to float
        Per-layer overrides, ``{"features.4": {"var_threshold": 0.05}}``; layer names are checked against the
        network when the effort is applied (:meth:`workbench.dyvedeep.engine.DynamicNet.check_effort`).
    """

    layers: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in THRESHOLDS:
            object.__setattr__(self, name, check_value(name, getattr(self, name)))
        frozen = {}
        for layer, overrides in dict(self.layers).items():
            if not isinstance(overrides, Mapping):
                raise ValueError(f"layers[{layer!r}] must be a mapping of threshold -> value, got {overrides!r}")
            frozen[str(layer)] = {k: check_value(k, v, f"layer {layer!r}: ") for k, v in overrides.items()}
        object.__setattr__(self, "layers", frozen)

    def for_layer(self, name: str) -> LayerEffort:
        """The thresholds in force in layer ``name`` (globals with its overrides)."""
        base = {f.name: getattr(self, f.name) for f in fields(LayerEffort)}
        base.update(self.layers.get(name, {}))
        return LayerEffort(**base)

    def with_layer(self, name: str, **overrides: float) -> Effort:
        """A copy with ``overrides`` added to layer ``name``."""
        layers = {k: dict(v) for k, v in self.layers.items()}
        layers.setdefault(name, {}).update(overrides)
        return replace(self, layers=layers)

    def scaled(self, scales: Mapping[str, float]) -> Effort:
        """A copy whose thresholds (T, T_sig, T_sim, T_var) in each named layer are the global ones times that
        layer's scale, e.g. ``{"features.0": 0.5, "features.8": 2.0}`` (a per-layer scale list); a scale of 0 makes
        those thresholds 0 there (T = 0 is the most aggressive saturation setting; the others are then off)."""
        out = self
        for layer, scale in scales.items():
            if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale < math.inf:
                raise ValueError(f"scale for layer {layer!r} is {scale!r}; allowed: a number >= 0")
            base = self.for_layer(layer)
            out = out.with_layer(layer, **{name: getattr(base, name) * scale for name in SCALED})
        return out

    def as_dict(self) -> dict:
        """Plain dict (for JSON and result rows)."""
        out = {name: getattr(self, name) for name in THRESHOLDS}
        out["layers"] = {k: dict(v) for k, v in self.layers.items()}
        return out


EXACT = Effort()
