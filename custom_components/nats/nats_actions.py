"""The actions nats.publish and nats.request: any NATS subject from an automation or script.

Like MQTT's publish action: the payload is text as given, or JSON when the
action data holds a mapping or a list (a template rendering one counts).
A request returns the reply as response data. Every failure is a
translated error naming the subject: no responders, a timeout, the
server refusing the subject (a permissions violation), a malformed subject,
no connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from typing import Any, Final

import probatio as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.json import json_bytes
from homeassistant.util.json import json_loads

import nats.errors

from .const import DOMAIN
from .hub import NatsHub
from .protocol.transport import NatsClient, NatsMsg
from .runtime import NatsConfigEntry
from .subject_rules import subject_problem

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_SUBJECT: Final = "subject"
ATTR_PAYLOAD: Final = "payload"
ATTR_HEADERS: Final = "headers"
ATTR_TIMEOUT: Final = "timeout"
SERVICE_PUBLISH: Final = "publish"
SERVICE_REQUEST: Final = "request"
DEFAULT_REQUEST_TIMEOUT: Final = 5.0
MAX_REQUEST_TIMEOUT: Final = 300.0
FLUSH_TIMEOUT: Final = 5
"""Seconds to wait for the server to confirm it has a published message."""

HEADER_NAME: Final = r"^[!-9;-~]+$"
"""A header name: printable ASCII without spaces or colons (as in HTTP)."""
HEADER_VALUE: Final = r"^[^\r\n]*$"

PUBLISH_SCHEMA: Final = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_SUBJECT): cv.string,
        vol.Optional(ATTR_PAYLOAD): vol.Any(None, str, int, float, bool, dict, list),
        vol.Optional(ATTR_HEADERS): vol.Schema(
            {vol.All(cv.string, vol.Match(HEADER_NAME)): vol.All(cv.string, vol.Match(HEADER_VALUE))}
        ),
    }
)
REQUEST_SCHEMA: Final = PUBLISH_SCHEMA.extend(
    {
        vol.Optional(ATTR_TIMEOUT, default=DEFAULT_REQUEST_TIMEOUT): vol.All(
            vol.Coerce(float), vol.Range(min=0.1, max=MAX_REQUEST_TIMEOUT)
        ),
    }
)


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def loaded_entry(hass: HomeAssistant, entry_id: str | None) -> NatsConfigEntry:
    """Return the entry a call names, or the only loaded one; a translated error otherwise."""
    entries: list[NatsConfigEntry] = [
        entry for entry in hass.config_entries.async_entries(DOMAIN) if entry.state is ConfigEntryState.LOADED
    ]
    if entry_id is not None:
        entries = [entry for entry in entries if entry.entry_id == entry_id]
        if not entries:
            raise _invalid("entry_not_loaded", entry=entry_id)
    elif len(entries) != 1:
        raise _invalid("entry_required", count=str(len(entries)))
    return entries[0]


def encode_payload(payload: object, subject: str) -> bytes:
    """Return the bytes to send: text as it is, anything else (a mapping, a list, a number) as JSON."""
    if payload is None:
        return b""
    if isinstance(payload, str):
        return payload.encode()
    try:
        return json_bytes(payload)
    except TypeError as err:
        raise _invalid("action_invalid_payload", subject=subject, error=str(err)) from None


def reply_response(msg: NatsMsg) -> dict[str, Any]:
    """Return a reply as response data: its text, its JSON when it is JSON, its headers."""
    text = msg.data.decode(errors="replace")
    response: dict[str, Any] = {"payload": text, "headers": dict(msg.headers or {})}
    with contextlib.suppress(ValueError):
        response["json"] = json_loads(text)
    return response


def _target(hass: HomeAssistant, call: ServiceCall) -> tuple[NatsHub, NatsClient, str]:
    """Return the hub, its connected client and the checked subject of a call."""
    subject: str = call.data[ATTR_SUBJECT]
    if (problem := subject_problem(subject, wildcards=False)) is not None:
        raise _invalid("action_invalid_subject", subject=subject, problem=problem)
    hub = loaded_entry(hass, call.data.get(ATTR_CONFIG_ENTRY_ID)).runtime_data.hub
    client = hub.client
    if client is None or not hub.connected or not client.is_connected:
        raise _error("action_not_connected", subject=subject, entry=hub.entry.title)
    return hub, client, subject


class _Refusal:
    """Waits for the server to refuse publishing to one subject (its -ERR arrives asynchronously)."""

    def __init__(self, hub: NatsHub, subject: str) -> None:
        self.refused: asyncio.Future[None] = hub.hass.loop.create_future()
        needle = f'publish to "{subject.lower()}"'  # nats-py lower-cases the server's error

        def _on_violation(text: str) -> None:
            if needle in text and not self.refused.done():
                self.refused.set_result(None)

        self._stop: Callable[[], None] = hub.client_errors.listen_violations(_on_violation)

    def close(self) -> None:
        self._stop()
        self.refused.cancel()


async def async_publish(hub: NatsHub, client: NatsClient, subject: str, payload: bytes, headers: Any) -> None:
    """Publish and return once the server has it; a translated error when it refused it.

    Two flushes: nats-py's first PING may overtake the PUB still in its
    write buffer; the second follows it, and any -ERR about it comes first.
    """
    refusal = _Refusal(hub, subject)
    try:
        await client.publish(subject, payload, headers=headers)
        for _ in range(2):
            await client.flush(timeout=FLUSH_TIMEOUT)
        if refusal.refused.done():
            raise _error("action_permission_denied", subject=subject)
    except nats.errors.MaxPayloadError:
        raise _error("action_payload_too_large", subject=subject, size=str(len(payload))) from None
    except (nats.errors.Error, TimeoutError, OSError) as err:
        raise _error("action_failed", subject=subject, error=str(err) or type(err).__name__) from err
    finally:
        refusal.close()


async def async_request(
    hub: NatsHub, client: NatsClient, subject: str, payload: bytes, headers: Any, timeout: float
) -> NatsMsg:
    """Send a request and return the reply; a translated error for each way it fails."""
    refusal = _Refusal(hub, subject)
    request: asyncio.Future[NatsMsg] = asyncio.ensure_future(
        client.request(subject, payload, timeout=timeout, headers=headers)
    )
    waiting: set[asyncio.Future[Any]] = {request, refusal.refused}
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if refusal.refused.done() and not request.done():
            raise _error("action_permission_denied", subject=subject)
        return await request
    except nats.errors.NoRespondersError:
        raise _error("action_no_responders", subject=subject) from None
    except (TimeoutError, nats.errors.TimeoutError):
        raise _error("action_timeout", subject=subject, timeout=f"{timeout:g}") from None
    except nats.errors.MaxPayloadError:
        raise _error("action_payload_too_large", subject=subject, size=str(len(payload))) from None
    except (nats.errors.Error, OSError) as err:
        raise _error("action_failed", subject=subject, error=str(err) or type(err).__name__) from err
    finally:
        refusal.close()
        if not request.done():
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError, nats.errors.Error):
                await request


@callback
def async_setup_nats_actions(hass: HomeAssistant) -> None:
    """Register nats.publish and nats.request once for the integration (they find their entry per call)."""

    async def _publish(call: ServiceCall) -> None:
        hub, client, subject = _target(hass, call)
        payload = encode_payload(call.data.get(ATTR_PAYLOAD), subject)
        await async_publish(hub, client, subject, payload, call.data.get(ATTR_HEADERS))

    async def _request(call: ServiceCall) -> ServiceResponse:
        hub, client, subject = _target(hass, call)
        payload = encode_payload(call.data.get(ATTR_PAYLOAD), subject)
        timeout: float = call.data[ATTR_TIMEOUT]
        msg = await async_request(hub, client, subject, payload, call.data.get(ATTR_HEADERS), timeout)
        return reply_response(msg) if call.return_response else None

    hass.services.async_register(DOMAIN, SERVICE_PUBLISH, _publish, schema=PUBLISH_SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_REQUEST,
        _request,
        schema=REQUEST_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
