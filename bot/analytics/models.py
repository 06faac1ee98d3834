"""The analytics tables: one row per turn, one row per "Was this helpful?" vote.

``conversation`` is always the keyed hash of Rasa's sender id (``bot.privacy.pseudonym``, as in
``escalation_records``): never a phone number or a web id in clear. Message text is stored only
in ``turn_events.text``, redacted, and only for fallback and out-of-scope turns.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, String, Text

from bot.schema import Base


class TurnEventRecord(Base):
    """One patient message and what the assistant did with it (``bot.analytics.turns.Turn``)."""

    __tablename__ = "turn_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    occurred_at = Column(DateTime(timezone=True), nullable=False, index=True)
    conversation = Column(String(64), nullable=False)
    channel = Column(String(32), nullable=False)
    intent = Column(String(64), nullable=True)
    confidence = Column(Float, nullable=True)
    fallback = Column(Boolean, nullable=False)
    out_of_scope = Column(Boolean, nullable=False)
    channel_line = Column(String(64), nullable=True)
    topic = Column(String(64), nullable=True)
    tier = Column(String(16), nullable=True)
    flags = Column(JSON, nullable=False)
    helpful = Column(Boolean, nullable=True)
    replies = Column(JSON, nullable=False)
    text = Column(Text, nullable=True)


class FeedbackRecord(Base):
    """One vote: was this version of this answer helpful."""

    __tablename__ = "feedback_votes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    occurred_at = Column(DateTime(timezone=True), nullable=False, index=True)
    conversation = Column(String(64), nullable=False)
    channel = Column(String(32), nullable=False)
    answer = Column(String(64), nullable=False)
    version = Column(Integer, nullable=False)
    helpful = Column(Boolean, nullable=False)
