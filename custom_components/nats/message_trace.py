"""The `nats.trace_command` action: one real command, sent with nats-server's message tracing.

nats-server 2.11+ follows a message carrying the header `Nats-Trace-Dest`:
every server it passes publishes a JSON trace of what it did with it
(received from which connection, mapped, imported, stored, delivered to
which connections) to the subject the header names. The action sends the
command an entity would send, to a fresh subject below TRACE_INBOX_PREFIX
(which Home Assistant's user may publish and subscribe to: the server drops
a traced message whose sender may not publish to its destination), gathers the traces for a moment after the
device answered, and returns every hop in order with the command's outcome.
Devices need nothing: the header is only read by servers.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import time
from typing import TYPE_CHECKING, Any, Final
import uuid

import probatio as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er

import nats.errors

from .commands import trace_destination
from .const import DOMAIN
from .device_history import redact_command
from .protocol.errors import ProtocolError
from .protocol.permissions import TRACE_INBOX_PREFIX
from .protocol.platforms import PLATFORMS
from .protocol.transport import NatsMsg
from .protocol.validators import validate

if TYPE_CHECKING:
    from .entity import NatsEntity
    from .hub import NatsHub

SERVICE_TRACE_COMMAND: Final = "trace_command"
ATTR_COMMAND: Final = "command"
TRACE_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_ENTITY_ID): cv.entity_id, vol.Required(ATTR_COMMAND): vol.Schema(dict)}
)

MIN_SERVER_VERSION: Final = (2, 11)
SETTLE: Final = 0.5
"""Seconds without a new trace after the command ended before the trace counts as complete:
servers behind a leaf link or route send theirs a little later."""
MAX_GATHER: Final = 3.0
"""Seconds to gather traces after the command ended, at most."""

EVENTS: Final = {
    "in": "received",
    "sm": "subject_mapped",
    "se": "stream_exported",
    "si": "service_imported",
    "js": "stored_in_stream",
    "eg": "delivered",
}
"""The trace event types (ADR-41), as the action names them."""
KINDS: Final = ("client", "route", "gateway", "system", "leaf", "jetstream", "account")
"""nats-server's connection kinds, by their number in a trace event."""


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _find_entity(hass: HomeAssistant, entity_id: str) -> tuple[NatsHub, NatsEntity[Any, Any]]:
    """Return the hub and live entity object of an entity a NATS device announced."""
    registered = er.async_get(hass).async_get(entity_id)
    entry = (
        hass.config_entries.async_get_entry(registered.config_entry_id)
        if registered is not None and registered.platform == DOMAIN and registered.config_entry_id
        else None
    )
    if registered is not None and entry is not None and entry.state is ConfigEntryState.LOADED:
        hub: NatsHub = entry.runtime_data.hub
        parts = registered.unique_id.split(":")  # entry:device:platform:entity (identity.py)
        device = hub.devices.get(parts[1]) if len(parts) == 4 else None
        entity = device.entities.get((parts[2], parts[3])) if device is not None else None
        if entity is not None:
            return hub, entity
    raise _error("trace_unknown_entity", entity_id=entity_id)


def _position(trace: dict[str, Any]) -> tuple[int, tuple[int, ...]]:
    """Return where a server's trace sits in the message's path.

    The origin first: the server that received the message from a client.
    Then by `Nats-Trace-Hop` (1, 1.1, 2…), which each server forwarding it
    adds. A device that copies the request's headers into its reply (which it
    should not: docs/protocol.md) sends it with the command's hop header, so
    only the client ingress tells the reply's origin apart.
    """
    header = (trace.get("request") or {}).get("header") or {}
    hop = next(iter(header.get("Nats-Trace-Hop") or []), "")
    from_client = any(
        event.get("type") == "in" and event.get("kind") == 0 for event in trace.get("events") or []
    )
    return (0 if from_client else 1, tuple(int(part) for part in hop.split(".") if part.isdigit()))


def _hops(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one server's trace events as the action lists them."""
    server = (trace.get("server") or {}).get("name")
    hops = []
    for event in trace.get("events") or []:
        kind = event.get("kind")
        hop = {
            "server": server,
            "event": EVENTS.get(event.get("type"), event.get("type")),
            "kind": KINDS[kind] if isinstance(kind, int) and 0 <= kind < len(KINDS) else None,
            "connection": event.get("name"),
            "account": event.get("acc"),
            # Received on subj, delivered to the subscription sub, mapped or imported to `to`.
            "subject": event.get("subj") or event.get("sub") or event.get("to") or event.get("subject"),
            "stream": event.get("stream"),
            "error": event.get("error"),
            "at": event.get("ts"),
        }
        hops.append({key: value for key, value in hop.items() if value is not None})
    return hops


@dataclass(slots=True)
class _Traces:
    """The trace messages received on the destination, in order of arrival."""

    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_message(self, msg: NatsMsg) -> None:
        try:
            trace = json.loads(msg.data)
        except ValueError:
            return  # not a trace (the inbox is fresh; nothing else should arrive)
        if isinstance(trace, dict):
            self.received.append(trace)
            self.arrived.set()

    async def async_settle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait until no trace arrived for SETTLE seconds, at most MAX_GATHER."""
        deadline = loop.time() + MAX_GATHER
        while (remaining := deadline - loop.time()) > 0:
            self.arrived.clear()
            try:
                async with asyncio.timeout(min(SETTLE, remaining)):
                    await self.arrived.wait()
            except TimeoutError:
                return

    def ordered_hops(self, command_subject: str) -> list[dict[str, Any]]:
        """Return every hop: the command's path server by server, then its reply's."""

        def is_command(trace: dict[str, Any]) -> bool:
            return any(
                event.get("type") == "in" and event.get("subj") == command_subject
                for event in trace.get("events") or []
            )

        hops: list[dict[str, Any]] = []
        for message, traces in (
            ("command", [t for t in self.received if is_command(t)]),
            ("reply", [t for t in self.received if not is_command(t)]),
        ):
            for trace in sorted(traces, key=_position):  # stable: arrival order among equals
                hops.extend({"message": message, **hop} for hop in _hops(trace))
        return hops


async def async_trace_command(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Send one command with tracing and return its path and outcome."""
    entity_id: str = call.data[ATTR_ENTITY_ID]
    hub, entity = _find_entity(hass, entity_id)
    platform = PLATFORMS.get(entity.description.platform)
    if platform is None or platform.command_schema is None:
        raise _error("trace_no_commands", entity_id=entity_id)
    try:
        command: dict[str, Any] = validate(platform.command_schema, call.data[ATTR_COMMAND])
    except ProtocolError as err:
        raise _error("trace_invalid_command", entity_id=entity_id, error=str(err)) from None
    client = hub.client
    if client is None or not hub.connected:
        raise _error("not_connected", device=hub.device_name(entity.device_id))
    version = client.connected_server_version
    if (version.major, version.minor) < MIN_SERVER_VERSION:
        raise _error("trace_unsupported_server", version=str(version))

    traces = _Traces()
    destination = f"{TRACE_INBOX_PREFIX}.{uuid.uuid4().hex}"
    subscription = await client.subscribe(destination, cb=traces.on_message)
    try:
        await client.flush()  # the server has the subscription before the first trace
        token = trace_destination.set(destination)
        started = time.monotonic()
        error: str | None = None
        try:
            await entity.async_command(command)
        except HomeAssistantError as err:
            error = str(err)
        finally:
            trace_destination.reset(token)
        round_trip_ms = round((time.monotonic() - started) * 1000, 1)
        await traces.async_settle(hass.loop)
    finally:
        with contextlib.suppress(nats.errors.Error):  # the connection went meanwhile
            await subscription.unsubscribe()
    device = hub.devices.get(entity.device_id)
    record = next(
        (
            r
            for r in reversed(device.history.commands if device is not None else ())
            if r.traced and r.platform == entity.key[0] and r.entity == entity.key[1]
        ),
        None,
    )
    subject = hub.subjects.entity(entity.device_id, *entity.key, "command")
    response: dict[str, Any] = {
        "entity_id": entity_id,
        "device_id": entity.device_id,
        "subject": subject,
        "command": redact_command(command),
        "outcome": record.outcome if record is not None else ("ok" if error is None else "failed"),
        "error": error,
        "round_trip_ms": record.round_trip_ms if record is not None else round_trip_ms,
        "trace_subject": destination,
        "hops": traces.ordered_hops(subject),
    }
    return response


@callback
def async_setup_trace_action(hass: HomeAssistant) -> None:
    """Register `nats.trace_command` (once for the integration; it finds the entity's entry)."""

    async def _trace(call: ServiceCall) -> ServiceResponse:
        return await async_trace_command(hass, call)

    hass.services.async_register(
        DOMAIN,
        SERVICE_TRACE_COMMAND,
        _trace,
        schema=TRACE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
