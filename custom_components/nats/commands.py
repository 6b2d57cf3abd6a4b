"""Confirmed commands: a NATS request answered by a reply saying whether the device obeyed, or its state."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
import time
from typing import Any, Final

from homeassistant.exceptions import HomeAssistantError

import nats.errors

from .command_inbox import CommandInbox, StateAck
from .const import DOMAIN
from .device_history import (
    OUTCOME_EXPIRED,
    OUTCOME_FAILED,
    OUTCOME_INVALID_REPLY,
    OUTCOME_NO_RESPONDERS,
    OUTCOME_NOT_CONNECTED,
    OUTCOME_OK,
    OUTCOME_REFUSED,
    OUTCOME_TIMEOUT,
    CommandRecorder,
)
from .protocol.errors import ProtocolError
from .protocol.expiry import EXPIRED_ERROR
from .protocol.models import Reply
from .protocol.payloads import encode, parse_reply
from .protocol.transport import NatsClient

TRACE_HEADER: Final = "Nats-Trace-Dest"
"""nats-server 2.11+ publishes every hop of a message carrying it to the subject it names."""

INVALID_ACK: Final = "the state acknowledging the command is invalid (see the log)"

trace_destination: ContextVar[str | None] = ContextVar("nats_trace_destination", default=None)
"""Set by the trace action (message_trace.py) around one entity command: that command carries
TRACE_HEADER. A context variable, so the command goes through the entity's own code unchanged
and no other command sent meanwhile is traced."""


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_send_command(
    client: NatsClient | None,
    inbox: CommandInbox,
    subject: str,
    payload: dict[str, Any],
    *,
    device: str,
    timeout: float,
    on_no_responders: Callable[[], None] | None = None,
    record: CommandRecorder | None = None,
) -> Reply:
    """Send a command and return the device's positive reply.

    A command acknowledged by the device's new state (command_inbox.py) returns
    `Reply(ok=True)` without a state: the hub has applied and written that
    state already. Every way it can fail raises a translated
    HomeAssistantError naming the device, so a service call never silently
    does nothing; `record` learns the outcome and round-trip time (the
    device's diagnostics).
    """
    destination = trace_destination.get()
    started = time.monotonic()

    def _done(outcome: str, error: str | None = None) -> None:
        if record is not None:
            elapsed = round((time.monotonic() - started) * 1000, 1)
            traced = destination is not None
            record(outcome, error, elapsed if outcome != OUTCOME_NOT_CONNECTED else None, traced)

    if client is None or not client.is_connected:
        _done(OUTCOME_NOT_CONNECTED)
        raise _error("not_connected", device=device)
    headers = {TRACE_HEADER: destination} if destination is not None else None
    try:
        answer = await inbox.async_request(client, subject, encode(payload), timeout, headers)
    except nats.errors.NoRespondersError:
        _done(OUTCOME_NO_RESPONDERS)
        if on_no_responders is not None:
            on_no_responders()
        raise _error("device_offline", device=device) from None
    except (TimeoutError, nats.errors.TimeoutError):
        _done(OUTCOME_TIMEOUT, f"no answer within {timeout:g} s")
        raise _error("command_timeout", device=device, timeout=f"{timeout:g}") from None
    except nats.errors.Error as err:
        _done(OUTCOME_FAILED, str(err))
        raise _error("command_failed", device=device, error=str(err)) from err
    if isinstance(answer, StateAck):
        if answer.invalid:
            _done(OUTCOME_INVALID_REPLY, INVALID_ACK)
            raise _error("invalid_reply", device=device, error=INVALID_ACK)
        _done(OUTCOME_OK)
        return Reply(ok=True)
    try:
        reply = parse_reply(answer.data)
    except ProtocolError as err:
        _done(OUTCOME_INVALID_REPLY, str(err))
        raise _error("invalid_reply", device=device, error=str(err)) from None
    if not reply.ok:
        if reply.error == EXPIRED_ERROR:
            _done(OUTCOME_EXPIRED, reply.error)
            ttl = payload.get("ttl", 0) / 1000
            raise _error("command_expired", device=device, ttl=f"{ttl:g}")
        _done(OUTCOME_REFUSED, reply.error or "no reason given")
        raise _error("command_rejected", device=device, error=reply.error or "no reason given")
    _done(OUTCOME_OK)
    return reply
