"""Dashboard latency: in-kernel knob change -> new chart spec, and Voila page -> first chart in headless Chromium.

Target: a knob change of an interactive (analytic) study redraws in < 100 ms in the kernel. The in-kernel number
drives the Explorer exactly as a browser edit does (a widget value set, debounce off) and stops the clock when the
JupyterChart holds the new spec. It is measured for a small analytic study defined here (an RC low-pass filter) with
and without a 21-point sweep curve, and for every registered interactive study.

Run: ``.venv/bin/python benchmarks/bench_ui.py [--no-voila] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

from workbench.core import Float, Metric, Study
from workbench.core.knobs import Choice, Int
from workbench.core.registry import get_study, list_studies
from workbench.dashboards import CHART_SELECTOR, CHROMIUM, launch_chromium, voila_server

HERE = Path(__file__).resolve().parent


def rc_filter(r_ohm: float, c_nf: float, f_signal_khz: float) -> dict:
    """First-order RC low-pass: cutoff 1/(2 pi R C), attenuation at the signal frequency, energy per charge C V^2."""
    cutoff_khz = 1.0 / (2 * math.pi * r_ohm * c_nf * 1e-9) / 1e3
    gain = 1.0 / math.sqrt(1.0 + (f_signal_khz / cutoff_khz) ** 2)
    return {"gain_db": 20 * math.log10(gain), "energy_nj": c_nf * 1.0**2, "cutoff_khz": cutoff_khz}


RC = Study(
    name="bench.rc", theme="bench", func=rc_filter,
    knobs=(Float("r_ohm", 1e3, low=10.0, high=1e6, log=True, unit="ohm"),
           Float("c_nf", 10.0, low=0.1, high=1000.0, log=True, unit="nF"),
           Float("f_signal_khz", 1.0, low=0.01, high=100.0, log=True, unit="kHz")),
    metrics=(Metric("gain_db", "dB", "max"), Metric("energy_nj", "nJ", "min"), Metric("cutoff_khz", "kHz")),
    description="RC low-pass filter (textbook closed form), the UI benchmark's analytic study.",
)


def knob_change_ms(study: Study, repeats: int, **explorer_options) -> tuple[float, int]:
    """Median ms from a knob widget change to a new chart spec, over ``repeats`` valid changes; and their count."""
    from workbench.ui import Explorer

    explorer = Explorer(study, debounce_s=0, **explorer_options)
    knob = next((k for k in study.knobs if isinstance(k, (Float, Int)) and k.name != explorer_options.get(
        "sweep_knob")), None) or next(k for k in study.knobs if isinstance(k, Choice))
    widget = explorer.controls.widgets[knob.name]
    values = knob.grid(repeats + 1) if isinstance(knob, (Float, Int)) else list(knob.options) * repeats
    times = []
    for value in values[1:] + values[:1]:
        before = explorer.chart.spec
        started = time.perf_counter()
        widget.value = value
        elapsed = time.perf_counter() - started
        if explorer.last_error is None and explorer.chart.spec is not before:
            times.append(elapsed * 1e3)
    return (statistics.median(times) if times else math.nan), len(times)


def voila_first_chart_s(loads: int) -> list[float]:
    """Seconds from requesting a Voila page with an Explorer to its chart being drawn, per page load."""
    import nbformat
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bench_ui_"))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "from bench_ui import RC\nfrom workbench.ui import Explorer\n\n"
        "Explorer(RC, x='energy_nj', y='gain_db', sweep_knob='c_nf')")]
    nbformat.write(notebook, folder / "bench.ipynb")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    results = []
    with voila_server(folder, env=env) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for _ in range(loads):
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(f"{url}/voila/render/bench.ipynb", timeout=300_000)
            page.wait_for_selector(CHART_SELECTOR, timeout=300_000)
            results.append(time.perf_counter() - started)
            page.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="knob changes per study")
    parser.add_argument("--voila-loads", type=int, default=2, help="Voila page loads to time")
    parser.add_argument("--no-voila", action="store_true", help="skip the browser measurement")
    args = parser.parse_args()

    rows = [("bench.rc (history)", *knob_change_ms(RC, args.repeats, x="energy_nj", y="gain_db")),
            ("bench.rc (21-point sweep curve)", *knob_change_ms(RC, args.repeats, x="energy_nj", y="gain_db",
                                                                sweep_knob="c_nf"))]
    for name in list_studies():
        study = get_study(name)
        if study.cost != "interactive" or study.theme == "bench":
            continue
        try:
            rows.append((name, *knob_change_ms(study, args.repeats)))
        except Exception as error:  # a broken study must not hide the others' numbers
            rows.append((f"{name} (failed: {type(error).__name__}: {error})", math.nan, 0))
    print("In-kernel knob change -> new chart spec (median, target < 100 ms)")
    print(f"{'study':58s} {'median ms':>10s} {'changes':>8s}  within target")
    for name, ms, count in rows:
        verdict = "yes" if ms < 100 else ("NO" if ms == ms else "n/a")
        print(f"{name:58s} {ms:10.1f} {count:8d}  {verdict}")

    if args.no_voila:
        return
    if not CHROMIUM.exists():
        print(f"Voila time to first chart: skipped (no Chromium at {CHROMIUM})")
        return
    loads = voila_first_chart_s(args.voila_loads)
    print("Voila time to first chart (page request -> chart drawn; includes kernel start and notebook execution)")
    for index, seconds in enumerate(loads, start=1):
        print(f"  load {index}: {seconds:.1f} s")
    print(f"  median: {statistics.median(loads):.1f} s")


if __name__ == "__main__":
    main()
