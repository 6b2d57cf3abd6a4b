"""Requests: one inbox subscription per connection answers them all, as nats-py's new-style requests."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

import nats.errors

from .msg import Msg

if TYPE_CHECKING:
    from .client import Client


class Requests:
    """Requests in flight, each waiting for the first message on its own subject below the inbox."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._prefix = ""
        self._ids = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[Msg]] = {}

    async def request(
        self, subject: str, payload: bytes, timeout: float, headers: dict[str, str] | None
    ) -> Msg:
        """Publish a request and return its first reply; raise nats-py's errors (timeout, no responders)."""
        client = self._client
        if not self._prefix:
            self._prefix = f"{client.new_inbox()}."  # before waiting: a second request reuses it
            try:
                await client.subscribe(f"{self._prefix}*", cb=self._on_response)
            except BaseException:
                self._prefix = ""
                raise
        token = str(next(self._ids))
        future: asyncio.Future[Msg] = client.loop.create_future()
        self._waiting[token] = future
        timer = client.loop.call_later(timeout, _expire, future)
        try:
            await client.publish(subject, payload, reply=self._prefix + token, headers=headers)
            msg = await future
        finally:
            timer.cancel()
            self._waiting.pop(token, None)
        if not msg.data and msg.is_no_responders:
            raise nats.errors.NoRespondersError
        return msg

    def _on_response(self, msg: Msg) -> None:
        future = self._waiting.get(msg.subject[len(self._prefix) :])
        if future is not None and not future.done():
            future.set_result(msg)

    def fail_all(self, err: Exception) -> None:
        """End every request in flight with err (the client closed)."""
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(err)


def _expire(future: asyncio.Future[Msg]) -> None:
    if not future.done():
        future.set_exception(nats.errors.TimeoutError())
