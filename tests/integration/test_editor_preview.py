"""The editor shows texts as patients receive them: the clinic's details filled in."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from bot.config import Clinic
from bot.content.accounts import SqlAlchemyAccountsUnitOfWork, create_user
from bot.web.app import create_app
from bot.wiring import Services

CLINIC = Clinic(name="Lakeside Bone Clinic", phone="(555) 777-1234")
PASSWORD = "correct horse battery"


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def client(sqlite_services: Services) -> FlaskClient:
    services = Services(replace(sqlite_services.settings, clinic=CLINIC))
    create_user("erin", PASSWORD, role="editor",
                uow=SqlAlchemyAccountsUnitOfWork(services.session_factory))
    client = create_app(services).test_client()
    token = csrf_token(client, "/editor/login")
    done = client.post("/editor/login", data={"username": "erin", "password": PASSWORD,
                                              "csrf_token": token})
    assert done.status_code in (302, 303)
    return client


def test_item_page_and_preview_show_the_filled_text(client: FlaskClient) -> None:
    page = client.get("/editor/items/human_handoff").get_data(as_text=True)
    assert "(555) 777-1234" in page and "Lakeside Bone Clinic" in page
    token = csrf_token(client, "/editor/items/human_handoff/edit")
    form = {"csrf_token": token, "base_version": "1", "title": "Talk to the clinic",
            "text": "Call {clinic_name} at {clinic_phone}.", "sms_text": "Call {clinic_fone}.",
            "sources": "clinic: conversation design", "review_by": "2030-01-01"}
    preview = client.post("/editor/items/human_handoff/preview", data=form)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Call Lakeside Bone Clinic at (555) 777-1234." in html
    assert "unknown placeholder {clinic_fone}" in html
