"""The inbox's pages: open cases, one case, mark it handled, reply by SMS."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from bot.handoff import inbox, service
from bot.web.editor.auth import current_actor
from bot.web.editor.context import services
from bot.web.inbox.blueprint import blueprint
from bot.web.inbox.forms import HandledForm, ReplyForm


@blueprint.route("/")
def index() -> str:
    """Open cases, the most recently updated first."""
    cases = inbox.open_cases(uow=services().handoff_uow())
    return render_template("inbox/list.html", cases=cases, title="Care-team inbox")


@blueprint.route("/cases/<int:case_id>")
def case(case_id: int) -> str:
    """One case: why, where, when, the redacted conversation; close it or reply."""
    return _case_page(case_id, HandledForm(), ReplyForm())


@blueprint.route("/cases/<int:case_id>/handled", methods=["POST"])
def handled(case_id: int) -> str | Response:
    """Mark the case handled with the nurse's note."""
    form = HandledForm()
    if not form.validate_on_submit():
        return _case_page(case_id, form, ReplyForm())
    try:
        service.mark_handled(case_id, uow=services().handoff_uow(), by=current_actor().username,
                             note=form.note.data)
    except service.CaseNotFound:
        abort(404)
    flash(f"Case {case_id} is marked handled.", "success")
    return redirect(url_for("inbox.index"))


@blueprint.route("/cases/<int:case_id>/reply", methods=["POST"])
def reply(case_id: int) -> str | Response:
    """Text the nurse's reply to the patient of an SMS case."""
    form = ReplyForm()
    if form.validate_on_submit():
        wired = services()
        try:
            service.reply(case_id, form.text.data, uow=wired.handoff_uow(),
                          by=current_actor().username, cipher=wired.contact_cipher(),
                          sms=wired.patient_sms())
        except service.CaseNotFound:
            abort(404)
        except service.ReplyNotSent as error:
            flash(str(error), "error")  # the text stays in the form, to send again
        else:
            flash("Your reply was sent by SMS.", "success")
            return redirect(url_for("inbox.case", case_id=case_id))
    return _case_page(case_id, HandledForm(), form)


def _case_page(case_id: int, handled_form: HandledForm, reply_form: ReplyForm) -> str:
    wired = services()
    try:
        page = inbox.case_page(case_id, uow=wired.handoff_uow(),
                               conversations=wired.conversations())
    except service.CaseNotFound:
        abort(404)
    return render_template("inbox/case.html", page=page, handled_form=handled_form,
                           reply_form=reply_form, title=f"Case {case_id}")
