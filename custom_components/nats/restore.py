"""Zero-gap start: every retained device, entity and last state in place before any device speaks.

At set-up the hub reads back the home's streams (docs/integration.md,
"Retained devices and states"): the last announcement of every device, the
last state of every entity and the last heartbeat of every device. Devices
are created from their announcements with their states; a device is
available at once when the server stored something from it within its
availability window (its heartbeat interval times 2.5) and its last heartbeat
did not say it went offline. The platforms are set up before set-up ends,
adding the restored entities, so Home Assistant never shows them as
unavailable placeholders across a restart.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING

from .device_runtime import DeviceRuntime, EntityKey
from .protocol.errors import ProtocolError
from .protocol.models import Heartbeat
from .protocol.payloads import parse_heartbeat
from .retained_reader import RetainedMessage, async_read_last_messages
from .retention import stream_names

if TYPE_CHECKING:
    from .hub import NatsHub

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    """What the last start read back, for diagnostics."""

    devices: int = 0
    available: int = 0
    states: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class _Retained:
    """One device's retained states and heartbeat, and how long ago it was last heard."""

    states: dict[EntityKey, bytes]
    age: float = float("inf")
    heartbeat: Heartbeat | None = None


async def async_restore(hub: NatsHub) -> RestoreSummary:
    """Read the home's streams back and create every device they keep, with its states."""
    client = hub.jetstream_client
    assert client is not None
    started = time.monotonic()
    subjects = hub.subjects
    devices_stream, states_stream = stream_names(subjects)
    announcements, states, heartbeats = await asyncio.gather(
        async_read_last_messages(client, devices_stream, subjects.announce_any),
        async_read_last_messages(client, states_stream, subjects.state_any),
        async_read_last_messages(client, states_stream, subjects.status_any),
    )
    retained = _by_device(hub, states, heartbeats)
    available = 0
    restored: list[DeviceRuntime] = []
    for message in announcements:
        device_id = subjects.announce_device(message.subject)
        if not device_id:
            continue
        found = retained.get(device_id) or _Retained({})
        runtime = hub.discovery.restore(message.subject, device_id, message.data, found.states)
        if runtime is None:
            continue
        restored.append(runtime)
        heartbeat = found.heartbeat
        interval = heartbeat.interval if heartbeat is not None else runtime.announcement.heartbeat_interval
        online = heartbeat.online if heartbeat is not None else True
        hub.availability.restore(runtime.liveness, interval, min(found.age, message.age), online=online)
        available += runtime.liveness.available
    # Within set-up: the platforms add the restored entities before set-up ends.
    await hub.platforms.async_set_up_now(hub.discovery.restored_platforms())
    # Their settings' entities too, also for a device still offline; their platforms are
    # set up once set-up has ended, so this runs after it.
    hub.entry.async_create_background_task(
        hub.hass, _async_follow_settings(hub, restored), "nats restored device settings"
    )
    summary = RestoreSummary(
        devices=len(hub.devices),
        available=available,
        states=sum(len(device.states) for device in hub.devices.values()),
        seconds=round(time.monotonic() - started, 3),
    )
    if summary.devices:
        _LOGGER.info(
            "Restored %d devices (%d available) and %d states from JetStream in %.2f s",
            summary.devices,
            summary.available,
            summary.states,
            summary.seconds,
        )
    return summary


async def _async_follow_settings(hub: NatsHub, restored: list[DeviceRuntime]) -> None:
    for runtime in restored:
        if hub.devices.get(runtime.id) is runtime:  # not removed meanwhile
            await hub.device_config.async_follow(runtime)


def _by_device(
    hub: NatsHub, states: list[RetainedMessage], heartbeats: list[RetainedMessage]
) -> dict[str, _Retained]:
    """Group retained states and heartbeats by device; the youngest message dates the device."""
    subjects = hub.subjects
    retained: dict[str, _Retained] = {}
    for message in states:
        if (parsed := subjects.parse_entity(message.subject)) is None:
            continue
        found = retained.setdefault(parsed.device_id, _Retained({}))
        found.states[parsed.platform, parsed.entity_id] = message.data
        found.age = min(found.age, message.age)
    for message in heartbeats:
        if (device_id := subjects.status_device(message.subject)) is None:
            continue
        try:
            heartbeat = parse_heartbeat(message.data)
        except ProtocolError as err:
            _LOGGER.warning("Ignoring the retained heartbeat on %s: %s", message.subject, err)
            continue
        found = retained.setdefault(device_id, _Retained({}))
        found.heartbeat = heartbeat
        found.age = min(found.age, message.age)
    return retained
