"""Confirmed commands: a NATS request whose reply says whether the device obeyed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.exceptions import HomeAssistantError

from nats.aio.client import Client
import nats.errors

from .const import DOMAIN
from .protocol.errors import ProtocolError
from .protocol.expiry import EXPIRED_ERROR
from .protocol.models import Reply
from .protocol.payloads import encode, parse_reply


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_send_command(
    client: Client | None,
    subject: str,
    payload: dict[str, Any],
    *,
    device: str,
    timeout: float,
    on_no_responders: Callable[[], None] | None = None,
) -> Reply:
    """Send a command and return the device's positive reply.

    Every way it can fail raises a translated HomeAssistantError naming the
    device, so a service call never silently does nothing.
    """
    if client is None or not client.is_connected:
        raise _error("not_connected", device=device)
    try:
        msg = await client.request(subject, encode(payload), timeout=timeout)
    except nats.errors.NoRespondersError:
        if on_no_responders is not None:
            on_no_responders()
        raise _error("device_offline", device=device) from None
    except (TimeoutError, nats.errors.TimeoutError):
        raise _error("command_timeout", device=device, timeout=f"{timeout:g}") from None
    except nats.errors.Error as err:
        raise _error("command_failed", device=device, error=str(err)) from err
    try:
        reply = parse_reply(msg.data)
    except ProtocolError as err:
        raise _error("invalid_reply", device=device, error=str(err)) from None
    if not reply.ok:
        if reply.error == EXPIRED_ERROR:
            ttl = payload.get("ttl", 0) / 1000
            raise _error("command_expired", device=device, ttl=f"{ttl:g}")
        raise _error("command_rejected", device=device, error=reply.error or "no reason given")
    return reply
