"""The component library side by side with NeuroSim's circuit modules at matched conditions (issue 25, item 3).

NeuroSim is not a dependency: its C++ sources are checked out and built outside this repository, and its path comes
from ``NEUROSIM_DIR`` (default ``/work/peers/neurosim``; either the DNN_NeuroSim checkout, whose sources are in
``Inference_pytorch/NeuroSIM``, or that source folder itself)::

    git clone https://github.com/neurosim/DNN_NeuroSim_V1.4 /work/peers/neurosim   # or any V1.4 snapshot
    make bench-neurosim                       # builds NeuroSim with its own makefile, prints the table
    make bench-neurosim ARGS=--write          # also rewrites data/reference/components_neurosim.csv

A full NeuroSim run needs a trained network's weight and activation traces; the components do not, so the benchmark
compiles a small driver (the template below: only calls into NeuroSim's classes, no NeuroSim code) into
``$NEUROSIM_DIR/workbench-probe`` and links it with NeuroSim's own objects. The driver builds one ``SubArray`` in
NeuroSim's RRAM parallel-read mode (``conventionalParallel``, 1T1R, as ``ProcessingUnitInitialize`` sets it up),
reads it once with half the rows driven, and prints each circuit's area (m2), latency (s), read energy (J) and the
number of events that energy covers. It runs twice: SAR ADCs (``SARADC = true``) and NeuroSim's default multilevel
current sense amplifiers. The matched and unmatched conditions are in :mod:`workbench.hardware.neurosim_match`.

Without NeuroSim, g++ or a successful build it prints one line ``skipped: <reason>`` and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

from workbench.core.integrity import write_with_sidecar
from workbench.core.paths import reference_dir
from workbench.hardware.neurosim_match import CSV_NAME, MATCH, workbench_values

DEFAULT_DIR = "/work/peers/neurosim"
CSV_COLUMNS = ("id", "component", "configuration", "low", "high", "unit", "source")

#: The driver: calls into NeuroSim's classes only (NeuroSim's headers are included, none of its code is copied).
PROBE_TEMPLATE = r"""
#include <cstdlib>
#include <iostream>
#include <random>
#include <vector>
#include "constant.h"
#include "formula.h"
#include "Param.h"
#include "SubArray.h"
#include "ProcessingUnit.h"
#include "Buffer.h"
#include "Bus.h"
#include "Definition.h"
using namespace std;

static void row(const char* name, double area, double latency, double energy, double events) {
    cout << "NS " << name << " " << area << " " << latency << " " << energy << " " << events << "\n";
}

int main(int argc, char* argv[]) {
    if (argc != 9) { cerr << "usage: probe r_on r_off v_read t_read levels cols_per_adc sar activity\n"; return 2; }
    param->memcelltype = 2; param->accesstype = 1; param->operationmode = 2;
    param->conventionalParallel = 1; param->conventionalSequential = 0; param->parallelRead = 1;
    param->resistanceOn = atof(argv[1]); param->resistanceOff = atof(argv[2]);
    param->readVoltage = atof(argv[3]); param->readPulseWidth = atof(argv[4]);
    param->resistanceAccess = param->resistanceOn * IR_DROP_TOLERANCE;
    param->levelOutput = atoi(argv[5]); param->numColMuxed = atoi(argv[6]); param->SARADC = atoi(argv[7]) != 0;
    double activity = atof(argv[8]);
    param->synapseBit = 8; param->numBitInput = 8; param->cellBit = 1;
    param->numColPerSynapse = param->synapseBit / param->cellBit; param->numRowPerSynapse = 1;
    param->numRowParallel = param->numRowSubArray;
    // Param's constructor derived the line resistances for its default (SRAM) cell; redo them for 1T1R.
    param->wireLengthRow = param->wireWidth * 1e-9 * param->heightInFeatureSize1T1R;
    param->wireLengthCol = param->wireWidth * 1e-9 * param->widthInFeatureSize1T1R;
    param->wireResistanceRow = param->unitLengthWireResistance * param->wireLengthRow;
    param->wireResistanceCol = param->unitLengthWireResistance * param->wireLengthCol;
    SubArray* s = nullptr;
    ProcessingUnitInitialize(s, inputParameter, tech, cell, 1, 1, 1, 1);
    int rows = param->numRowSubArray, cols = param->numColSubArray, adcs = cols / param->numColMuxed;
    std::mt19937 rng(0);
    std::uniform_real_distribution<double> g(1.0 / param->resistanceOff, 1.0 / param->resistanceOn);
    vector<vector<double> > weight(rows, vector<double>(cols));
    for (auto& r : weight) for (auto& w : r) w = g(rng);
    int on = (int)(activity * rows + 0.5);
    vector<double> input(rows, 0.0);
    for (int i = 0; i < on; i++) input[i] = 1.0;
    s->activityRowRead = (double)on / rows;
    s->levelOutput = param->levelOutput;
    vector<double> colRes = GetColumnResistance(input, weight, cell, param->parallelRead, s->resCellAccess);
    s->CalculateLatency(1e20, colRes, true);             // the sensing cycle sets the clock (synchronous mode)
    if (param->clkFreq > 1 / s->readLatency) param->clkFreq = 1 / s->readLatency;
    s->clkFreq = param->clkFreq;
    s->CalculateLatency(1e20, colRes, false);
    s->CalculatePower(colRes);
    cout << "NSCONF technode " << param->technode << " vdd " << tech.vdd << " rows " << rows << " cols " << cols
         << " levels " << param->levelOutput << " cols_per_adc " << param->numColMuxed << " sar " << param->SARADC
         << " adcs " << adcs << " clk_hz " << param->clkFreq << " activity " << s->activityRowRead
         << " driven_rows " << on << " wl_cap_f " << s->capRow2 << " adder_bits " << s->shiftAddInput.adder.numBit
         << " col_res_ohm " << colRes[0] << "\n";
    row("adc_group", s->areaADC, s->readLatencyADC, s->readDynamicEnergyADC, 1);
    row("accum_group", s->areaAccum, s->readLatencyAccum, s->readDynamicEnergyAccum, 1);
    row("other_group", s->areaOther, s->readLatencyOther, s->readDynamicEnergyOther, 1);
    row("wordline_charge", s->areaArray, 0, s->readDynamicEnergyArray, param->numColMuxed * on);
    if (param->SARADC) {
        row("sar_with_columns", s->sarADC.area, s->sarADC.readLatency, s->sarADC.readDynamicEnergy, cols);
        vector<double> open(adcs, 1e15);   // columns drawing no current: the converters alone, one conversion each
        s->sarADC.CalculatePower(open, 1);
        row("sar", s->sarADC.area, s->sarADC.readLatency, s->sarADC.readDynamicEnergy, adcs);
    } else {
        row("mlsa", s->multilevelSenseAmp.area + s->multilevelSAEncoder.area, s->multilevelSenseAmp.readLatency,
            s->multilevelSenseAmp.readDynamicEnergy, cols);
    }
    row("mux", s->mux.area, s->mux.readLatency, s->mux.readDynamicEnergy, cols);
    row("wl_switch_matrix", s->wlNewSwitchMatrix.area, s->wlNewSwitchMatrix.readLatency,
        s->wlNewSwitchMatrix.readDynamicEnergy, param->numColMuxed * on);
    row("adder", s->shiftAddInput.adder.area, s->shiftAddInput.adder.readLatency,
        s->shiftAddInput.adder.readDynamicEnergy, s->shiftAddInput.adder.numAdder);
    row("dff", s->shiftAddInput.dff.area, s->shiftAddInput.dff.readLatency, s->shiftAddInput.dff.readDynamicEnergy,
        s->shiftAddInput.dff.numDff);
    // A 128 x 128-bit SRAM buffer core (NeuroSim's default buffer core size) of 6T cells, read 128 bits at a time.
    MemCell sram = cell;
    sram.memCellType = Type::SRAM;
    sram.widthAccessCMOS = param->widthAccessCMOS; sram.widthSRAMCellNMOS = param->widthSRAMCellNMOS;
    sram.widthSRAMCellPMOS = param->widthSRAMCellPMOS; sram.minSenseVoltage = param->minSenseVoltage;
    sram.heightInFeatureSize = param->heightInFeatureSizeSRAM; sram.widthInFeatureSize = param->widthInFeatureSizeSRAM;
    Buffer buffer(inputParameter, tech, sram);
    int core = param->globalBufferCoreSizeRow, width = param->globalBufferCoreSizeCol;
    buffer.Initialize(core * width, width, 1, param->unitLengthWireResistance, param->clkFreq, true);
    buffer.CalculateArea(s->height, 0, NONE);
    param->synchronous = false;   // timed asynchronously, so that the bitline precharger is sized and priced
    buffer.CalculateLatency(width, 1, 0, 0);
    buffer.CalculatePower(width, 1, 0, 0);
    row("sram_buffer", buffer.area, 0, buffer.readDynamicEnergy, width);
    // A 128-bit repeated bus across four sub-arrays (timed asynchronously: seconds, not cycles).
    Bus bus(inputParameter, tech, cell);
    bus.Initialize(HORIZONTAL, 5, 5, param->localBusDelayTolerance, width, s->height, s->width, param->clkFreq);
    bus.CalculateArea(1, true);
    bus.CalculateLatency(1);
    bus.CalculatePower(width, 1, false);
    cout << "NSBUS length_m " << bus.wireLength << " repeaters " << bus.numRepeater << " buffer_bits "
         << core * width << " buffer_width " << width << "\n";
    row("bus", bus.area, bus.readLatency, bus.readDynamicEnergy, width);
    return 0;
}
"""


class Skip(Exception):
    """NeuroSim cannot be run here; the message is the reason."""


def neurosim_sources(root: Path) -> Path:
    """The folder holding NeuroSim's C++ sources under ``root``; :class:`Skip` when there is none."""
    for cand in (root / "Inference_pytorch" / "NeuroSIM", root):
        if (cand / "SubArray.h").is_file() and (cand / "makefile").is_file():
            return cand
    raise Skip(f"no NeuroSim sources under NEUROSIM_DIR={root} (expected Inference_pytorch/NeuroSIM/SubArray.h)")


def neurosim_version(root: Path) -> str:
    """``owner/repo@commit`` of the checkout (git, or the ``.source`` line an archive extraction left)."""
    if (root / ".git").exists():
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
        if out.returncode == 0:
            return f"DNN_NeuroSim@{out.stdout.strip()}"
    note = root / ".source"
    return note.read_text().strip() if note.is_file() else "DNN_NeuroSim (commit not recorded)"


def build_probe(root: Path) -> Path:
    """Build NeuroSim with its own makefile if needed, then the driver against its objects; the driver's path."""
    if shutil.which("g++") is None or shutil.which("make") is None:
        raise Skip("g++ or make is not installed")
    src = neurosim_sources(root)
    objects = sorted(p for p in src.glob("*.o") if p.name != "main.o")
    if len(objects) < len(list(src.glob("*.cpp"))) - 1:
        done = subprocess.run(["make", "-C", str(src)], capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise Skip(f"NeuroSim's make failed in {src}: {done.stderr.strip().splitlines()[-1:]}")
        objects = sorted(p for p in src.glob("*.o") if p.name != "main.o")
    out = root / "workbench-probe"
    out.mkdir(exist_ok=True)
    cpp, exe = out / "probe.cpp", out / "probe"
    if not cpp.is_file() or cpp.read_text() != PROBE_TEMPLATE:
        cpp.write_text(PROBE_TEMPLATE)
    newest = max(p.stat().st_mtime for p in [cpp, *objects])
    if not exe.is_file() or exe.stat().st_mtime < newest:
        done = subprocess.run(["g++", "-O1", "-std=c++11", "-fopenmp", "-w", f"-I{src}", str(cpp),
                               *map(str, objects), "-o", str(exe)], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise Skip(f"the driver did not compile against {src}: {done.stderr.strip().splitlines()[:1]}")
    return exe


def parse_probe(text: str) -> tuple[dict[str, float], dict[str, tuple[float, float, float, float]]]:
    """The driver's output: its configuration line and ``{circuit: (area m2, latency s, energy J, events)}``."""
    config, parts = {}, {}
    for line in text.splitlines():
        words = line.split()
        if words[:1] in (["NSCONF"], ["NSBUS"]):
            config.update({k: float(v) for k, v in zip(words[1::2], words[2::2])})
        elif words[:1] == ["NS"] and len(words) == 6:
            parts[words[1]] = tuple(float(w) for w in words[2:])
    if not config or not parts:
        raise ValueError(f"the NeuroSim driver printed no NSCONF/NS lines: {text[:200]!r}")
    return config, parts


def run_probe(exe: Path, sar: bool) -> tuple[dict, dict]:
    done = subprocess.run([str(exe), *MATCH.probe_args(sar)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise Skip(f"the NeuroSim driver failed (rc {done.returncode}): {done.stderr.strip()[:200]}")
    return parse_probe(done.stdout)


def neurosim_rows(sar_run: tuple[dict, dict], mlsa_run: tuple[dict, dict], version: str) -> list[dict]:
    """NeuroSim's numbers per event (the rows of ``components_neurosim.csv``) and the conditions they were run at."""
    (conf, s), (_, m) = sar_run, mlsa_run
    per = {k: (a / n, t, e / n) for k, (a, t, e, n) in {**s, **m}.items()}  # area and energy per event
    adcs = conf["adcs"]
    where = (f"{int(conf['technode'])} nm LSTP, VDD {conf['vdd']:g} V, {int(conf['rows'])} x {int(conf['cols'])} "
             f"1T1R sub-array, {int(conf['levels'])}-level ADC per {int(conf['cols_per_adc'])} columns, "
             f"{MATCH.r_on_ohm / 1e3:g} kohm on, on/off {MATCH.on_off:g}, {MATCH.v_read_v:g} V read, "
             f"{int(conf['driven_rows'])} rows driven")
    src = f"NeuroSim {version} (run side by side: make bench-neurosim), {where}"
    wl = per["wl_switch_matrix"][2] + per["wordline_charge"][2]
    rows = [
        ("ns_sar_energy", "ADC", "5-bit SAR, one conversion, converter alone (SarADC fed columns of 1e15 ohm)",
         per["sar"][2] * 1e15, "fJ", "SarADC::GetColumnPower, the resolution term"),
        ("ns_sar_area", "ADC", "5-bit SAR, one converter", per["sar"][0] * 1e12, "um2",
         f"SarADC area / {adcs:g} converters"),
        ("ns_sar_time", "ADC", "5-bit SAR, one conversion", s["sar"][1] * 1e9, "ns", "SarADC: (log2 levels + 1) ns"),
        ("ns_mlsa_energy", "ADC", "5-bit multilevel current sense amplifier (NeuroSim's default ADC), one "
         "conversion", per["mlsa"][2] * 1e15, "fJ", "MultilevelSenseAmp energy / columns read (includes the column "
         "current during sensing)"),
        ("ns_mlsa_area", "ADC", "5-bit multilevel sense amplifier + encoder, one converter",
         m["mlsa"][0] / adcs * 1e12, "um2", f"(MultilevelSenseAmp + MultilevelSAEncoder) area / {adcs:g}"),
        ("ns_mlsa_time", "ADC", "5-bit multilevel sense amplifier, one conversion", m["mlsa"][1] * 1e9, "ns",
         "MultilevelSenseAmp latency, one read"),
        ("ns_wl_energy", "row driver", "one driven row per ADC step: input latch, transmission gates and wordline "
         "charge", wl * 1e15, "fJ", "(NewSwitchMatrix + the sub-array's wordline energy) / (8 ADC steps x driven "
         "rows)"),
        ("ns_wl_area", "row driver", "one row's switch-matrix slice", s["wl_switch_matrix"][0] / conf["rows"] * 1e12,
         "um2", "NewSwitchMatrix area / rows"),
        ("ns_adder_energy", "adder", f"{int(conf['adder_bits'])}-bit add of the input shift-and-add",
         per["adder"][2] * 1e15, "fJ", "Adder energy / adders (validated mode: switching activity 0.15)"),
        ("ns_adder_area", "adder", f"{int(conf['adder_bits'])}-bit adder", per["adder"][0] * 1e12, "um2",
         "Adder area / adders"),
        ("ns_adder_time", "adder", f"{int(conf['adder_bits'])}-bit add", s["adder"][1] * 1e9, "ns",
         "Adder latency, one add"),
        ("ns_dff_energy", "register", "one flip-flop clocked once", per["dff"][2] * 1e15, "fJ",
         "DFF energy / flip-flops (validated mode: activity 0.5)"),
        ("ns_dff_area", "register", "one flip-flop", per["dff"][0] * 1e12, "um2", "DFF area / flip-flops"),
        ("ns_mux_energy", "column multiplexer", "one column selected for its ADC", per["mux"][2] * 1e15, "fJ",
         "Mux energy / columns read"),
        ("ns_buffer_energy", "SRAM buffer", f"one {int(conf['buffer_width'])}-bit read of a "
         f"{int(conf['buffer_bits'])}-bit 6T SRAM core", s["sram_buffer"][2] * 1e15, "fJ",
         "Buffer (SRAM) read energy, its average per bit x the width, timed asynchronously (in NeuroSim's synchronous "
         "mode its bitline precharger is left unsized and priced at 0)"),
        ("ns_buffer_area", "SRAM buffer", f"{int(conf['buffer_bits'])}-bit 6T SRAM core",
         s["sram_buffer"][0] * 1e12, "um2", "Buffer (SRAM) area"),
        ("ns_bus_energy", "bus", "one bit over 1 mm of repeated bus", per["bus"][2] / conf["length_m"] * 1e-3 * 1e15,
         "fJ", f"Bus energy / (bits x {conf['length_m'] * 1e3:.3g} mm), output toggle rate 0.5"),
        ("ns_bus_time", "bus", "1 mm of repeated bus", s["bus"][1] / (conf["length_m"] * 1e3) * 1e9, "ns",
         "Bus latency (asynchronous) / length"),
        ("ns_buffer_bits", "condition", "SRAM buffer core capacity", conf["buffer_bits"], "bit",
         "Param globalBufferCoreSizeRow x Col"),
        ("ns_buffer_width", "condition", "SRAM buffer port width", conf["buffer_width"], "bit",
         "Param globalBufferCoreSizeCol"),
        ("ns_wl_cap", "condition", "wordline capacitance of a 1T1R row (the line a row driver charges)",
         conf["wl_cap_f"] * 1e15, "fF", "SubArray capRow2"),
        ("ns_adder_bits", "condition", "adder width of the input shift-and-add", conf["adder_bits"], "bit",
         "ShiftAdd (input) adder numBit"),
    ]
    return [dict(id=i, component=c, configuration=cfg, low=f"{v:.6g}", high=f"{v:.6g}", unit=u,
                 source=f"{src}; {how}") for i, c, cfg, v, u, how in rows]


def write_csv(rows: list[dict], path: Path) -> Path:
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return write_with_sidecar(path, buf.getvalue().encode(), {"regenerate": "make bench-neurosim ARGS=--write"})


def side_by_side(rows: list[dict]) -> list[tuple[str, str, float, float | None, str]]:
    """(component, event, NeuroSim, workbench, unit) per workbench model priced against each NeuroSim row."""
    ref = {r["id"]: r for r in rows}
    conditions = {k: float(r["low"]) for k, r in ref.items()}
    out = []
    for key, value, how, _ in workbench_values(conditions):
        r = ref[key]
        out.append((r["component"], f"{r['configuration']} | {how}", float(r["low"]), value, r["unit"]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite data/reference/{CSV_NAME}")
    args = parser.parse_args(argv)
    root = Path(os.environ.get("NEUROSIM_DIR", DEFAULT_DIR))
    try:
        exe = build_probe(root)
        sar_run, mlsa_run = run_probe(exe, sar=True), run_probe(exe, sar=False)
    except (Skip, subprocess.TimeoutExpired, OSError) as exc:
        print(f"skipped: {exc}")
        return 0
    rows = neurosim_rows(sar_run, mlsa_run, neurosim_version(root))
    conf = sar_run[0]
    print(f"NeuroSim {neurosim_version(root)} at {conf['technode']:g} nm, VDD {conf['vdd']:g} V; workbench table at "
          f"{MATCH.node_nm} nm. Matched: {MATCH}")
    print(f"{'component':<20} {'NeuroSim':>11} {'workbench':>11} {'unit':<4} {'ratio':>7}  event | workbench model")
    for comp, event, ns, wb, unit in side_by_side(rows):
        ratio = "n/a" if wb is None else f"{wb / ns:.3g}"
        wb_txt = "-" if wb is None else f"{wb:.4g}"
        print(f"{comp:<20} {ns:>11.4g} {wb_txt:>11} {unit:<4} {ratio:>7}  {event}")
    for label, (conf_, parts) in (("SAR", sar_run), ("MLSA", mlsa_run)):
        groups = {g: parts[f"{g}_group"] for g in ("adc", "accum", "other")}
        print(f"NeuroSim sub-array ({label}), one read of one input bit: "
              + ", ".join(f"{g} {a * 1e12:.4g} um2 {e * 1e12:.4g} pJ" for g, (a, _, e, _) in groups.items())
              + f"; clock {conf_['clk_hz'] / 1e6:.4g} MHz")
    bad = [r["id"] for r in rows if not (math.isfinite(float(r["low"])) and float(r["low"]) > 0)]
    if bad:
        print(f"NeuroSim gave non-positive or non-finite numbers for {bad}")
        return 1
    if args.write:
        print(f"wrote {write_csv(rows, reference_dir() / CSV_NAME)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
