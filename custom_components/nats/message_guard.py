"""The wrapper every hub subscription's handler runs in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import inspect
import logging
from typing import cast

from .protocol.transport import NatsMsg

_LOGGER = logging.getLogger(__name__)


def guarded(
    handler: Callable[[NatsMsg], Awaitable[None]] | Callable[[NatsMsg], None],
) -> Callable[[NatsMsg], Awaitable[None]]:
    """Log whatever a handler did not expect with the message's subject.

    The client would hand it to error_cb without the subject; one bad message
    must never stop a subscription or go unnoticed. A plain function (the
    state, event and heartbeat handlers, which never wait) is called without
    a coroutine of its own: one object less per message on the ingest path.
    """
    if inspect.iscoroutinefunction(handler):
        awaited = cast("Callable[[NatsMsg], Awaitable[None]]", handler)

        async def _handle(msg: NatsMsg) -> None:
            try:
                await awaited(msg)
            except Exception:
                _LOGGER.exception("Unexpected error handling the message on %s", msg.subject)

        return _handle
    plain = _guarded_function(cast("Callable[[NatsMsg], None]", handler))

    async def _call(msg: NatsMsg) -> None:
        plain(msg)

    return _call


def guarded_plain(
    handler: Callable[[NatsMsg], Awaitable[None]] | Callable[[NatsMsg], None],
) -> Callable[[NatsMsg], Awaitable[None] | None]:
    """Guard a handler as guarded() does, for the own client, which also takes plain functions.

    A plain handler then stays plain: the client calls it in the read, with
    no coroutine and no task at all (the state path of every device).
    """
    if inspect.iscoroutinefunction(handler):
        return guarded(handler)
    return _guarded_function(cast("Callable[[NatsMsg], None]", handler))


def _guarded_function(called: Callable[[NatsMsg], None]) -> Callable[[NatsMsg], None]:
    """Guard a plain handler: the one try/log both guards use for functions."""

    def _call(msg: NatsMsg) -> None:
        try:
            called(msg)
        except Exception:
            _LOGGER.exception("Unexpected error handling the message on %s", msg.subject)

    return _call
