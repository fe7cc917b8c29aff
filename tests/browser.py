"""Launching Debian's Chromium for the browser tests.

Playwright drives the system browser at /usr/bin/chromium (installed by `make test` through
scripts/ensure-chromium.sh); no test ever downloads a browser of its own. The flags keep a
headless Chromium quiet on a machine without a network: no background requests, no updates, no
sync, no first-run pages, no GPU, and no sandbox when running as root.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright: Playwright) -> Browser:
    """Start headless Chromium under Playwright's control; the caller closes it."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} 不存在，请运行 scripts/ensure-chromium.sh / "
            f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does)"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
