"""Read back everything a home's streams keep: the last message of every subject, with its age.

One ephemeral push consumer per subject filter, without acks, delivering
the last message per subject to a plain subscription: the server sends
the whole stream at once, 100,000 messages in about a second (a direct get
per subject, one request each, would take minutes; nats-py's pull fetch
takes three times as long). A plain subscription also leaves none of the
heartbeat and flow-control tasks of nats-py's ordered consumer behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import logging
import secrets
import time
from typing import Final

from nats.aio.client import Client
from nats.aio.msg import Msg
import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
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
    name = f"nats_home_read_{secrets.token_hex(8)}"
    now = time.time()
    read: list[RetainedMessage] = []
    done = asyncio.get_running_loop().create_future()

    async def _on_message(msg: Msg) -> None:
        metadata = msg.metadata  # from the $JS.ACK reply subject: stored when, and how many are left
        # A clock ahead on the server must not make a message younger than now.
        read.append(RetainedMessage(msg.subject, msg.data, max(0.0, now - metadata.timestamp.timestamp())))
        if metadata.num_pending == 0 and not done.done():
            done.set_result(None)

    # Subscribed before the consumer exists, so its first message cannot be missed.
    inbox = client.new_inbox()
    subscription = await client.subscribe(
        inbox, cb=_on_message, pending_msgs_limit=_PENDING_LIMIT, pending_bytes_limit=_PENDING_LIMIT
    )
    try:
        info = await js.add_consumer(
            stream,
            ConsumerConfig(
                name=name,
                deliver_subject=inbox,
                filter_subject=subject,
                deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
                ack_policy=AckPolicy.NONE,
                mem_storage=True,
                inactive_threshold=READ_TIMEOUT,  # the server cleans up after a reader that vanished
            ),
        )
        if info.num_pending:  # else the filter matches nothing: no message will come
            await asyncio.wait_for(done, READ_TIMEOUT)
    except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as err:
        _LOGGER.warning(
            "Read %d retained messages of %s from JetStream stream %s before %s; "
            "devices fill in the rest when they speak",
            len(read),
            subject,
            stream,
            "the time ran out" if isinstance(err, TimeoutError) else err,
        )
    finally:
        with contextlib.suppress(nats.errors.Error, nats.js.errors.Error):
            await subscription.unsubscribe()
            await js.delete_consumer(stream, name)
    return read
