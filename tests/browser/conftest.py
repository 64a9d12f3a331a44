"""The headless Chromium the browser tests drive (one per test module)."""

import pytest

from workbench.testing.dashboards import launch_chromium


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
