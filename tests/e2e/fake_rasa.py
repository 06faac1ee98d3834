"""A fake Rasa REST channel for the widget's browser tests and the screenshot script.

``POST /webhooks/rest/webhook`` with ``{"sender", "message"}`` answers deterministically, in the
exact shape Rasa 3.6's REST channel gives (``rasa.core.channels.channel.CollectingOutputChannel``):
a text without buttons is split at blank lines into several messages, a text with buttons is one
message, and a dispatcher's ``json_message`` comes as a separate ``{"custom": ...}`` message after
the text. Keys whose value is None are left out. Every response carries CORS headers, as Rasa
started with ``--cors "*"`` does.

What it answers:
- ``/greet``: the greeting, with the "education, not medical advice" notice;
- a message with ``fever``: an urgent escalation, marked
  ``custom: {kind: escalation, tier: urgent}``;
- ``chest pain``: an emergency escalation (marked, tier ``emergency``);
- ``unmarked`` / ``unmarked crisis``: the domain's fallback emergency / crisis text, unmarked;
- ``buttons``: a question with two quick-reply buttons;
- ``xss``: text with HTML, a script and a javascript: link;
- ``scope``: an out-of-scope answer whose footer mentions 911 (not an escalation);
- ``silent``: no message at all (what Rasa returns when an action fails);
- ``/faq_duration`` or ``how long``: the duration answer;
- anything else: a general answer with a list and a link.

``GET /_fake/inbox`` lists what was received (sender, message); ``POST /_fake/reset`` clears it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

GREETING = (
    "Hi! I can answer questions about **transient osteoporosis of the hip (TOH)**. "
    "I give education, not medical advice.\n\n"
    "You can ask things like:\n"
    "- What is TOH?\n"
    "- How long does it last?\n"
    "- When should I call the clinic?\n"
)
DURATION = (
    "TOH is temporary. The pain and the bone changes usually get better slowly, "
    "over a period of **months**.\n\n"
    "How long it takes is different for each person.\n"
)
GENERAL = (
    "TOH makes the hip bone thinner *for a while*. Care often focuses on:\n"
    "- easing pain.\n"
    "- protecting the hip while it heals.\n\n"
    "Read more at https://www.example.org/toh.\n"
    "Or ask your care team.\n"
)
FEVER = (
    "A fever with hip pain needs a check today.\n\n"
    "Call Riverside Orthopedic Clinic now at **(555) 010-0199**. "
    "After hours, call 911 for an emergency.\n"
)
CHEST_PAIN = (
    "**Call 911 now.** Chest pain or trouble breathing can be an emergency.\n\n"
    "Do not drive yourself to the hospital.\n"
)
OUT_OF_SCOPE = (
    "Sorry, I can only answer questions about TOH. For other health questions, please ask your "
    "care team. In an emergency, call 911.\n"
)
# The domain's fallback responses (domain.yml), sent without a marker.
UNMARKED = "This may be an emergency. Call 911 now."
UNMARKED_CRISIS = (
    "If you are thinking about harming yourself, call or text 988 now. If you are in danger, "
    "call 911."
)
XSS = (
    'Here is <img src=x onerror="window.__xss=1"> and '
    "<script>window.__xss=2</script> as text.\n\n"
    "[click me](javascript:window.__xss=3) and **bold** stay safe.\n"
)
BUTTONS = [
    {"title": "How long TOH lasts", "payload": "/faq_duration"},
    {"title": "None of these", "payload": "/none_of_these"},
]
WEBHOOK = "/webhooks/rest/webhook"


def utterances(message: str) -> list[dict[str, Any]]:
    """What the bot's dispatcher would send for ``message`` (before the REST channel)."""
    lowered = message.lower()
    if message == "/greet":
        return [{"text": GREETING}]
    if "fever" in lowered:
        return [{"text": FEVER, "custom": {"kind": "escalation", "tier": "urgent"}}]
    if "chest pain" in lowered:
        return [{"text": CHEST_PAIN, "custom": {"kind": "escalation", "tier": "emergency"}}]
    if "unmarked crisis" in lowered:
        return [{"text": UNMARKED_CRISIS}]
    if "unmarked" in lowered:
        return [{"text": UNMARKED}]
    if "buttons" in lowered:
        return [{"text": "Did you mean one of these?", "buttons": BUTTONS}]
    if "xss" in lowered:
        return [{"text": XSS}]
    if "scope" in lowered:
        return [{"text": OUT_OF_SCOPE}]
    if "silent" in lowered:
        return []
    if message == "/faq_duration" or "how long" in lowered:
        return [{"text": DURATION}]
    if message == "/none_of_these":
        return [{"text": "Sorry about that. Please ask your question in other words."}]
    return [{"text": GENERAL}]


def _message(recipient_id: str, **fields: Any) -> dict[str, Any]:
    """``CollectingOutputChannel._message``: the REST message, None values dropped."""
    obj = {
        "recipient_id": recipient_id,
        "text": fields.get("text"),
        "image": fields.get("image"),
        "buttons": fields.get("buttons"),
        "attachment": fields.get("attachment"),
        "custom": fields.get("custom"),
    }
    return {key: value for key, value in obj.items() if value is not None}


def rest_output(recipient_id: str, sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Rasa 3.6's REST channel returns for these dispatcher messages.

    Mirrors ``OutputChannel.send_response`` with ``CollectingOutputChannel``.
    """
    out: list[dict[str, Any]] = []
    for original in sent:
        message = dict(original)
        if message.get("buttons"):
            out.append(_message(recipient_id, text=message.get("text"), buttons=message["buttons"]))
        elif message.get("text"):
            for part in message["text"].strip().split("\n\n"):
                out.append(_message(recipient_id, text=part))
        if message.get("custom"):
            out.append(_message(recipient_id, custom=message["custom"]))
        if message.get("image"):
            out.append(_message(recipient_id, image=message["image"]))
        if message.get("attachment"):
            out.append(_message(recipient_id, attachment=message["attachment"]))
    return out


def create_app() -> Flask:
    """The fake Rasa server."""
    app = Flask("fake_rasa")
    inbox: list[dict[str, str]] = []
    app.config["INBOX"] = inbox

    @app.after_request
    def cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        return response

    @app.post(WEBHOOK)
    def webhook() -> Response:
        body = request.get_json(force=True, silent=True) or {}
        sender = str(body.get("sender") or "default")
        message = str(body.get("message") or "")
        inbox.append({"sender": sender, "message": message})
        return jsonify(rest_output(sender, utterances(message)))

    @app.get("/")
    def health() -> Response:
        return jsonify({"status": "ok"})

    @app.get("/_fake/inbox")
    def read_inbox() -> Response:
        return jsonify(inbox)

    @app.post("/_fake/reset")
    def reset() -> Response:
        inbox.clear()
        return jsonify({"status": "ok"})

    return app


class Server:
    """A WSGI app on a free 127.0.0.1 port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def site_app(rasa_url: str, *, csp: bool = True) -> Flask:
    """A tiny Flask app with the demo page blueprint, talking to ``rasa_url``."""
    from bot.web.site import blueprint

    app = Flask("toh_site_test")
    app.config["RASA_PUBLIC_URL"] = rasa_url
    app.config["SITE_CSP"] = csp
    app.register_blueprint(blueprint, url_prefix="/")
    return app
