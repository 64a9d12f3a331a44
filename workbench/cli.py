"""The ``workbench`` command: list themes, studies and views, run sweeps, export figures, reproduce papers, serve.

``workbench list`` · ``workbench sweep STUDY --grid knob=a:b:n ...`` · ``workbench export STUDY --x M --y M OUT`` ·
``workbench export VIEW OUT [--set knob=value]`` · ``workbench reproduce [THEME]`` · ``workbench serve`` ·
``workbench lab``. Together with the notebooks this is the only
place that assembles core, themes, viz and ui.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

from workbench.core.paths import PROJECT_ROOT, reference_dir

NOTEBOOKS = PROJECT_ROOT / "notebooks"
#: Jupyter data folder holding the Voila template of ``workbench serve``.
VOILA_TEMPLATES = PROJECT_ROOT / "share" / "jupyter"


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


def cmd_sweep(args: argparse.Namespace) -> int:
    from workbench.core.registry import get_study
    from workbench.core.store import ResultStore
    from workbench.core.sweep import SweepReport, grid_points, parse_grid, random_points, run_sweep, sobol_points

    study = get_study(args.study)
    base = _parse_set(study, args.set)
    if args.random:
        points = random_points(study, args.random, seed=args.seed, knobs=args.knobs, base=base)
    elif args.sobol:
        points = sobol_points(study, args.sobol, seed=args.seed, knobs=args.knobs, base=base)
    else:
        grid = dict(parse_grid(study, spec) for spec in args.grid)
        points = grid_points(study, grid, base=base)
    store = ResultStore(args.store) if args.store else ResultStore()
    report = SweepReport(total=len(points))
    try:
        frame = run_sweep(study, points, store=store, executor=args.executor, report=report)
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


def _write_seed(study, frame) -> Path:
    """Write the swept points as ``data/reference/seeds/<study>.parquet`` with a JSON provenance sidecar."""
    import json

    from workbench.core.files import atomic_write
    from workbench.core.provenance import provenance

    target = reference_dir() / "seeds" / f"{study.name}.parquet"
    columns = study.knob_names + [c for c in frame.columns if c not in study.knob_names and c not in
                                  ("key", "version", "elapsed_s", "seeded", "created_at")]
    atomic_write(target, frame[columns].to_parquet(index=False))
    record = provenance(shlex.join(["workbench", *sys.argv[1:]]))
    record.update(study=study.name, study_version=study.version, points=len(frame))
    atomic_write(target.with_suffix(".json"), json.dumps(record, indent=2) + "\n")
    return target


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.core.registry import list_views

    if args.name in list_views():
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
                     theme=args.theme, columns=args.columns, command=shlex.join(["workbench", *sys.argv[1:]]))
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
    written = export(chart, args.out, formats=_formats(args), data=frame, study=study, theme=args.theme,
                     columns=args.columns, command=shlex.join(["workbench", *sys.argv[1:]]))
    for path in written.values():
        print(path)
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    from workbench.core.reproduce import format_table, run_reproductions, write_report

    results = run_reproductions(args.theme, quick=args.quick)
    print(format_table(results))
    out = Path(args.out) if args.out else reference_dir() / "reproduction.md"
    write_report(results, out, command=shlex.join(["workbench", *sys.argv[1:]]))
    print(f"\nwritten to {out}")
    return 0


def _exec(argv: list[str]) -> int:
    print("+", shlex.join(argv), flush=True)
    os.execvp(argv[0], argv)
    return 0  # pragma: no cover (execvp does not return)


def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def voila_serve_options(environ: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """Voila arguments and environment of ``workbench serve``: the ``workbench`` template, whose root page lands on
    ``00_overview.ipynb`` (``share/jupyter/voila/templates/workbench``, found through ``JUPYTER_PATH``).

    Returns the extra command-line arguments and a copy of ``environ`` (default ``os.environ``) with the template
    folder first on ``JUPYTER_PATH``.
    """
    env = dict(os.environ if environ is None else environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(VOILA_TEMPLATES), env.get("JUPYTER_PATH", "")]))
    return ["--template=workbench"], env


def cmd_serve(args: argparse.Namespace) -> int:
    extra_args, env = voila_serve_options()
    os.environ.update(env)
    print(f"dashboards: http://{args.ip}:{args.port}/ (the overview; every dashboard is linked from it)", flush=True)
    return _exec([
        _tool("voila"), str(NOTEBOOKS), "--no-browser", f"--port={args.port}", f"--Voila.ip={args.ip}", *extra_args,
    ])


def cmd_lab(args: argparse.Namespace) -> int:
    return _exec([_tool("jupyter"), "lab", f"--notebook-dir={NOTEBOOKS}", f"--ServerApp.ip={args.ip}",
                  f"--ServerApp.port={args.port}", *(["--no-browser"] if args.no_browser else [])])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("list", help="print the themes with their studies and views")
    p.add_argument("pattern", nargs="?", default="*", help="glob over study and view names, e.g. 'tim.*'")
    p.add_argument("--theme")
    p.set_defaults(func=cmd_list)

    p = commands.add_parser("sweep", help="evaluate a grid / random / Sobol set of points; resumable")
    p.add_argument("study")
    p.add_argument("--grid", action="append", default=[], metavar="KNOB=A:B:N|V1,V2",
                   help="values of one knob (repeat for a Cartesian product)")
    p.add_argument("--random", type=int, metavar="N", help="N uniformly random points instead of a grid")
    p.add_argument("--sobol", type=int, metavar="N", help="N scrambled Sobol points instead of a grid")
    p.add_argument("--knobs", nargs="+", help="knobs varied by --random/--sobol (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE", help="fix a knob (default: its default)")
    p.add_argument("--executor", default="serial", help="serial | processes[:N] | dask[:ADDRESS]")
    p.add_argument("--store", help="result store file (default data/results/results.duckdb)")
    p.add_argument("--show", action="store_true", help="print the swept points")
    p.add_argument("--write-seed", action="store_true",
                   help="also write the points as data/reference/seeds/STUDY.parquet (+ .json provenance), the seed "
                        "results a fresh dashboard opens on")
    p.set_defaults(func=cmd_sweep)

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
    p.add_argument("--theme", default="paper", choices=["paper", "screen"])
    p.add_argument("--columns", type=int, default=1, choices=[1, 2])
    p.add_argument("--reference", action="store_true", help="study: overlay the paper's reference points")
    p.add_argument("--store")
    p.set_defaults(func=cmd_export)

    p = commands.add_parser("reproduce", help="recompute the papers' headline numbers, paper vs workbench")
    p.add_argument("theme", nargs="?")
    p.add_argument("--quick", action="store_true", help="smallest scale (seconds)")
    p.add_argument("--out", help="Markdown report path (default data/reference/reproduction.md)")
    p.set_defaults(func=cmd_reproduce)

    for name, default_port, helptext in (("serve", 8866, "serve the dashboards with Voila"),
                                          ("lab", 8888, "open the notebooks in JupyterLab")):
        p = commands.add_parser(name, help=helptext)
        p.add_argument("--port", type=int, default=default_port)
        p.add_argument("--ip", default="127.0.0.1")
        if name == "lab":
            p.add_argument("--no-browser", action="store_true")
        p.set_defaults(func=cmd_serve if name == "serve" else cmd_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    from workbench.core.store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, KeyError, StoreError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"workbench {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
