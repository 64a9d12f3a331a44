"""TiM-DNN stages for cross-stack composition: ``tim.ternarize`` (algorithm) and ``tim.tiles`` (target).

``tim.ternarize`` turns the trained network into a ternary one with :func:`~workbench.tim.quant.ternarize`
(weights and activations, first and last weight layers kept in full precision as TWN/TTQ do) and trains it on with
the straight-through estimator, then freezes the quantized weights into plain ``Conv2d`` / ``Linear`` layers: the
network that leaves the stage multiplies with exactly the ternary values, so its measured facts (weight levels,
densities) and every later target see the ternary network itself.

``tim.tiles`` maps the network onto TiM-DNN tiles of ``tile_size x tile_size`` TPCs (:func:`~workbench.tim.mapping.
map_network`, L = 16 rows per access, 32 tiles, the measured MAC-weighted weight and input densities of the ternary
layers). A TiM tile computes a ternary dot product exactly when its ADC resolves every count 0..L, which
:class:`~workbench.tim.arch.TimConfig` enforces, so the accuracy on TiM is the test accuracy of the ternary network
as it is.

Only layers whose measured weights *and* inputs take at most three values run on the tiles. The others (the first
convolution, which sees the image, and the layers TWN/TTQ keep in full precision) run on the digital MAC unit beside
the tiles (:mod:`workbench.hardware.digital`, priced by the component library; its energy and time add to the tiles',
its lanes and weight SRAM to the area), and the accuracy is that of the network with those layers in the unit's
fixed point, so what is priced is what is evaluated.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from workbench.core import Choice
from workbench.core.stages import TILE_SIZE, NetworkArtifact, Stage, Workload
from workbench.core.vocabulary import epochs_knob
from workbench.hardware import mac_unit
from workbench.nn.train import fit
from workbench.tim.arch import REPRESENTATIONS, TimConfig, accelerator
from workbench.tim.mapping import layers_from_model, map_network
from workbench.tim.quant import TernaryConv2d, TernaryLinear, ternarize


def freeze_weights(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose ternary conv / linear layers are plain layers holding their quantized weights
    (activation quantizers stay: they are part of the network's arithmetic)."""
    model = copy.deepcopy(model).eval()
    for module in list(model.modules()):
        if not isinstance(module, (TernaryConv2d, TernaryLinear)):
            continue
        with torch.no_grad():
            weight = module.weight_quantizer(module.weight).detach().clone()
        module.__class__ = nn.Conv2d if isinstance(module, TernaryConv2d) else nn.Linear
        del module.weight_quantizer
        module.weight = nn.Parameter(weight)
    return model


def ternary(artifact: NetworkArtifact, workload: Workload, representation: str, epochs: int):
    """Ternarize weights and activations and fine-tune with the STE (see the module docstring)."""
    net = ternarize(artifact.module, representation, "statistics", 0.7, activations=True, keep_first_last=True)
    fit(net, workload.loaders.train, workload.loaders.val, epochs=epochs, lr=0.05, device="cpu",
        seed=workload.seed + 1, description="ternary STE training")
    return freeze_weights(net), {"representation": representation}


def ternary_layers(artifact: NetworkArtifact) -> list:
    """Facts of the layers a TiM tile computes: measured weights and inputs each take at most three values."""
    return [f for f in artifact.facts if f.weight_levels <= 3 and f.input_levels <= 3]


def tiles(artifact: NetworkArtifact, workload: Workload, tile_size: int) -> dict:
    """Accuracy, energy, latency and area of one inference on TiM-DNN (see the module docstring)."""
    ternary_facts = ternary_layers(artifact)
    if not ternary_facts:
        raise ValueError("target 'tim.tiles' needs ternary weights; no layer of the network has at most 3 weight "
                         "values (add the 'tim.ternarize' stage)")
    on_tiles = {f.name for f in ternary_facts}
    cfg = TimConfig(rows=tile_size, cols=tile_size, representation=artifact.attrs.get("representation", "symmetric"),
                    weight_density=max(artifact.mean("weight_density", ternary_facts), 1e-3),
                    input_density=max(artifact.mean("input_density", ternary_facts), 1e-3))
    summary = accelerator(cfg)
    layers = layers_from_model(artifact.module, artifact.input_shape)
    mapping = map_network(tuple(m for m in layers if m.name in on_tiles), cfg, summary=summary)
    unit = mac_unit.DigitalUnit()
    off = [f for f in artifact.facts if f.name not in on_tiles]
    work = [mac_unit.layer(unit, f.name, f.macs, f.params, math.prod(f.in_shape), math.prod(f.out_shape))
            for f in off]
    module = (mac_unit.fixed_point_network(artifact.module, workload.calibration, unit.bits, {f.name for f in off})
              if off else artifact.module)
    digital_pj = sum(w.energy_pj for w in work)
    energy_pj = mapping.energy_pj + digital_pj
    bits = mac_unit.levels(unit.bits)
    return {
        "accuracy": workload.accuracy(module),
        "energy_per_inference_nj": energy_pj * 1e-3,
        "latency_per_inference_us": (mapping.latency_ns + sum(w.latency_ns for w in work)) * 1e-3,
        "area_mm2": summary.area_mm2 + mac_unit.area_mm2(unit, sum(f.params for f in off)),
        "utilisation": mapping.utilisation,
        "digital_energy_share": digital_pj / energy_pj,
        "digital_mac_share": sum(w.macs for w in work) / artifact.macs,
        "layers": mapping.table() + [{"layer": w.name, "kind": "digital", "macs": w.macs, "latency_ns": w.latency_ns,
                                      "energy_pj": w.energy_pj} for w in work],
        "layer_units": [mac_unit.priced(f.name, "tim", 3, 3) if f.name in on_tiles
                        else mac_unit.priced(f.name, "digital", bits, bits) for f in artifact.facts],
    }


TERNARIZE = Stage(
    name="tim.ternarize",
    kind="algorithm",
    theme="tim",
    func=ternary,
    knobs=(
        Choice("representation", "symmetric", options=REPRESENTATIONS, label="ternary scheme",
               help="Ternary system of weights and activations: {-1,0,1}, {-a,0,a} or {-a,0,b}."),
        epochs_knob(6, high=100, label="ternary fine-tuning",
                    help="Epochs of straight-through-estimator fine-tuning of the ternary network."),
    ),
    requires=("trained",),
    provides=("ternary",),
    order=20,
    label="ternarize",
    description="Ternary weights and activations (TWN thresholds), fine-tuned with the straight-through estimator.",
)

TILES = Stage(
    name="tim.tiles",
    kind="target",
    theme="tim",
    func=tiles,
    knobs=(TILE_SIZE,),
    requires=("trained", "ternary"),
    label="TiM-DNN",
    description="Ternary in-memory tiles (32 tiles, L = 16 rows per access, 32 nm): exact ternary dot products.",
)
