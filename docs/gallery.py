"""Screenshots of every dashboard as Voila serves it, for the README's gallery.

    .venv/bin/python docs/gallery.py            # writes docs/gallery/<notebook>.png

Each notebook under ``notebooks/`` is rendered by Voila in headless Chromium; the script waits for its charts, then
saves a full-page PNG. Regenerate after a dashboard changes; the pictures are never edited by hand.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from workbench.dashboards import CHART_SELECTOR, launch_chromium, voila_server

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery")
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    with voila_server(ROOT / "notebooks") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for notebook in notebooks:
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            page.goto(f"{url}/voila/render/{notebook.name}", timeout=300_000)
            if "Explorer(" in notebook.read_text() or "tradeoff(" in notebook.read_text():
                page.wait_for_selector(CHART_SELECTOR, timeout=300_000)
            else:
                page.wait_for_selector(".jp-OutputArea-output", timeout=300_000)
            page.wait_for_timeout(2000)  # let the remaining charts finish drawing
            target = args.out / f"{notebook.stem}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
