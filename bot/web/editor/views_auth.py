"""Log in, log out, change your own password."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from bot.content.accounts import AccountError, authenticate, set_password
from bot.web.editor.auth import EditorUser, current_actor, home_endpoint, safe_next
from bot.web.editor.blueprint import blueprint
from bot.web.editor.context import accounts_uow
from bot.web.editor.forms import LoginForm, LogoutForm, PasswordForm


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """The login page; on success, go where the visitor was heading."""
    form = LoginForm()
    if form.validate_on_submit():
        view = authenticate(form.username.data, form.password.data, uow=accounts_uow())
        if view is not None:
            home = url_for(home_endpoint(view.actor))
            target = safe_next(request.args.get("next"), home=home)
            session.clear()  # a fresh session: no fixation
            login_user(EditorUser(view))
            session.permanent = True
            return redirect(target)
        current_app.logger.info("failed editor login")
        form.password.errors.append("The username or the password is wrong.")
    return render_template("editor/login.html", form=form, title="Log in")


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session."""
    if LogoutForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("You are logged out.", "success")
    return redirect(url_for("editor.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
def change_password() -> str | Response:
    """Change your own password (other sessions of yours end)."""
    form = PasswordForm()
    me = current_actor()
    if form.validate_on_submit():
        if authenticate(me.username, form.current.data, uow=accounts_uow()) is None:
            form.current.errors.append("The current password is wrong.")
        else:
            try:
                view = set_password(me.username, form.password.data, uow=accounts_uow())
            except AccountError as error:
                form.password.errors.append(str(error))
            else:
                login_user(EditorUser(view))  # the session id follows the new password
                flash("Your password is changed.", "success")
                return redirect(url_for(home_endpoint(me)))
    return render_template("editor/password.html", form=form, title="Change your password")

