"""A fake Twilio REST API on 127.0.0.1 that records ``Messages.json`` posts.

``statuses`` scripts the answers: ``FakeTwilio(statuses=[500, 201])`` fails the first post and
accepts the next; once the script is used up every post gets 201.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class SentMessage:
    """One post to ``Messages.json``."""

    account_sid: str
    to: str
    from_: str
    body: str
    auth: tuple[str, str]
    status: int


@dataclass
class FakeTwilio:
    """The fake API; ``base_url`` is valid between ``start()`` and ``stop()``."""

    statuses: list[int] = field(default_factory=list)
    posts: list[SentMessage] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def accepted(self) -> list[SentMessage]:
        """The posts answered with 201: the SMS a patient would have received."""
        return [post for post in self.posts if post.status == 201]

    async def start(self) -> FakeTwilio:
        """Serve on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """The accepted messages once there are at least ``count`` of them."""

        async def enough() -> None:
            while len(self.accepted) < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(enough(), timeout)
        return self.accepted

    async def _messages(self, request: web.Request) -> web.Response:
        form = await request.post()
        status = self.statuses.pop(0) if self.statuses else 201
        self.posts.append(
            SentMessage(
                account_sid=request.match_info["sid"],
                to=str(form.get("To", "")),
                from_=str(form.get("From", "")),
                body=str(form.get("Body", "")),
                auth=_basic_auth(request.headers.get("Authorization", "")),
                status=status,
            )
        )
        self._arrived.set()
        if status == 201:
            return web.json_response(
                {"sid": f"SM{len(self.posts):032d}", "status": "queued"}, status=201
            )
        return web.json_response(
            {
                "code": 20500,
                "message": f"Internal error sending to {form.get('To')}",
                "status": status,
            },
            status=status,
        )


def _basic_auth(header: str) -> tuple[str, str]:
    if not header.startswith("Basic "):
        return ("", "")
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return (user, password)
