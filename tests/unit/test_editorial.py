"""The editorial workflow on the fake store: drafts, review, four eyes, gate, rollback, diff."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.content import editorial
from bot.content.accounts import Actor
from bot.content.errors import (
    AnswerNotFound,
    InvalidContent,
    LintFailed,
    NotAllowed,
    RevisionNotFound,
    StaleRevision,
)
from bot.content.repository import FakeUnitOfWork
from bot.content.services import published_answer
from tests.unit.fakes import fake_store, spec

ERIN = Actor("erin", "editor")
EVE = Actor("eve", "editor")
RITA = Actor("rita", "reviewer")
ROB = Actor("rob", "reviewer")
ADA = Actor("ada", "admin")
GOOD_TEXT = "TOH often gets better over a few months.\n"
LIVE_TEXT = "TOH is a temporary problem. It gets better.\n"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    emergency = spec("esc_emergency", kind="escalation", tier="emergency",
                     text="Call 911 now.\n", sms_text="Call 911 now.")
    return fake_store(spec("duration", text=LIVE_TEXT), emergency)


def save(uow: FakeUnitOfWork, *, author: Actor = ERIN, item_id: str = "duration",
         **fields: Any) -> editorial.RevisionView:
    item = editorial.history(item_id, uow=uow)
    start = item.working
    assert start is not None
    values: dict[str, Any] = {
        "title": start.title, "text": GOOD_TEXT, "sms_text": start.sms_text,
        "sources": list(start.sources), "review_by": start.review_by,
    }
    values.update(fields)
    return editorial.save_draft(item_id, base_version=item.version, author=author, uow=uow,
                                **values)


def to_review(uow: FakeUnitOfWork, **fields: Any) -> editorial.RevisionView:
    draft = save(uow, **fields)
    return editorial.submit("duration", number=draft.number, by=ERIN, uow=uow)


def test_saving_adds_a_draft_and_keeps_the_live_revision(uow: FakeUnitOfWork) -> None:
    before = editorial.history("duration", uow=uow)
    draft = save(uow, note="Plainer words")
    item = editorial.history("duration", uow=uow)
    assert (draft.number, draft.status, draft.author, draft.note) == (2, "draft", "erin",
                                                                      "Plainer words")
    assert item.published_number == 1 and item.live is not None and item.live.number == 1
    assert item.version == before.version + 1
    assert published_answer("duration", uow=uow).text == LIVE_TEXT


def test_a_save_from_an_old_version_is_a_conflict_and_adds_nothing(uow: FakeUnitOfWork) -> None:
    opened = editorial.history("duration", uow=uow).version
    save(uow, text="First editor's words.\n")
    with pytest.raises(StaleRevision, match="Someone else changed 'duration'") as raised:
        editorial.save_draft("duration", base_version=opened, title="t", text="Second editor.\n",
                             sms_text="s", sources=["x"], review_by=None, author=EVE, uow=uow)
    assert "revision 2 by erin" in str(raised.value)
    item = editorial.history("duration", uow=uow)
    assert [r.text for r in item.revisions][-1] == "First editor's words.\n"
    assert len(item.revisions) == 2


def test_saving_nothing_new_is_refused(uow: FakeUnitOfWork) -> None:
    save(uow)
    with pytest.raises(editorial.NothingToSave, match="Nothing changed since revision 2"):
        save(uow)


def test_empty_fields_are_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidContent, match="Write the web text"):
        save(uow, text="  \n")


def test_text_is_normalised() -> None:
    draft = editorial.Draft.of(title=" A  title ", text="\r\nOne  \r\n\r\nTwo\r\n\r\n",
                               sms_text="Line one\nline two ", sources=[" a ", "", "b"])
    assert draft == editorial.Draft("A title", "One\n\nTwo\n", "Line one line two", ("a", "b"))


def test_submit_sends_the_newest_draft_to_review(uow: FakeUnitOfWork) -> None:
    revision = to_review(uow)
    assert revision.status == "in_review"
    with pytest.raises(InvalidContent, match="waiting for review"):
        editorial.submit("duration", number=revision.number, by=ERIN, uow=uow)


def test_submit_runs_the_gate_and_keeps_the_draft(uow: FakeUnitOfWork) -> None:
    draft = save(uow, text="Take 400 mg of ibuprofen.\n")
    with pytest.raises(LintFailed) as raised:
        editorial.submit("duration", number=draft.number, by=ERIN, uow=uow)
    assert any('"400 mg"' in problem for problem in raised.value.problems)
    assert editorial.history("duration", uow=uow).revision(draft.number).status == "draft"


def test_only_the_newest_draft_can_be_submitted(uow: FakeUnitOfWork) -> None:
    save(uow)
    save(uow, text="Even plainer words.\n")
    with pytest.raises(InvalidContent, match="not the newest"):
        editorial.submit("duration", number=2, by=ERIN, uow=uow)


def test_a_clinician_writes_no_content(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotAllowed, match="no editor role"):
        save(uow, author=Actor("cleo", "clinician"))
    assert len(editorial.history("duration", uow=uow).revisions) == 1


@pytest.mark.parametrize(("publisher", "reason"), [(EVE, "Only a reviewer"),
                                                   (Actor("erin", "reviewer"), "four-eyes")])
def test_publishing_needs_a_reviewer_who_is_not_the_author(
    uow: FakeUnitOfWork, publisher: Actor, reason: str
) -> None:
    revision = to_review(uow)
    with pytest.raises(NotAllowed, match=reason):
        editorial.publish("duration", number=revision.number, reviewer=publisher, uow=uow)
    assert editorial.history("duration", uow=uow).published_number == 1


@pytest.mark.parametrize("publisher", [RITA, ADA])
def test_a_reviewer_publishes_and_it_is_served_at_once(uow: FakeUnitOfWork,
                                                       publisher: Actor) -> None:
    revision = to_review(uow)
    live = editorial.publish("duration", reviewer=publisher, uow=uow)
    assert (live.number, live.status, live.reviewer, live.live) == (revision.number, "published",
                                                                    publisher.username, True)
    assert live.published_at is not None
    answer = published_answer("duration", uow=uow)
    assert (answer.text, answer.version) == (GOOD_TEXT, revision.number)
    statuses = [r.status for r in editorial.history("duration", uow=uow).revisions]
    assert statuses == ["retired", "published"]


def test_publish_runs_the_gate_again(uow: FakeUnitOfWork) -> None:
    to_review(uow, review_by=date(2099, 6, 1))
    with pytest.raises(LintFailed, match="has passed"):
        editorial.publish("duration", reviewer=RITA, uow=uow, today=date(2099, 7, 1))


def test_publishing_overtakes_older_drafts(uow: FakeUnitOfWork) -> None:
    save(uow, author=EVE, text="Eve's draft.\n")
    to_review(uow)
    editorial.publish("duration", reviewer=RITA, uow=uow)
    assert editorial.history("duration", uow=uow).revision(2).status == "retired"


def test_an_older_revision_in_review_cannot_undo_a_newer_publish(uow: FakeUnitOfWork) -> None:
    to_review(uow)
    editorial.publish("duration", number=2, reviewer=RITA, uow=uow)
    to_review(uow, text="Newer words.\n")
    editorial.publish("duration", number=3, reviewer=RITA, uow=uow)
    with pytest.raises(InvalidContent):
        editorial.publish("duration", number=2, reviewer=ROB, uow=uow)


def test_publish_without_anything_in_review_says_so(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidContent, match="Nothing of 'duration' is waiting for review"):
        editorial.publish("duration", reviewer=RITA, uow=uow)


def test_a_stale_button_is_a_conflict(uow: FakeUnitOfWork) -> None:
    revision = to_review(uow)
    shown = editorial.history("duration", uow=uow).version
    save(uow, text="Changed meanwhile.\n")
    with pytest.raises(StaleRevision):
        editorial.publish("duration", number=revision.number, reviewer=RITA, uow=uow,
                          base_version=shown)


def test_rollback_publishes_an_earlier_text_as_a_new_revision(uow: FakeUnitOfWork) -> None:
    to_review(uow)
    editorial.publish("duration", reviewer=RITA, uow=uow)
    back = editorial.rollback("duration", to_number=1, by=ROB, uow=uow)
    item = editorial.history("duration", uow=uow)
    assert (back.number, back.status, back.author, back.reviewer) == (3, "published",
                                                                     "content-import", "rob")
    assert back.text == item.revision(1).text and "Rolled back to revision 1 by rob" in back.note
    assert [r.status for r in item.revisions] == ["retired", "retired", "published"]
    assert published_answer("duration", uow=uow).version == 3


def test_rollback_rules(uow: FakeUnitOfWork) -> None:
    save(uow)
    with pytest.raises(InvalidContent, match="never published"):
        editorial.rollback("duration", to_number=2, by=RITA, uow=uow)
    with pytest.raises(InvalidContent, match="already live"):
        editorial.rollback("duration", to_number=1, by=RITA, uow=uow)
    with pytest.raises(NotAllowed, match="Only a reviewer"):
        editorial.rollback("duration", to_number=1, by=ERIN, uow=uow)
    with pytest.raises(RevisionNotFound):
        editorial.rollback("duration", to_number=9, by=RITA, uow=uow)


def test_rolling_back_to_your_own_text_needs_another_reviewer(uow: FakeUnitOfWork) -> None:
    draft = save(uow, author=RITA)
    editorial.submit("duration", number=draft.number, by=RITA, uow=uow)
    editorial.publish("duration", reviewer=ROB, uow=uow)
    to_review(uow, text="Erin's newer words.\n")
    editorial.publish("duration", reviewer=ROB, uow=uow)
    with pytest.raises(NotAllowed, match="four-eyes"):
        editorial.rollback("duration", to_number=draft.number, by=RITA, uow=uow)


def test_rollback_runs_the_gate(uow: FakeUnitOfWork) -> None:
    to_review(uow)
    editorial.publish("duration", reviewer=RITA, uow=uow)
    with pytest.raises(LintFailed, match="has passed"):
        editorial.rollback("duration", to_number=1, by=ROB, uow=uow, today=date(2031, 1, 1))


def test_retire_withdraws_a_draft_but_never_the_live_revision(uow: FakeUnitOfWork) -> None:
    draft = save(uow)
    with pytest.raises(NotAllowed, match="Only its author"):
        editorial.retire("duration", number=draft.number, by=EVE, uow=uow)
    assert editorial.retire("duration", number=draft.number, by=ERIN, uow=uow).status == "retired"
    with pytest.raises(NotAllowed, match="live revision cannot be retired"):
        editorial.retire("duration", number=1, by=ADA, uow=uow)
    with pytest.raises(InvalidContent, match="already retired"):
        editorial.retire("duration", number=draft.number, by=RITA, uow=uow)


def test_after_a_withdrawn_draft_editing_starts_from_the_live_text(uow: FakeUnitOfWork) -> None:
    draft = save(uow)
    editorial.retire("duration", number=draft.number, by=ERIN, uow=uow)
    working = editorial.history("duration", uow=uow).working
    assert working is not None and working.number == 1


def test_escalations_keep_911_through_the_gate(uow: FakeUnitOfWork) -> None:
    draft = save(uow, item_id="esc_emergency", text="Call the clinic.\n", sms_text="Call us.")
    with pytest.raises(LintFailed, match="911"):
        editorial.submit("esc_emergency", number=draft.number, by=ERIN, uow=uow)


def test_unknown_items_and_revisions_are_named(uow: FakeUnitOfWork) -> None:
    with pytest.raises(AnswerNotFound, match="no item 'nope'"):
        editorial.history("nope", uow=uow)
    with pytest.raises(RevisionNotFound):
        editorial.history("duration", uow=uow).revision(7)


def test_diff_marks_removed_and_added_words(uow: FakeUnitOfWork) -> None:
    save(uow, text="TOH is a temporary hip problem. It gets better.\n", title="New title")
    changes = {c.name: c for c in editorial.diff("duration", old=1, new=2, uow=uow)}
    assert not changes["sms_text"].changed and changes["title"].changed
    chunks = changes["text"].chunks
    assert [c.text.strip() for c in chunks if c.op != "equal"] == ["hip"]
    assert "".join(c.text for c in chunks if c.op != "delete").startswith("TOH is a temporary hip")
    assert "".join(c.text for c in chunks if c.op != "insert") == LIVE_TEXT


def test_diff_of_a_replaced_word_shows_both() -> None:
    old = editorial.Draft("t", "Rest the leg.\n", "s")
    new = editorial.Draft("t", "Rest the hip.\n", "s")
    text = editorial.diff_drafts(old, new)[1]
    assert [(c.op, c.text) for c in text.chunks] == [
        ("equal", "Rest the "), ("delete", "leg."), ("insert", "hip."), ("equal", "\n"),
    ]


def test_catalog_searches_and_filters(uow: FakeUnitOfWork) -> None:
    to_review(uow)
    assert [s.id for s in editorial.catalog(uow=uow, search="911")] == ["esc_emergency"]
    assert [s.id for s in editorial.catalog(uow=uow, status="in_review")] == ["duration"]
    assert [s.id for s in editorial.catalog(uow=uow, kind="escalation")] == ["esc_emergency"]
    summary = editorial.catalog(uow=uow, search="few months")[0]
    assert (summary.live_number, summary.working_number) == (1, 2)


def test_allowed_actions_follow_role_and_authorship(uow: FakeUnitOfWork) -> None:
    revision = to_review(uow)
    item = editorial.history("duration", uow=uow)
    assert editorial.allowed_actions(item, revision, ERIN) == {"retire"}
    assert editorial.allowed_actions(item, revision, RITA) == {"publish", "retire"}
    editorial.publish("duration", reviewer=RITA, uow=uow)
    item = editorial.history("duration", uow=uow)
    assert editorial.allowed_actions(item, item.revision(1), RITA) == {"rollback"}
    assert editorial.allowed_actions(item, item.revision(1), ERIN) == frozenset()
