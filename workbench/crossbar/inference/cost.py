"""Energy, latency and area of a crossbar accelerator, from the same :class:`CrossbarConfig` the accuracy model uses.

Organisation (ISAAC, Shafiee et al., ISCA 2016; PUMA, Ankit et al., ASPLOS 2019), weights stationary:

* every layer's unrolled ``K x N`` weight matrix (inputs on rows) is cut into ``ceil(K / rows) x ceil(N / cols)``
  tiles, times ``n_slices`` weight slices (cells of ``bits_per_cell``; recombined by shift-and-add), times two
  arrays for the differential mapping (their column currents are subtracted before the ADC, as in the accuracy
  model, so a differential pair shares its column periphery); a layer smaller than a tile uses a sub-array, as in
  :func:`workbench.crossbar.inference.layers.program_crossbar`;
* inputs stream over ``n_cycles`` DAC cycles (``input_bits / dac_bits``; 1-bit DACs are ISAAC's bit-serial
  drivers); each cycle every array is read for ``t_read`` and each used column is sampled, digitised by an ADC
  shared by ``cols_per_adc`` columns (conversions serialised) and shift-and-added into an accumulator;
* per read (one input vector) the inputs come from and the outputs go to an SRAM buffer, over wires of half the
  chip side; all layers stay resident, spare tiles replicate every layer (up to its reads) to cut latency.

Array read energy is Ohmic: a cell of conductance ``G`` at voltage ``V`` for ``t_read`` dissipates ``V^2 G t``;
with rows at ``v_read`` on a fraction of cycles (``input_activity`` = mean ``(v / v_read)^2``) a read costs
``input_activity x v_read^2 x sum(G) x t_read`` over the driven rows, with ``G`` the programmed conductances of the
layer's actual weights (targets quantized to the cell levels; zero-mean variation leaves the sum unchanged to
first order). Wire IR drop lowers the currents slightly: neglected here (an upper bound). Every circuit is
priced by the component library :mod:`workbench.hardware` (the same models and table as TiM-DNN, MRAM and the
SparCE core): by default the ADC is the survey-fitted model at the configured sample rate, and each row driver is
sized for the worst-case row current (``g_max`` on every column at ``v_read``); the row drivers also carry the
read level's source (``read_level_source``: a supply at ``v_read`` adds nothing, a linear regulator from VDD adds
``VDD / v_read - 1`` of the array's energy, :func:`workbench.hardware.analog.read_level_source_fj`). The row
current, and a column's, is checked against the electromigration limit of a wire at the cell pitch
(:func:`workbench.hardware.analog.max_line_current_a`):
``NetworkCost.extras["line_current_ratio"]`` above 1 means the array draws more than its wires can carry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from workbench.core.knobs import Assumed, knob_field, validate_config
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import map_weights, quantize_conductance, slice_weights
from workbench.hardware.adc_model import DEFAULT_POPULATION, POPULATIONS
from workbench.hardware.analog import (
    ADC_TYPES,
    READ_LEVEL_SOURCES,
    adc,
    adc_bits_for_levels,
    dac,
    max_line_current_a,
    read_level_source_fj,
    sample_hold,
)
from workbench.hardware.digital import shift_add
from workbench.hardware.memory import memory, wire
from workbench.hardware.tech import DEFAULT_TECH, CircuitCost, PeripheryTech, load_tech

__all__ = ["COMPONENTS", "CostConfig", "LayerCost", "LayerShape", "NetworkCost", "column_adc_bits",
           "adc_bits_priced", "layer_shapes", "network_cost", "tiles_needed"]

#: Breakdown components, in display order.
COMPONENTS = ("array", "dac", "adc", "sample_hold", "shift_add", "buffers")
_BITS_PER_KB = 8 * 1024


@dataclass(frozen=True)
class CostConfig:
    """The accelerator around the crossbars (what the accuracy model does not need). Defaults: ISAAC-like [R]."""

    tiles: int = knob_field(128, low=1, high=math.inf, label="tiles on the chip",
                            help="Crossbar arrays of rows x cols on the chip (a differential pair is two).")
    adc_type: str = knob_field("survey", options=ADC_TYPES, label="ADC type",
                               help="Column ADC model: the ADC survey's frontier at the sample rate (survey), or the "
                                    "bottom-up SAR or flash of the component library.")
    adc_population: str = knob_field(
        DEFAULT_POPULATION, options=POPULATIONS, label="ADC survey population",
        help="Published converters the survey ADC follows: all Nyquist designs, or the single-channel ones (no "
             "time-interleaved arrays of sub-ADCs), the matched population for one column ADC.",
        citation="B. Murmann, ADC Performance Survey 1997-2025 (ARCHITECTURE column, 'TI' marks interleaving)")
    adc_enob_loss: float = knob_field(
        0.0, low=0.0, high=4.0, unit="bit", label="ADC ENOB loss",
        help="Effective bits the survey ADC lacks below its resolution: 0 prices a converter that resolves its LSB, "
             "the ideal quantiser the accuracy model assumes; a published design loses 1-2 bits (ISAAC's ADC, Kull "
             "et al. ISSCC 2013, is 8 bits at ENOB 6.24). Pricing only: the accuracy model does not see it.",
        citation="B. Murmann, ADC Performance Survey 1997-2025 (SNDR column: ENOB = (SNDR - 1.76) / 6.02)")
    adc_rate_gsps: float = knob_field(1.28, low=0.0, low_open=True, high=20.0, unit="GS/s", label="ADC sample rate",
                                      help="Conversions per second of one column ADC (survey model; sar and flash "
                                           "take their own conversion time). ISAAC: 128 columns per 100 ns.",
                                      citation="ISAAC (Shafiee et al., ISCA 2016), Table I: 1.28 GS/s")
    cols_per_adc: int = knob_field(8, low=1, high=1024, label="columns per ADC",
                                   help="Columns sharing one ADC, converted one after another (ISAAC: 128).")
    node_nm: int = knob_field(32, low=1, high=math.inf, unit="nm", label="technology node",
                              help="CMOS node of the periphery (the shared table is scaled to it).")
    t_read_ns: float = knob_field(10.0, low=0.0, low_open=True, high=math.inf, unit="ns", label="read pulse t_read",
                                  help="Read pulse per input cycle: the time the array conducts.",
                                  assumed=Assumed(5.0, 100.0, "NeuroSim-style read pulses are ~10 ns (a faster array "
                                                  "halves it); ISAAC's 100 ns cycle, which includes the shared ADC's "
                                                  "conversions, bounds it above"))
    """[R] NeuroSim-style read pulses are ~10 ns; ISAAC's 100 ns cycle includes the shared ADC's conversions."""
    input_activity: float = knob_field(0.5, low=0.0, high=1.0, label="input activity",
                                       help="Mean (v_row / v_read)^2 over rows and cycles (bit-serial: share of 1s).",
                                       assumed=Assumed(0.2, 0.6, "share of 1s in bit-serial activation bits: about a "
                                                                 "half for dense inputs, fewer after ReLU zeros"))
    cell_area_f2: float = knob_field(4.0, low=1.0, high=math.inf, unit="F^2", label="cell area",
                                     help="Area of one cell in squared feature sizes (4 F^2: a crosspoint cell).",
                                     assumed=Assumed(4.0, 12.0, "4 F^2 for a selector-less crosspoint up to 12 F^2 "
                                                                "for a 1T1R cell whose transistor sets the pitch"))
    read_level_source: str = knob_field(
        "supply", options=READ_LEVEL_SOURCES, label="read level source",
        help="Where the rows' read level comes from: a supply at v_read (the array's V I t is all it costs) or a "
             "linear regulator from VDD, whose drop VDD - v_read at the array's current is charged to the row "
             "drivers (regulated).",
        citation="G. A. Rincon-Mora, Analog IC Design with Low-Dropout Regulators, 2009, ch. 1 (efficiency <= "
                 "V_out / V_in)")
    acc_bits: int = knob_field(16, low=1, high=64, unit="bit", label="accumulator width",
                               help="Shift-and-add accumulator width (ISAAC: 16).")
    buffer_kb: float = knob_field(64.0, low=0.0, high=math.inf, unit="KB", label="activation buffer",
                                  help="SRAM activation buffer on the chip (ISAAC: 64 KB eDRAM per tile).")
    allow_lossy_adc: bool = knob_field(
        False, label="allow lossy ADCs",
        help="Accept ADCs with fewer bits than a column needs (the accuracy model then clips and rounds).")
    tech: str = DEFAULT_TECH
    """Component library table (``data/presets/hardware/<tech>.yaml``)."""

    def __post_init__(self) -> None:
        validate_config(self)


@dataclass(frozen=True)
class LayerShape:
    """One weight layer as the crossbars see it: ``rows`` inputs (K) x ``cols`` outputs (N), ``reads`` input
    vectors per inference (output positions of a convolution, 1 for a linear layer), and its weights (K x N)."""

    name: str
    rows: int
    cols: int
    reads: int
    weights: np.ndarray | None = None

    @property
    def macs(self) -> int:
        return self.rows * self.cols * self.reads


def layer_shapes(model, input_shape: tuple[int, ...]) -> list[LayerShape]:
    """The ``nn.Linear`` and ``nn.Conv2d`` layers of ``model`` for one input of ``input_shape`` (C, H, W or F), from
    one traced forward pass (:func:`workbench.nn.trace.trace_layers`), with their unquantized weights.

    Raises
    ------
    ValueError
        Naming a layer that cannot be mapped onto crossbars (grouped / depthwise convolutions, non-zero padding
        modes: the crossbar layers support neither).
    """
    from workbench.nn.trace import trace_layers

    shapes = []
    for t in trace_layers(model, input_shape):
        m, w = t.module, t.module.weight.detach()
        if t.kind == "conv" and (m.groups != 1 or m.padding_mode != "zeros"):
            raise ValueError(f"layer {t.name!r} cannot be mapped onto crossbars: groups={m.groups}, "
                             f"padding_mode={m.padding_mode!r}; allowed: groups=1, zero padding")
        # a convolution reads one input vector per output position, a linear layer one per leading output index
        reads = math.prod(t.out_shape[1:] if t.kind == "conv" else t.out_shape[:-1])
        shapes.append(LayerShape(t.name, w[0].numel(), w.shape[0], reads, w.reshape(w.shape[0], -1).T.double().numpy()))
    return shapes


def column_adc_bits(config: CrossbarConfig) -> int:
    """ADC bits that resolve every value a full tile column can carry in one cycle, for the chosen slicing.

    A column sums ``rows`` products of a cell digit (``2^bits_per_cell - 1`` levels) and a DAC digit
    (``2^dac_bits - 1``), signed (differential or offset weights, bipolar inputs): ``2 n + 1`` values with
    ``n = rows (2^c - 1)(2^d - 1)`` (ISAAC Sec. 4 counts the same, unsigned: ``log2 R + v + w``).

    Raises
    ------
    ValueError
        For analog cells or analog inputs (no finite number of column values).
    """
    dev, per = config.device, config.peripherals
    cell_bits = dev.bits_per_cell or dev.weight_bits
    if not cell_bits:
        raise ValueError("bits_per_cell=0 and weight_bits=0 (analog cells) have no finite column resolution; "
                         "allowed for the cost model: bits_per_cell >= 1 (or weight_bits >= 1)")
    if not per.input_bits:
        raise ValueError("input_bits=0 (analog inputs) has no DAC to price; allowed for the cost model: "
                         "input_bits >= 1")
    n = config.circuit.rows * (2**cell_bits - 1) * (2**_dac_bits(config) - 1)
    return adc_bits_for_levels(2 * n + 1)


def _dac_bits(config: CrossbarConfig) -> int:
    per = config.peripherals
    return per.dac_bits if per.dac_bits and per.dac_bits < per.input_bits else per.input_bits


def adc_bits_priced(config: CrossbarConfig, cost: CostConfig) -> int:
    """The ADC resolution priced: the configured bits, or the bits a column needs for an ideal ADC (0)."""
    needed = column_adc_bits(config)
    bits = config.peripherals.adc_bits
    if not bits:
        return needed
    if bits < needed and not cost.allow_lossy_adc:
        c, per = config.circuit, config.peripherals
        raise ValueError(
            f"adc_bits={bits} cannot resolve a column of {c.rows} rows x "
            f"{config.device.bits_per_cell or config.device.weight_bits}-bit cells x {_dac_bits(config)}-bit DAC "
            f"inputs (input_bits={per.input_bits}, dac_bits={per.dac_bits}); allowed: adc_bits >= {needed}, fewer "
            "DAC bits per cycle or bits per cell, or allow_lossy_adc=True")
    return bits


@dataclass(frozen=True)
class LayerCost:
    """Cost of one layer per inference: energy by component (pJ), latency (ns), tiles used and copies."""

    name: str
    tiles: int
    copies: int
    reads: int
    macs: int
    energy_pj: dict
    latency_ns: float
    sum_g_s: float
    """Sum of the programmed conductances of the layer's arrays on driven rows (S)."""

    @property
    def total_pj(self) -> float:
        return sum(self.energy_pj.values())


@dataclass(frozen=True)
class NetworkCost:
    """Energy, latency and area of one inference, per component and per layer."""

    layers: list[LayerCost]
    area_mm2: dict
    adc_bits: int
    cycle_ns: float
    adc: CircuitCost
    tiles_used: int
    extras: dict = field(default_factory=dict)

    @property
    def energy_pj(self) -> dict:
        return {c: sum(ly.energy_pj[c] for ly in self.layers) for c in COMPONENTS}

    @property
    def total_energy_pj(self) -> float:
        return sum(self.energy_pj.values())

    @property
    def latency_ns(self) -> float:
        return sum(ly.latency_ns for ly in self.layers)

    @property
    def total_area_mm2(self) -> float:
        return sum(self.area_mm2.values())

    @property
    def macs(self) -> int:
        return sum(ly.macs for ly in self.layers)

    def table(self) -> list[dict]:
        """One dict per layer: name, tiles, copies, reads, MACs, latency and energy by component (pJ)."""
        return [{"layer": ly.name, "tiles": ly.tiles, "copies": ly.copies, "reads": ly.reads, "macs": ly.macs,
                 "latency_ns": ly.latency_ns, **{f"energy_{c}_pj": ly.energy_pj[c] for c in COMPONENTS},
                 "energy_pj": ly.total_pj} for ly in self.layers]


def _sum_conductance(layer: LayerShape, config: CrossbarConfig, cols_used: int, n_ct: int) -> float:
    """Sum of the programmed conductances (S) over every array of ``layer`` on its K driven rows; padded columns of
    the last column tile hold weight 0 (G_min) and conduct too. Without weights: uniform weights in [-1, 1]."""
    dev = config.device
    K, N = layer.rows, layer.cols
    W = layer.weights
    if W is None:
        W = np.random.default_rng(0).uniform(-1, 1, (K, N))
    W = np.asarray(W, dtype=float)
    if W.shape != (K, N):
        raise ValueError(f"layer {layer.name!r}: weights of shape {W.shape}, expected ({K}, {N})")
    w_max = float(np.abs(W).max()) or 1.0
    digits, _ = slice_weights(W / w_max, dev)
    padded = np.zeros((digits.shape[0], K, n_ct * cols_used))
    padded[:, :, :N] = digits
    total = 0.0
    for s in range(padded.shape[0]):
        cmap = map_weights(padded[s], dev)
        total += float(quantize_conductance(cmap.g_pos, dev).sum())
        if cmap.g_neg is not None:
            total += float(quantize_conductance(cmap.g_neg, dev).sum())
    return total


def _plans(layers: list[LayerShape], config: CrossbarConfig) -> list[tuple]:
    """Per layer: (layer, rows used, cols used, row tiles, column tiles, tiles = row x column tiles x slices x
    arrays per weight)."""
    circ, dev = config.circuit, config.device
    slices, pair = dev.n_slices, 2 if dev.mapping == "differential" else 1
    plans = []
    for ly in layers:
        if ly.rows < 1 or ly.cols < 1 or ly.reads < 1:
            raise ValueError(f"layer {ly.name!r} cannot be mapped: rows={ly.rows}, cols={ly.cols}, "
                             f"reads={ly.reads}; allowed: all >= 1")
        rows_used, cols_used = min(circ.rows, ly.rows), min(circ.cols, ly.cols)
        n_rt, n_ct = math.ceil(ly.rows / rows_used), math.ceil(ly.cols / cols_used)
        plans.append((ly, rows_used, cols_used, n_rt, n_ct, n_rt * n_ct * slices * pair))
    return plans


def tiles_needed(layers: list[LayerShape], config: CrossbarConfig) -> int:
    """Tiles (arrays of rows x cols) that hold every layer's weights once."""
    if not layers:
        raise ValueError("layers is empty; allowed: at least one Linear or Conv2d layer")
    return sum(p[-1] for p in _plans(layers, config))


def network_cost(layers: list[LayerShape], config: CrossbarConfig, cost: CostConfig | None = None) -> NetworkCost:
    """Energy, latency and area per inference of ``layers`` on the crossbar accelerator (module docstring).

    Raises
    ------
    ValueError
        For an ADC with fewer bits than a column needs (unless ``cost.allow_lossy_adc``), analog cells or inputs,
        an unknown node, no layers, or a layer that does not fit in the tiles left by the layers before it.
    """
    cost = cost or CostConfig()
    if not layers:
        raise ValueError("layers is empty; allowed: at least one Linear or Conv2d layer")
    tech = load_tech(cost.tech).at_node(cost.node_nm)
    dev, circ, per = config.device, config.circuit, config.peripherals
    adc_bits = adc_bits_priced(config, cost)
    if cost.adc_type == "survey" and not cost.adc_enob_loss < adc_bits:
        raise ValueError(f"adc_enob_loss={cost.adc_enob_loss!r} leaves no effective bits of the {adc_bits}-bit ADC; "
                         f"allowed: below {adc_bits} bits")
    dac_bits, cycles = _dac_bits(config), per.n_cycles
    slices, pair = dev.n_slices, 2 if dev.mapping == "differential" else 1
    v_read = per.v_read_v
    f_um = cost.node_nm * 1e-3
    pitch_um = math.sqrt(cost.cell_area_f2) * f_um
    # Component events. A row driver is sized for the worst-case row (g_max on every column at v_read).
    adc_ = adc(adc_bits, cost.adc_type, tech, fs_hz=cost.adc_rate_gsps * 1e9, enob=adc_bits - cost.adc_enob_loss,
               designs=cost.adc_population)
    row_line_ff = circ.cols * pitch_um * tech.c_wire_ff_per_um
    g_max_s = dev.g_max_us * 1e-6
    i_row_a, i_col_a = v_read * circ.cols * g_max_s, v_read * circ.rows * g_max_s
    dac_ = dac(dac_bits, tech, c_line_ff=row_line_ff, v_line_v=v_read, i_line_a=i_row_a)
    line_current_ratio = max(i_row_a, i_col_a) / max_line_current_a(tech, width_um=pitch_um / 2)
    sh = sample_hold(tech)
    sa = shift_add(cost.acc_bits, tech)
    share = min(cost.cols_per_adc, circ.cols)
    t_array = cost.t_read_ns + dac_.time_ns
    t_convert = share * adc_.time_ns + sa.time_ns
    cycle_ns = max(t_array, t_convert)  # the sample-and-hold lets the next read overlap the conversions
    # Mapping: tiles per layer, then replication with the spare tiles.
    plans = _plans(layers, config)
    used = 0
    for ly, *_, need in plans:
        if used + need > cost.tiles:
            raise ValueError(f"layer {ly.name!r} cannot be mapped: it needs {need} tiles of {circ.rows}x{circ.cols} "
                             f"and {cost.tiles - used} of tiles={cost.tiles} are left; allowed: tiles >= "
                             f"{sum(p[-1] for p in plans)} for this network, or larger tiles")
        used += need
    spare = cost.tiles // used
    out = []
    area = _area_mm2(cost, config, tech, adc_, dac_, sh, sa)
    buffer = memory(per.input_bits, cost.buffer_kb * _BITS_PER_KB, tech)
    side_mm = math.sqrt(sum(area.values()))
    wire_mm = side_mm / 2
    for ly, _, cols_used, n_rt, n_ct, need in plans:
        copies = max(1, min(spare, ly.reads))
        sum_g = _sum_conductance(ly, config, cols_used, n_ct)
        e_array = cost.input_activity * v_read**2 * sum_g * cost.t_read_ns * 1e-9 * 1e15  # J -> fJ
        drives = ly.rows * n_ct * slices * pair  # each array has its own row drivers
        conversions = ly.cols * n_rt * slices  # a differential pair is subtracted before its ADC
        e_source = read_level_source_fj(e_array, v_read, tech, cost.read_level_source)
        per_cycle = {"array": e_array, "dac": cost.input_activity * drives * dac_.energy_fj + e_source,
                     "adc": conversions * adc_.energy_fj,
                     "sample_hold": conversions * sh.energy_fj, "shift_add": conversions * sa.energy_fj}
        moved_bits = (ly.rows + ly.cols) * per.input_bits
        per_read = {k: cycles * v for k, v in per_cycle.items()}
        per_read["buffers"] = moved_bits / per.input_bits * buffer.energy_fj + wire(moved_bits, wire_mm, tech)
        energy = {c: ly.reads * per_read[c] * 1e-3 for c in COMPONENTS}  # fJ -> pJ
        steps = math.ceil(ly.reads / copies) * cycles
        latency = t_array + t_convert + (steps - 1) * cycle_ns
        out.append(LayerCost(ly.name, need, copies, ly.reads, ly.macs, energy, latency, sum_g))
    return NetworkCost(layers=out, area_mm2=area, adc_bits=adc_bits, cycle_ns=cycle_ns, adc=adc_, tiles_used=used,
                       extras={"dac": dac_, "sample_hold": sh, "shift_add": sa, "wire_mm": wire_mm,
                               "line_current_a": max(i_row_a, i_col_a), "line_current_ratio": line_current_ratio})


def _area_mm2(cost: CostConfig, config: CrossbarConfig, tech: PeripheryTech, adc_, dac_, sh, sa) -> dict:
    """Chip area by component (mm2): ``tiles`` arrays with their row drivers, and per array ``cols / cols_per_adc``
    ADCs and shift-and-add units and ``cols`` sample-and-holds (halved for a differential pair, which shares
    them), plus the activation buffer."""
    circ, dev = config.circuit, config.device
    pair = 2 if dev.mapping == "differential" else 1
    f_um = cost.node_nm * 1e-3
    share = min(cost.cols_per_adc, circ.cols)
    adcs = math.ceil(circ.cols / share) / pair
    um2 = {
        "array": cost.tiles * circ.rows * circ.cols * cost.cell_area_f2 * f_um**2,
        "dac": cost.tiles * circ.rows * dac_.area_um2,
        "adc": cost.tiles * adcs * adc_.area_um2,
        "sample_hold": cost.tiles * circ.cols / pair * sh.area_um2,
        "shift_add": cost.tiles * adcs * sa.area_um2,
        "buffers": memory(config.peripherals.input_bits, cost.buffer_kb * _BITS_PER_KB, tech).area_um2
        if cost.buffer_kb else 0.0,
    }
    return {k: v * 1e-6 for k, v in um2.items()}


def isaac_like(cells: str = "rx_caffe") -> tuple[CrossbarConfig, CostConfig]:
    """[R] ISAAC's in-situ multiply-accumulate unit (Shafiee et al., ISCA 2016, Sec. 4-6 and Table II) in this
    model's terms: 128 x 128 crossbars of 2-bit cells holding 16-bit weights (8 slices, offset encoding), 16-bit
    inputs through 1-bit DACs (16 cycles), one 8-bit SAR ADC per 128 columns at 32 nm, priced from the survey's
    single-channel designs (ISAAC's ADC is one single-channel SAR, Kull et al., ISSCC 2013). ISAAC's encoding
    tricks save the ADC bits a plain column would need, so lossy ADCs are allowed. The cells' conductances are those
    of crossbar preset ``cells`` (default the ``rx_caffe`` cells; ``neurosim_rram`` is a cited device), the read
    values this workbench's defaults, not ISAAC's (its devices are not known here): nothing is fitted to ISAAC's
    breakdown."""
    from workbench.crossbar.array.circuit import CircuitConfig
    from workbench.crossbar.array.config import load_preset
    from workbench.crossbar.array.device import DeviceConfig
    from workbench.crossbar.array.peripherals import PeripheralConfig

    g = load_preset(cells).device
    config = CrossbarConfig(
        circuit=CircuitConfig(rows=128, cols=128),
        device=DeviceConfig(g_max_us=g.g_max_us, on_off_ratio=g.on_off_ratio, bits_per_cell=2, weight_bits=16,
                            mapping="offset"),
        peripherals=PeripheralConfig(input_bits=16, dac_bits=1, adc_bits=8),
    )
    return config, CostConfig(tiles=8, cols_per_adc=128, node_nm=32, allow_lossy_adc=True, buffer_kb=0.0,
                              adc_population="single-channel")


def full_array_layer(config: CrossbarConfig, reads: int = 1, seed: int = 0) -> LayerShape:
    """A layer that fills one tile's rows and columns (weights uniform in [-1, 1]): the macro at full use."""
    rows, cols = config.circuit.rows, config.circuit.cols
    w = np.random.default_rng(seed).uniform(-1, 1, (rows, cols))
    return LayerShape("full tile", rows, cols, reads, w)
