"""Debian's Chromium for the browser tests and the screenshot script (no browser download)."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("TOH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
