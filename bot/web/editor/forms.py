"""The editor's forms (Flask-WTF: validation, CSRF tokens, accessible error messages)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from bot.content.accounts import MIN_PASSWORD_LENGTH, ROLES
from bot.content.editorial import TITLE_MAX


class LoginForm(FlaskForm):  # type: ignore[misc]
    """Username and password."""

    username = StringField("Username", validators=[DataRequired(), Length(max=40)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"})
    password = PasswordField("Password", validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: CSRF token and the version the page showed."""

    base_version = IntegerField(validators=[Optional()])


class EditForm(FlaskForm):  # type: ignore[misc]
    """One revision's fields, as an editor writes them."""

    base_version = HiddenField(validators=[InputRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)],
                        description="What an editor and a suggestion button show.")
    text = TextAreaField(
        "Web text", validators=[DataRequired()],
        description="Plain words, grade 8 or lower. **bold** and lists starting with - work.",
        render_kw={"rows": 14},
    )
    sms_text = TextAreaField(
        "SMS text", validators=[DataRequired()],
        description="At most 320 characters, no curly quotes, long dashes or emoji. Line breaks "
        "become spaces.",
        render_kw={"rows": 5},
    )
    sources = TextAreaField("Sources", validators=[Optional()],
                            description="Where the facts come from, one per line.",
                            render_kw={"rows": 3})
    review_by = DateField("Review by", validators=[Optional()],
                          description="When a clinician should check this answer again.")
    note = StringField("What changed and why", validators=[Optional(), Length(max=500)],
                       description="Shown in the history, e.g. 'Shorter SMS text'.")

    def source_list(self) -> list[str]:
        """The sources, one per non-empty line."""
        return [line.strip() for line in (self.sources.data or "").splitlines() if line.strip()]

    def version(self) -> int:
        """The item version the form was opened at."""
        try:
            return int(self.base_version.data)
        except (TypeError, ValueError):
            return -1


class SearchForm(FlaskForm):  # type: ignore[misc]
    """The list's filters (GET, no CSRF)."""

    class Meta:
        """Filters only read: no CSRF token in the URL."""

        csrf = False

    q = StringField("Search", validators=[Optional()])
    kind = SelectField("Kind", choices=[("", "All kinds"), ("faq", "FAQ answers"),
                                        ("escalation", "Red-flag messages"),
                                        ("message", "Conversation lines")],
                       validators=[Optional()])
    status = SelectField("Status", choices=[("", "Any status"), ("draft", "Draft"),
                                            ("in_review", "Waiting for review"),
                                            ("published", "Published")],
                         validators=[Optional()])


class NewUserForm(FlaskForm):  # type: ignore[misc]
    """An admin creates an account."""

    username = StringField("Username", validators=[DataRequired(), Length(min=2, max=40)],
                           description="Lower-case letters, digits, dots, dashes or underscores.",
                           render_kw={"autocomplete": "off", "autocapitalize": "none"})
    role = SelectField("Role", choices=[(r, r.capitalize()) for r in ROLES],
                       validators=[DataRequired()])
    password = PasswordField(
        "First password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Ask them to change it.",
        render_kw={"autocomplete": "new-password"},
    )


class ResetPasswordForm(FlaskForm):  # type: ignore[misc]
    """An admin gives an account a new password."""

    password = PasswordField("New password",
                             validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password"})


class ActiveForm(FlaskForm):  # type: ignore[misc]
    """An admin enables or disables an account."""

    active = BooleanField("Active")


class PasswordForm(FlaskForm):  # type: ignore[misc]
    """Someone changes their own password."""

    current = PasswordField("Current password", validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class LogoutForm(FlaskForm):  # type: ignore[misc]
    """The log-out button (a POST, so another site cannot log you out)."""
