"""The ``workbench`` command: list themes, studies and views, run sweeps, export figures, reproduce papers, serve.

``workbench list`` · ``workbench sweep STUDY --grid knob=a:b:n ...`` · ``workbench search STUDY --objectives m:max ...``
· ``workbench export STUDY --x M --y M OUT`` ·
``workbench export VIEW OUT [--set knob=value]`` · ``workbench reproduce [THEME]`` · ``workbench explain CLAIM|STUDY`` ·
``workbench regenerate [THEME]``
· ``workbench store check`` · ``workbench serve`` · ``workbench lab``. Together with the notebooks this is the only
place that assembles core, themes, viz and ui.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

from workbench.core.paths import PROJECT_ROOT, reference_dir
from workbench.serve_kernels import GRACE_S, MAX_KERNELS, serve_options

NOTEBOOKS = PROJECT_ROOT / "notebooks"
#: Jupyter data folder holding the Voila template of ``workbench serve``.
VOILA_TEMPLATES = PROJECT_ROOT / "share" / "jupyter"


class UsageError(Exception):
    """A command line argparse rejects; :func:`main` prints it as one line instead of the usage block."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def _parse_set(study, assignments: list[str]) -> dict:
    params = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        if not sep:
            raise ValueError(f"--set {text!r} must look like knob=value")
        params[name.strip()] = study.knob(name.strip()).parse(value.strip())
    return params


def cmd_list(args: argparse.Namespace) -> int:
    from workbench.core.manifest import list_manifests
    from workbench.core.registry import get_study, get_view, list_studies, list_views

    if args.assumed:
        from workbench.explain.assumptions import describe_assumptions

        print(describe_assumptions(args.assumed))
        return 0
    names, views = list_studies(args.pattern, theme=args.theme), list_views(args.pattern, theme=args.theme)
    if not names and not views:
        print("no studies or views match")
        return 0
    themes = {m.theme: m for m in list_manifests()}
    width = max(len(n) for n in names + views)
    for theme in sorted({get_study(n).theme for n in names} | {get_view(n).theme for n in views}):
        manifest = themes.get(theme)
        heading = f"{manifest.title} (arXiv {', '.join(manifest.papers)}; notebooks/{manifest.notebook})" \
            if manifest else theme
        print(f"== {heading}")
        for name in (n for n in names if get_study(n).theme == theme):
            study = get_study(name)
            print(f"{name:<{width}}  study {study.cost:<11} knobs: {', '.join(study.knob_names)}")
            print(f"{'':<{width}}  {'':<17} metrics: {', '.join(m.title for m in study.metrics)}")
        for name in (n for n in views if get_view(n).theme == theme):
            view = get_view(name)
            knobs = f"; knobs: {', '.join(view.knob_names)}" if view.knobs else ""
            print(f"{name:<{width}}  view  {view.title}{knobs}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from workbench.core.registry import get_study, list_studies
    from workbench.explain.landing import describe_claim
    from workbench.explain.sensitivity import describe_sensitivity

    if args.name in list_studies():
        if not args.metric:
            metrics = get_study(args.name).metric_names
            raise ValueError(f"explaining study {args.name} needs --metric (one of {metrics})")
        print(describe_sensitivity(get_study(args.name), args.metric, trajectories=args.morris))
    else:
        print(describe_claim(args.name, top=args.top))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from workbench.core.registry import get_study
    from workbench.core.store import ResultStore
    from workbench.core.sweep import (
        SweepReport,
        grid_points,
        parse_count,
        parse_grid,
        random_points,
        run_sweep,
        sobol_points,
    )

    study = get_study(args.study)
    base = _parse_set(study, args.set)
    if args.random is not None:
        points = random_points(study, parse_count(args.random, "--random"), seed=args.seed, knobs=args.knobs,
                               base=base)
    elif args.sobol is not None:
        points = sobol_points(study, parse_count(args.sobol, "--sobol"), seed=args.seed, knobs=args.knobs, base=base)
    else:
        grid = dict(parse_grid(study, spec) for spec in args.grid)
        points = grid_points(study, grid, base=base)
    store = ResultStore(args.store) if args.store else ResultStore()
    report = SweepReport(total=len(points))
    try:
        frame = run_sweep(study, points, store=store, executor=args.executor, report=report,
                          remeasure=args.remeasure)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished points are in {store.path}; run the same command again to resume",
              file=sys.stderr)
        return 130
    print(f"{study.name}: {report.total} points, {report.cached} already stored, {report.computed} computed, "
          f"{len(report.failed)} failed -> {store.path}")
    for key, message in list(report.failed.items())[:5]:
        print(f"  failed {key[:12]}: {message}", file=sys.stderr)
    if args.show and not frame.empty:
        print(frame[study.knob_names + study.metric_names].to_string(index=False))
    if args.write_seed:
        if report.failed or report.cancelled:
            print("not writing seed results: the sweep did not finish every point", file=sys.stderr)
            return 1
        print(f"seed results: {_write_seed(study, frame)}")
    return 1 if report.failed else 0


def cmd_search(args: argparse.Namespace) -> int:
    from workbench.core.registry import get_study
    from workbench.core.search import SearchReport, check_budget, parse_objectives, run_search
    from workbench.core.store import ResultStore

    args.trials, args.batch = check_budget("trials", args.trials), check_budget("batch", args.batch)
    study = get_study(args.study)
    objectives = parse_objectives(study, args.objectives)
    base = _parse_set(study, args.set)
    store = ResultStore(args.store) if args.store else ResultStore()
    report = SearchReport(trials=args.trials)
    from tqdm.auto import tqdm

    with tqdm(total=args.trials, desc=f"search {study.name}", disable=None) as bar:
        def advance(done: int, total: int) -> None:
            bar.update(done - bar.n)

        try:
            frame = run_search(study, objectives, args.trials, sampler=args.sampler, seed=args.seed, knobs=args.knobs,
                               base=base, store=store, executor=args.executor, batch=args.batch, on_trial=advance,
                               report=report)
        except KeyboardInterrupt:
            print(f"\ninterrupted: finished points are in {store.path}; run the same command again to resume",
                  file=sys.stderr)
            return 130
    front = frame[frame["pareto"]] if len(frame) else frame
    print(f"{study.name}: {args.trials} trials ({report.resumed} from the store, {report.evaluated} evaluated, "
          f"{report.infeasible} infeasible, {len(report.failed)} failed), {len(front)} on the Pareto front of "
          f"{', '.join(f'{k}:{v}' for k, v in objectives.items())} -> {store.path}")
    if len(front):
        print(front[study.knob_names + list(objectives)].sort_values(next(iter(objectives))).to_string(index=False))
    return 1 if report.failed else 0


def _write_seed(study, frame) -> Path:
    """Write the swept points as ``data/reference/seeds/<study>.parquet`` with a JSON provenance sidecar."""
    import json

    from workbench.core.files import atomic_write, content_sha256
    from workbench.core.provenance import provenance
    from workbench.core.timings import RUNS, SPREAD

    target = reference_dir() / "seeds" / f"{study.name}.parquet"
    summaries = {RUNS} | {m.name + SPREAD for m in study.metrics if m.measured}
    columns = study.knob_names + [c for c in frame.columns if c not in study.knob_names and c not in summaries and
                                  c not in ("key", "version", "elapsed_s", "seeded", "created_at")]
    atomic_write(target, frame[columns].to_parquet(index=False))
    record = provenance(shlex.join(["workbench", *sys.argv[1:]]))
    record.update(study=study.name, study_version=study.version, points=len(frame), sha256=content_sha256(target))
    atomic_write(target.with_suffix(".json"), json.dumps(record, indent=2) + "\n")
    return target


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.core.registry import list_views

    if args.name in list_views():
        given = [flag for flag, value in (("--x", args.x), ("--y", args.y), ("--color", args.color),
                                          ("--no-reference", not args.reference)) if value]
        if given:
            raise ValueError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} not allowed for the view "
                             f"{args.name!r}; allowed for a view: --set KNOB=VALUE, --format, --style, --columns, "
                             "--store (--x/--y/--color/--no-reference are for a study's tradeoff figure)")
        return _export_view(args)
    return _export_study(args)


def _export_view(args: argparse.Namespace) -> int:
    from workbench.core.registry import get_view
    from workbench.core.store import ResultStore
    from workbench.viz.export import export

    view = get_view(args.name)
    params = view.validate(_parse_set(view, args.set))
    store = ResultStore(args.store) if args.store else None
    chart, frame = view.render(params, store=store)
    written = export(chart, args.out, formats=_formats(args), data=frame, params=params, view=view,
                     style=args.style, columns=args.columns, command=shlex.join(["workbench", *sys.argv[1:]]))
    for path in written.values():
        print(path)
    return 0


def _formats(args: argparse.Namespace) -> list[str]:
    return [f.strip() for f in args.format.split(",") if f.strip()]


def _export_study(args: argparse.Namespace) -> int:
    from workbench.core.registry import get_study
    from workbench.core.store import ResultStore
    from workbench.viz.charts import tradeoff
    from workbench.viz.export import export

    study = get_study(args.name)
    if args.x is None or args.y is None:
        raise ValueError(f"exporting study {study.name} needs --x and --y (metrics or knobs: "
                         f"{study.metric_names + study.knob_names})")
    if args.set:
        raise ValueError("--set applies to views; a study's figure plots every stored point")
    store = ResultStore(args.store) if args.store else ResultStore()
    store.ensure_seeded(study)
    frame = store.frame(study)
    if frame.empty:
        print(f"no stored points for {study.name} in {store.path}: run `workbench sweep {study.name} ...` first",
              file=sys.stderr)
        return 2
    for name in (args.x, args.y):
        if name not in frame.columns:
            raise ValueError(f"{name!r} is neither a knob nor a metric of {study.name}; "
                             f"metrics: {study.metric_names}, knobs: {study.knob_names}")
    chart = tradeoff(frame, study, x=args.x, y=args.y, color=args.color, reference=args.reference)
    written = export(chart, args.out, formats=_formats(args), data=frame, study=study, style=args.style,
                     columns=args.columns, command=shlex.join(["workbench", *sys.argv[1:]]))
    for path in written.values():
        print(path)
    return 0


def cmd_store_check(args: argparse.Namespace) -> int:
    """List every problem of a result store (skipped files and rows, conflicting points); exit 1 if there is one."""
    from workbench.core.registry import get_study, list_studies
    from workbench.core.store import ResultStore

    store = ResultStore(args.store) if args.store else ResultStore()
    problems = store.check({name: get_study(name) for name in list_studies()})
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s) in {store.path}" if problems else f"no problems in {store.path}")
    return 1 if problems else 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    import time
    from dataclasses import replace

    from workbench.core.reproduce import all_rows, format_table, run_themes, summary, write_report
    from workbench.explain.landing import land_rows

    started = time.perf_counter()
    runs = [replace(run, rows=land_rows(run.theme, run.rows))
            for run in run_themes(args.theme, quick=args.quick, progress=True)]
    rows = all_rows(runs)
    print(format_table(rows))
    line = summary(rows, time.perf_counter() - started)
    if args.quick and not args.out:
        print(f"\n{line}; a quick run is not written to the committed report (pass --out to keep it)")
        return 0
    out = Path(args.out) if args.out else reference_dir() / "reproduction.md"
    write_report(runs, out, command=shlex.join(["workbench", *sys.argv[1:]]))
    print(f"\n{line}; written to {out}")
    return 0


#: Data that no one theme owns: name -> its regenerator, referenced as a manifest references a theme's (the first
#: paragraph of its docstring is what ``workbench regenerate`` lists).
SHARED_REGENERATORS = {
    "seed-spread": "workbench.core.seed_spread:regenerate",
    "adc-survey": "workbench.hardware.adc_survey:regenerate",
    "components": "workbench.hardware.validate:regenerate",
    "reference-tables": "workbench.core.manifest:record_reference_tables",
}


def cmd_regenerate(args: argparse.Namespace) -> int:
    import inspect

    from workbench.core.manifest import get_manifest, list_manifests, resolve

    regenerating = [m for m in list_manifests() if m.regenerate is not None]
    if args.theme is None:
        listed = {**{m.theme: m.regenerate for m in regenerating}, **SHARED_REGENERATORS}
        width = max(map(len, listed))
        for name, ref in listed.items():
            what = inspect.getdoc(resolve(ref)).split("\n\n")[0].replace("``", "")
            print(f"{name:<{width}}  {' '.join(what.split())}")
        return 0
    if args.theme in SHARED_REGENERATORS:
        paths = resolve(SHARED_REGENERATORS[args.theme])()
    else:
        manifest = get_manifest(args.theme)
        if manifest.regenerate is None:
            raise ValueError(f"theme {manifest.theme!r} has no regenerator; themes with one: "
                             f"{', '.join(m.theme for m in regenerating)}; shared data: "
                             f"{', '.join(SHARED_REGENERATORS)}")
        paths = resolve(manifest.regenerate)()
    for path in paths:
        print(path)
    return 0


def _exec(argv: list[str]) -> int:
    print("+", shlex.join(argv), flush=True)
    os.execvp(argv[0], argv)
    return 0  # pragma: no cover (execvp does not return)


def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


SERVE_POOL_SIZE = 2
"""Preheated kernels per dashboard under `workbench serve`: one for the next page and a spare, so a page reopened
while the first refill still runs its notebook takes the finished spare instead of waiting (issue 28)."""

SERVE_REFILL_QUIET_S = 15.0
"""Seconds without a page opening (on any dashboard) before the pool starts a replacement for a kernel a page took
(:class:`workbench.kernel_pool.ReadyFirstKernelManager`; Voila's own refill starts 1 s after each hand-out). A
replacement runs its whole notebook; started while pages open it competes for the cores with them (their widgets,
their first knob changes, a page reopened a few seconds later, the next dashboard opened). With two kernels per
dashboard a reopen within that time takes the spare, which is ready; a page that would wait for a replacement not yet
started starts it at once. Measured by ``benchmarks/bench_ui.py --reopen``."""


def voila_serve_options(environ: dict[str, str] | None = None, *, pool_size: int = SERVE_POOL_SIZE,
                        refill_quiet_s: float = SERVE_REFILL_QUIET_S, cull_idle_s: int = 600,
                        **budgets: Any) -> tuple[list[str], dict[str, str]]:
    """Voila arguments and environment of ``workbench serve``.

    * the ``workbench`` template (``share/jupyter/voila/templates/workbench``, found through ``JUPYTER_PATH``): the
      root page lands on ``00_overview.ipynb``, every asset is served locally, and a page shuts its kernel down when
      it is closed or reloaded;
    * ``pool_size`` preheated kernels per notebook (Voila's ``--preheat_kernel``): each runs its notebook before a
      page asks for it, so a page opens on a finished dashboard; 0 starts a kernel per page instead. A page takes the
      pooled kernel furthest along, a finished one first (:class:`workbench.kernel_pool.ReadyFirstKernelManager`;
      Voila's own pool hands out the oldest, still executing or not), and the pool refills once no page has opened
      for ``refill_quiet_s`` (:data:`SERVE_REFILL_QUIET_S`; Voila refills one second after each page, so the refill
      competed with the pages opening). Every
      pooled kernel holds its dashboard in memory (~0.5 GB each for the training themes);
    * kernels idle for ``cull_idle_s`` seconds with no page connected are shut down (a backstop for pages that
      could not say goodbye: a crashed browser, a lost network); pooled kernels are kept;
    * the kernel budgets ``budgets`` (:func:`workbench.serve_kernels.serve_options`: an abandoned page's kernel ends
      after a grace, a new kernel past a count or memory budget is refused), through
      :class:`workbench.serve_kernel_manager.BoundedKernelManager`, itself a
      :class:`~workbench.kernel_pool.ReadyFirstKernelManager`.

    Returns the extra command-line arguments and a copy of ``environ`` (default ``os.environ``) with the template
    folder first on ``JUPYTER_PATH``.

    Raises
    ------
    ValueError
        For a negative ``pool_size`` or ``refill_quiet_s``, or a ``cull_idle_s`` below 1.
    """
    if pool_size < 0:
        raise ValueError(f"pool_size={pool_size!r} is not allowed; allowed: 0 (no preheating) or more")
    if not refill_quiet_s >= 0:
        raise ValueError(f"refill_quiet_s={refill_quiet_s!r} is not allowed; allowed: 0 s or more")
    if cull_idle_s < 1:
        raise ValueError(f"cull_idle_s={cull_idle_s!r} is not allowed; allowed: 1 s or more")
    env = dict(os.environ if environ is None else environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(VOILA_TEMPLATES), env.get("JUPYTER_PATH", "")]))
    args = ["--template=workbench"]
    if pool_size:
        args += ["--preheat_kernel=True", f"--pool_size={pool_size}",
                 "--VoilaKernelManager.fill_delay=0", f"--ReadyFirstKernelManager.refill_quiet_s={refill_quiet_s:g}"]
    args += [f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
             f"--MappingKernelManager.cull_interval={min(60, cull_idle_s)}", *serve_options(**budgets)]
    return args, env


def check_address(ip: str, port: int) -> None:
    """Raise ``ValueError`` (one line naming ``--ip``/``--port`` and what is allowed) unless a server can listen on
    ``ip:port``: the port must be 1-65535 (a larger one would wrap modulo 65536) and the address bindable here.

    The probe binds with ``SO_REUSEADDR``, as Tornado does, so a port that is merely in ``TIME_WAIT`` passes.
    """
    import socket

    if not 1 <= port <= 65535:
        raise ValueError(f"--port {port} is not allowed; allowed: 1 to 65535")
    host = None if ip in ("", "*") else ip
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise ValueError(f"cannot listen on --ip {ip} --port {port} ({error.strerror or error}); allowed: an "
                         "address of this machine (127.0.0.1, 0.0.0.0 for every interface) and a free port") from None


def cmd_serve(args: argparse.Namespace) -> int:
    check_address(args.ip, args.port)
    extra_args, env = voila_serve_options(pool_size=args.pool_size, cull_idle_s=args.cull_idle,
                                          grace_s=args.kernel_grace, max_kernels=args.max_kernels,
                                          max_memory_gb=args.max_kernel_memory)
    os.environ.update(env)
    print(f"dashboards: http://{args.ip}:{args.port}/ (the overview; every dashboard is linked from it)", flush=True)
    return _exec([
        _tool("voila"), str(NOTEBOOKS), "--no-browser", f"--port={args.port}", f"--Voila.ip={args.ip}", *extra_args,
    ])


def cmd_lab(args: argparse.Namespace) -> int:
    check_address(args.ip, args.port)
    return _exec([_tool("jupyter"), "lab", f"--notebook-dir={NOTEBOOKS}", f"--ServerApp.ip={args.ip}",
                  f"--ServerApp.port={args.port}", *(["--no-browser"] if args.no_browser else []),
                  *(["--allow-root"] if args.allow_root else [])])


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("list", help="print the themes with their studies and views")
    p.add_argument("pattern", nargs="?", default="*", help="glob over study and view names, e.g. 'tim.*'")
    p.add_argument("--theme")
    p.add_argument("--assumed", metavar="THEME", help="print the theme's assumed parameters with their plausible "
                                                       "ranges and reasons instead")
    p.set_defaults(func=cmd_list)

    p = commands.add_parser("sweep", help="evaluate a grid / random / Sobol set of points; resumable")
    p.add_argument("study")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--grid", action="append", default=[], metavar="KNOB=A:B:N|V1,V2",
                      help="values of one knob (repeat for a Cartesian product)")
    kind.add_argument("--random", metavar="N", help="N uniformly random points instead of a grid")
    kind.add_argument("--sobol", metavar="N", help="N scrambled Sobol points instead of a grid")
    p.add_argument("--knobs", nargs="+", help="knobs varied by --random/--sobol (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE", help="fix a knob (default: its default)")
    p.add_argument("--executor", default="serial", help="serial | processes[:N] | dask[:ADDRESS]")
    p.add_argument("--store", help="result store folder (default data/results/store)")
    p.add_argument("--show", action="store_true", help="print the swept points")
    p.add_argument("--remeasure", action="store_true",
                   help="evaluate stored points again: adds a timing record per run (machine, load, executor); a "
                        "model result that differs from the stored one is reported as a conflict")
    p.add_argument("--write-seed", action="store_true",
                   help="also write the points as data/reference/seeds/STUDY.parquet (+ .json provenance), the seed "
                        "results a fresh dashboard opens on")
    p.set_defaults(func=cmd_sweep)

    p = commands.add_parser("search", help="multi-objective search (Optuna NSGA-II / TPE) through the same executors "
                                           "and store as a sweep; resumable")
    p.add_argument("study")
    p.add_argument("--objectives", nargs="+", required=True, metavar="METRIC:min|max",
                   help="e.g. accuracy:max energy_per_inference_nj:min (a bare metric takes its declared direction)")
    p.add_argument("--trials", default="64", help="total trial budget, stored points included (1 to 100,000)")
    p.add_argument("--sampler", default="nsga2", choices=["nsga2", "tpe"])
    p.add_argument("--batch", default="8", help="points proposed and evaluated per round (1 to 100,000)")
    p.add_argument("--knobs", nargs="+", help="knobs searched (default: all)")
    p.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE", help="fix a knob")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--executor", default="serial", help="serial | processes[:N] | dask[:ADDRESS]")
    p.add_argument("--store", help="result store (default data/results/)")
    p.set_defaults(func=cmd_search)

    p = commands.add_parser("export", help="write a view, or a study's tradeoff figure of its stored points "
                                           "(SVG/PNG/PDF + CSV + JSON)")
    p.add_argument("name", help="a view (see `workbench list`) or a study")
    p.add_argument("out", help="output stem, e.g. figures/fig3")
    p.add_argument("--x", help="study: column on the x axis")
    p.add_argument("--y", help="study: column on the y axis")
    p.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE",
                   help="view: set a knob (default: its default)")
    p.add_argument("--color")
    p.add_argument("--format", default="svg,png,pdf")
    p.add_argument("--style", default="paper", choices=["paper", "screen"], help="figure style")
    p.add_argument("--columns", type=int, default=1, choices=[1, 2])
    p.add_argument("--reference", action=argparse.BooleanOptionalAction, default=True,
                   help="study: overlay the paper's reference points, as the dashboard does (--no-reference: leave "
                        "them out)")
    p.add_argument("--store")
    p.set_defaults(func=cmd_export)

    p = commands.add_parser("store", help="look after a result store: `store check` lists every file and row a read "
                                          "skips and every point stored with disagreeing results")
    p.add_argument("action", choices=["check"])
    p.add_argument("--store", help="result store folder (default data/results/store)")
    p.set_defaults(func=cmd_store_check)

    p = commands.add_parser("reproduce", help="recompute the papers' headline numbers, paper vs workbench")
    p.add_argument("theme", nargs="?")
    p.add_argument("--quick", action="store_true", help="smallest scale (seconds)")
    p.add_argument("--out", help="Markdown report path (default data/reference/reproduction.md; only the themes "
                                 "run are rewritten there)")
    p.set_defaults(func=cmd_reproduce)

    p = commands.add_parser("explain", help="for a claim's rows: the value of each top assumed parameter that would "
                                            "reach the paper's number, inside or outside its plausible range; for a "
                                            "study and --metric: which assumed parameters move it")
    p.add_argument("name", help="a claim id of data/reference/claims.csv (e.g. M1), or a study (e.g. tim.arch)")
    p.add_argument("--top", type=int, default=3, help="claim: assumed parameters per row, largest swing first")
    p.add_argument("--metric", help="study: the metric explained")
    p.add_argument("--morris", type=int, default=0, metavar="N",
                   help="study: also Morris indices over N trajectories")
    p.set_defaults(func=cmd_explain)

    p = commands.add_parser("regenerate", help="recompute a theme's expensive shipped or cached data (trained "
                                               "weights, Monte Carlo tables, tuned presets); minutes to hours")
    p.add_argument("theme", nargs="?", help="the theme, or shared data (seed-spread, adc-survey, components, "
                                            "reference-tables); "
                                            "default: list what can be regenerated")
    p.set_defaults(func=cmd_regenerate)

    for name, default_port, helptext in (("serve", 8866, "serve the dashboards with Voila"),
                                          ("lab", 8888, "open the notebooks in JupyterLab")):
        p = commands.add_parser(name, help=helptext)
        p.add_argument("--port", type=int, default=default_port)
        p.add_argument("--ip", default="127.0.0.1")
        if name == "serve":
            p.add_argument("--pool-size", type=int, default=SERVE_POOL_SIZE, metavar="N",
                           help=f"preheated kernels per dashboard, each ~0.5 GB (default {SERVE_POOL_SIZE}: a page "
                                "and a spare for a reopened one; 0: start one per page)")
            p.add_argument("--cull-idle", type=int, default=600, metavar="SECONDS",
                           help="shut down kernels that no page has used for this long (default 600)")
            p.add_argument("--kernel-grace", type=float, default=GRACE_S, metavar="SECONDS",
                           help=f"shut a kernel down this long after its page went away, e.g. a killed browser "
                                f"(default {GRACE_S})")
            p.add_argument("--max-kernels", type=int, default=MAX_KERNELS, metavar="N",
                           help=f"refuse a new kernel (a page says why) while N run (default {MAX_KERNELS})")
            p.add_argument("--max-kernel-memory", type=float, default=None, metavar="GB",
                           help="refuse a new kernel while the kernels use this much memory (default: half the "
                                "machine's)")
        if name == "lab":
            p.add_argument("--no-browser", action="store_true")
            p.add_argument("--allow-root", action=argparse.BooleanOptionalAction, default=os.geteuid() == 0,
                           help="let JupyterLab run as root, e.g. in a container (default: on when run as root)")
        p.set_defaults(func=cmd_serve if name == "serve" else cmd_lab)
    return parser


def _warning_line(command: str):
    """A ``warnings.showwarning`` that prints a warning as one line on stderr (no source line)."""
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"workbench {command}: warning: {' '.join(str(message).split())}", file=sys.stderr)

    return show


def main(argv: list[str] | None = None) -> int:
    """Run one command; every error a user can cause is one line on stderr and a nonzero exit (2), no traceback."""
    from workbench.core.executors import ExecutorError
    from workbench.core.store import StoreError

    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line(args.command)
            return args.func(args)
    except (ValueError, KeyError, StoreError, ExecutorError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
    except OSError as error:  # a path given on the command line: missing folder, no permission, full disk
        message = f"{error.strerror or error}: {error.filename}" if error.filename else error
    print(f"workbench {args.command}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
