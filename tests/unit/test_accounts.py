"""Editor accounts: roles, hashed passwords, login sessions."""
from __future__ import annotations

import pytest

from bot.content.accounts import (
    AccountError,
    Actor,
    FakeAccountsUnitOfWork,
    UserExists,
    UserNotFound,
    WeakPassword,
    actor_for,
    authenticate,
    create_user,
    list_users,
    set_active,
    set_password,
    user_for_session,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def uow() -> FakeAccountsUnitOfWork:
    store = FakeAccountsUnitOfWork()
    create_user("erin", PASSWORD, role="editor", uow=store)
    return store


def test_only_the_right_password_logs_in(uow: FakeAccountsUnitOfWork) -> None:
    user = authenticate("erin", PASSWORD, uow=uow)
    assert user is not None and user.actor == Actor("erin", "editor")
    assert authenticate("erin", "wrong password!", uow=uow) is None
    assert authenticate("nobody", PASSWORD, uow=uow) is None


def test_passwords_are_stored_hashed(uow: FakeAccountsUnitOfWork) -> None:
    stored = uow.users.get("erin")
    assert stored is not None
    assert PASSWORD not in stored.password_hash
    assert stored.password_hash.split(":")[0] in {"scrypt", "pbkdf2"}


def test_usernames_are_lower_cased_and_login_ignores_case(uow: FakeAccountsUnitOfWork) -> None:
    create_user(" Rita ", PASSWORD, role="reviewer", uow=uow)
    assert authenticate("RITA", PASSWORD, uow=uow) is not None


@pytest.mark.parametrize(
    ("username", "password", "role", "error"),
    [
        ("erin", PASSWORD, "editor", UserExists),
        ("sam", "short", "editor", WeakPassword),
        ("sam", "sam-is-my-password", "editor", WeakPassword),
        ("sam", PASSWORD, "owner", AccountError),
        ("s a m", PASSWORD, "editor", AccountError),
    ],
)
def test_bad_accounts_are_refused_in_words(
    uow: FakeAccountsUnitOfWork, username: str, password: str, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        create_user(username, password, role=role, uow=uow)
    assert str(raised.value).endswith(".")


def test_disabled_accounts_cannot_log_in(uow: FakeAccountsUnitOfWork) -> None:
    set_active("erin", False, uow=uow)
    assert authenticate("erin", PASSWORD, uow=uow) is None
    with pytest.raises(UserNotFound):
        actor_for("erin", uow=uow)


def test_a_new_password_ends_other_sessions(uow: FakeAccountsUnitOfWork) -> None:
    before = authenticate("erin", PASSWORD, uow=uow)
    assert before is not None
    assert user_for_session(before.session_token, uow=uow) == before
    after = set_password("erin", "another long secret", uow=uow)
    assert user_for_session(before.session_token, uow=uow) is None
    assert user_for_session(after.session_token, uow=uow) is not None
    assert authenticate("erin", "another long secret", uow=uow) is not None


@pytest.mark.parametrize("token", ["", "x:y", "99:abc", "1"])
def test_unknown_session_tokens_name_nobody(uow: FakeAccountsUnitOfWork, token: str) -> None:
    assert user_for_session(token, uow=uow) is None


def test_roles_decide_who_publishes() -> None:
    assert not Actor("e", "editor").can_publish
    assert Actor("r", "reviewer").can_publish and not Actor("r", "reviewer").is_admin
    assert Actor("a", "admin").can_publish and Actor("a", "admin").is_admin


def test_actor_for_an_unknown_name_says_how_to_create_it(uow: FakeAccountsUnitOfWork) -> None:
    with pytest.raises(UserNotFound, match="python -m bot users create"):
        actor_for("zoe", uow=uow)
    assert actor_for("erin", uow=uow) == Actor("erin", "editor")


def test_list_users_shows_no_hashes(uow: FakeAccountsUnitOfWork) -> None:
    [user] = list_users(uow=uow)
    assert user.username == "erin" and not hasattr(user, "password_hash")


@pytest.mark.parametrize(
    ("role", "dashboard", "content", "publish", "admin"),
    [
        ("editor", False, True, False, False),
        ("reviewer", False, True, True, False),
        ("clinician", True, False, False, False),
        ("admin", True, True, True, True),
    ],
)
def test_what_each_role_may_do(
    uow: FakeAccountsUnitOfWork, role: str, dashboard: bool, content: bool, publish: bool,
    admin: bool,
) -> None:
    actor = create_user(f"{role}1", PASSWORD, role=role, uow=uow).actor
    powers = (actor.is_care_team, actor.can_edit_content, actor.can_publish, actor.is_admin)
    assert powers == (dashboard, content, publish, admin)
