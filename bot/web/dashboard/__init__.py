"""The clinic dashboard: the figures of ``bot.reporting`` over a date range, as charts and CSV.

A Flask blueprint mounted at ``/dashboard`` by ``bot.web.app.create_app``, behind the editor's
login, for clinicians and admins.
"""
