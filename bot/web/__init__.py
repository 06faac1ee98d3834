"""The web side: the content editor (``/editor``) and, when present, the demo clinic page.

``bot.web.app.create_app`` builds the Flask app; nothing connects at import.
"""
