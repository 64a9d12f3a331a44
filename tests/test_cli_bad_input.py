"""Every bad command line gets one clear line on stderr and a nonzero exit, never a traceback.

One table: each case runs the real entry point ``workbench.cli.main`` and asserts exit code 2, exactly one line on
stderr matching what names the culprit (the knob, option, file or address) and what is allowed, and no
"Traceback". The cases of issue 30's probe (:data:`ISSUE_30`, on shipped studies) also run through the installed
``workbench`` script in a subprocess, each within :data:`SCRIPT_SECONDS`.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sample_studies import LENS

from workbench.cli import main
from workbench.core.store import ResultStore

WORKBENCH = Path(sys.executable).with_name("workbench")
ROOT = Path(__file__).resolve().parents[1]
LIMIT = "allowed: 1 to 1,000,000"


def deny_new_files(monkeypatch):
    """Root ignores folder permissions: refuse new files the way the kernel refuses them to everybody else."""
    if os.geteuid() == 0:
        def denied(path):
            raise PermissionError(13, "Permission denied", str(path.parent))

        monkeypatch.setattr("workbench.core.files.new_temp", denied)


def stored(tmp, monkeypatch):
    ResultStore(tmp / "store").put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})


def read_only(tmp, monkeypatch):
    stored(tmp, monkeypatch)
    os.chmod(tmp / "store" / "points", 0o555)
    deny_new_files(monkeypatch)


def read_only_export(tmp, monkeypatch):
    stored(tmp, monkeypatch)
    (tmp / "figures").mkdir()
    os.chmod(tmp / "figures", 0o555)
    deny_new_files(monkeypatch)


def legacy(tmp, monkeypatch):
    (tmp / "results.duckdb").write_bytes(bytes(8) + b"DUCK" + bytes(4084))  # a DuckDB file's header block


def foreign(tmp, monkeypatch):
    (tmp / "store").mkdir()
    (tmp / "store" / "thesis.tex").write_text("\\documentclass{article}")


def a_file(tmp, monkeypatch):
    (tmp / "afile").write_text("not a folder")


def cluster_fails(tmp, monkeypatch):
    import distributed

    def nanny_failed(*args, **kwargs):
        raise RuntimeError("Nanny failed to start.\nmore detail")

    monkeypatch.setattr(distributed, "LocalCluster", nanny_failed)


SEARCH = ["search", "tim.arch", "--objectives", "tops_per_w:max", "--store", "{tmp}/s"]
#: Issue 30's probe of the newer verbs: hangs (search budgets, a space smaller than its trials, ports that wrapped),
#: tracebacks (negative ports, addresses that are not this machine's) and silent accepts (executors, a view's
#: study-only options). On shipped studies, so the installed script runs them too.
ISSUE_30 = [
    ("search-trials-1e12", [*SEARCH, "--trials", "1e12"],
     r"search: error: trials='1e12' is not allowed; allowed: a whole number from 1 to 100,000$"),
    ("search-trials-1e23", [*SEARCH, "--trials", "1e23"], r"trials='1e23' is not allowed; allowed: a whole number"),
    ("search-trials-text", [*SEARCH, "--trials", "many"], r"trials='many' is not allowed"),
    ("search-batch-1e9", [*SEARCH, "--batch", "1e9"], r"batch='1e9' is not allowed; allowed: a whole number from 1 to "
     r"100,000"),
    ("search-space-smaller-than-trials-shipped", [*SEARCH, "--knobs", "network", "--trials", "9"],
     r"tim.arch: the searched knobs \(network\) have only \d+ points, fewer than trials=9; ask for at most \d+"),
    ("search-executor-bogus", [*SEARCH, "--trials", "4", "--executor", "bogus"], r"unknown executor 'bogus'; use "
     r"'serial', 'processes\[:N\]' or 'dask\[:ADDRESS\]'"),
    ("search-executor-processes-0", [*SEARCH, "--trials", "4", "--executor", "processes:0"],
     r"executor 'processes': workers must be >= 1, got 0"),
    ("search-dask-unreachable", [*SEARCH, "--trials", "4", "--executor", "dask:tcp://127.0.0.1:1"],
     r"no Dask scheduler answered at tcp://127.0.0.1:1 within 3 s"),
    ("serve-port-70000-script", ["serve", "--port", "70000"], r"serve: error: --port 70000 is not allowed; allowed: 1 "
     r"to 65535$"),
    ("serve-port-minus-1", ["serve", "--port", "-1"], r"serve: error: --port -1 is not allowed; allowed: 1 to 65535$"),
    ("lab-port-70000-script", ["lab", "--port", "70000"], r"lab: error: --port 70000 is not allowed"),
    ("lab-port-minus-1", ["lab", "--port", "-1"], r"lab: error: --port -1 is not allowed; allowed: 1 to 65535$"),
    ("serve-ip-not-an-ip", ["serve", "--ip", "not-an-ip"], r"serve: error: cannot listen on --ip not-an-ip --port 8866 "
     r"\(.+\); allowed: an address of this machine"),
    ("serve-ip-public", ["serve", "--ip", "8.8.8.8"], r"cannot listen on --ip 8.8.8.8 --port 8866 \(Cannot assign "
     r"requested address\); allowed: an address of this machine"),
    ("lab-ip-not-an-ip", ["lab", "--ip", "not-an-ip"], r"lab: error: cannot listen on --ip not-an-ip"),
    ("lab-ip-public", ["lab", "--ip", "8.8.8.8"], r"lab: error: cannot listen on --ip 8.8.8.8"),
    ("export-view-x-y-script", ["export", "tim.layer_energy", "{tmp}/fig", "--x", "a", "--y", "b"],
     r"export: error: --x, --y are not allowed for the view 'tim.layer_energy'"),
]
#: The longest an installed-script case may take (start-up, imports and, for the Dask address, its 3 s connect
#: timeout, on a loaded 2-core machine): issue 30's hangs lasted more than 60 s.
SCRIPT_SECONDS = 45

SWEEP = ["sweep", "sample.lens", "--store", "{tmp}/store"]
EXPORT = ["export", "sample.lens", "{tmp}/figures/fig", "--x", "weight_g", "--y", "brightness", "--format", "svg",
          "--store", "{tmp}/store"]

CASES = [
    # non-finite and overflowing numbers
    ("int-inf", ["sweep", "tim.arch", "--set", "tiles=inf"], r"knob 'tiles' expects a whole number, got 'inf'; "
     r"allowed: 1 <= tiles <= 256", None),
    ("int-minus-inf", ["sweep", "tim.arch", "--set", "tiles=-inf"], r"knob 'tiles' expects a whole number", None),
    ("int-1e400", ["sweep", "tim.arch", "--set", "tiles=1e400"], r"knob 'tiles' expects a whole number, got '1e400'",
     None),
    ("float-inf", ["sweep", "tim.arch", "--set", "input_density=inf"],
     r"knob 'input_density' expects a finite number, got 'inf'; allowed: 0.05 <= input_density <= 1.0", None),
    ("float-nan", ["sweep", "tim.arch", "--set", "input_density=nan"], r"knob 'input_density' expects a finite", None),
    ("int-text", ["sweep", "tim.arch", "--set", "tiles=abc"], r"knob 'tiles' expects a whole number, got 'abc'",
     None),
    ("int-fraction", ["sweep", "tim.arch", "--set", "tiles=2.5"], r"knob 'tiles' expects a whole number, got '2.5'",
     None),
    ("off-range", ["sweep", "tim.arch", "--set", "tiles=999"],
     r"knob 'tiles': value 999 is not allowed; allowed: 1 <= tiles <= 256", None),
    ("off-step", ["sweep", "pruning.while_training", "--set", "target_ratio=0.07"],
     r"knob 'target_ratio': value '0.07' is not allowed; allowed: 0.0 <= target_ratio <= 0.9, step 0.05", None),
    ("unknown-knob", ["sweep", "tim.arch", "--set", "colour=red"], r"colour", None),
    ("set-without-value", ["sweep", "tim.arch", "--set", "tiles"], r"--set 'tiles' must look like knob=value", None),
    # point counts above the limit, checked before allocating
    ("grid-1e12", ["sweep", "tim.arch", "--grid", "tiles=1:256:1000000000000"],
     rf"grid spec 'tiles=1:256:1000000000000': 1,000,000,000,000 points is not allowed; {LIMIT}", None),
    ("grid-1e7-hang", ["sweep", "tim.arch", "--grid", "input_density=0.05:1:10000000"],
     rf"10,000,000 points is not allowed; {LIMIT}", None),
    ("grid-product", ["sweep", "tim.arch", "--grid", "tiles=1:256:256", "--grid", "input_density=0.05:1:5000"],
     rf"the grid over tiles, input_density: 1,280,000 points is not allowed; {LIMIT}", None),
    ("random-1e12", ["sweep", "tim.arch", "--random", "1e12"], rf"--random: 1,000,000,000,000 points .*{LIMIT}",
     None),
    ("sobol-1e12", ["sweep", "tim.arch", "--sobol", "1e12"], rf"--sobol: 1,000,000,000,000 points .*{LIMIT}", None),
    ("random-0", ["sweep", "tim.arch", "--random", "0"], rf"--random: 0 points is not allowed; {LIMIT}", None),
    ("sobol-negative", ["sweep", "tim.arch", "--sobol", "-4"], r"--sobol: -4 points is not allowed", None),
    ("random-text", ["sweep", "tim.arch", "--random", "many"], r"--random expects a whole number of points, got 'many'",
     None),
    ("random-fraction", ["sweep", "tim.arch", "--random", "2.5"], r"--random expects a whole number of points", None),
    ("grid-count-text", ["sweep", "tim.arch", "--grid", "tiles=1:256:abc"],
     r"grid spec 'tiles=1:256:abc' expects a whole number of points, got 'abc'", None),
    ("grid-count-zero", ["sweep", "tim.arch", "--grid", "tiles=1:256:0"], r"0 points is not allowed", None),
    # empty grids and malformed specs
    ("grid-empty", ["sweep", "tim.arch", "--grid", "tiles="], r"grid spec 'tiles=' lists no values; use tiles=a:b:n",
     None),
    ("grid-commas", ["sweep", "tim.arch", "--grid", "tiles=,,"], r"grid spec 'tiles=,,' lists no values", None),
    ("grid-no-equals", ["sweep", "tim.arch", "--grid", "tiles"], r"grid spec 'tiles' must look like knob=a:b:n", None),
    ("grid-unknown-knob", ["sweep", "tim.arch", "--grid", "colour=1,2"], r"colour", None),
    ("seed-negative", ["sweep", "tim.arch", "--random", "3", "--seed", "-1"], r"seed=-1 is not allowed", None),
    ("knobs-unknown", ["sweep", "tim.arch", "--random", "3", "--knobs", "colour"], r"colour", None),
    ("two-kinds", ["sweep", "tim.arch", "--random", "3", "--grid", "tiles=1,2"],
     r"argument --grid: not allowed with argument --random", None),
    ("unknown-option", ["sweep", "tim.arch", "--colour", "red"], r"unrecognized arguments: --colour red", None),
    ("missing-study", ["sweep"], r"the following arguments are required: study", None),
    ("unknown-study", ["sweep", "tim.nothing"], r"tim.nothing", None),
    # executors
    ("executor-unknown", [*SWEEP, "--executor", "gpu"], r"unknown executor 'gpu'; use 'serial'", None),
    ("executor-workers-zero", [*SWEEP, "--executor", "processes:0"], r"workers must be >= 1, got 0", None),
    ("executor-workers-text", [*SWEEP, "--executor", "processes:many"], r"'processes:N' needs a whole number", None),
    ("dask-unreachable", [*SWEEP, "--executor", "dask:tcp://127.0.0.1:1"],
     r"no Dask scheduler answered at tcp://127.0.0.1:1 within 3 s", None),
    ("dask-cluster-fails", [*SWEEP, "--executor", "dask"],
     r"the local Dask cluster failed to start 2 times \(RuntimeError: Nanny failed to start.\); use --executor "
     r"processes", cluster_fails),
    # stores
    ("store-read-only", [*SWEEP, "--set", "aperture_mm=20"],
     r"permission denied to write a point .*the store is intact", read_only),
    ("store-legacy", ["sweep", "sample.lens", "--store", "{tmp}/results.duckdb"],
     r"results.duckdb is a DuckDB file of an older workbench.*--store \S+/results, to start a new store", legacy),
    ("store-foreign", SWEEP, r"store is a folder but not a workbench result store .*thesis.tex", foreign),
    ("store-under-a-file", ["sweep", "sample.lens", "--store", "{tmp}/afile/store"],
     r"cannot read the store folder \(\S+/afile/store/STORE.json: Not a directory\)", a_file),
    ("store-missing-export", EXPORT, r"no stored points for sample.lens in \S+/store: run `workbench sweep", None),
    # export paths
    ("export-read-only", EXPORT, r"workbench export: error: Permission denied: \S+figures", read_only_export),
    ("export-under-a-file", [*EXPORT[:2], "{tmp}/afile/fig", *EXPORT[3:]], r"File exists: \S+/afile$",
     lambda tmp, mp: (stored(tmp, mp), a_file(tmp, mp))),
    ("export-unknown-metric", [*EXPORT[:4], "colour", *EXPORT[5:]], r"'colour' is neither a knob nor a metric",
     stored),
    # regenerators
    ("regenerate-unknown-theme", ["regenerate", "nothing"], r"workbench regenerate: error: no theme 'nothing'; "
     r"themes: \[.*'tim'", None),
    ("regenerate-no-regenerator", ["regenerate", "tim"],
     r"theme 'tim' has no regenerator; themes with one: .*pad", None),
    ("regenerate-two-themes", ["regenerate", "pad", "mram"], r"unrecognized arguments: mram", None),
    # a view's export takes only its knobs (--x/--y/--color/--no-reference used to be silently ignored)
    ("export-view-with-axes", ["export", "tim.layer_energy", "{tmp}/fig", "--x", "a", "--y", "b"],
     r"--x, --y are not allowed for the view 'tim.layer_energy'; allowed for a view: --set KNOB=VALUE", None),
    ("export-view-no-reference", ["export", "tim.layer_energy", "{tmp}/fig", "--no-reference"],
     r"--no-reference is not allowed for the view 'tim.layer_energy'", None),
    # search budgets and executors, checked before any work (issue 30: --trials 2e9 hung, --executor bogus and
    # processes:0 were silently accepted, a space smaller than its trials searched until it gave up)
    ("search-trials-huge", ["search", "sample.lens", "--objectives", "brightness:max", "--trials", "2000000000",
                            "--store", "{tmp}/s"],
     r"trials='2000000000' is not allowed; allowed: a whole number from 1 to 100,000", None),
    ("search-batch-huge", ["search", "sample.lens", "--objectives", "brightness:max", "--batch", "1000000000",
                           "--store", "{tmp}/s"], r"batch='1000000000' is not allowed", None),
    ("search-executor-unknown", ["search", "sample.lens", "--objectives", "brightness:max", "--trials", "4",
                                 "--executor", "bogus", "--store", "{tmp}/s"], r"unknown executor 'bogus'", None),
    ("search-executor-no-workers", ["search", "sample.lens", "--objectives", "brightness:max", "--trials", "4",
                                    "--executor", "processes:0", "--store", "{tmp}/s"],
     r"executor 'processes': workers must be >= 1, got 0", None),
    ("search-space-smaller-than-trials", ["search", "sample.lens", "--objectives", "brightness:max", "--trials", "9",
                                          "--knobs", "coating", "stabilised", "--store", "{tmp}/s"],
     r"the searched knobs \(coating, stabilised\) have only 4 points, fewer than trials=9; ask for at most 4", None),
    # server ports and addresses (a port above 65535 used to wrap modulo 65536: 70000 listened on 4464)
    ("serve-port-70000", ["serve", "--port", "70000"], r"serve: error: --port 70000 is not allowed; allowed: 1 to "
     r"65535$", None),
    ("serve-port-0", ["serve", "--port", "0"], r"--port 0 is not allowed; allowed: 1 to 65535", None),
    ("serve-port-negative", ["serve", "--port", "-1"], r"--port -1 is not allowed", None),
    ("serve-port-text", ["serve", "--port", "http"], r"argument --port: invalid int value: 'http'", None),
    ("lab-port-70000", ["lab", "--port", "70000"], r"lab: error: --port 70000 is not allowed; allowed: 1 to 65535",
     None),
    ("serve-foreign-address", ["serve", "--ip", "192.0.2.1"],
     r"cannot listen on --ip 192.0.2.1 --port 8866 \(Cannot assign requested address\); allowed: an address of "
     r"this machine", None),
    ("lab-foreign-address", ["lab", "--ip", "192.0.2.1", "--port", "9999"], r"cannot listen on --ip 192.0.2.1 "
     r"--port 9999", None),
    # kernel budgets of serve (issue 30 item 3)
    ("serve-grace-zero", ["serve", "--kernel-grace", "0"], r"--kernel-grace 0 is not allowed; allowed: 1 to 3600 s",
     None),
    ("serve-grace-nan", ["serve", "--kernel-grace", "nan"], r"--kernel-grace nan is not allowed", None),
    ("serve-max-kernels-zero", ["serve", "--max-kernels", "0"], r"--max-kernels 0 is not allowed; allowed: 1 or more",
     None),
    ("serve-max-kernels-text", ["serve", "--max-kernels", "many"], r"argument --max-kernels: invalid int value", None),
    ("serve-max-memory-negative", ["serve", "--max-kernel-memory", "-1"],
     r"--max-kernel-memory -1 is not allowed; allowed: more than 0 GB", None),
    ("serve-max-memory-nan", ["serve", "--max-kernel-memory", "nan"], r"--max-kernel-memory nan is not allowed", None),
    *((name, argv, match, None) for name, argv, match in ISSUE_30),
]


@pytest.mark.parametrize("argv,match,setup", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_gives_one_clear_line_and_a_nonzero_exit(argv, match, setup, tmp_path, capsys, monkeypatch):
    if setup is not None:
        setup(tmp_path, monkeypatch)
    before = sorted((p, p.stat().st_size) for p in tmp_path.rglob("*") if p.is_file())
    code = main([arg.replace("{tmp}", str(tmp_path)) for arg in argv])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert re.search(match, lines[0]), lines[0]
    assert "Traceback" not in err
    if setup not in (None, cluster_fails):  # damaged, legacy, foreign and read-only inputs are left untouched
        assert sorted((p, p.stat().st_size) for p in tmp_path.rglob("*") if p.is_file() and p.name != "compact.lock") \
            == before


@pytest.mark.parametrize("argv", [SWEEP, EXPORT], ids=["sweep", "export"])
def test_a_damaged_shard_is_one_warning_line_and_the_command_goes_on(argv, tmp_path, capsys, monkeypatch):
    stored(tmp_path, monkeypatch)
    shard = next((tmp_path / "store" / "points").iterdir())
    ResultStore(tmp_path / "store").put(LENS, {"aperture_mm": 20.0}, {"brightness": 1.0, "weight_g": 2.0,
                                                                      "f_number": 5.0})
    shard.write_bytes(shard.read_bytes()[:40])
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if ": warning: " in line]
    assert len(warned) == 1 and re.match(rf"workbench {argv[0]}: warning: result store \S+: skipped every row of "
                                         rf"{shard}: damaged or not a store file .*left untouched", warned[0]), warned
    assert shard.stat().st_size == 40


def test_a_port_in_use_is_refused_before_the_server_starts(capsys, monkeypatch):
    import socket

    from workbench import cli

    monkeypatch.setattr(cli, "_exec", lambda argv: pytest.fail(f"started {argv[0]} on a busy port"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in ("serve", "lab"):
            assert main([command, "--port", str(port)]) == 2
            err = capsys.readouterr().err
            assert err.strip() == f"workbench {command}: error: cannot listen on --ip 127.0.0.1 --port {port} " \
                                  "(Address already in use); allowed: an address of this machine (127.0.0.1, " \
                                  "0.0.0.0 for every interface) and a free port"


SCRIPT_CASES = [("int-1e400", ["sweep", "tim.arch", "--set", "tiles=1e400"], r"expects a whole number"),
                ("random-1e12", ["sweep", "tim.arch", "--random", "1e12"], r"1,000,000,000,000 points"),
                ("store-legacy", ["sweep", "tim.arch", "--store", "{tmp}/results.duckdb"], r"DuckDB file"),
                ("serve-max-kernels-zero", ["serve", "--max-kernels", "0"], r"--max-kernels 0 is not allowed"),
                *ISSUE_30]


@pytest.mark.parametrize("argv,match", [c[1:] for c in SCRIPT_CASES], ids=[c[0] for c in SCRIPT_CASES])
def test_the_installed_script_prints_one_line_and_no_traceback(argv, match, tmp_path):
    import time

    legacy(tmp_path, None)
    # the script imports the tree under test (an editable install may point at another checkout)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    start = time.monotonic()
    result = subprocess.run([str(WORKBENCH), *(arg.replace("{tmp}", str(tmp_path)) for arg in argv)],
                            capture_output=True, text=True, timeout=SCRIPT_SECONDS, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"workbench {argv[0]}: error: ") and re.search(match, result.stderr), \
        result.stderr
    assert time.monotonic() - start < SCRIPT_SECONDS


def tampered_tables(tmp, monkeypatch, change, *, resign):
    """Copies of the shipped LLG switching tables, their times changed by ``change``, made the shipped ones."""
    import io
    import shutil

    import numpy as np

    from workbench.core.integrity import write_with_sidecar
    from workbench.core.paths import reference_dir
    from workbench.mram import device

    (tmp / "mram_llg").mkdir()
    for shipped in (reference_dir() / "mram_llg").glob("*.npz"):
        shutil.copy(shipped.with_suffix(".json"), tmp / "mram_llg")
        with np.load(shipped) as data:
            buffer = io.BytesIO()
            np.savez_compressed(buffer, overdrives=data["overdrives"], times_s=change(data["times_s"].copy()))
        (write_with_sidecar if resign else Path.write_bytes)(tmp / "mram_llg" / shipped.name, buffer.getvalue())
    monkeypatch.setattr(device, "reference_dir", lambda: tmp)
    device.switching_table.cache_clear()  # tables read before from the shipped folder


def nan_first(times):
    times[0, 0] = float("nan")
    return times


def garbage_seed(tmp, monkeypatch):
    (tmp / "seeds").mkdir()
    (tmp / "seeds" / "sample.lens.parquet").write_bytes(bytes(range(256)) * 4)
    (tmp / "seeds" / "sample.lens.json").write_text("[not, a sidecar")
    monkeypatch.setattr("workbench.core.store.reference_dir", lambda: tmp)


DEVICE_SWEEP = ["sweep", "mram.device", "--set", "current_ua=61", "--store", "{tmp}/store"]
DATA_CASES = [
    # a shipped switching table altered after it was written (x1000 times, a NaN): the point fails naming the file
    ("llg-table-x1000", DEVICE_SWEEP, lambda tmp, mp: tampered_tables(tmp, mp, lambda t: 1000 * t, resign=False), 1,
     r"failed \w+: workbench.core.integrity.DamagedFile: \S+/mram_llg/\w+.npz does not match the SHA-256 its sidecar "
     r"\w+.json records .*; restore it with `git checkout -- \S+` or make it again with `workbench regenerate mram`"),
    ("llg-table-nan-resigned", DEVICE_SWEEP, lambda tmp, mp: tampered_tables(tmp, mp, nan_first, resign=True), 1,
     r"DamagedFile: \S+/mram_llg/\w+.npz: times_s holds 1 non-finite value\(s\); restore it"),
    ("llg-table-x1000-resigned", DEVICE_SWEEP,
     lambda tmp, mp: tampered_tables(tmp, mp, lambda t: 1000 * t, resign=True), 1,
     r"DamagedFile: \S+/mram_llg/\w+.npz: its switching times span .* allowed: 0 < t <= t_max = 2e-08 s"),
    # a garbage seed file and sidecar: one warning naming them, the sweep goes on without them
    ("seed-garbage", SWEEP, garbage_seed, 0,
     r"warning: seed results \S+/sample.lens.parquet cannot be checked: its sidecar sample.lens.json is not readable "
     r"JSON .*not imported \(regenerate them with `workbench sweep sample.lens ... --write-seed`"),
]


@pytest.mark.parametrize("argv,setup,code,match", [case[1:] for case in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_a_damaged_data_file_is_named_with_how_to_make_it_again(argv, setup, code, match, tmp_path, capsys,
                                                                 monkeypatch):
    """Damaged or tampered data files through ``main()``: never a silently computed point, never a traceback."""
    setup(tmp_path, monkeypatch)
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert re.search(match, out + err), out + err
    if code:
        assert " 0 computed, 1 failed" in out
