"""Accounts, for admins: create, reset a password, enable or disable."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from bot.content.accounts import AccountError, create_user, list_users, set_active, set_password
from bot.web.editor.auth import admin_required, current_actor
from bot.web.editor.blueprint import blueprint
from bot.web.editor.context import accounts_uow
from bot.web.editor.forms import ActiveForm, NewUserForm, ResetPasswordForm


def _page(form: NewUserForm) -> str:
    users = list_users(uow=accounts_uow())
    return render_template("editor/users.html", form=form, users=users, title="Accounts",
                           reset_form=ResetPasswordForm(), active_form=ActiveForm())


@blueprint.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> str | Response:
    """List accounts; create one."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            view = create_user(form.username.data, form.password.data, role=form.role.data,
                               uow=accounts_uow())
        except AccountError as error:
            form.username.errors.append(str(error))
        else:
            flash(f"Account '{view.username}' ({view.role}) created.", "success")
            return redirect(url_for("editor.users"))
    return _page(form)


@blueprint.route("/users/<username>/password", methods=["POST"])
@admin_required
def reset_password(username: str) -> Response:
    """Give an account a new password."""
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash("The new password needs at least 10 characters.", "error")
    else:
        try:
            set_password(username, form.password.data, uow=accounts_uow())
            flash(f"New password set for '{username}'.", "success")
        except AccountError as error:
            flash(str(error), "error")
    return redirect(url_for("editor.users"))


@blueprint.route("/users/<username>/active", methods=["POST"])
@admin_required
def toggle_active(username: str) -> Response:
    """Enable or disable an account (you cannot disable yourself)."""
    form = ActiveForm()
    if username == current_actor().username:
        flash("You cannot disable your own account.", "error")
    elif form.validate_on_submit():
        try:
            view = set_active(username, bool(form.active.data), uow=accounts_uow())
            flash(f"'{view.username}' is {'enabled' if view.active else 'disabled'}.", "success")
        except AccountError as error:
            flash(str(error), "error")
    return redirect(url_for("editor.users"))
