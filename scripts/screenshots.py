"""Screenshots of the web chat widget on the demo clinic page, for docs/.

Serves the demo page (bot.web.site) and the fake Rasa of the browser tests on free 127.0.0.1
ports, holds a short conversation with an escalation in headless Chromium (Debian's
/usr/bin/chromium; nothing is downloaded) and writes:

- docs/widget-phone.png: 360x740, the widget open (full screen) with the conversation;
- docs/widget-desktop.png: 1280x800, the page with the widget open.

Run from the repository root: python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from fake_rasa import Server, create_app, site_app  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

# name: (viewport, what the patient types); each conversation ends with an escalation.
SHOTS = {
    "widget-phone.png": (
        {"width": 360, "height": 740},
        ["How long does TOH last?", "I have chest pain"],
    ),
    "widget-desktop.png": (
        {"width": 1280, "height": 800},
        ["How long does TOH last?", "I have a fever and my hip hurts"],
    ),
}


def converse(page, site_url: str, conversation: list[str]) -> None:
    page.goto(site_url + "/")
    page.get_by_role("button", name="Ask a question about TOH").click()
    expect(page.locator(".toh-bot").first).to_contain_text("not medical advice")
    for text in conversation:
        count = page.locator(".toh-log .toh-msg").count()
        page.get_by_label("Your question").fill(text)
        page.get_by_label("Your question").press("Enter")
        expect(page.locator(".toh-log .toh-msg")).not_to_have_count(count)
        expect(page.locator(".toh-typing")).to_be_hidden()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Your question").fill("Can I drive?")
    page.wait_for_timeout(400)  # let the log's smooth scrolling settle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with Server(create_app()) as rasa, Server(site_app(rasa.url)) as site:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, (viewport, conversation) in SHOTS.items():
                context = browser.new_context(viewport=viewport, device_scale_factor=1)
                page = context.new_page()
                converse(page, site.url, conversation)
                page.screenshot(path=str(args.out / name))
                context.close()
                print(f"wrote {args.out / name}")
            browser.close()


if __name__ == "__main__":
    main()
