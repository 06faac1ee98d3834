"""The inbox's doors on a real store (Flask's test client): login, roles, CSRF, refusals."""
from __future__ import annotations

from flask.testing import FlaskClient

from bot.content.accounts import SqlAlchemyAccountsUnitOfWork, create_user
from bot.handoff import inbox
from bot.handoff.service import ASKED_FOR_A_PERSON, open_case
from bot.web.app import create_app
from bot.wiring import Services
from tests.integration.test_editor_preview import csrf_token

PASSWORD = "correct horse battery"


def client_for(services: Services, username: str, role: str) -> FlaskClient:
    create_user(username, PASSWORD, role=role,
                uow=SqlAlchemyAccountsUnitOfWork(services.session_factory))
    client = create_app(services).test_client()
    form = {"username": username, "password": PASSWORD,
            "csrf_token": csrf_token(client, "/editor/login")}
    assert client.post("/editor/login?next=/inbox/", data=form).location == "/inbox/"
    return client


def web_case(services: Services) -> int:
    return open_case(uow=services.handoff_uow(), conversation="web-1", channel="rest",
                     reason=ASKED_FOR_A_PERSON)


def test_a_visitor_is_sent_to_the_login_and_back(sqlite_services: Services) -> None:
    answer = create_app(sqlite_services).test_client().get("/inbox/")
    assert answer.status_code == 302
    assert answer.location.startswith("/editor/login?next=%2Finbox%2F")


def test_only_clinicians_and_admins_may_read_cases(sqlite_services: Services) -> None:
    case_id = web_case(sqlite_services)
    for username, role, status in (("nina", "clinician", 200), ("ada", "admin", 200),
                                   ("erin", "editor", 403), ("rita", "reviewer", 403)):
        client = client_for(sqlite_services, username, role)
        assert client.get(f"/inbox/cases/{case_id}").status_code == status, role
    page = client_for(sqlite_services, "nora", "clinician").get(f"/inbox/cases/{case_id}")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in page.headers


def test_a_post_without_the_csrf_token_changes_nothing(sqlite_services: Services) -> None:
    case_id = web_case(sqlite_services)
    client = client_for(sqlite_services, "nina", "clinician")
    answer = client.post(f"/inbox/cases/{case_id}/handled", data={"note": "done"})
    assert answer.status_code == 400
    assert [c.id for c in inbox.open_cases(uow=sqlite_services.handoff_uow())] == [case_id]


def test_a_case_is_closed_only_with_a_note(sqlite_services: Services) -> None:
    case_id = web_case(sqlite_services)
    client = client_for(sqlite_services, "nina", "clinician")
    path = f"/inbox/cases/{case_id}"
    empty = client.post(path + "/handled",
                        data={"note": " ", "csrf_token": csrf_token(client, path)})
    assert "This field is required" in empty.get_data(as_text=True)
    done = client.post(path + "/handled", data={"note": "Called back",
                                                "csrf_token": csrf_token(client, path)})
    assert done.location == "/inbox/"
    assert inbox.open_cases(uow=sqlite_services.handoff_uow()) == []
    assert "By nina" in client.get(path).get_data(as_text=True)


def test_a_web_conversation_gets_no_reply_box_and_a_reply_is_refused(
    sqlite_services: Services,
) -> None:
    case_id = web_case(sqlite_services)
    client = client_for(sqlite_services, "nina", "clinician")
    path = f"/inbox/cases/{case_id}"
    page = client.get(path).get_data(as_text=True)
    assert "cannot write back" in page and "Send reply" not in page
    refused = client.post(path + "/reply", data={"text": "Hello",
                                                 "csrf_token": csrf_token(client, path)})
    assert "Only SMS conversations can be answered" in refused.get_data(as_text=True)
    assert client.get("/inbox/cases/999").status_code == 404
