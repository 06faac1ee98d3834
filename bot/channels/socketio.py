"""The web chat channel over socket.io, on the Rasa server's port (socket path ``/socket.io``).

Rasa's ``SocketIOInput`` provides the socket server, connect/disconnect and JWT checks; we replace
two of its event handlers:

- ``session_request``: Rasa 3.6 calls ``sio.enter_room()`` without awaiting it, and
  python-socketio 5.x made it a coroutine, so with ``session_persistence`` the patient never
  joined the room the bot answers in (every reply was lost). We await it.
- the user message event (``user_uttered``): the text goes through ``clean_inbound``; an empty
  one gets ``empty_message`` without calling Rasa; a turn that emitted nothing gets
  ``unavailable``; a message without a session id is answered on the socket instead of dropped.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer

from bot.channels.inbound import clean_inbound
from bot.channels.turns import (
    DEFAULT_TURN_TIMEOUT,
    UNAVAILABLE,
    OnNewMessage,
    PatientTurns,
    shared_services,
)
from bot.wiring import Services

logger = logging.getLogger(__name__)

CHANNEL = "socketio"


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output that counts what it emitted during one turn."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Count custom payloads too."""
        self.sent += 1
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class PatientSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with cleaning, working rooms and a reply to every message."""

    def __init__(
        self,
        *args: Any,
        turn_timeout: float | None = DEFAULT_TURN_TIMEOUT,
        services_factory: Callable[[], Services] = shared_services,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.turns = PatientTurns(
            CHANNEL, turn_timeout=turn_timeout, services_factory=services_factory
        )

    @classmethod
    def name(cls) -> str:
        """The channel's name, as actions and the tracker see it."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa's socket.io keys, plus ``turn_timeout`` (seconds)."""
        credentials = dict(credentials or {})
        timeout = float(credentials.pop("turn_timeout", None) or DEFAULT_TURN_TIMEOUT)
        channel = super().from_credentials(credentials)
        assert isinstance(channel, PatientSocketIOInput)
        channel.turns.timeout = timeout
        return channel

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket blueprint with our session and message handlers."""
        socket_blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        async def session_request(sid: str, data: Any) -> None:
            session_id = session_id_of(data) or uuid.uuid4().hex
            if self.session_persistence:
                await _enter_room(sio, sid, session_id, self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Any) -> None:
            await self.handle_message(sio, on_new_message, sid, data)

        async def shutdown(*_: Any) -> None:
            # Tell every client to go (they reconnect to another replica) and stop the pings.
            # engine.io's disconnect-all fails on an empty set (asyncio.wait([]) on 3.10).
            if sio.eio.sockets:
                await sio.eio.disconnect()
            if hasattr(sio, "shutdown"):  # python-socketio >= 5.11
                await sio.shutdown()

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        socket_blueprint.listener("before_server_stop")(shutdown)
        return socket_blueprint

    async def handle_message(
        self, sio: AsyncServer, on_new_message: OnNewMessage, sid: str, data: Any
    ) -> None:
        """Answer one patient message on the socket, whatever happens in Rasa."""
        data = data if isinstance(data, dict) else {"message": data}
        sender = await self._sender_of(sio, sid, data)
        output = CountingSocketIOOutput(sio, self.bot_message_evt)
        inbound = clean_inbound(data.get("message"))
        if inbound.empty:
            await self._say(output, sender, "empty_message")
            return
        message = UserMessage(
            inbound.text,
            output,
            sender,
            input_channel=CHANNEL,
            metadata=self._metadata_of(data),
        )
        own_lines = await self.turns.converse(on_new_message, message)
        for line in own_lines or []:
            await output.send_response(sender, {"text": line.text, "custom": line.custom})
        if own_lines is None and output.sent == 0:
            await self._say(output, sender, UNAVAILABLE)

    async def _sender_of(self, sio: AsyncServer, sid: str, data: dict[str, Any]) -> str:
        """The conversation id: the session id when sessions persist, else the socket id."""
        if not self.session_persistence:
            return sid
        session_id = session_id_of(data)
        if session_id is None:
            # Rasa drops such a message; answering on the socket itself beats silence.
            logger.warning("%s: message without session_id, answering on the socket", CHANNEL)
            return sid
        await _enter_room(sio, sid, session_id, self.namespace)  # rejoin after a server restart
        return session_id

    def _metadata_of(self, data: dict[str, Any]) -> dict[str, Any] | None:
        metadata = data.get(self.metadata_key or "metadata")
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = None
        return metadata if isinstance(metadata, dict) else None

    async def _say(self, output: SocketIOOutput, sender: str, item_id: str) -> None:
        await output.send_text_message(sender, await self.turns.line(item_id))


def session_id_of(data: Any) -> str | None:
    """The client's session id, if it sent a usable one."""
    session_id = data.get("session_id") if isinstance(data, dict) else None
    return str(session_id) if isinstance(session_id, str | int) and str(session_id) else None


async def _enter_room(sio: AsyncServer, sid: str, room: str, namespace: str | None) -> None:
    entered = sio.enter_room(sid, room, namespace=namespace)
    if inspect.isawaitable(entered):  # a coroutine since python-socketio 5.x
        await entered
