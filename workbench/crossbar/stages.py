"""The crossbar theme's stages for cross-stack composition: the target ``crossbar.arrays`` and the algorithm stage
``crossbar.train`` (crossbar-aware fine-tuning, TxSim).

The network is converted layer by layer onto tiled resistive crossbars
(:func:`~workbench.crossbar.inference.layers.convert`)
at the Rx-Caffe-like operating point of ``data/presets/crossbar/rx_caffe.yaml`` (4-bit cells holding 8-bit weights,
8-bit DAC inputs, 8-bit ADC, driver and sense resistances, exact G_eff per tile) with the stage's tile size, wire
resistance and programming variation; its test accuracy is computed through those crossbars, non-idealities in the
forward pass. ``nonideal = False`` evaluates the same tiles ideal (no parasitics, variation, DAC or ADC
rounding): the check that the crossbar model reproduces the network.

Energy, latency and area come from :func:`~workbench.crossbar.inference.studies.inference_cost` on the same
configuration and
the network's actual layer shapes and weights (chip sized to the tiles the network needs, lossy ADCs priced as
configured), whichever accuracy model is chosen: the chip is the same.

``crossbar.train`` fine-tunes the trained network by crossbar-aware training (TxSim, arXiv 2002.11151; :mod:`workbench
.crossbar.training`): every conv and linear layer on tiles of the shared tile size and wire resistance, forward,
transposed backward read and pulse-programmed update non-ideal at the ``crossbar.training`` study's default operating
point (short-path parasitics, 8-bit DAC/ADC, nu = 2, gamma = 0.2, device-to-device variation, 100 pulses), batch
norm and biases digital; the network it hands on holds the weights the arrays store. [R] Its cells are analog and
pulse-programmed (TxSim's device), while ``crossbar.arrays`` reads 4-bit cells holding 8-bit weights (Rx-Caffe's):
the two stages model different devices on the same tiles.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

from workbench.core import Bool
from workbench.core.knobs import config_knobs
from workbench.core.stages import TILE_SIZE, NetworkArtifact, Stage, Workload
from workbench.core.vocabulary import epochs_knob, lr_knob
from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig, load_preset
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.inference.cost import CostConfig, layer_shapes
from workbench.crossbar.inference.layers import convert
from workbench.crossbar.inference.studies import inference_cost
from workbench.crossbar.training.layers import to_crossbars, to_torch
from workbench.crossbar.training.optim import train as train_on_crossbars
from workbench.crossbar.training.studies import TRAINING
from workbench.hardware.mac_unit import levels, priced

#: The operating point the stage's knobs change (``data/presets/crossbar/<PRESET>.yaml``).
PRESET = "rx_caffe"


def configure(tile_size: int, r_wire_ohm: float, program_sigma: float, seed: int) -> CrossbarConfig:
    """The :data:`PRESET` crossbar with square tiles of ``tile_size``, this wire resistance and variation."""
    return load_preset(PRESET).with_changes(
        circuit={"rows": tile_size, "cols": tile_size, "r_wire_row_ohm": r_wire_ohm, "r_wire_col_ohm": r_wire_ohm},
        device={"program_sigma": program_sigma}, seed=seed)


def arrays(artifact: NetworkArtifact, workload: Workload, tile_size: int, r_wire_ohm: float, program_sigma: float,
           nonideal: bool) -> dict:
    """Accuracy through the crossbars and the accelerator's energy, latency and area (see the module docstring)."""
    config = configure(tile_size, r_wire_ohm, program_sigma, workload.seed)
    forward = config if nonideal else CrossbarConfig(circuit=CircuitConfig(rows=tile_size, cols=tile_size))
    cost = inference_cost(config, layer_shapes(artifact.module, artifact.input_shape),
                          cost=CostConfig(allow_lossy_adc=True))
    return {
        "accuracy": workload.accuracy(convert(artifact.module, forward)),
        "energy_per_inference_nj": cost["energy_per_inference_nj"],
        "latency_per_inference_us": cost["latency_per_inference_us"],
        "area_mm2": cost["area_mm2"],
        "adc_energy_share_pct": cost["adc_energy_share_pct"],
        "layers": cost["layers"],
        "layer_units": [priced(f.name, "crossbar", levels(config.device.weight_bits),
                               levels(config.peripherals.input_bits)) for f in artifact.facts],
    }


#: Wire segment resistance, shared by the target and the training stage (one knob for both).
R_WIRE = config_knobs(CircuitConfig, ("r_wire_ohm",),
                      r_wire_ohm=dict(field="r_wire_row_ohm", default=1.0, high=10.0, label="wire segment"))[0]

ARRAYS = Stage(
    name="crossbar.arrays",
    kind="target",
    theme="crossbar",
    func=arrays,
    knobs=(
        TILE_SIZE,
        R_WIRE,
        *config_knobs(DeviceConfig, ("program_sigma",),
                      program_sigma=dict(default=0.02, high=0.3, label="programming variation")),
        Bool("nonideal", True, label="crossbar non-idealities",
             help="Non-idealities in the forward pass (off: ideal tiles, which reproduce the network exactly)."),
    ),
    requires=("trained",),
    label="crossbars",
    description="Resistive crossbars (Rx-Caffe-like: parasitics, 4-bit cells, 8-bit DAC/ADC, variation) with an "
                "ISAAC-style periphery.",
)


def train(artifact: NetworkArtifact, workload: Workload, tile_size: int, r_wire_ohm: float, epochs: int,
          lr: float):
    """Crossbar-aware fine-tuning of ``artifact.module`` (see the module docstring); plain SGD, data order seeded."""
    config = TRAINING.arguments({**TRAINING.defaults(), "tile_size": tile_size, "r_wire_ohm": r_wire_ohm,
                                 "seed": workload.seed})["config"]
    model = to_crossbars(copy.deepcopy(artifact.module), config, seed=workload.seed)
    data = SimpleNamespace(train=workload.loaders.train.dataset, test=workload.loaders.test.dataset)
    run = train_on_crossbars(model, data, epochs=epochs, lr=lr, seed=workload.seed,
                             description="crossbar-aware fine-tuning")
    return to_torch(model), {"crossbar_train_accuracy": run.history[-1]["test_accuracy"]}


TRAIN = Stage(
    name="crossbar.train",
    kind="algorithm",
    theme="crossbar",
    func=train,
    knobs=(
        TILE_SIZE,
        R_WIRE,
        epochs_knob(2, high=20, label="crossbar training epochs",
                    help="Epochs of crossbar-aware fine-tuning (forward, backward and update on the "
                    "non-ideal tiles)."),
        lr_knob(0.02, help="SGD learning rate of the fine-tuning (no momentum: the update is programmed as pulses)."),
    ),
    requires=("trained",),
    provides=("crossbar_trained",),
    order=15,
    label="crossbar-aware training",
    description="Fine-tunes the trained network on resistive crossbars (TxSim): non-ideal forward and transposed "
                "backward reads, pulse-programmed nonlinear noisy updates.",
)
