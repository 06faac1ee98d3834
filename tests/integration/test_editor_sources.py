"""The editor shows each source's seed passage beside the answer (issue 14), on SQLite."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.config import load_settings
from bot.content.accounts import SqlAlchemyAccountsUnitOfWork, create_user
from bot.web.app import create_app
from bot.wiring import Services

# duration.yml's first source and the seed passage it names.
PASSAGE = "It is generally described as temporary, with improvement over a period of months."
REFERENCE = "Common questions (FAQ), How long does transient osteoporosis of the hip last?"
PASSWORD = "a long enough password 42"


def client_for(services: Services, seeds_dir: Path) -> FlaskClient:
    """A logged-in reviewer on an app whose SEEDS_DIR is ``seeds_dir``."""
    services = Services(replace(services.settings, seeds_dir=seeds_dir))
    create_user("rita", PASSWORD, role="reviewer",
                uow=SqlAlchemyAccountsUnitOfWork(services.session_factory))
    client = create_app(services).test_client()
    page = client.get("/editor/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    response = client.post("/editor/login", data={
        "csrf_token": token.group(1), "username": "rita", "password": PASSWORD,
    })
    assert response.status_code == 302
    return client


@pytest.fixture
def reviewer(sqlite_services: Services) -> FlaskClient:
    seeds = load_settings(env_file=None).seeds_dir  # ../shared/seeds, or SEEDS_DIR
    assert seeds.is_dir(), f"the seed documents are missing: {seeds} (set SEEDS_DIR)"
    return client_for(sqlite_services, seeds)


@pytest.mark.parametrize("page", ["/editor/items/duration/edit", "/editor/items/duration",
                                  "/editor/items/duration/revisions/1"])
def test_edit_and_review_pages_show_the_passage_beside_the_text(
    reviewer: FlaskClient, page: str
) -> None:
    html = reviewer.get(page).get_data(as_text=True)
    assert REFERENCE in html
    assert PASSAGE in html
    assert "Q: How long does transient osteoporosis of the hip last?" in html
    assert "Clinical consensus, not from the source documents" not in html  # none in duration


def test_the_live_preview_resolves_the_sources_as_typed(reviewer: FlaskClient) -> None:
    edit = reviewer.get("/editor/items/duration/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', edit)
    assert token
    sources = ("002_be2012a89d925822: Imaging scans, some cases continue for up to three years\n"
               "clinical consensus: a nurse's usual advice\n"
               "000_aed34f6718f1f57d: Common questions (FAQ), Can I keep my job forever?")
    html = reviewer.post("/editor/items/duration/preview", data={
        "csrf_token": token.group(1), "title": "t", "text": "Some text.", "sms_text": "Some text.",
        "sources": sources, "review_by": "2027-11-01", "base_version": "1",
    }).get_data(as_text=True)
    assert "However, some cases continue for up to three years." in html
    assert "Clinical consensus, not from the source documents" in html
    assert "This passage is not in the source document" in html


def test_without_the_seeds_the_editor_shows_just_the_references(
    sqlite_services: Services, tmp_path: Path
) -> None:
    client = client_for(sqlite_services, tmp_path / "no-seeds-here")
    html = client.get("/editor/items/duration/edit").get_data(as_text=True)
    assert REFERENCE in html
    assert PASSAGE not in html
    assert "The source documents are not on this server (SEEDS_DIR)" in html


def test_a_revision_waiting_for_review_shows_its_own_sources(reviewer: FlaskClient) -> None:
    edit = reviewer.get("/editor/items/duration/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', edit)
    version = re.search(r'name="base_version" type="hidden" value="(\d+)"', edit) or re.search(
        r'id="base_version" name="base_version" type="hidden" value="(\d+)"', edit)
    assert token and version
    response = reviewer.post("/editor/items/duration/edit", data={
        "csrf_token": token.group(1), "base_version": version.group(1), "action": "submit",
        "title": "How long TOH lasts", "text": "It gets better over months.\n",
        "sms_text": "Transient osteoporosis of the hip (TOH) gets better over months.",
        "sources": "000_aed34f6718f1f57d: Types / variations, Reported in some patients",
        "review_by": "2099-11-01", "note": "",
    })
    assert response.status_code == 302
    html = reviewer.get("/editor/items/duration").get_data(as_text=True)
    assert "Waiting for review" in html or "waiting for review" in html
    assert "Reported in some patients during late pregnancy or postpartum" not in html.split(
        "Live now")[1]  # the live revision does not cite it …
    assert "Reported in some patients during late pregnancy or postpartum" in html  # … the new one
