"""Fairness between subscriptions: a burst's callbacks run in rounds, the event loop running between them.

A read of the socket may hold thousands of messages. The first
INLINE_PER_READ run at once, inside the read; the rest queue on their
subscriptions (subscription.py), and each round runs up to BATCH_PER_ROUND
of every subscription with a backlog, in turn. So a flood on one
subscription neither starves the event loop nor holds up another
subscription's message behind it (a command's reply behind a device's
50,000 states).

A batch subscription's messages that run inside the read are held and
handed over together: at the end of the read, or before any other
callback of the read runs, so the order across subscriptions stays the
order on the wire (a device's state before its reply to the command
that set it).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .subscription import RawMessage, Subscription

INLINE_PER_READ: Final = 100
"""Callbacks run inside one read of the socket; the rest of a burst queues for the rounds."""
BATCH_PER_ROUND: Final = 100
"""Messages each backlogged subscription runs per round; the event loop runs between rounds."""


class Rounds:
    """Counts the callbacks of a read, and runs the backlogs round by round."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._read_count = 0
        self._waiting: dict[Subscription, None] = {}
        """Subscriptions with messages waiting for a round, in the order they got them."""
        self._round: asyncio.Handle | None = None
        self._held: Subscription | None = None
        """The batch subscription whose messages of this read wait in _held_batch."""
        self._held_batch: list[RawMessage] = []

    def read_started(self) -> None:
        """Count the callbacks of a new read from zero."""
        self._read_count = 0

    def hold(self, sub: Subscription, message: RawMessage) -> None:
        """Keep a batch subscription's message of this read, to hand over with the read's others."""
        if self._held is not sub:
            self.release()
            self._held = sub
        self._held_batch.append(message)

    def release(self) -> None:
        """Hand the held messages over: at the end of the read, and before another callback runs."""
        sub = self._held
        if sub is not None:
            batch, self._held, self._held_batch = self._held_batch, None, []
            sub.run_batch(batch)

    def later(self) -> bool:
        """Count one message of this read; True once the read has run its share of callbacks."""
        self._read_count += 1
        return self._read_count > INLINE_PER_READ

    def backlogged(self, sub: Subscription) -> None:
        """Give sub a turn in the next round."""
        self._waiting[sub] = None
        if self._round is None:
            self._round = self._loop.call_soon(self._run_round)

    def _run_round(self) -> None:
        """Run a batch of every backlogged subscription, each in turn."""
        self._round = None
        subs, self._waiting = self._waiting, {}
        for sub in subs:
            sub.run_backlog(BATCH_PER_ROUND)

    def cancel(self) -> None:
        """Run no more rounds (the client closed)."""
        if self._round is not None:
            self._round.cancel()
            self._round = None
        self._waiting.clear()
        self._held, self._held_batch = None, []
