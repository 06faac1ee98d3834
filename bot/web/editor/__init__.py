"""The content editor: log in, edit with a live preview and the publish gate, review, publish.

A Flask blueprint mounted at ``/editor`` by ``bot.web.app.create_app``. Views are thin: they
call ``bot.content.editorial`` and ``bot.content.accounts`` and render the result.
"""
