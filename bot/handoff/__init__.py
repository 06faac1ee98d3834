"""Hand-off to the care team: a case for every escalation and every patient who asks for a person.

``models`` is the table, ``repository`` its port and SQLAlchemy adapter, ``service`` what the
assistant and the nurses do to a case (open it, keep the SMS number encrypted, mark it handled,
reply), ``inbox`` what the care-team inbox reads, ``contacts`` the encryption of phone numbers and
``sms`` the sending of a nurse's reply through Twilio.
"""
