"""Every message a test subscribed to, awaitable by subject."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib

from nats.aio.msg import Msg


class Recorder:
    """Every message on the subscribed subjects, awaitable by subject."""

    def __init__(self) -> None:
        self.messages: list[Msg] = []
        self._arrived = asyncio.Event()

    async def handler(self, msg: Msg) -> None:
        """Subscription callback."""
        self.messages.append(msg)
        self._arrived.set()

    def mark(self) -> int:
        """Position to wait from: only messages after it count."""
        return len(self.messages)

    async def wait_for(
        self,
        subject: str | None,
        predicate: Callable[[Msg], bool] = lambda _: True,
        timeout: float = 5.0,
        since: int = 0,
    ) -> Msg:
        """First message on subject (any subject if None, after since) that satisfies predicate."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = since
        while True:
            while index < len(self.messages):
                msg = self.messages[index]
                index += 1
                if subject in (None, msg.subject) and predicate(msg):
                    return msg
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = sorted({m.subject for m in self.messages[since:]})
                raise AssertionError(f"nothing matching on {subject} within {timeout} s; saw {seen}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
