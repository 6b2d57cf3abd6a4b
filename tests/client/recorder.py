"""What a client's callbacks report and what its subscriptions receive, with waits on both."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from nats_home.client import Msg


class Recorder:
    """Records the client's callbacks (errors, disconnects, ...) and received messages.

    Tests wait on what was recorded (`wait_for`) instead of sleeping.
    """

    def __init__(self) -> None:
        self.errors: list[Exception] = []
        self.events: list[str] = []
        self.msgs: list[Msg] = []
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], object], timeout: float = 5) -> None:
        """Return once predicate() is true; it is checked after every recorded callback."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                if predicate():
                    return
                await changed.wait()

    async def wait_msgs(self, count: int, timeout: float = 5) -> list[bytes]:
        """Return the payloads once `count` messages were received."""
        await self.wait_for(lambda: len(self.msgs) >= count, timeout)
        return self.data

    async def wait_event(self, event: str, count: int = 1, timeout: float = 5) -> None:
        """Return once callback `event` (disconnected, reconnected, closed, discovered) ran `count` times."""
        await self.wait_for(lambda: self.events.count(event) >= count, timeout)

    @property
    def data(self) -> list[bytes]:
        """The payloads received, in order."""
        return [msg.data for msg in self.msgs]

    def errors_of(self, kind: type[Exception]) -> list[Exception]:
        """The errors reported of a kind."""
        return [err for err in self.errors if isinstance(err, kind)]

    async def on_msg(self, msg: Msg) -> None:
        """A subscription callback."""
        self.msgs.append(msg)
        self._notify()

    async def error_cb(self, err: Exception) -> None:
        """The client's error callback."""
        self.errors.append(err)
        self._notify()

    async def disconnected_cb(self) -> None:
        """The client's disconnected callback."""
        self._event("disconnected")

    async def reconnected_cb(self) -> None:
        """The client's reconnected callback."""
        self._event("reconnected")

    async def closed_cb(self) -> None:
        """The client's closed callback."""
        self._event("closed")

    async def discovered_server_cb(self) -> None:
        """The client's discovered server callback."""
        self._event("discovered")

    def _event(self, name: str) -> None:
        self.events.append(name)
        self._notify()

    def callbacks(self) -> dict[str, Any]:
        """connect() keyword arguments that record every callback."""
        return {
            "error_cb": self.error_cb,
            "disconnected_cb": self.disconnected_cb,
            "reconnected_cb": self.reconnected_cb,
            "closed_cb": self.closed_cb,
            "discovered_server_cb": self.discovered_server_cb,
        }
