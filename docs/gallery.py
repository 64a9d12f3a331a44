"""Screenshots of every dashboard as `workbench serve` shows it, at two window widths, for the README's gallery.

    .venv/bin/python docs/gallery.py            # writes docs/gallery/<notebook>_<width>.png (1400 and 1000 px)

Each notebook under ``notebooks/`` is rendered by Voila (the ``workbench serve`` template) in headless Chromium; the
script waits until every dashboard of the page has drawn its chart, scrolls the first dashboard to the top and saves
the window (``--height`` px tall). PNGs are reduced to a 256-colour palette to keep them small. A dashboard that reads
badly at a width (a label cut off, a legend past the window edge; see
``workbench.testing.dashboards.layout_problems``) is reported. The sections of :data:`SECTIONS` further down a page
are also saved on their own, at the widest width, as ``docs/gallery/<view>.png``. Regenerate after a dashboard
changes; the pictures are never edited by hand.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from workbench.cli import voila_serve_options
from workbench.core.registry import get_view
from workbench.testing.dashboards import (
    DASHBOARD_SELECTOR,
    dashboards_in,
    launch_chromium,
    layout_problems,
    views_on,
    voila_server,
    wait_for_dashboards,
)

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_MS = 600_000
SECTIONS = ("crossbar.cost_tornado", "crossbar.cost_band", "crossbar.layer_cost", "mram.cim_tornado", "mram.cim_band",
            "pad.flops_tornado", "pad.flops_band", "sparce.core_tornado", "sparce.core_band")
"""Views saved on their own besides each page's first window: which assumed values move a result (tornado), which
design differences survive them (band), and crossbar's per-layer cost, which warns when the arrays draw more read
current than their wires carry."""

SECTION_CLIP_JS = """e => {
  const box = e.getBoundingClientRect();
  const body = Array.from(e.children).find((child) => child.querySelector('.wb-chart'));
  return {x: box.left, y: box.top, width: box.width, height: body.getBoundingClientRect().bottom - box.top + 2};
}"""
"""A section's title, knobs and chart, without its export bar and status line (the export path names this machine's
folders)."""


def shrink(path: Path) -> None:
    """Rewrite a screenshot with a 256-colour palette (a third of the size; screenshots have few colours)."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery")
    parser.add_argument("--widths", type=int, nargs="+", default=[1400, 1000])
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("notebooks", nargs="*", help="notebook stems (default: every notebook)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    notebooks = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                 if not args.notebooks or p.stem in args.notebooks]
    extra_args, env = voila_serve_options(pool_size=0)
    with voila_server(ROOT / "notebooks", extra_args=tuple(extra_args), env=env) as url, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for notebook in notebooks:
            page = browser.new_page(viewport={"width": max(args.widths), "height": args.height})
            page.goto(f"{url}/voila/render/{notebook.name}", timeout=TIMEOUT_MS)
            page.wait_for_selector(".jp-OutputArea-output", timeout=TIMEOUT_MS)
            wait_for_dashboards(page, dashboards_in(notebook), TIMEOUT_MS)
            for width in args.widths:
                page.set_viewport_size({"width": width, "height": args.height})
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                first = page.locator(DASHBOARD_SELECTOR).first
                if first.count():
                    first.evaluate("e => e.scrollIntoView({block: 'start'})")
                problems = {kind: found for kind, found in layout_problems(page).items() if found}
                target = args.out / f"{notebook.stem}_{width}.png"
                page.screenshot(path=str(target))
                shrink(target)
                print(target, f"{target.stat().st_size // 1024} KiB", problems or "")
            page.set_viewport_size({"width": max(args.widths), "height": args.height})
            for name in sorted(views_on(notebook) & set(SECTIONS)):
                section = page.locator(".wb-view", has=page.locator("h3", has_text=get_view(name).title)).first
                section.evaluate("e => e.scrollIntoView({block: 'start'})")
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target), clip=section.evaluate(SECTION_CLIP_JS))
                shrink(target)
                print(target, f"{target.stat().st_size // 1024} KiB")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
