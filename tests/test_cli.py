import pytest
import sample_studies  # noqa: F401  (registers sample.lens / sample.slow)

from workbench.cli import main
from workbench.core.registry import get_study
from workbench.core.store import ResultStore


def test_list_prints_studies_with_units(capsys):
    assert main(["list", "sample.*"]) == 0
    out = capsys.readouterr().out
    assert "sample.lens" in out and "weight_g (g)" in out and "interactive" in out and "batch" in out


def test_sweep_stores_points_and_resumes(tmp_path, capsys):
    path = str(tmp_path / "s.duckdb")
    args = ["sweep", "sample.lens", "--grid", "aperture_mm=2:8:4", "--grid", "coating=single,multi",
            "--set", "focal_mm=40", "--store", path]
    assert main(args) == 0
    assert "8 points, 0 already stored, 8 computed, 0 failed" in capsys.readouterr().out
    assert main(args + ["--grid", "stabilised=false,true"]) == 0
    assert "16 points, 8 already stored, 8 computed" in capsys.readouterr().out
    frame = ResultStore(path).frame(get_study("sample.lens"))
    assert len(frame) == 16 and set(frame["focal_mm"]) == {40.0}


def test_sobol_sweep_and_bad_input_exit_code(tmp_path, capsys):
    path = str(tmp_path / "s.duckdb")
    assert main(["sweep", "sample.lens", "--sobol", "8", "--knobs", "aperture_mm", "--store", path]) == 0
    assert main(["sweep", "sample.lens", "--grid", "aperture_mm=0:500:3", "--store", path]) == 2
    assert "aperture_mm" in capsys.readouterr().err
    assert main(["sweep", "sample.nothing", "--store", path]) == 2


def test_export_without_points_explains(tmp_path, capsys):
    assert main(["export", "sample.lens", str(tmp_path / "fig"), "--x", "weight_g", "--y", "brightness",
                 "--store", str(tmp_path / "empty.duckdb")]) == 2
    assert "workbench sweep sample.lens" in capsys.readouterr().err


def test_export_writes_figures_and_sidecars(tmp_path):
    pytest.importorskip("vl_convert")
    path = str(tmp_path / "s.duckdb")
    main(["sweep", "sample.lens", "--grid", "aperture_mm=2:30:6", "--grid", "coating=single,multi", "--store", path])
    stem = tmp_path / "figs" / "lens"
    assert main(["export", "sample.lens", str(stem), "--x", "weight_g", "--y", "brightness", "--color", "coating",
                 "--format", "svg,png,pdf", "--store", path]) == 0
    assert (stem.parent / "lens.svg").read_text().lstrip().startswith("<svg")
    assert (stem.parent / "lens.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (stem.parent / "lens.pdf").read_bytes()[:5] == b"%PDF-"
    assert (stem.parent / "lens.csv").read_text().count("\n") == 13


def test_export_a_view_with_its_knobs(tmp_path, capsys):
    import json

    stem = tmp_path / "views" / "energy"
    assert main(["export", "tim.layer_energy", str(stem), "--set", "network=alexnet", "--format", "svg"]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(str(stem.with_suffix(f".{e}")) for e in ("svg", "csv", "json"))
    record = json.loads(stem.with_suffix(".json").read_text())
    assert record["view"]["name"] == "tim.layer_energy" and record["params"]["network"] == "alexnet"
    assert "conv1" in stem.with_suffix(".csv").read_text()
    assert main(["export", "tim.layer_energy", str(stem), "--set", "network=vgg99"]) == 2
    assert "network" in capsys.readouterr().err
    assert main(["export", "tim.arch", str(stem)]) == 2
    assert "needs --x and --y" in capsys.readouterr().err


def test_export_overlays_the_paper_points_as_the_dashboard_does(tmp_path):
    store = str(tmp_path / "store")
    assert main(["sweep", "tim.arch", "--grid", "tiles=16,32", "--store", store]) == 0
    stem = tmp_path / "tim"
    common = ["export", "tim.arch", "--x", "tops_per_mm2", "--y", "tops_per_w", "--format", "svg", "--store", store]
    assert main([*common, str(stem)]) == 0
    assert "TiM-DNN (paper)" in stem.with_suffix(".svg").read_text()
    assert main([*common, "--no-reference", str(stem)]) == 0
    assert "TiM-DNN (paper)" not in stem.with_suffix(".svg").read_text()


def test_list_groups_studies_and_views_by_theme(capsys):
    assert main(["list", "tim.*"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== TiM-DNN") and "tim.arch" in out and "tim.layer_energy" in out and "view" in out


def test_regenerate_lists_the_manifests_regenerators_and_runs_the_one_asked_for(tmp_path, monkeypatch, capsys):
    from workbench.core.manifest import list_manifests

    declared = [m.theme for m in list_manifests() if m.regenerate is not None]
    assert {"dyvedeep", "mram", "pad"} <= set(declared)
    assert main(["regenerate"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [*declared, "seed-spread", "adc-survey", "components", "reference-tables"]

    import workbench.pad.detector

    written = tmp_path / "weights.pt"
    monkeypatch.setattr(workbench.pad.detector, "regenerate", lambda: [written])
    assert main(["regenerate", "pad"]) == 0
    assert capsys.readouterr().out.splitlines() == [str(written)]

    from workbench.core import seed_spread

    monkeypatch.setattr(seed_spread, "regenerate", lambda: [tmp_path / "spread.csv"])  # data no one theme owns
    assert main(["regenerate", "seed-spread"]) == 0
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / "spread.csv")]


def test_write_seed_produces_parquet_and_provenance(tmp_path, monkeypatch, capsys):
    import json

    import pandas as pd

    monkeypatch.setattr("workbench.cli.reference_dir", lambda: tmp_path / "reference")
    assert main(["sweep", "sample.lens", "--grid", "aperture_mm=2:4:3", "--store", str(tmp_path / "s.duckdb"),
                 "--write-seed"]) == 0
    seed = pd.read_parquet(tmp_path / "reference" / "seeds" / "sample.lens.parquet")
    assert len(seed) == 3 and list(seed.columns)[:5] == get_study("sample.lens").knob_names
    assert "key" not in seed.columns and "brightness" in seed.columns
    sidecar = json.loads((tmp_path / "reference" / "seeds" / "sample.lens.json").read_text())
    assert sidecar["command"].startswith("workbench") and sidecar["points"] == 3
    from workbench.core.files import content_sha256

    assert sidecar["sha256"] == content_sha256(tmp_path / "reference" / "seeds" / "sample.lens.parquet")
    assert sidecar["versions"]["pyarrow"] and "commit" in sidecar["git"]


def test_ctrl_c_stops_a_sweep_that_then_resumes(tmp_path):
    """SIGINT (Ctrl-C) mid-sweep: exit 130 with a resume hint; the same command then computes only the rest.

    The sweep is held at a gate after its third point (``sample_studies.GATE_ENV``), so the interrupt always lands
    mid-sweep with exactly three points stored, however busy the machine.
    """
    import os
    import signal
    import subprocess
    import sys
    import time

    from sample_studies import GATE_ENV

    path = str(tmp_path / "s.duckdb")
    gate = tmp_path / "gate"
    env = dict(os.environ, **{GATE_ENV: f"3:{gate}"})
    script = ("import sys, sample_studies; from workbench.cli import main; "
              f"sys.exit(main(['sweep', 'sample.slow', '--grid', 'x=1:12:12', '--store', {path!r}]))")
    first = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    deadline = time.monotonic() + 120
    while len(ResultStore(path).frame(get_study("sample.slow"))) < 3 and first.poll() is None:
        assert time.monotonic() < deadline, "the sweep did not reach the gate in 120 s"
        time.sleep(0.1)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130 and "run the same command again to resume" in err
    assert len(ResultStore(path).frame(get_study("sample.slow"))) == 3
    gate.touch()
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert second.returncode == 0, second.stderr
    assert "12 points, 3 already stored, 9 computed" in second.stdout


def test_serve_runs_voila_on_the_notebooks_with_the_landing_template(monkeypatch, capsys):
    import os

    from workbench import cli
    from workbench.serve_kernels import serve_options

    calls = []
    monkeypatch.setattr(cli, "_exec", lambda argv: calls.append((argv, os.environ["JUPYTER_PATH"])) or 0)
    monkeypatch.setenv("JUPYTER_PATH", "/elsewhere")
    assert main(["serve", "--port", "9123"]) == 0
    (argv, jupyter_path), = calls
    assert argv[1:] == [str(cli.NOTEBOOKS), "--no-browser", "--port=9123", "--Voila.ip=127.0.0.1",
                        "--template=workbench", "--preheat_kernel=True", "--pool_size=2",
                        "--VoilaKernelManager.fill_delay=0",
                        f"--ReadyFirstKernelManager.refill_quiet_s={cli.SERVE_REFILL_QUIET_S:g}",
                        "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=60",
                        *serve_options()]
    assert jupyter_path.split(os.pathsep) == [str(cli.VOILA_TEMPLATES), "/elsewhere"]
    assert (cli.VOILA_TEMPLATES / "voila" / "templates" / "workbench" / "tree-lab.html").is_file()
    assert "http://127.0.0.1:9123/" in capsys.readouterr().out

    calls.clear()
    assert main(["serve", "--pool-size", "0", "--cull-idle", "30", "--kernel-grace", "20", "--max-kernels", "5",
                 "--max-kernel-memory", "2.5"]) == 0
    budgets = serve_options(grace_s=20, max_kernels=5, max_memory_gb=2.5)
    assert calls[0][0][-3 - len(budgets):] == ["--template=workbench", "--MappingKernelManager.cull_idle_timeout=30",
                                               "--MappingKernelManager.cull_interval=30", *budgets]
    assert main(["serve", "--pool-size", "-1"]) == 2
    assert "pool_size=-1 is not allowed" in capsys.readouterr().err
    with pytest.raises(ValueError, match="refill_quiet_s=-1 is not allowed; allowed: 0 s or more"):
        cli.voila_serve_options(refill_quiet_s=-1)


@pytest.mark.parametrize("flags, euid, passed", [([], 0, True), ([], 1000, False), (["--no-allow-root"], 0, False),
                                                 (["--allow-root"], 1000, True)])
def test_lab_passes_allow_root_by_default_for_root_only(monkeypatch, flags, euid, passed):
    from workbench import cli

    calls = []
    monkeypatch.setattr(cli, "_exec", lambda argv: calls.append(argv) or 0)
    monkeypatch.setattr(cli.os, "geteuid", lambda: euid)
    assert main(["lab", "--no-browser", *flags]) == 0
    assert calls[0][1:4] == ["lab", f"--notebook-dir={cli.NOTEBOOKS}", "--ServerApp.ip=127.0.0.1"]
    assert ("--allow-root" in calls[0]) is passed


@pytest.mark.browser
def test_serve_root_url_lands_on_the_overview(tmp_path):
    """`workbench serve`'s Voila (same arguments and environment) sends `/` to the rendered overview, whose relative
    links reach the other dashboards, and still lists the notebooks at `/voila/tree`."""
    from workbench.cli import NOTEBOOKS, voila_serve_options
    from workbench.testing.dashboards import CHROMIUM, launch_chromium, voila_server

    if not CHROMIUM.exists():
        pytest.skip(f"headless browser tests need Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    extra_args, env = voila_serve_options(pool_size=0)  # preheating every dashboard would take minutes on 2 cores
    with voila_server(NOTEBOOKS, log_path=tmp_path / "voila.log", extra_args=tuple(extra_args), env=env) as url, \
            sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{url}/", wait_until="commit", timeout=240_000)
            page.wait_for_url(f"{url}/voila/render/00_overview.ipynb", wait_until="commit", timeout=240_000)
            page.get_by_role("heading", name="Registered studies").wait_for(timeout=240_000)
            link = page.locator("a[href='tim_dnn.ipynb']").first
            assert link.evaluate("a => a.href") == f"{url}/voila/render/tim_dnn.ipynb"

            page.goto(f"{url}/voila/tree", wait_until="commit", timeout=240_000)
            page.get_by_text("crossbars.ipynb").first.wait_for(timeout=240_000)  # treepage.js is slow on a busy machine
            assert page.url == f"{url}/voila/tree"
        finally:
            browser.close()


def test_sweep_of_the_composed_study_takes_the_composed_stage_knob_names(tmp_path, capsys):
    """The stored seed points answer the sweep (no training): their columns are the names the CLI accepts."""
    path = str(tmp_path / "store")
    args = ["sweep", "compose.pipeline", "--grid", "pruning.train.target_ratio=0,0.5", "--set",
            "pipeline=pruning.train>crossbar.arrays", "--set", "crossbar.arrays.program_sigma=0.02", "--store", path]
    assert main(args) == 0
    assert "2 points, 2 already stored, 0 computed, 0 failed" in capsys.readouterr().out
    assert main(["sweep", "compose.pipeline", "--set", "xbar_sigma=0.1", "--store", path]) == 2
    assert "crossbar.arrays.program_sigma" in capsys.readouterr().err  # the old name is refused, the knobs listed
