"""The inbox's forms (Flask-WTF: validation and CSRF tokens)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

MAX_REPLY_CHARS = 320  # two SMS segments, as the assistant's own answers


class HandledForm(FlaskForm):  # type: ignore[misc]
    """Close a case with a note."""

    note = TextAreaField(
        "Note", validators=[DataRequired(), Length(max=2000)],
        description="What you did, e.g. 'Called the patient, booked a visit for Tuesday'.",
        render_kw={"rows": 3},
    )


class ReplyForm(FlaskForm):  # type: ignore[misc]
    """A text message to the patient of an SMS case."""

    text = TextAreaField(
        "Reply by SMS", validators=[DataRequired(), Length(max=MAX_REPLY_CHARS)],
        description=f"The patient gets it from the clinic's SMS number. Sign it with your name. "
        f"At most {MAX_REPLY_CHARS} characters.",
        render_kw={"rows": 4, "maxlength": str(MAX_REPLY_CHARS)},
    )
