"""The crossbar theme's target stage for cross-stack composition: ``crossbar.arrays``.

The network is converted layer by layer onto tiled resistive crossbars (:func:`~workbench.crossbar.layers.convert`)
at the Rx-Caffe-like operating point of ``data/presets/crossbar/rx_caffe.yaml`` (4-bit cells holding 8-bit weights,
8-bit DAC inputs, 8-bit ADC, driver and sense resistances, exact G_eff per tile) with the stage's tile size, wire
resistance and programming variation; its test accuracy is computed through those crossbars, non-idealities in the
forward pass. ``xbar_nonideal = False`` evaluates the same tiles ideal (no parasitics, variation, DAC or ADC
rounding): the check that the crossbar model reproduces the network.

Energy, latency and area come from :func:`~workbench.crossbar.studies.inference_cost` on the same configuration and
the network's actual layer shapes and weights (chip sized to the tiles the network needs, lossy ADCs priced as
configured), whichever accuracy model is chosen: the chip is the same.
"""

from __future__ import annotations

from workbench.core import Bool
from workbench.core.knobs import config_knobs
from workbench.core.stages import TILE_SIZE, NetworkArtifact, Stage, Workload, register_stage
from workbench.crossbar.circuit import CircuitConfig
from workbench.crossbar.config import CrossbarConfig, load_preset
from workbench.crossbar.cost import layer_shapes
from workbench.crossbar.device import DeviceConfig
from workbench.crossbar.layers import convert
from workbench.crossbar.studies import inference_cost

#: The operating point the stage's knobs change (``data/presets/crossbar/<PRESET>.yaml``).
PRESET = "rx_caffe"


def configure(tile_size: int, xbar_r_wire_ohm: float, xbar_sigma: float, seed: int) -> CrossbarConfig:
    """The :data:`PRESET` crossbar with square tiles of ``tile_size``, this wire resistance and variation."""
    return load_preset(PRESET).with_changes(
        circuit={"rows": tile_size, "cols": tile_size, "r_wire_row_ohm": xbar_r_wire_ohm,
                 "r_wire_col_ohm": xbar_r_wire_ohm},
        device={"program_sigma": xbar_sigma}, seed=seed)


def arrays(artifact: NetworkArtifact, workload: Workload, tile_size: int, xbar_r_wire_ohm: float, xbar_sigma: float,
           xbar_nonideal: bool) -> dict:
    """Accuracy through the crossbars and the accelerator's energy, latency and area (see the module docstring)."""
    config = configure(tile_size, xbar_r_wire_ohm, xbar_sigma, workload.seed)
    forward = config if xbar_nonideal else CrossbarConfig(circuit=CircuitConfig(rows=tile_size, cols=tile_size))
    cost = inference_cost(config, layer_shapes(artifact.module, artifact.input_shape), allow_lossy_adc=True)
    return {
        "accuracy": workload.accuracy(convert(artifact.module, forward)),
        "energy_nj": cost["energy_per_inference_nj"],
        "latency_us": cost["latency_per_inference_us"],
        "area_mm2": cost["area_mm2"],
        "adc_energy_share_pct": cost["adc_energy_share_pct"],
        "layers": cost["layers"],
    }


ARRAYS = register_stage(Stage(
    name="crossbar.arrays",
    kind="target",
    theme="crossbar",
    func=arrays,
    knobs=(
        TILE_SIZE,
        *config_knobs(CircuitConfig, ("xbar_r_wire_ohm",),
                      xbar_r_wire_ohm=dict(field="r_wire_row_ohm", default=1.0, high=10.0, label="wire segment")),
        *config_knobs(DeviceConfig, ("xbar_sigma",),
                      xbar_sigma=dict(field="program_sigma", default=0.02, high=0.3, label="programming variation")),
        Bool("xbar_nonideal", True, label="crossbar non-idealities",
             help="Non-idealities in the forward pass (off: ideal tiles, which reproduce the network exactly)."),
    ),
    requires=("trained",),
    label="crossbars",
    description="Resistive crossbars (Rx-Caffe-like: parasitics, 4-bit cells, 8-bit DAC/ADC, variation) with an "
                "ISAAC-style periphery.",
))
