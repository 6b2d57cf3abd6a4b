"""Read back everything a home's streams keep: the last message of every subject, with its age.

One ordered consumer per subject filter: the server pushes the whole
stream in order, with flow control, which reads 100,000 messages in about
a second (a direct get per subject, one request each, would take minutes).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import time
from typing import Final

from nats.aio.client import Client
from nats.aio.msg import Msg
import nats.errors
from nats.js.api import DeliverPolicy
import nats.js.errors

_LOGGER = logging.getLogger(__name__)

READ_TIMEOUT: Final = 30.0
"""Seconds one stream may take to read back before the rest is left to the devices."""
_PENDING_LIMIT: Final = -1
"""The whole stream arrives at once; nats-py must not drop any of it as a slow consumer."""


@dataclass(frozen=True, slots=True)
class RetainedMessage:
    """The last message of one subject and how many seconds ago the server stored it."""

    subject: str
    data: bytes
    age: float


async def async_read_last_messages(client: Client, stream: str, subject: str) -> list[RetainedMessage]:
    """Return the last message of every subject of a stream matching a filter.

    A stream that is missing, empty or unreadable gives what could be read
    (logged); devices fill in the rest when they speak.
    """
    js = client.jetstream(timeout=5)
    read: list[RetainedMessage] = []
    done = asyncio.get_running_loop().create_future()
    now = time.time()

    async def _on_message(msg: Msg) -> None:
        metadata = msg.metadata
        # A clock ahead on the server must not make a message younger than now.
        read.append(RetainedMessage(msg.subject, msg.data, max(0.0, now - metadata.timestamp.timestamp())))
        if metadata.num_pending == 0 and not done.done():
            done.set_result(None)

    try:
        subscription = await js.subscribe(
            subject,
            stream=stream,
            cb=_on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
            pending_msgs_limit=_PENDING_LIMIT,
            pending_bytes_limit=_PENDING_LIMIT,
        )
    except (nats.errors.Error, nats.js.errors.Error) as err:
        _LOGGER.warning(
            "Cannot read JetStream stream %s back (%s); devices fill it in when they speak", stream, err
        )
        return []
    try:
        info = await subscription.consumer_info()
        delivered = info.delivered.consumer_seq if info.delivered is not None else 0
        if info.num_pending or delivered:  # else the filter matches nothing: no message will come
            await asyncio.wait_for(done, READ_TIMEOUT)
    except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as err:
        _LOGGER.warning(
            "Read %d retained messages of %s before %s; devices fill in the rest when they speak",
            len(read),
            subject,
            "the time ran out" if isinstance(err, TimeoutError) else err,
        )
    finally:
        await subscription.unsubscribe()
    return read
