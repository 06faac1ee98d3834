"""`content import` goes through the publish gate and review; only the seed and an admin publish."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.config import REPO_ROOT
from bot.content.accounts import Actor
from bot.content.errors import NotAllowed
from bot.content.files import ItemSpec, read_items
from bot.content.importing import SEED_REVIEWER, import_items
from bot.content.lint import lint_item
from bot.content.repository import FakeUnitOfWork
from bot.content.services import published_answer

ADMIN = Actor("ada", "admin")
TODAY = date(2026, 11, 29)


def real(item_id: str) -> ItemSpec:
    """A real content/ item: it passes the publish gate."""
    [spec] = [s for s in read_items(REPO_ROOT / "content") if s.id == item_id]
    assert lint_item(spec, today=TODAY).ok
    return spec


def edited(spec: ItemSpec, words: str = "Ask your care team before you drive.") -> ItemSpec:
    return replace(spec, text=f"{words}\n")


def failing(spec: ItemSpec) -> ItemSpec:
    """Fails the gate: far above the reading level."""
    text = ("Notwithstanding considerable interindividual heterogeneity, pharmacological "
            "immobilisation considerations necessitate multidisciplinary consultation.\n")
    return replace(spec, text=text)


def seeded() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    assert import_items([real("driving"), real("duration")], uow=uow, today=TODAY) == {
        "driving": "published", "duration": "published"}
    return uow


def test_the_seed_of_an_empty_store_is_published_and_recorded_as_such() -> None:
    uow = seeded()
    [revision] = uow.items.get("driving").revisions
    assert (revision.status, revision.reviewer, revision.author) == (
        "published", SEED_REVIEWER, "content-import")
    assert "seed" in revision.note and "gate passed" in revision.note
    assert published_answer("driving", uow=uow).text == real("driving").text


def test_the_seed_keeps_what_fails_the_gate_as_a_draft() -> None:
    uow = FakeUnitOfWork()
    outcome = import_items([real("driving"), failing(real("duration"))], uow=uow, today=TODAY)
    assert outcome == {"driving": "published", "duration": "draft"}
    assert uow.items.get("duration").published_number is None


def test_an_import_into_a_live_store_waits_for_review() -> None:
    uow = seeded()
    outcome = import_items([edited(real("driving")), real("duration")], uow=uow, today=TODAY)
    assert outcome == {"driving": "in_review", "duration": "unchanged"}
    item = uow.items.get("driving")
    assert [(r.number, r.status) for r in item.revisions] == [(1, "published"), (2, "in_review")]
    assert published_answer("driving", uow=uow).text == real("driving").text  # not live yet
    again = import_items([edited(real("driving"))], uow=uow, today=TODAY)
    assert again == {"driving": "pending"}  # idempotent: no second copy in review
    assert len(uow.items.get("driving").revisions) == 2


def test_an_import_that_fails_the_gate_stays_a_draft() -> None:
    uow = seeded()
    assert import_items([failing(real("driving"))], uow=uow, today=TODAY) == {"driving": "draft"}
    assert uow.items.get("driving").latest.status == "draft"


def test_new_only_never_touches_an_item_in_the_store() -> None:
    uow = seeded()
    outcome = import_items([edited(real("driving")), real("work")], uow=uow, new_only=True,
                           today=TODAY)
    assert outcome == {"driving": "differs", "work": "in_review"}  # a new item waits too


def test_an_admin_publishes_in_one_step_only_what_passes_the_gate() -> None:
    uow = seeded()
    outcome = import_items([edited(real("driving")), failing(real("duration"))], uow=uow,
                           publish_as=ADMIN, today=TODAY)
    assert outcome == {"driving": "published", "duration": "draft"}
    live = uow.items.get("driving").published
    assert (live.number, live.reviewer) == (2, "ada")
    assert "published in one step by admin ada" in live.note
    assert published_answer("duration", uow=uow).text == real("duration").text


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_only_an_admin_may_publish_an_import(role: str) -> None:
    with pytest.raises(NotAllowed):
        import_items([real("driving")], uow=seeded(), publish_as=Actor("x", role), today=TODAY)
