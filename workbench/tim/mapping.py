"""Mapping ternary networks onto TiM tiles: accesses, latency, energy per inference, utilisation.

Every layer is a matrix-vector product repeated ``vectors`` times per inference: a convolution is the im2col matrix
``K = C_in k_h k_w`` by ``N = C_out`` applied at every output position; a fully connected layer is one vector; a
recurrent layer multiplies ``[x_t; h_{t-1}]`` (``K = inputs + hidden``) by the stacked gate weights (``N = 4 hidden``
for an LSTM, ``3 hidden`` for a GRU) once per time step. The matrix is cut into ``rows x cols`` blocks, one block per
tile; a TiM tile needs ``ceil(k_b / L)`` accesses per vector for a block of ``k_b`` rows (docs/design.md § TiM-DNN).

Schedule [R] (layer after layer, ``batch`` inferences per weight load): when every block of the network fits in the
tiles the weights stay in place (no writes per inference); otherwise each layer's blocks are written before it runs
(once per batch), replicated up to ``tiles // blocks`` times to process several vectors in parallel, in
``ceil(blocks / tiles)`` rounds. The SFU streams: a layer takes the longer of its array time and its SFU time.
Outputs of a layer whose dot product fits one block leave the tile requantised to 2-bit ternary values; otherwise
16-bit partial sums go to the buffer and the special-function unit (SFU) reduces and requantises them. Element-wise
work (LSTM/GRU gates, activations) runs on the SFU, identical for TiM and the near-memory baseline.

The near-memory baseline uses the same memory, blocks and schedule but reads one row per access (``k_b`` accesses per
vector), moves the row's bits to a separate array of digital ternary processing elements and multiplies there
([R]; :func:`workbench.tim.arch.tile_costs` prices the read, the transport and the MACs); the GPU
reference runs the network's operations at the V100's datasheet peak throughput and power (an optimistic bound for
the GPU at batch 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.tim.arch import AcceleratorSummary, TimConfig, accelerator, sfu_ops_per_ns
from workbench.tim.params import TechConfig, load_params


@dataclass(frozen=True)
class Layer:
    """One weight layer as a repeated matrix-vector product."""

    name: str
    """Layer name (for tables and charts)."""
    kind: str
    """"conv", "fc", "lstm" or "gru"."""
    in_features: int
    """K, the dot-product length (weight-matrix rows)."""
    out_features: int
    """N, outputs per vector (weight-matrix columns)."""
    vectors: int
    """Matrix-vector products per inference (output positions, or time steps)."""
    elementwise_ops: int
    """Non-MAC operations per inference executed on the special-function unit."""

    @property
    def macs(self) -> int:
        """Multiply-accumulates per inference."""
        return self.in_features * self.out_features * self.vectors


def conv(name: str, c_in: int, c_out: int, kernel: int, out_hw: int) -> Layer:
    """A square convolution producing an ``out_hw x out_hw`` map; one activation op per output."""
    positions = out_hw * out_hw
    return Layer(name, "conv", c_in * kernel * kernel, c_out, positions, positions * c_out)


def fc(name: str, n_in: int, n_out: int, vectors: int = 1) -> Layer:
    """A fully connected layer applied to ``vectors`` inputs; one activation op per output."""
    return Layer(name, "fc", n_in, n_out, vectors, vectors * n_out)


def lstm(name: str, n_in: int, hidden: int, steps: int) -> Layer:
    """One LSTM layer unrolled over ``steps``; per unit and step: 4 gate activations, 3 products, 1 add, 1 tanh."""
    return Layer(name, "lstm", n_in + hidden, 4 * hidden, steps, steps * hidden * 9)


def gru(name: str, n_in: int, hidden: int, steps: int) -> Layer:
    """One GRU layer unrolled over ``steps``; per unit and step: 3 activations, 3 products, 2 adds."""
    return Layer(name, "gru", n_in + hidden, 3 * hidden, steps, steps * hidden * 8)


def _resnet18() -> tuple[Layer, ...]:
    layers = [conv("conv1", 3, 64, 7, 112)]
    layers += [conv(f"layer1.{i}", 64, 64, 3, 56) for i in range(4)]
    c_in = 64
    for stage, (c, hw) in enumerate(((128, 28), (256, 14), (512, 7)), start=2):
        layers += [conv(f"layer{stage}.0", c_in, c, 3, hw), conv(f"layer{stage}.down", c_in, c, 1, hw)]
        layers += [conv(f"layer{stage}.{i}", c, c, 3, hw) for i in range(1, 4)]
        c_in = c
    return (*layers, fc("fc", 512, 1000))


NETWORKS: dict[str, tuple[Layer, ...]] = {
    # torchvision AlexNet at 224x224 (ImageNet).
    "alexnet": (conv("conv1", 3, 64, 11, 55), conv("conv2", 64, 192, 5, 27), conv("conv3", 192, 384, 3, 13),
                conv("conv4", 384, 256, 3, 13), conv("conv5", 256, 256, 3, 13), fc("fc6", 9216, 4096),
                fc("fc7", 4096, 4096), fc("fc8", 4096, 1000)),
    # ResNet-18 at 224x224 (ImageNet), 1x1 projection shortcuts.
    "resnet18": _resnet18(),
    # 2-layer LSTM language model on PTB (Zaremba et al. 2014, medium: 650 units, 35 steps, 10k vocabulary).
    "lstm_ptb": (lstm("lstm1", 650, 650, 35), lstm("lstm2", 650, 650, 35), fc("decoder", 650, 10000, 35)),
    # The same model with GRU cells.
    "gru_ptb": (gru("gru1", 650, 650, 35), gru("gru2", 650, 650, 35), fc("decoder", 650, 10000, 35)),
    # The small VGG trained on 8x8 digits by the tim.quant study (width 16; see workbench.tim.quant.digits_model).
    "digits_vgg": (conv("features.0", 1, 16, 3, 8), conv("features.4", 16, 32, 3, 4), conv("features.8", 32, 64, 3, 2),
                   fc("classifier", 64, 10)),
}


def layers_from_model(model, input_shape: tuple[int, ...]) -> tuple[Layer, ...]:
    """The conv and linear layers of a PyTorch ``model`` as :class:`Layer` specs, from one traced forward pass of a
    single input of ``input_shape`` (C, H, W) (:func:`workbench.nn.trace.trace_layers`): a convolution is applied
    at each of its output positions, a linear layer to one vector."""
    from workbench.nn.trace import trace_layers

    found = []
    for t in trace_layers(model, input_shape):
        m = t.module
        if t.kind == "conv":
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            positions = t.out_shape[-2] * t.out_shape[-1]
            found.append(Layer(t.name, "conv", k, m.out_channels, positions, positions * m.out_channels))
        else:
            found.append(fc(t.name, m.in_features, m.out_features))
    return tuple(found)


@dataclass(frozen=True)
class LayerMapping:
    """One layer on TiM-DNN and on the near-memory baseline (energies in pJ, times in ns)."""

    layer: Layer
    """The layer mapped."""
    blocks: int
    """Tile-sized weight blocks (row blocks x column blocks)."""
    accesses: int
    """TiM tile accesses per inference (all blocks and vectors)."""
    cycles: float
    """TiM access periods on the critical path per inference (parallel tiles overlap; a batch shares them)."""
    latency_ns: float
    """TiM latency of the layer: compute cycles, weight writes and SFU work."""
    energy_pj: float
    """TiM energy of the layer per inference."""
    energy_breakdown_pj: dict
    """TiM energy by component."""
    utilisation: float
    """MACs / (cycles x tiles x L x cols): fraction of peak TiM throughput used."""
    nm_accesses: int
    """Near-memory row reads per inference."""
    nm_latency_ns: float
    """Near-memory latency of the layer."""
    nm_energy_pj: float
    """Near-memory energy of the layer per inference."""
    nm_energy_breakdown_pj: dict
    """Near-memory energy by component (row reads, transport to the PE array, PE registers, MACs, shared work)."""


@dataclass(frozen=True)
class NetworkMapping:
    """A whole network on TiM-DNN, the near-memory baseline and the V100 reference."""

    layers: tuple[LayerMapping, ...]
    """Per-layer results in network order."""
    weights_stationary: bool
    """True when every block fits in the tiles, so no weights are written per inference."""
    summary: AcceleratorSummary
    """The accelerator the network was mapped onto."""
    gpu_latency_ns: float
    """V100 at datasheet peak throughput."""
    gpu_energy_pj: float
    """V100 at datasheet power for that time."""

    @property
    def macs(self) -> int:
        return sum(m.layer.macs for m in self.layers)

    @property
    def accesses(self) -> int:
        return sum(m.accesses for m in self.layers)

    @property
    def latency_ns(self) -> float:
        return sum(m.latency_ns for m in self.layers)

    @property
    def energy_pj(self) -> float:
        """TiM dynamic energy plus chip leakage over the inference."""
        return sum(m.energy_pj for m in self.layers) + self.summary.power_breakdown_w["leakage"] * self.latency_ns * 1e3

    @property
    def nm_latency_ns(self) -> float:
        return sum(m.nm_latency_ns for m in self.layers)

    @property
    def nm_energy_pj(self) -> float:
        return sum(m.nm_energy_pj for m in self.layers) + (
            self.summary.power_breakdown_w["leakage"] * self.nm_latency_ns * 1e3)

    @property
    def utilisation(self) -> float:
        """MAC-weighted utilisation of the tiles' peak throughput over the compute cycles."""
        cfg_peak = self.summary.peak_tops * 1e12 / 2  # MACs per second
        cycles_s = sum(m.cycles for m in self.layers) * self.summary.tile.t_access_ns * 1e-9
        return self.macs / (cfg_peak * cycles_s) if cycles_s else 0.0

    def table(self) -> list[dict]:
        """One row per layer (for a DataFrame / breakdown chart)."""
        return [{"layer": m.layer.name, "kind": m.layer.kind, "macs": m.layer.macs, "blocks": m.blocks,
                 "accesses": m.accesses, "latency_ns": m.latency_ns, "energy_pj": m.energy_pj,
                 "utilisation": m.utilisation, "nm_latency_ns": m.nm_latency_ns, "nm_energy_pj": m.nm_energy_pj,
                 **{f"energy_{k}_pj": v for k, v in m.energy_breakdown_pj.items()}} for m in self.layers]

    def energy_breakdown_pj(self, design: str = "tim") -> dict:
        """Energy per inference by component of ``design`` ("tim" or "near_memory"), chip leakage included."""
        if design not in ("tim", "near_memory"):
            raise ValueError(f"design={design!r}; allowed: 'tim', 'near_memory'")
        attr = "energy_breakdown_pj" if design == "tim" else "nm_energy_breakdown_pj"
        latency = self.latency_ns if design == "tim" else self.nm_latency_ns
        parts: dict = {}
        for m in self.layers:
            for k, v in getattr(m, attr).items():
                parts[k] = parts.get(k, 0.0) + v
        parts["leakage"] = self.summary.power_breakdown_w["leakage"] * latency * 1e3
        return parts


def block_rows(k: int, rows: int) -> list[int]:
    """Row counts of the row blocks a dot product of length ``k`` is cut into."""
    full, rest = divmod(k, rows)
    return [rows] * full + ([rest] if rest else [])


def map_layer(layer: Layer, cfg: TimConfig, summary: AcceleratorSummary, p: TechConfig,
              stationary: bool, batch: int = 1) -> LayerMapping:
    """Accesses, latency and energy of one layer per inference (see the module docstring for the schedule).

    ``p`` is the technology table already scaled to ``cfg.node_nm``; a batch of ``batch`` inferences shares one
    weight load, and the figures returned are per inference.
    """
    t = summary.tile
    K, N, V = layer.in_features, layer.out_features, layer.vectors * batch
    k_blocks = block_rows(K, cfg.rows)
    col_blocks = math.ceil(N / cfg.cols)
    blocks = len(k_blocks) * col_blocks
    tim_steps = sum(math.ceil(k / cfg.rows_active) for k in k_blocks)  # accesses per vector per column block
    accesses = V * col_blocks * tim_steps
    nm_accesses = V * col_blocks * K

    replicas = 1 if stationary else min(V, max(1, cfg.tiles // blocks))  # no more copies than vectors
    rounds = math.ceil(blocks / cfg.tiles)
    vector_rounds = rounds * math.ceil(V / replicas)
    cycles = vector_rounds * math.ceil(k_blocks[0] / cfg.rows_active)
    nm_cycles = vector_rounds * k_blocks[0]

    # Per-inference work shared by both designs: inputs moved to every column block, outputs, SFU, weight writes.
    single_pass = len(k_blocks) == 1
    out_passes = V * N * len(k_blocks)
    inputs = V * col_blocks * K * 2 * t.e_move_bit_fj
    if single_pass:
        outputs = out_passes * t.e_scale_fj + V * N * (t.e_requant_fj + 2 * t.e_move_bit_fj)
        sfu_extra = 0
    else:
        outputs = out_passes * (t.e_scale_fj + p.acc_bits * t.e_move_bit_fj)
        sfu_extra = out_passes  # reduce partial sums and requantise
    sfu = (layer.elementwise_ops * batch + sfu_extra) * p.e_sfu_op_fj
    sfu_ns = (layer.elementwise_ops * batch + sfu_extra) / sfu_ops_per_ns(cfg, t)
    writes = 0.0 if stationary else replicas * K * N * 2 * t.e_write_bit_fj
    write_ns = 0.0 if stationary else rounds * k_blocks[0] * t.nm_t_access_ns  # one row per write period
    shared = {"inputs": inputs, "outputs": outputs, "sfu": sfu, "weight_writes": writes}

    # Energy per row per bitline scales as 1/L of the per-access value (it is linear in discharging cells).
    tim = {
        "wordlines": V * col_blocks * K * cfg.input_density * t.e_rwl_fj,
        "bitlines": V * 2 * N * K * t.e_bitline_fj / cfg.rows_active,
        "adc": V * 2 * N * tim_steps * t.e_conversion_fj,
        "pcu": V * N * tim_steps * t.e_pcu_column_fj,
        **shared,
    }
    # Near-memory: every row of every block is read for every vector and its 2 N bits cross to the PE array.
    nm = {
        "wordlines": V * col_blocks * K * t.e_rwl_fj,
        "bitlines": V * 2 * N * K * t.nm_e_bitline_fj,
        "transport": V * 2 * N * K * t.nm_e_transport_bit_fj,
        "pe_registers": V * 2 * N * K * t.nm_e_register_bit_fj,
        "macs": layer.macs * batch * t.nm_e_mac_fj,
        **shared,
    }
    per_inference_pj = 1e-3 / batch  # fJ per batch -> pJ per inference
    return LayerMapping(
        layer=layer, blocks=blocks, accesses=accesses // batch, cycles=cycles / batch,
        latency_ns=(max(cycles * t.t_access_ns, sfu_ns) + write_ns) / batch,
        energy_pj=sum(tim.values()) * per_inference_pj,
        energy_breakdown_pj={k: v * per_inference_pj for k, v in tim.items()},
        utilisation=layer.macs * batch / (cycles * cfg.tiles * cfg.rows_active * cfg.cols),
        nm_accesses=nm_accesses // batch, nm_latency_ns=(max(nm_cycles * t.nm_t_access_ns, sfu_ns) + write_ns) / batch,
        nm_energy_pj=sum(nm.values()) * per_inference_pj,
        nm_energy_breakdown_pj={k: v * per_inference_pj for k, v in nm.items()},
    )


def map_network(layers: tuple[Layer, ...] | str, cfg: TimConfig | None = None,
                params: TechConfig | None = None, summary: AcceleratorSummary | None = None,
                batch: int = 1) -> NetworkMapping:
    """Map a network (a name from :data:`NETWORKS` or a tuple of layers) onto a TiM-DNN instance.

    ``batch`` inferences share each weight load; every figure is per inference.

    Raises
    ------
    ValueError
        For an unknown network name (listing the known ones) or an invalid ``cfg``.
    """
    if not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch={batch!r}; allowed: a positive integer")
    if isinstance(layers, str):
        if layers not in NETWORKS:
            raise ValueError(f"network={layers!r} is unknown; allowed: {sorted(NETWORKS)}")
        layers = NETWORKS[layers]
    cfg = cfg or TimConfig()
    base = params if params is not None else load_params()
    summary = summary or accelerator(cfg, base)
    p = cfg.technology(base)
    total_blocks = sum(len(block_rows(ly.in_features, cfg.rows)) * math.ceil(ly.out_features / cfg.cols)
                       for ly in layers)
    stationary = total_blocks <= cfg.tiles
    mapped = tuple(map_layer(ly, cfg, summary, p, stationary, batch) for ly in layers)
    ops = 2 * sum(ly.macs for ly in layers)
    gpu_s = ops / (p.v100_peak_tops * 1e12)
    return NetworkMapping(layers=mapped, weights_stationary=stationary, summary=summary,
                          gpu_latency_ns=gpu_s * 1e9, gpu_energy_pj=gpu_s * p.v100_power_w * 1e12)
