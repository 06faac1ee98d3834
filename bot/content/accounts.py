"""Editor accounts: who may write, review and publish content, and how they log in.

Roles are two ladders that meet at ``admin``. Content: ``editor`` writes drafts and submits
them; ``reviewer`` also publishes and rolls back (never their own text: the four-eyes rule in
``bot.content.editorial``). Clinic figures: ``clinician`` sees the dashboard (what patients ask,
escalations) and nothing of the editor. ``admin`` does all of that and manages accounts.
Passwords are stored as werkzeug hashes (scrypt), never in clear, never logged.
"""
from __future__ import annotations

import abc
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Boolean, Column, DateTime, Integer, String, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.content.errors import ContentError
from bot.content.models import Base, utcnow
from bot.content.transaction import CountingTransaction, SessionTransaction, Transaction

ROLES = ("editor", "reviewer", "clinician", "admin")
CONTENT_ROLES = frozenset({"editor", "reviewer", "admin"})
PUBLISHING_ROLES = frozenset({"reviewer", "admin"})
CARE_TEAM_ROLES = frozenset({"clinician", "admin"})
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


class AccountError(ContentError):
    """An account cannot be made or changed as asked; the message says why."""


class UserExists(AccountError):
    """The username is taken."""


class UserNotFound(AccountError):
    """No account with that username."""


class WeakPassword(AccountError):
    """The password is too short or otherwise refused."""


@dataclass(frozen=True)
class Actor:
    """Someone acting on content: a username and a role."""

    username: str
    role: str

    @property
    def can_edit_content(self) -> bool:
        """Editors, reviewers and admins write drafts (clinicians do not)."""
        return self.role in CONTENT_ROLES

    @property
    def is_care_team(self) -> bool:
        """Clinicians and admins: the clinic's dashboard and the hand-off inbox."""
        return self.role in CARE_TEAM_ROLES

    @property
    def can_publish(self) -> bool:
        """Reviewers and admins may publish and roll back."""
        return self.role in PUBLISHING_ROLES

    @property
    def is_admin(self) -> bool:
        """Admins manage accounts."""
        return self.role == "admin"


class User(Base):
    """An editor's account."""

    __tablename__ = "editor_users"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(40), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    password_changed_at = Column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class UserView:
    """An account as the web editor and the CLI show it (no password hash)."""

    id: int
    username: str
    role: str
    active: bool
    created_at: datetime | None
    session_token: str

    @property
    def actor(self) -> Actor:
        """The account as someone acting on content."""
        return Actor(self.username, self.role)


def session_token(user: User) -> str:
    """An id for the login session that changes when the password does (logs out elsewhere)."""
    fingerprint = hashlib.sha256(str(user.password_hash).encode()).hexdigest()[:16]
    return f"{user.id}:{fingerprint}"


def view_of(user: User) -> UserView:
    """The public view of an account."""
    return UserView(
        id=int(user.id),
        username=str(user.username),
        role=str(user.role),
        active=bool(user.active),
        created_at=user.created_at,
        session_token=session_token(user),
    )


class UserRepository(abc.ABC):
    """Where accounts live."""

    @abc.abstractmethod
    def get(self, username: str) -> User | None:
        """The account with this username, or None."""

    @abc.abstractmethod
    def get_by_id(self, user_id: int) -> User | None:
        """The account with this id, or None."""

    @abc.abstractmethod
    def list(self) -> list[User]:
        """All accounts, by username."""

    @abc.abstractmethod
    def add(self, user: User) -> None:
        """Store a new account."""


class SqlAlchemyUserRepository(UserRepository):
    """Accounts on a SQLAlchemy session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, username: str) -> User | None:
        """Look the account up by username."""
        query = select(User).where(User.username == username)
        return self.session.execute(query).scalars().first()

    def get_by_id(self, user_id: int) -> User | None:
        """Look the account up by id."""
        return self.session.get(User, user_id)

    def list(self) -> list[User]:
        """Every account, by username."""
        return list(self.session.execute(select(User).order_by(User.username)).scalars())

    def add(self, user: User) -> None:
        """Add the account to the session."""
        self.session.add(user)


class FakeUserRepository(UserRepository):
    """Accounts in memory, for unit tests."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}

    def get(self, username: str) -> User | None:
        """Look the account up in memory."""
        return self._users.get(username)

    def get_by_id(self, user_id: int) -> User | None:
        """Look the account up by id in memory."""
        return next((u for u in self._users.values() if u.id == user_id), None)

    def list(self) -> list[User]:
        """Accounts in memory, by username."""
        return [self._users[name] for name in sorted(self._users)]

    def add(self, user: User) -> None:
        """Keep the account, numbering it as a database would."""
        user.id = len(self._users) + 1
        self._users[str(user.username)] = user


class AccountsUnitOfWork(Transaction):
    """One transaction over the accounts: ``with uow: ...; uow.commit()``."""

    users: UserRepository


class SqlAlchemyAccountsUnitOfWork(SessionTransaction, AccountsUnitOfWork):
    """Accounts on a fresh session from ``session_factory`` (the content store's database)."""

    def _bind(self, session: Session) -> None:
        self.users = SqlAlchemyUserRepository(session)


class FakeAccountsUnitOfWork(CountingTransaction, AccountsUnitOfWork):
    """Accounts in memory; counts commits."""

    def __init__(self) -> None:
        self.users = FakeUserRepository()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checked when the username is unknown, so a wrong name costs as long as a wrong password.
    return generate_password_hash("not-a-real-password")


def check_role(role: str) -> str:
    """``role`` if it is known; ``AccountError`` otherwise."""
    if role not in ROLES:
        raise AccountError(f"Unknown role '{role}': use one of {', '.join(ROLES)}.")
    return role


def check_password(password: str, username: str) -> str:
    """``password`` if it is acceptable; ``WeakPassword`` says why not."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if username.lower() in password.lower():
        raise WeakPassword("The password must not contain the username.")
    return password


def check_username(username: str) -> str:
    """``username`` if it is well formed (lower-case letters, digits, . _ -)."""
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            "A username has 2 to 40 lower-case letters, digits, dots, dashes or underscores."
        )
    return username


def create_user(username: str, password: str, *, role: str, uow: AccountsUnitOfWork) -> UserView:
    """Make an account; ``UserExists`` if the name is taken."""
    username = check_username(username.strip().lower())
    check_role(role)
    check_password(password, username)
    with uow:
        if uow.users.get(username) is not None:
            raise UserExists(f"There is already an account '{username}'.")
        user = User(
            username=username,
            password_hash=generate_password_hash(password),
            role=role,
            active=True,
            created_at=utcnow(),
        )
        uow.users.add(user)
        uow.commit()
        return view_of(user)


def authenticate(username: str, password: str, *, uow: AccountsUnitOfWork) -> UserView | None:
    """The active account whose password matches, or None (never says which part was wrong)."""
    with uow:
        user = uow.users.get(username.strip().lower())
        if user is None:
            check_password_hash(_dummy_hash(), password)
            return None
        if not check_password_hash(str(user.password_hash), password) or not user.active:
            return None
        return view_of(user)


def user_for_session(token: str, *, uow: AccountsUnitOfWork) -> UserView | None:
    """The active account a login session token names, or None if it is stale."""
    user_id, _, _ = token.partition(":")
    if not user_id.isdigit():
        return None
    with uow:
        user = uow.users.get_by_id(int(user_id))
        if user is None or not user.active or session_token(user) != token:
            return None
        return view_of(user)


def set_password(username: str, password: str, *, uow: AccountsUnitOfWork) -> UserView:
    """Give an account a new password (its other login sessions end)."""
    check_password(password, username)
    with uow:
        user = _existing(username, uow)
        user.password_hash = generate_password_hash(password)
        user.password_changed_at = utcnow()
        uow.commit()
        return view_of(user)


def set_active(username: str, active: bool, *, uow: AccountsUnitOfWork) -> UserView:
    """Enable or disable an account (a disabled one cannot log in; its history stays)."""
    with uow:
        user = _existing(username, uow)
        user.active = active
        uow.commit()
        return view_of(user)


def list_users(*, uow: AccountsUnitOfWork) -> list[UserView]:
    """Every account, by username."""
    with uow:
        return [view_of(user) for user in uow.users.list()]


def actor_for(username: str, *, uow: AccountsUnitOfWork) -> Actor:
    """The active account ``username`` as an ``Actor`` (for the CLI's ``--as``)."""
    with uow:
        user = uow.users.get(username)
        if user is None or not user.active:
            raise UserNotFound(
                f"No active account '{username}': create one with "
                f"`python -m bot users create --username {username} --role editor`."
            )
        return Actor(str(user.username), str(user.role))


def _existing(username: str, uow: AccountsUnitOfWork) -> User:
    user = uow.users.get(username)
    if user is None:
        raise UserNotFound(f"No account '{username}'.")
    return user
