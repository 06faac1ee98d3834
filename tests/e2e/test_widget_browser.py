"""The website chat widget in headless Chromium, against a fake Rasa REST channel.

The demo page is served by ``bot.web.site.blueprint`` on a free 127.0.0.1 port and the fake Rasa
(``fake_rasa.py``) on another; every browser test runs at 360x740 (phone) and 1280x800 (desktop).
Needs Debian's ``/usr/bin/chromium`` (the ``browser`` fixture in ``conftest.py``).
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_rasa import WEBHOOK, Server, create_app, rest_output, site_app, utterances  # noqa: E402

WIDGET_DIR = Path(__file__).resolve().parents[2] / "bot" / "web" / "static" / "widget"
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
LAUNCHER = "Ask a question about TOH"
CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
CORS = {"Access-Control-Allow-Origin": "*"}
CONNECT_ERROR = "Sorry, I can't connect right now. If this is urgent, call 911."

browser_test = pytest.mark.browser


# ---- servers and browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rasa() -> Iterator[Server]:
    with Server(create_app()) as server:
        yield server


@pytest.fixture(scope="module")
def site(rasa: Server) -> Iterator[Server]:
    with Server(site_app(rasa.url)) as server:
        yield server


@pytest.fixture(scope="module")
def site_without_csp(rasa: Server) -> Iterator[Server]:
    with Server(site_app(rasa.url, csp=False)) as server:
        yield server


@pytest.fixture(params=sorted(VIEWPORTS), ids=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@contextmanager
def open_page(browser: Any, url: str, viewport: str) -> Iterator[Any]:
    """A fresh browser context (empty storage) on ``url``; fails on any JavaScript error."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="en-US")
    context.set_default_timeout(5000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(url)
    assert "connect-src 'self' http://127.0.0.1:" in response.headers["content-security-policy"]
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture()
def page(browser: Any, site: Server, viewport: str) -> Iterator[Any]:
    with open_page(browser, site.url + "/", viewport) as page:
        yield page


@pytest.fixture()
def desktop_page(browser: Any, site: Server) -> Iterator[Any]:
    with open_page(browser, site.url + "/", "desktop") as page:
        yield page


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


# ---- helpers --------------------------------------------------------------------------------


def inbox(rasa: Server, sender: str) -> list[str]:
    messages = rasa.app.config["INBOX"]
    return [m["message"] for m in messages if m["sender"] == sender]


STORE_HISTORY = """h => {
    sessionStorage.setItem('toh-chat:history', JSON.stringify(h));
    sessionStorage.setItem('toh-chat:saved', String(Date.now()));
}"""


def sender_of(page: Any) -> str:
    return json.loads(page.evaluate("sessionStorage.getItem('toh-chat:sender')"))


def launcher(page: Any) -> Any:
    return page.get_by_role("button", name=LAUNCHER)


def chat_log(page: Any) -> Any:
    return page.get_by_role("log", name="Conversation")


def bot_messages(page: Any) -> Any:
    return page.locator(".toh-log .toh-bot:not(.toh-error)")


def open_by_keyboard(page: Any) -> None:
    """Tab from the top of the page to the launcher, press Enter, wait for the greeting."""
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('toh-launcher')"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your question")).to_be_focused()
    expect(bot_messages(page).first).to_contain_text("education, not medical advice")


def open_by_click(page: Any) -> None:
    launcher(page).click()
    expect(page.get_by_role("dialog", name="Questions about hip TOH")).to_be_visible()


ANIMATING = """document.getAnimations().some(
    a => a.playState === 'running' && a.effect.getComputedTiming().iterations !== Infinity)"""


def settle(page: Any) -> None:
    """Wait until no finite animation (the panel's entrance) runs."""
    for _ in range(40):
        if not page.evaluate(ANIMATING):
            return
        page.wait_for_timeout(50)
    pytest.fail("animations never ended")


def ask(page: Any, text: str) -> None:
    """Type a message and send it with Enter; wait until the reply is in."""
    count = page.locator(".toh-log .toh-msg").count()
    field = page.get_by_label("Your question")
    field.fill(text)
    field.press("Enter")
    expect(page.locator(".toh-log .toh-msg")).not_to_have_count(count)
    expect(page.locator(".toh-typing")).to_be_hidden()


# ---- tests ----------------------------------------------------------------------------------


def test_widget_source_never_writes_html() -> None:
    """No API that parses HTML or runs strings as code appears in the widget's code."""
    source = (WIDGET_DIR / "toh-chat.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "setTimeout('",
        'setTimeout("',
        "srcdoc",
        "DOMParser",
    ]:
        assert sink not in code, sink
    assert len(source.splitlines()) < 500


def test_site_serves_page_and_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask

    from bot.web.site import blueprint

    monkeypatch.setenv("RASA_PUBLIC_URL", "https://bot.example.org/")
    app = Flask("toh_site_unit")
    app.register_blueprint(blueprint, url_prefix="/")
    client = app.test_client()

    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'src="/widget/toh-chat.js" data-rasa-url="https://bot.example.org"' in html
    assert "Riverside Orthopedic Clinic" in html
    csp = page.headers["Content-Security-Policy"]
    assert "connect-src 'self' https://bot.example.org;" in csp
    assert "script-src 'self';" in csp

    script = client.get("/widget/toh-chat.js")
    assert script.status_code == 200
    assert script.mimetype in ("text/javascript", "application/javascript")
    assert client.get("/widget/toh-chat.css").mimetype == "text/css"
    assert client.get("/widget/../site.py").status_code == 404

    monkeypatch.delenv("RASA_PUBLIC_URL")
    assert 'data-rasa-url="http://localhost:5005"' in client.get("/").get_data(as_text=True)


def test_site_shows_the_configured_clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask

    from bot.config import get_settings
    from bot.web.site import blueprint

    monkeypatch.setenv("CLINIC_NAME", "Lakeside Bone Clinic")
    monkeypatch.setenv("CLINIC_PHONE", "(555) 777-1234")
    get_settings.cache_clear()
    try:
        app = Flask("toh_site_clinic")
        app.register_blueprint(blueprint, url_prefix="/")
        html = app.test_client().get("/").get_data(as_text=True)
    finally:
        get_settings.cache_clear()
    assert "Lakeside Bone Clinic<br>(555) 777-1234" in html
    assert "Riverside" not in html and "010-0199" not in html


def test_fake_matches_rasa_rest_output() -> None:
    """The fake's reply shapes are what Rasa 3.6's REST channel (CollectingOutputChannel) gives."""
    from rasa.core.channels import channel

    for message in ["/greet", "fever", "chest pain", "buttons", "xss", "how long", "other"]:
        collector = channel.CollectingOutputChannel()
        for sent in utterances(message):
            asyncio.run(collector.send_response("abc", dict(sent)))
        assert rest_output("abc", utterances(message)) == collector.messages, message


@browser_test
def test_keyboard_open_greeting_and_question(page: Any, rasa: Server) -> None:
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator(".toh-chat").get_attribute("lang") == "en"
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")

    open_by_keyboard(page)

    # (on a phone the full-screen panel hides the launcher; its state is still right)
    expect(page.locator(".toh-launcher")).to_have_attribute("aria-expanded", "true")
    log = chat_log(page)
    expect(log).to_have_attribute("aria-live", "polite")
    # The greeting's two parts (Rasa splits at blank lines) are one bubble, with its list.
    expect(bot_messages(page)).to_have_count(1)
    expect(bot_messages(page).first.locator("li")).to_have_count(3)
    expect(bot_messages(page).first.locator("strong")).to_have_text(
        "transient osteoporosis of the hip (TOH)"
    )
    sender = sender_of(page)
    assert re.fullmatch(r"web-[0-9a-f]{32}", sender)

    page.keyboard.type("How long does TOH last?")
    page.keyboard.press("Enter")
    expect(log.locator(".toh-user")).to_have_text("You said: How long does TOH last?")
    answer = bot_messages(page).nth(1)
    expect(answer).to_contain_text("How long it takes is different for each person")
    expect(answer.locator("strong")).to_have_text("months")
    expect(answer.locator("p")).to_have_count(2)
    expect(page.get_by_label("Your question")).to_have_value("")
    assert inbox(rasa, sender) == ["/greet", "How long does TOH last?"]

    ask(page, "Is TOH common?")  # the general answer: italic, list and a bare link
    general = bot_messages(page).last
    expect(general.locator("em")).to_have_text("for a while")
    link = general.get_by_role("link")
    expect(link).to_have_attribute("href", "https://www.example.org/toh")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_text("https://www.example.org/toh (opens in a new tab)")
    expect(general.locator("p").last.locator("br")).to_have_count(1)  # a single line break


@browser_test
def test_quick_reply_by_keyboard_sends_payload_shows_title(page: Any, rasa: Server) -> None:
    open_by_keyboard(page)
    ask(page, "show me buttons")
    group = page.get_by_role("group", name="Suggested replies")
    expect(group.get_by_role("button")).to_have_count(2)

    page.keyboard.press("Shift+Tab")
    expect(group.get_by_role("button", name="None of these")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(group.get_by_role("button", name="How long TOH lasts")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".toh-user").last).to_have_text("You said: How long TOH lasts")
    expect(bot_messages(page).last).to_contain_text("usually get better slowly")
    expect(page.get_by_role("group", name="Suggested replies")).to_have_count(0)
    expect(page.get_by_label("Your question")).to_be_focused()
    assert inbox(rasa, sender_of(page))[-1] == "/faq_duration"

    # A mouse click works the same way.
    ask(page, "buttons again")
    page.get_by_role("button", name="None of these").click()
    expect(page.locator(".toh-user").last).to_have_text("You said: None of these")
    expect(page.get_by_role("button", name="None of these")).to_have_count(0)
    assert inbox(rasa, sender_of(page))[-1] == "/none_of_these"


@browser_test
def test_history_survives_reload_and_start_over(page: Any, rasa: Server) -> None:
    open_by_click(page)
    expect(bot_messages(page)).to_have_count(1)
    ask(page, "How long does it last?")
    ask(page, "buttons")
    sender = sender_of(page)
    sent_before = len(inbox(rasa, sender))

    page.reload()
    expect(page.get_by_role("dialog")).to_be_hidden()
    open_by_click(page)
    log = chat_log(page)
    expect(log.locator(".toh-user")).to_have_text(
        ["You said: How long does it last?", "You said: buttons"]
    )
    expect(bot_messages(page)).to_have_count(3)
    expect(page.get_by_role("button", name="How long TOH lasts")).to_be_visible()  # unused
    assert sender_of(page) == sender
    assert len(inbox(rasa, sender)) == sent_before  # no second greeting

    page.get_by_role("button", name="Clear conversation").click()
    expect(log.locator(".toh-user")).to_have_count(0)
    expect(bot_messages(page)).to_have_count(1)
    expect(bot_messages(page).first).to_contain_text("education, not medical advice")
    new_sender = sender_of(page)
    assert new_sender != sender
    assert inbox(rasa, new_sender) == ["/greet"]
    expect(page.get_by_label("Your question")).to_be_focused()


@browser_test
def test_the_conversation_stays_in_its_tab_and_clearing_forgets_it(
    browser: Any, site: Server, rasa: Server
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="en-US")
    context.set_default_timeout(5000)
    try:
        page = context.new_page()
        page.goto(site.url + "/")
        open_by_click(page)
        ask(page, "How long does it last?")
        assert page.evaluate("localStorage.length") == 0  # nothing outlives the tab
        other = context.new_page()  # the next person, same browser profile
        other.goto(site.url + "/")
        open_by_click(other)
        expect(other.locator(".toh-user")).to_have_count(0)
        assert sender_of(other) != sender_of(page)
        page.get_by_role("button", name="Clear conversation").click()
        expect(page.locator(".toh-user")).to_have_count(0)
        # The new greeting is asked for after the clearing; the widget stores an answer in the
        # same task that shows it, so wait until it shows.
        expect(page.locator(".toh-bot")).to_have_count(1)
        stored = page.evaluate("JSON.parse(sessionStorage.getItem('toh-chat:history'))")
        assert [item["who"] for item in stored] == ["bot"]  # the new greeting only
    finally:
        context.close()


@browser_test
def test_an_idle_conversation_expires_and_old_local_copies_are_wiped(page: Any) -> None:
    page.evaluate("localStorage.setItem('toh-chat:history', JSON.stringify([{who: 'user', "
                  "text: 'an earlier patient'}]))")
    page.reload()  # an earlier widget version left the chat in localStorage
    assert page.evaluate("localStorage.getItem('toh-chat:history')") is None
    open_by_click(page)
    expect(page.locator(".toh-user")).to_have_count(0)
    ask(page, "How long does it last?")
    sender = sender_of(page)
    page.evaluate("sessionStorage.setItem('toh-chat:saved', String(Date.now() - 31 * 60 * 1000))")
    page.reload()
    open_by_click(page)
    expect(page.locator(".toh-user")).to_have_count(0)
    assert sender_of(page) != sender


@browser_test
def test_history_is_capped(page: Any) -> None:
    items = [{"who": "user" if i % 2 else "bot", "text": f"message {i}"} for i in range(150)]
    page.evaluate(STORE_HISTORY, items)
    page.reload()
    open_by_click(page)
    expect(page.locator(".toh-log .toh-msg")).to_have_count(100)
    expect(page.locator(".toh-log .toh-msg").first).to_contain_text("message 50")
    ask(page, "one more")
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('toh-chat:history')).length")
    assert stored == 100


@browser_test
def test_escalations_cannot_be_missed(page: Any) -> None:
    open_by_click(page)
    ask(page, "I have a fever and my hip hurts")
    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert.get_by_role("heading", name="Urgent: please read")).to_be_visible()
    expect(alert).to_contain_text("A fever with hip pain needs a check today.")
    expect(alert).to_contain_text("(555) 010-0199")  # both parts in the one alert
    expect(alert).to_have_attribute("data-tier", "urgent")
    assert alert.locator("svg").count() == 1
    border = alert.evaluate("e => getComputedStyle(e).borderLeftWidth")
    assert border == "10px"

    ask(page, "chest pain")
    expect(page.get_by_role("alert")).to_have_count(2)
    expect(page.get_by_role("alert").last).to_have_attribute("data-tier", "emergency")
    red = page.get_by_role("alert").last.evaluate("e => getComputedStyle(e).borderTopColor")
    assert red == "rgb(179, 38, 30)"

    ask(page, "unmarked")  # no custom marker: "Call 911 now" on the first line is enough
    expect(page.get_by_role("alert")).to_have_count(3)
    expect(page.get_by_role("alert").last).to_have_attribute("data-tier", "emergency")
    ask(page, "unmarked crisis")  # "call or text 988 now"
    expect(page.get_by_role("alert")).to_have_count(4)
    expect(page.get_by_role("alert").last).to_have_attribute("data-tier", "crisis")
    red = page.get_by_role("alert").last.evaluate("e => getComputedStyle(e).borderTopColor")
    assert red == "rgb(179, 38, 30)"

    ask(page, "out of scope")  # "In an emergency, call 911." as a footer is not an escalation
    expect(bot_messages(page).last).to_contain_text("I can only answer questions about TOH")
    expect(page.get_by_role("alert")).to_have_count(4)

    page.reload()  # escalations stay marked in the history
    open_by_click(page)
    expect(page.get_by_role("alert")).to_have_count(4)


@browser_test
def test_message_html_is_shown_as_text_and_never_runs(page: Any, site_without_csp: Server) -> None:
    # A page without a CSP, so that only the widget's own rendering protects it.
    response = page.goto(site_without_csp.url + "/")
    assert "content-security-policy" not in response.headers
    assert page.evaluate("typeof window.__xss") == "undefined"
    open_by_click(page)
    ask(page, "xss")
    bubble = bot_messages(page).last
    expect(bubble).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(bubble).to_contain_text("<script>window.__xss=2</script>")
    assert bubble.locator("img, script, iframe, [onerror]").count() == 0
    assert bubble.locator("a").count() == 0  # javascript: link shown as its label only
    expect(bubble).to_contain_text("click me")
    expect(bubble.locator("strong")).to_have_text("bold")
    page.get_by_text("click me").click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"

    # Typed HTML is shown as typed, too.
    ask(page, "<b>hi</b><img src=x onerror='window.__xss=4'>")
    expect(page.locator(".toh-user").last).to_contain_text("<b>hi</b><img src=x")
    assert page.locator(".toh-log img, .toh-log b").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


@browser_test
def test_network_failure_keeps_the_typed_text(page: Any, rasa: Server) -> None:
    open_by_click(page)
    page.route(rasa.url + WEBHOOK, lambda route: route.abort("connectionrefused"))
    field = page.get_by_label("Your question")
    field.fill("Can I drive?")
    field.press("Enter")
    error = page.get_by_role("alert")
    expect(error).to_have_text(CONNECT_ERROR)
    expect(field).to_have_value("Can I drive?")
    expect(page.locator(".toh-user")).to_have_count(0)

    page.unroute(rasa.url + WEBHOOK)
    field.press("Enter")
    expect(page.locator(".toh-user")).to_have_text(["You said: Can I drive?"])
    expect(bot_messages(page)).to_have_count(2)
    expect(page.get_by_role("alert")).to_have_count(0)
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('toh-chat:history'))")
    assert [item["who"] for item in stored] == ["bot", "user", "bot"]


@browser_test
def test_greeting_failure_and_empty_answer(page: Any, rasa: Server) -> None:
    page.route(
        rasa.url + WEBHOOK, lambda route: route.fulfill(status=500, body="oops", headers=CORS)
    )
    open_by_click(page)
    expect(page.get_by_role("alert")).to_have_text(CONNECT_ERROR)
    page.unroute(rasa.url + WEBHOOK)
    page.get_by_role("button", name="Close chat").click()
    open_by_click(page)  # opening again retries the greeting
    expect(bot_messages(page).first).to_contain_text("education, not medical advice")
    ask(page, "silent")
    expect(page.get_by_role("alert")).to_contain_text("no answer right now")


@browser_test
def test_escape_closes_returns_focus_and_focus_is_visible(page: Any, viewport: str) -> None:
    open_by_keyboard(page)
    dialog = page.get_by_role("dialog", name="Questions about hip TOH")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher(page)).to_be_focused()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    ring = launcher(page).evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
    )
    assert ring == ["solid", "3px"]

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Shift+Tab")  # input -> the log (scrollable, focusable)
    page.keyboard.press("Shift+Tab")  # -> close button
    close = page.get_by_role("button", name="Close chat")
    expect(close).to_be_focused()
    ring = close.evaluate("e => getComputedStyle(e).outlineStyle")
    assert ring == "solid"
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(launcher(page)).to_be_focused()

    # On a phone the full-screen panel is modal: Tab wraps inside it instead of going to the
    # page hidden behind it.
    page.keyboard.press("Enter")
    send = page.get_by_role("button", name="Send")
    send.focus()
    page.keyboard.press("Tab")
    if viewport == "phone":
        expect(dialog).to_have_attribute("aria-modal", "true")
        expect(page.get_by_role("button", name="Clear conversation")).to_be_focused()
        page.keyboard.press("Shift+Tab")
        expect(send).to_be_focused()
    else:
        assert dialog.get_attribute("aria-modal") is None
        expect(launcher(page)).to_be_focused()


@browser_test
def test_fits_the_screen(page: Any, viewport: str) -> None:
    open_by_click(page)
    ask(page, "I have a fever")
    settle(page)
    box = page.get_by_role("dialog").bounding_box()
    size = VIEWPORTS[viewport]
    if viewport == "phone":
        assert box == {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}
    else:
        assert box["width"] <= 400 and box["x"] + box["width"] <= size["width"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= size["width"]
    for control in ["Send", "Clear conversation", "Close chat"]:
        button = page.get_by_role("button", name=control).bounding_box()
        assert button["height"] >= 44 and button["x"] + button["width"] <= size["width"]


@browser_test
def test_reduced_motion_is_respected(page: Any) -> None:
    page.emulate_media(reduced_motion="reduce")
    open_by_click(page)
    panel = page.get_by_role("dialog")
    assert panel.evaluate("e => getComputedStyle(e).animationName") == "none"
    page.emulate_media(reduced_motion="no-preference")
    page.get_by_role("button", name="Close chat").click()
    open_by_click(page)
    assert panel.evaluate("e => getComputedStyle(e).animationName") == "toh-in"


@browser_test
def test_axe_finds_no_serious_violations(page: Any, rasa: Server) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    closed = axe.run(page).response["violations"]

    open_by_keyboard(page)
    ask(page, "How long does it last?")
    ask(page, "I have a fever")
    ask(page, "chest pain")
    ask(page, "buttons")
    page.route(rasa.url + WEBHOOK, lambda route: route.abort("connectionrefused"))
    page.get_by_label("Your question").fill("Can I drive?")
    page.get_by_label("Your question").press("Enter")
    expect(page.get_by_text(CONNECT_ERROR)).to_be_visible()
    opened = axe.run(page).response["violations"]

    report = [
        f"{state}: {v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for state, violations in (("closed", closed), ("open", opened))
        for v in violations
    ]
    print("\n".join(report) or "axe: no violations")
    serious = [line for line in report if "(serious)" in line or "(critical)" in line]
    assert not serious, "\n".join(serious)


@browser_test
def test_real_content_is_flagged_only_when_it_is_an_escalation(
    desktop_page: Any, rasa: Server
) -> None:
    """Every reviewed answer in content/, sent unmarked as Rasa would: only the emergency and
    crisis escalations become alerts (urgent ones need the bot's custom marker)."""
    page = desktop_page
    items = [yaml.safe_load(path.read_text()) for path in sorted(CONTENT_DIR.glob("*/*.yml"))]
    items = [item for item in items if isinstance(item, dict) and item.get("text")]
    if not items:
        pytest.skip("no content items")
    open_by_click(page)
    current: dict[str, str] = {}

    def answer(route: Any) -> None:
        body = json.dumps(rest_output("me", [{"text": current["text"]}]))
        route.fulfill(status=200, body=body, content_type="application/json", headers=CORS)

    page.route(rasa.url + WEBHOOK, answer)
    flagged = {}
    for item in items:
        current["text"] = item["text"]
        ask(page, f"show {item['id']}")
        last = page.locator(".toh-log .toh-msg").last
        flagged[item["id"]] = last.get_attribute("data-tier")
        page.get_by_role("button", name="Clear conversation").click()  # keep the page small
        expect(bot_messages(page)).to_have_count(1)
    expected = {
        item["id"]: item["tier"] if item.get("tier") in ("emergency", "crisis") else None
        for item in items
    }
    assert flagged == expected
