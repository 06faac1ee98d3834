"""Answers: list and search, edit with live preview, review and publish, history, diff, rollback."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.content import editorial, placeholders
from bot.content.accounts import Actor
from bot.content.errors import (
    AnswerNotFound,
    ContentError,
    LintFailed,
    RevisionNotFound,
    StaleRevision,
)
from bot.content.seeds import ResolvedSource
from bot.web.editor.auth import current_actor
from bot.web.editor.blueprint import blueprint
from bot.web.editor.context import clinic, content_uow, seed_library
from bot.web.editor.forms import ActionForm, EditForm, SearchForm
from bot.web.editor.rendering import sms_view, web_html

STATUS_LABELS = {
    "draft": "Draft",
    "in_review": "Waiting for review",
    "published": "Published",
    "retired": "Retired",
}


# --- page furniture --------------------------------------------------------------------------


@blueprint.app_template_filter("status_label")
def _status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@blueprint.app_template_filter("when")
def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _flash_problem(headline: str, error: ContentError) -> None:
    flash(headline, "error")
    for problem in error.problems if isinstance(error, LintFailed) else [str(error)]:
        flash(problem, "problem")


def _history(item_id: str) -> editorial.ItemHistory:
    try:
        return editorial.history(item_id, uow=content_uow())
    except AnswerNotFound:
        abort(404)


def _revision(item: editorial.ItemHistory, number: int) -> editorial.RevisionView:
    try:
        return item.revision(number)
    except RevisionNotFound:
        abort(404)


# --- list and item ---------------------------------------------------------------------------


@blueprint.route("/")
def index() -> str:
    """Every item, searchable and filtered by kind and status."""
    form = SearchForm(formdata=request.args)
    items = editorial.catalog(uow=content_uow(), search=form.q.data or "",
                              kind=form.kind.data or None, status=form.status.data or None)
    return render_template("editor/list.html", form=form, items=items, today=date.today(),
                           title="Answers")


@blueprint.route("/items/<item_id>")
def item(item_id: str) -> str:
    """One item: what is live, what is being worked on, the history and the actions."""
    item = _history(item_id)
    me = current_actor()
    working = item.working
    report = editorial.lint_draft(item, working.draft, clinic=clinic()) if working else None
    actions = {r.number: editorial.allowed_actions(item, r, me) for r in item.revisions}
    return render_template("editor/item.html", item=item, working=working, report=report,
                           actions=actions, web_html=web_html, filled=_filler(item.id),
                           sources=_sources(working.sources if working else ()),
                           live_sources=_sources(item.live.sources if item.live else ()),
                           seeds_found=seed_library().available,
                           title=working.title if working else item.id)


@blueprint.route("/items/<item_id>/revisions/<int:number>")
def revision(item_id: str, number: int) -> str:
    """One revision as patients would see it, with its details."""
    item = _history(item_id)
    shown = _revision(item, number)
    filled = _filler(item.id)
    return render_template("editor/revision.html", item=item, revision=shown,
                           web=web_html(filled(shown.text)), sms=sms_view(filled(shown.sms_text)),
                           report=editorial.lint_draft(item, shown.draft, clinic=clinic()),
                           sources=_sources(shown.sources), seeds_found=seed_library().available,
                           title=f"Revision {number} of {shown.title}")


@blueprint.route("/items/<item_id>/diff")
def diff(item_id: str) -> str:
    """What changed between two revisions (default: the live one and the one worked on)."""
    item = _history(item_id)
    default_old = item.published_number or 1
    new = request.args.get("new", type=int) or (item.working.number if item.working else 1)
    old = request.args.get("old", type=int) or default_old
    changes = editorial.diff_drafts(_revision(item, old).draft, _revision(item, new).draft)
    return render_template("editor/diff.html", item=item, old=old, new=new, changes=changes,
                           title=f"Changes in {item.id}")


# --- editing ---------------------------------------------------------------------------------


def _draft_of(form: EditForm) -> editorial.Draft:
    return editorial.Draft.of(
        title=form.title.data or "",
        text=form.text.data or "",
        sms_text=form.sms_text.data or "",
        sources=form.source_list(),
        review_by=form.review_by.data,
    )


def _fill(form: EditForm, start: editorial.RevisionView | None, version: int) -> None:
    form.base_version.data = str(version)
    if start is None:
        return
    form.title.data, form.text.data, form.sms_text.data = start.title, start.text, start.sms_text
    form.sources.data = "\n".join(start.sources)
    form.review_by.data = start.review_by


def _edit_page(item: editorial.ItemHistory, form: EditForm, **extra: Any) -> str:
    draft = _draft_of(form)
    return render_template(
        "editor/edit.html", item=item, form=form, title=f"Edit: {draft.title or item.id}",
        **_preview_context(item, draft), **extra,
    )


def _filler(item_id: str) -> Callable[[str], str]:
    """Fills a text of ``item_id`` as a patient receives it (clinic details, example values)."""
    values = placeholders.preview_values(item_id, clinic())
    return lambda text: placeholders.fill(text, values)


def _sources(entries: list[str] | tuple[str, ...]) -> list[ResolvedSource]:
    """Each source with the seed passage it names, for a reviewer to check the text against."""
    return seed_library().resolve_all(entries)


def _preview_context(item: editorial.ItemHistory, draft: editorial.Draft) -> dict[str, Any]:
    filled = _filler(item.id)
    return {
        "report": editorial.lint_draft(item, draft, clinic=clinic()),
        "web": web_html(filled(draft.text)),
        "sms": sms_view(filled(draft.sms_text)),
        "sources": _sources(draft.sources),
        "seeds_found": seed_library().available,
    }


def _save(item: editorial.ItemHistory, form: EditForm) -> editorial.RevisionView | None:
    """Save the form as a new draft; None if it is the same as the revision worked on."""
    draft = _draft_of(form)
    try:
        return editorial.save_draft(
            item.id, base_version=form.version(), title=draft.title, text=draft.text,
            sms_text=draft.sms_text, sources=draft.sources, review_by=draft.review_by,
            note=form.note.data or "", author=current_actor(), uow=content_uow(),
        )
    except editorial.NothingToSave:
        return None


def _conflict(item_id: str, form: EditForm, error: StaleRevision) -> tuple[str, int]:
    """Show both texts: the form keeps the editor's, the notice shows what was saved since."""
    item = _history(item_id)
    theirs = item.latest
    form.base_version.data = str(item.version)
    changes = editorial.diff_drafts(theirs.draft, _draft_of(form)) if theirs else []
    return _edit_page(item, form, conflict=theirs, conflict_message=str(error),
                      conflict_changes=changes), 409


def _submit_after_save(item: editorial.ItemHistory, saved: editorial.RevisionView | None,
                       me: Actor) -> Response:
    target = saved or item.working
    if target is None or target.status != "draft":
        flash("There is no new draft to send for review.", "info")
        return redirect(url_for("editor.item", item_id=item.id))
    try:
        editorial.submit(item.id, number=target.number, by=me, uow=content_uow())
    except ContentError as error:
        _flash_problem(f"Revision {target.number} is saved as a draft, but it cannot be sent "
                       "for review yet:", error)
        return redirect(url_for("editor.edit", item_id=item.id))
    flash(f"Revision {target.number} is waiting for review. A reviewer other than its author "
          "will publish it.", "success")
    return redirect(url_for("editor.item", item_id=item.id))


@blueprint.route("/items/<item_id>/edit", methods=["GET", "POST"])
def edit(item_id: str) -> str | Response | tuple[str, int]:
    """The edit form with a live preview; save a draft, or save and send it for review."""
    item = _history(item_id)
    form = EditForm()
    if request.method == "GET":
        start = request.args.get("from", type=int)
        _fill(form, _revision(item, start) if start else item.working, item.version)
        return _edit_page(item, form)
    action = request.form.get("action", "save")
    if not form.validate_on_submit() or action == "check":
        return _edit_page(item, form), 200 if action == "check" else 422
    try:
        saved = _save(item, form)
    except StaleRevision as error:
        return _conflict(item_id, form, error)
    except ContentError as error:
        _flash_problem("The draft was not saved:", error)
        return _edit_page(item, form), 422
    if action == "submit":
        return _submit_after_save(item, saved, current_actor())
    if saved is None:
        flash("Nothing changed, so nothing was saved.", "info")
    else:
        flash(f"Saved as draft revision {saved.number}. It is not live until a reviewer "
              "publishes it.", "success")
    return redirect(url_for("editor.edit", item_id=item_id))


@blueprint.route("/items/<item_id>/preview", methods=["POST"])
def preview(item_id: str) -> str:
    """The preview panel for the form's current content (the edit page fetches it as you type)."""
    item = _history(item_id)
    return render_template("editor/_preview.html", **_preview_context(item, _draft_of(EditForm())))


# --- workflow buttons ------------------------------------------------------------------------


def _do_submit(item_id: str, number: int, me: Actor, version: int | None) -> str:
    done = editorial.submit(item_id, number=number, by=me, uow=content_uow(), base_version=version)
    return f"Revision {done.number} is waiting for review."


def _do_publish(item_id: str, number: int, me: Actor, version: int | None) -> str:
    done = editorial.publish(item_id, number=number, reviewer=me, uow=content_uow(),
                             base_version=version)
    return f"Revision {done.number} is live. The assistant uses it from the next message."


def _do_retire(item_id: str, number: int, me: Actor, version: int | None) -> str:
    done = editorial.retire(item_id, number=number, by=me, uow=content_uow(), base_version=version)
    return f"Revision {done.number} is withdrawn. Its text stays in the history."


def _do_rollback(item_id: str, number: int, me: Actor, version: int | None) -> str:
    done = editorial.rollback(item_id, to_number=number, by=me, uow=content_uow(),
                              base_version=version)
    return f"Revision {done.number}, a copy of revision {number}, is live."


ACTIONS: dict[str, Callable[[str, int, Actor, int | None], str]] = {
    "submit": _do_submit,
    "publish": _do_publish,
    "retire": _do_retire,
    "rollback": _do_rollback,
}


@blueprint.route("/items/<item_id>/revisions/<int:number>/<action>", methods=["POST"])
def act(item_id: str, number: int, action: str) -> Response:
    """Submit, publish, retire or roll back to one revision."""
    run = ACTIONS.get(action)
    if run is None:
        abort(404)
    form = ActionForm()
    try:
        message = run(item_id, number, current_actor(), form.base_version.data)
    except LintFailed as error:
        _flash_problem(f"Revision {number} cannot be published: the publish gate found these "
                       "problems.", error)
    except ContentError as error:
        _flash_problem("That did not work:", error)
    else:
        flash(message, "success")
    return redirect(url_for("editor.item", item_id=item_id))
