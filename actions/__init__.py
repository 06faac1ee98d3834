"""Thin rasa-sdk actions (``rasa run actions --actions actions``).

rasa-sdk offers no start-up hook but the import of this package, so the production check
happens here: with ``APP_ENV=production`` and a missing or placeholder secret the action server
exits with the reason (``bot.config.UnsafeSettings``) instead of serving. It reads the
environment only; nothing connects.
"""
from __future__ import annotations

from bot.config import get_settings

get_settings()
