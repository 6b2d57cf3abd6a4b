"""Commands in flight: each waits for its device's reply or for the state that acknowledges it.

A command is published with a reply subject of its own below one inbox
subscription per connection, and with ACK_HEADER (docs/protocol.md,
Acknowledgement by state, protocol 1.7). A device that obeys may then
publish its new state carrying that reply subject in ACK_HEADER instead of
replying: one message less on each side of the broker, and the state Home
Assistant must handle anyway is the confirmation. Refusals, stateless
commands and devices before 1.7 still reply; the server answers "no
responders" on the same subject. nats-py's own `request` cannot be told
that a state message answers it, hence this small request-reply of our own
over its public publish and subscribe.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import itertools
from typing import Final

import nats.errors

from .protocol.acknowledgement import ACK_BY_STATE, ACK_HEADER
from .protocol.transport import NatsClient, NatsMsg

STATUS_HEADER: Final = "Status"
NO_RESPONDERS: Final = "503"
"""The status nats-server sends to a request's reply subject when nobody holds its subject."""
ACK_BY_STATE_HEADERS: Final = {ACK_HEADER: ACK_BY_STATE}
"""The headers of every command (never changed: a traced command gets a copy)."""


@dataclass(frozen=True, slots=True)
class StateAck:
    """The device obeyed and published its new state, which the hub has applied and written.

    `invalid`: the state failed validation (and was logged as such), so the
    command is answered with an invalid reply rather than left to time out.
    """

    invalid: bool = False


class CommandInbox:
    """One inbox subscription answering every command of a connection."""

    def __init__(self) -> None:
        """Nothing is subscribed until async_start."""
        self._prefix = ""
        self._ids = itertools.count()
        self._pending: dict[str, tuple[str, asyncio.Future[NatsMsg | StateAck]]] = {}
        """reply subject → (the commanded entity's subject without its last token, the answer)"""

    async def async_start(self, client: NatsClient) -> None:
        """Subscribe to this connection's command inbox (the client renews it on reconnect)."""
        self._prefix = client.new_inbox()
        await client.subscribe(f"{self._prefix}.*", cb=self._on_reply)

    async def async_request(
        self, client: NatsClient, subject: str, data: bytes, timeout: float, headers: dict[str, str] | None
    ) -> NatsMsg | StateAck:
        """Publish a command and return its reply or StateAck; raise as nats-py's `request` would."""
        reply_to = f"{self._prefix}.{next(self._ids)}"
        loop = asyncio.get_running_loop()
        future: asyncio.Future[NatsMsg | StateAck] = loop.create_future()
        self._pending[reply_to] = (subject.rpartition(".")[0], future)
        # A timer that fails the future, not asyncio.timeout around the await: the same
        # TimeoutError, without a Timeout object to enter and leave on every command.
        expiry = loop.call_later(timeout, _expire, future)
        try:
            await client.publish(
                subject,
                data,
                reply=reply_to,
                headers=ACK_BY_STATE_HEADERS if headers is None else {**ACK_BY_STATE_HEADERS, **headers},
            )
            return await future
        finally:
            expiry.cancel()
            self._pending.pop(reply_to, None)

    def acknowledge(self, reply_to: str, state_subject: str, *, invalid: bool = False) -> bool:
        """Answer the command whose reply subject a state message carried; False if none waits.

        Only the commanded entity's own state answers: reply subjects are easy to
        guess, and per-device permissions keep a device to its own subjects, so a
        device cannot confirm a command sent to another.
        """
        pending = self._pending.get(reply_to)
        if pending is None or pending[0] != state_subject.rpartition(".")[0] or pending[1].done():
            return False
        del self._pending[reply_to]
        pending[1].set_result(StateAck(invalid))
        return True

    async def _on_reply(self, msg: NatsMsg) -> None:
        pending = self._pending.pop(msg.subject, None)
        if pending is None or (future := pending[1]).done():
            return  # a late answer to a command that has timed out
        if msg.headers is not None and msg.headers.get(STATUS_HEADER) == NO_RESPONDERS:
            future.set_exception(nats.errors.NoRespondersError())
        else:
            future.set_result(msg)


def _expire(future: asyncio.Future[NatsMsg | StateAck]) -> None:
    """Fail a command nobody answered in time, as asyncio.timeout would have."""
    if not future.done():
        future.set_exception(TimeoutError())
