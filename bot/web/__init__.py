"""The web side: the content editor, the clinic dashboard and, when present, the demo page.

``bot.web.app.create_app`` builds the Flask app; nothing connects at import.
"""
