"""A subscription: hands its messages to a callback one at a time, in order, or queues them for next_msg."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
import logging
import operator
from typing import TYPE_CHECKING, Any, Final

import nats.errors

from .msg import Msg

if TYPE_CHECKING:
    from .client import Client

_LOGGER = logging.getLogger(__name__)

DEFAULT_PENDING_MSGS_LIMIT: Final = 512 * 1024
DEFAULT_PENDING_BYTES_LIMIT: Final = 128 * 1024 * 1024
"""nats-py's defaults: messages a slow callback may fall behind by before new ones are dropped."""

type MessageCallback = Callable[[Msg], Awaitable[None] | None]
"""An async function as for nats-py, or a plain one (called in place, nothing to await)."""
type RawMessage = tuple[str, str, bytes | None, bytes]
"""A message as it came off the wire: subject, reply subject, header block (or None), payload."""
type BatchCallback = Callable[[list[RawMessage]], None]
"""A plain function taking a subscription's messages several at a time, in order (a flood's hot path)."""
_PAYLOAD: Final = operator.itemgetter(3)


class Subscription:
    """One SUB on the server.

    A callback runs at once for each message, inside the read (see
    _start): when it finishes without waiting, which is the usual case, the
    message costs no task and no loop iteration. When it waits, or when the
    client has run enough callbacks in one read, later messages queue and
    run in the client's rounds over the backlogs, in order: a flood on one
    subscription neither starves the event loop nor holds up the messages
    of another (a command's reply behind 50,000 states). Past the pending
    limits, messages are dropped and the client's error callback is told
    (a slow consumer).

    A batch callback (`batch_cb`) takes the messages as they came off the
    wire, without a `Msg` each: those a read runs at once together, when
    the read ends or another subscription's callback is due (rounds.py),
    and those that wait for the client's rounds a round's worth
    (BATCH_PER_ROUND) at a time. That is the path of Home Assistant's state
    subscription (state_ingest.py), which a flood crosses 100,000 times a
    second.
    """

    __slots__ = (
        "_backlog",
        "_backlog_bytes",
        "_batch_cb",
        "_cb",
        "_client",
        "_closed",
        "_delivered",
        "_max",
        "_pending_bytes_limit",
        "_pending_msgs_limit",
        "_queue",
        "_running",
        "queue",
        "sid",
        "subject",
    )

    def __init__(
        self,
        client: Client,
        sid: int,
        subject: str,
        queue: str,
        cb: MessageCallback | None,
        pending_msgs_limit: int,
        pending_bytes_limit: int,
        batch_cb: BatchCallback | None = None,
    ) -> None:
        self._client = client
        self.sid = sid
        self.subject = subject
        self.queue = queue
        self._cb = cb
        self._batch_cb = batch_cb
        self._pending_msgs_limit = pending_msgs_limit
        self._pending_bytes_limit = pending_bytes_limit
        self._backlog: deque[RawMessage] = deque()
        """Messages waiting for the callback: subject, reply, header block, payload."""
        self._backlog_bytes = 0
        self._running: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[Msg | None] | None = (
            None if cb is not None or batch_cb is not None else asyncio.Queue()
        )
        self._delivered = 0
        self._max = 0
        self._closed = False

    @property
    def delivered(self) -> int:
        """Messages received so far."""
        return self._delivered

    @property
    def remaining(self) -> int:
        """Messages still to come before an unsubscribe with a limit ends the subscription (0: no limit)."""
        return self._max - self._delivered if self._max else 0

    @property
    def pending_msgs(self) -> int:
        """Messages received and not yet handed over."""
        return len(self._backlog) + (self._queue.qsize() if self._queue is not None else 0)

    def deliver(self, subject: str, reply: str, header: bytes | None, payload: bytes, *, later: bool) -> None:
        """Hand over one message (called by the client for each message on this sid).

        `later`: the client has run enough callbacks in this read; the message
        waits for the client's next round over the backlogs (fairness).
        """
        if self._closed:
            return
        self._delivered += 1
        if self._max and self._delivered >= self._max:
            self._client.forget(self)
            self._closed = True
        if self._queue is not None:
            if self._queue.qsize() >= self._pending_msgs_limit:
                self._slow_consumer(subject, reply)
                return
            self._queue.put_nowait(Msg(self._client, self.sid, subject, reply, header, payload))
            if self._closed:
                self._queue.put_nowait(None)
            return
        if later or self._running is not None or self._backlog:
            if (
                len(self._backlog) >= self._pending_msgs_limit
                or self._backlog_bytes + len(payload) > self._pending_bytes_limit
            ):
                self._slow_consumer(subject, reply)
                return
            # A tuple, not a Msg: a flood read ahead of its callbacks waits here, and tuples of
            # strings and bytes leave the garbage collector's lists (a Msg would be promoted to
            # the oldest generation and set off full collections of Home Assistant's heap).
            backlog = self._backlog
            backlog.append((subject, reply, header, payload))
            self._backlog_bytes += len(payload)
            if len(backlog) == 1 and self._running is None:
                # Its first: a subscription with a backlog is in the rounds until it is empty.
                self._client.rounds.backlogged(self)
            return
        if self._batch_cb is not None:
            self._client.rounds.hold(self, (subject, reply, header, payload))
            return
        self._client.rounds.release()  # the held messages came first on the wire
        self._start(Msg(self._client, self.sid, subject, reply, header, payload))

    def run_backlog(self, count: int) -> None:
        """Run up to count queued messages (the client's round over the backlogs); ask for another round."""
        backlog = self._backlog
        if self._batch_cb is not None:
            batch = [backlog.popleft() for _ in range(min(count, len(backlog)))]
            self._backlog_bytes -= sum(map(len, map(_PAYLOAD, batch)))
            self.run_batch(batch)
            if backlog:
                self._client.rounds.backlogged(self)
            return
        client, sid = self._client, self.sid
        while count and backlog and self._running is None:
            count -= 1
            subject, reply, header, payload = backlog.popleft()
            self._backlog_bytes -= len(payload)
            self._start(Msg(client, sid, subject, reply, header, payload))
        if backlog and self._running is None:
            self._client.rounds.backlogged(self)

    def _start(self, msg: Msg) -> None:
        """Run the callback for msg here and now; it keeps a task only if it waits.

        A plain function (Home Assistant's state handlers) is just called. A
        coroutine runs in an eager task: its first step runs here, inside the
        read, with the task as asyncio's current task (asyncio.timeout and
        wait_for need one), and a callback that finishes without waiting is
        done before the next message, with no loop iteration of its own.
        """
        cb = self._cb
        assert cb is not None
        try:
            result = cb(msg)
        except Exception as err:  # noqa: BLE001 - a callback's error must not stop the subscription
            self._failed(err)
            return
        if result is None or not isinstance(result, Coroutine):
            return  # a plain function's None (no ABC check per message), or an awaitable nobody awaits
        task = asyncio.Task(self._guard(result), loop=self._client.loop, eager_start=True)
        if not task.done():
            self._running = task
            task.add_done_callback(self._finished)

    def run_batch(self, batch: list[RawMessage]) -> None:
        """Hand messages to the batch callback, which handles (and logs) each one's errors itself."""
        assert self._batch_cb is not None
        try:
            self._batch_cb(batch)
        except Exception as err:  # noqa: BLE001 - a callback's error must not stop the subscription
            self._failed(err)

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except Exception as err:  # noqa: BLE001 - a callback's error must not stop the subscription
            self._failed(err)

    def _finished(self, _task: asyncio.Task[None]) -> None:
        """Hand the messages that queued behind a callback that waited to the client's rounds."""
        self._running = None
        if self._backlog:
            self._client.rounds.backlogged(self)

    def _failed(self, err: Exception) -> None:
        _LOGGER.error("Callback for %s failed", self.subject, exc_info=err)
        self._client.report_soon(err)

    def _slow_consumer(self, subject: str, reply: str) -> None:
        self._client.report_soon(
            nats.errors.SlowConsumerError(subject=subject, reply=reply, sid=self.sid, sub=self)  # type: ignore[arg-type]
        )

    async def next_msg(self, timeout: float | None = 1.0) -> Msg:
        """Return the next message of a subscription without callback."""
        if self._queue is None:
            raise nats.errors.Error("next_msg needs a subscription without callback")
        if self._closed and self._queue.empty():
            raise nats.errors.ConnectionClosedError
        try:
            async with asyncio.timeout(timeout):
                msg = await self._queue.get()
        except TimeoutError:
            raise nats.errors.TimeoutError from None
        if msg is None:
            raise nats.errors.ConnectionClosedError
        return msg

    @property
    def messages(self) -> AsyncIterator[Msg]:
        """The messages of a subscription without callback, until it ends."""
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Msg]:
        while True:
            try:
                yield await self.next_msg(timeout=None)
            except nats.errors.ConnectionClosedError:
                return

    async def unsubscribe(self, limit: int = 0) -> None:
        """End the subscription now, or after `limit` messages in all."""
        if self._closed:
            raise nats.errors.BadSubscriptionError
        if limit and self._delivered < limit:
            self._max = limit
            self._client.send_unsub(self.sid, limit)
            return
        self.close()
        self._client.send_unsub(self.sid)

    async def drain(self) -> None:
        """Unsubscribe, then wait until every message received so far was handled."""
        if not self._closed:
            self.close(discard=False)
            self._client.send_unsub(self.sid)
        await self.wait_handled()

    async def wait_handled(self) -> None:
        """Wait until the callback has handled every message received."""
        while self._running is not None or self._backlog:
            if self._running is not None:
                await asyncio.shield(self._running)
            else:
                await asyncio.sleep(0)  # the client's next round over the backlogs

    def close(self, *, discard: bool = True) -> None:
        """Take no more messages (the connection closed, or the subscription ended).

        Messages still queued for the callback are dropped, as nats-py drops
        them on unsubscribe and close, unless the subscription is draining.
        """
        if discard:
            self._backlog.clear()
            self._backlog_bytes = 0
        if self._closed:
            return
        self._closed = True
        self._client.forget(self)
        if self._queue is not None:
            self._queue.put_nowait(None)
