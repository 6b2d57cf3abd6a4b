"""A device going offline and coming back is one logbook entry on the device, each time.

The logbook itself (recorder, frontend) is not set up: its describer is
called as the logbook calls it, on the events the real hub fired.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.logbook import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from custom_components.nats import logbook
from custom_components.nats.const import DOMAIN
from custom_components.nats.device_events import EVENT_DEVICE_AVAILABILITY
from custom_components.nats.identity import device_identifier

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

# Sensors with a unit are left out of the logbook entirely: only this event shows the device went offline.
ENTITIES = [{"platform": "sensor", "id": "temperature", "name": "Temperature", "unit": "°C"}]
SENSOR = "sensor.cellar_temperature"


def _describer(hass: HomeAssistant) -> Callable[[Event[Any]], dict[str, str]]:
    described: dict[tuple[str, str], Callable[[Event[Any]], dict[str, str]]] = {}

    def _register(domain: str, event_type: str, describe: Callable[[Event[Any]], dict[str, str]]) -> None:
        described[domain, event_type] = describe

    logbook.async_describe_events(hass, _register)
    return described[DOMAIN, EVENT_DEVICE_AVAILABILITY]


async def test_device_offline_and_back_are_logbook_entries(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    events: list[Event[Any]] = []

    @callback
    def _record(event: Event[Any]) -> None:
        events.append(event)

    hass.bus.async_listen(EVENT_DEVICE_AVAILABILITY, _record)
    cellar = await device_factory("cellar", ENTITIES, heartbeat_interval=600)
    await cellar.set_state("temperature", 12.5)
    await wait_for(hass, lambda: state_of(hass, SENSOR)() == "12.5")
    assert events == []  # being discovered is not coming back

    await cellar.heartbeat(online=False)
    await wait_for(hass, lambda: len(events) == 1)
    await cellar.heartbeat()
    await wait_for(hass, lambda: len(events) == 2)

    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(setup_entry.entry_id, "cellar"), setup_entry.entry_id
    )
    assert device is not None
    assert [(e.data["device_id"], e.data["nats_device_id"], e.data["available"]) for e in events] == [
        (device.id, "cellar", False),
        (device.id, "cellar", True),
    ]
    describe = _describer(hass)
    assert describe(events[0]) == {
        LOGBOOK_ENTRY_NAME: "Cellar",
        LOGBOOK_ENTRY_MESSAGE: "went offline: the NATS device said goodbye or fell silent",
    }
    assert describe(events[1])[LOGBOOK_ENTRY_MESSAGE] == "came online: the NATS device is heard again"
