"""A Rasa event broker that records one ``turn_events`` row per turn (``endpoints.yml``).

Why an event broker, not the tracker store:

- It is Rasa's own seam for following conversations: Rasa hands it every new event of a
  conversation, in order, each time it saves the tracker, whatever tracker store runs. The tracker
  store keeps its one job (conversations, stored redacted) and stays swappable; the recording is
  switched off by deleting three lines of ``endpoints.yml``.
- A turn arrives whole: Rasa saves the tracker once per turn and publishes that save's events one
  after another with nothing else running on the event loop in between, so a callback scheduled
  with ``call_soon`` from the first of them sees the whole turn (user message, bot replies).
- It cannot fail a turn: ``publish`` only appends to a list; the rows are built and written by one
  worker thread, and a failed write is logged by its error class only (never text or ids). A
  slow database holds at most ``MAX_PENDING`` batches; beyond that batches are dropped (logged).

Its costs: Rasa 3.6's tracker stores read the whole conversation back at each save to find the
new events for a broker (19 ms a turn after 10 turns, 47 ms after 30, on SQLite here); ours
counts the stored events instead (about 1 ms, ``bot.stores.rasa_stores``) and hands them on
redacted. Any other store may hand on what the patient wrote in clear, so the text is redacted
here too (``bot.analytics.turns``) and kept only for fallback and out-of-scope turns; the
conversation id is stored as its keyed hash (``bot.privacy``), as in ``escalation_records``.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from asyncio import AbstractEventLoop
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.analytics.repository import TurnEventRepository
from bot.analytics.turns import turns_of
from bot.privacy import pseudonym
from bot.wiring import Services

logger = logging.getLogger(__name__)

MAX_PENDING = 1000  # batches (saves) waiting for the writer before new ones are dropped
RECORDED_EVENTS = ("user", "bot")
Batch = dict[str, list[dict[str, Any]]]  # sender id -> that sender's events of one save
Wiring = Callable[[], tuple[TurnEventRepository, str]]


def _from_services() -> tuple[TurnEventRepository, str]:
    services = Services()
    return services.turn_events(), services.settings.hash_salt


class TurnEventBroker(EventBroker):
    """Collects each save's events on the event loop; a worker thread stores them as turns."""

    def __init__(self, wiring: Wiring = _from_services, *, max_pending: int = MAX_PENDING) -> None:
        """``wiring`` gives the repository and the pseudonyms' key, in the worker, on first use."""
        self._wiring = wiring
        self._store: tuple[TurnEventRepository, str] | None = None
        self._batch: Batch = {}
        self._room = threading.BoundedSemaphore(max_pending)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="turn-events")

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> TurnEventBroker:
        """``event_broker: type: bot.analytics.broker.TurnEventBroker``; it takes no options."""
        return cls()

    def publish(self, event: dict[str, Any]) -> None:
        """Keep a user or bot event; the save's events are handed on once all are published."""
        if event.get("event") not in RECORDED_EVENTS:
            return
        first = not self._batch
        self._batch.setdefault(str(event.get("sender_id")), []).append(event)
        if first:
            self._after_this_save(self._hand_on)

    async def close(self) -> None:
        """Hand on what was published, then wait for the writer to finish."""
        self._hand_on()
        await asyncio.to_thread(self._writer.shutdown, wait=True)

    @staticmethod
    def _after_this_save(callback: Callable[[], None]) -> None:
        try:
            asyncio.get_running_loop().call_soon(callback)
        except RuntimeError:  # outside an event loop (Rasa always has one): each event alone
            callback()

    def _hand_on(self) -> None:
        batch, self._batch = self._batch, {}
        if not batch:
            return
        if not self._room.acquire(blocking=False):
            logger.error("turn events: the writer is behind, a batch was dropped")
            return
        try:
            self._writer.submit(self._write, batch)
        except RuntimeError as error:  # closed
            self._room.release()
            logger.error("turn events not recorded (%s)", type(error).__name__)

    def _write(self, batch: Batch) -> None:
        try:
            repo, salt = self._wired()
            repo.add([turn for sender, events in batch.items()
                      for turn in turns_of(pseudonym(sender, salt), events)])
        except Exception as error:  # noqa: BLE001 - recording must never reach a conversation
            logger.error("turn events not recorded (%s)", type(error).__name__)
        finally:
            self._room.release()

    def _wired(self) -> tuple[TurnEventRepository, str]:
        if self._store is None:
            self._store = self._wiring()
        return self._store
