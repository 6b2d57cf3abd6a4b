"""Event entities: live events fire with their type and attributes; device triggers run automations."""

from __future__ import annotations

import logging
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)

from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES, EventDeviceClass
from homeassistant.const import ATTR_DEVICE_CLASS, EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component

from custom_components.nats import device_trigger
from custom_components.nats.const import DOMAIN
from custom_components.nats.identity import device_identifier
from nats_home.device import Device

from ...conftest import DeviceFactory, server_has_everything
from ...nats_server import NatsServer
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "event", "id": "doorbell", "device_class": "doorbell", "event_types": ["ring"]},
    {
        "platform": "event",
        "id": "remote_button",
        "name": "Remote button",
        "device_class": "button",
        "event_types": ["single", "double", "long"],
    },
    {"platform": "event", "id": "knocker", "event_types": ["knock"]},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
BUTTON = "event.porch_remote_button"


@pytest.fixture
async def porch(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with a doorbell, a remote button and a knocker, in Home Assistant."""
    device = await device_factory("porch", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.porch_barrier") is not None)
    return device


async def _barrier(hass: HomeAssistant, device: Device, value: str) -> None:
    """Return once Home Assistant has handled everything the device published before."""
    await device.set_state("barrier", value)
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_barrier")() == value)


def _record_states(hass: HomeAssistant, entity_id: str) -> list[Any]:
    changes: list[Any] = []

    @callback
    def _on_state_changed(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == entity_id:
            changes.append(event.data["new_state"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, _on_state_changed)
    return changes


def _device_id(hass: HomeAssistant, device_id: str) -> str:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry.entry_id, device_id), entry.entry_id
    )
    assert device is not None
    return device.id


def _registry_id(hass: HomeAssistant, entity_id: str) -> str:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    return entry.id


async def test_discovery(hass: HomeAssistant, porch: Device) -> None:
    """Event types and device class as announced; no event seen yet."""
    doorbell = hass.states.get("event.porch_doorbell")
    assert doorbell.state == STATE_UNKNOWN
    assert doorbell.attributes[ATTR_EVENT_TYPES] == ["ring"]
    assert doorbell.attributes[ATTR_DEVICE_CLASS] == EventDeviceClass.DOORBELL
    button = hass.states.get(BUTTON)
    assert button.attributes[ATTR_EVENT_TYPES] == ["single", "double", "long"]
    assert button.attributes[ATTR_DEVICE_CLASS] == EventDeviceClass.BUTTON
    assert ATTR_DEVICE_CLASS not in hass.states.get("event.porch_knocker").attributes


async def test_event_fires_with_type_and_attributes(hass: HomeAssistant, porch: Device) -> None:
    """Every event is its own state change, with its type and its attributes beside it."""
    changes = _record_states(hass, BUTTON)
    await porch.fire_event("remote_button", "double", battery=87, rssi=-61)
    await porch.fire_event("remote_button", "double", battery=86, rssi=-60)
    await porch.fire_event("remote_button", "long")
    await _barrier(hass, porch, "after")
    assert [(state.attributes[ATTR_EVENT_TYPE], state.attributes.get("battery")) for state in changes] == [
        ("double", 87),
        ("double", 86),
        ("long", None),
    ]
    assert len({state.state for state in changes}) == 3  # three distinct timestamps
    assert changes[0].attributes["rssi"] == -61
    await porch.fire_event("doorbell", "ring")
    await wait_for(hass, lambda: state_of(hass, "event.porch_doorbell")() != STATE_UNKNOWN)
    assert hass.states.get("event.porch_doorbell").attributes[ATTR_EVENT_TYPE] == "ring"


async def test_invalid_events_are_refused(
    hass: HomeAssistant, porch: Device, caplog: pytest.LogCaptureFixture
) -> None:
    """An unannounced type or a nested attribute fires nothing; one warning names device and subject."""
    caplog.set_level(logging.DEBUG, logger="custom_components.nats.hub")
    await porch.fire_event("remote_button", "single")
    await wait_for(hass, lambda: state_of(hass, BUTTON)() != STATE_UNKNOWN)
    before = hass.states.get(BUTTON)

    await porch.fire_event("remote_button", "triple")
    await porch.fire_event("remote_button", "triple")  # the same mistake again: rate-limited
    await porch.fire_event("remote_button", "double", where={"room": "hall"})
    await _barrier(hass, porch, "after")

    assert hass.states.get(BUTTON) == before
    subject = "home.devices.porch.event.remote_button.event"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        warnings.count(f"Device porch: ignoring event on {subject}: event_type 'triple' was not announced")
        == 1
    )
    assert any(
        message.startswith(f"Device porch: ignoring event on {subject}: attributes value of 'where'")
        for message in warnings
    )
    repeats = [r for r in caplog.records if r.levelno == logging.DEBUG and "'triple'" in r.getMessage()]
    assert len(repeats) == 1


async def test_event_before_announcement_is_not_kept(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unlike a state, an event for an entity not announced yet is dropped, not fired later."""
    caplog.set_level(logging.DEBUG, logger="custom_components.nats.hub")
    client = await nats.connect(nats_server.url)
    await client.publish("home.devices.porch.event.doorbell.event", b'{"event_type": "ring"}')
    await client.flush()
    await wait_for(hass, lambda: "Ignoring event on home.devices.porch.event.doorbell.event" in caplog.text)
    await client.close()
    device = await device_factory("porch", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("event.porch_doorbell") is not None)
    await _barrier(hass, device, "after")
    assert state_of(hass, "event.porch_doorbell")() == STATE_UNKNOWN


async def test_device_triggers_list_event_types(hass: HomeAssistant, porch: Device) -> None:
    """Each event entity offers one device trigger per announced event type."""
    device_id = _device_id(hass, "porch")
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device_id)
    ours = {(t["entity_id"], t["type"]) for t in triggers if t["domain"] == DOMAIN}
    doorbell, button, knocker = (
        _registry_id(hass, f"event.porch_{name}") for name in ("doorbell", "remote_button", "knocker")
    )
    assert ours == {
        (doorbell, "ring"),
        (button, "single"),
        (button, "double"),
        (button, "long"),
        (knocker, "knock"),
    }
    assert all(t["platform"] == "device" and t["device_id"] == device_id for t in triggers)


async def test_trigger_config_names_an_announced_type(hass: HomeAssistant, porch: Device) -> None:
    """A trigger for a type the entity does not have is refused when the automation is loaded."""
    config = {
        "platform": "device",
        "domain": DOMAIN,
        "device_id": _device_id(hass, "porch"),
        "entity_id": _registry_id(hass, BUTTON),
    }
    valid = await device_trigger.async_validate_trigger_config(hass, {**config, "type": "long"})
    assert valid["entity_id"] == BUTTON
    with pytest.raises(InvalidDeviceAutomationConfig):
        await device_trigger.async_validate_trigger_config(hass, {**config, "type": "triple"})


async def _automation(hass: HomeAssistant, event_type: str) -> list[ServiceCall]:
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [
                    {
                        "trigger": "device",
                        "domain": DOMAIN,
                        "device_id": _device_id(hass, "porch"),
                        "entity_id": _registry_id(hass, BUTTON),
                        "type": event_type,
                    }
                ],
                "actions": [
                    {
                        "action": "test.automation",
                        "data": {
                            "event_type": "{{ trigger.event_type }}",
                            "battery": "{{ trigger.to_state.attributes.battery }}",
                            "entity_id": "{{ trigger.entity_id }}",
                        },
                    }
                ],
            }
        },
    )
    return calls


async def test_automation_with_a_device_trigger_runs(hass: HomeAssistant, porch: Device) -> None:
    """The automation runs for each event of its type, not for others, with the event's attributes."""
    calls = await _automation(hass, "double")
    await porch.fire_event("remote_button", "single")
    await porch.fire_event("remote_button", "double", battery=87)
    await porch.fire_event("remote_button", "double", battery=86)
    await _barrier(hass, porch, "after")
    await wait_for(hass, lambda: len(calls) >= 2)
    assert [call.data for call in calls] == [
        {"event_type": "double", "battery": 87, "entity_id": BUTTON},
        {"event_type": "double", "battery": 86, "entity_id": BUTTON},
    ]


async def test_nothing_fires_after_a_reconnect(
    hass: HomeAssistant, porch: Device, nats_server: NatsServer
) -> None:
    """Back from unavailable, the entity shows its last event again; no trigger fires for it."""
    calls = await _automation(hass, "double")
    await porch.fire_event("remote_button", "double", battery=87)
    await wait_for(hass, lambda: len(calls) == 1)
    last = state_of(hass, BUTTON)()

    nats_server.stop()
    await wait_for(hass, lambda: state_of(hass, BUTTON)() == STATE_UNAVAILABLE)
    nats_server.start()
    await wait_for(hass, lambda: state_of(hass, BUTTON)() not in (None, STATE_UNAVAILABLE), timeout=10)
    await wait_for(hass, lambda: porch.nc.is_connected)
    await server_has_everything(porch.nc)
    await _barrier(hass, porch, "after")

    assert state_of(hass, BUTTON)() == last
    assert len(calls) == 1
    await porch.fire_event("remote_button", "double", battery=80)
    await wait_for(hass, lambda: len(calls) == 2)
