"""A state subject's route (state_ingest.py) follows what the device last announced and what the user removed.

The hub resolves a state subject to its device, entity and announcement once
and keeps that route; these tests change the announcement, or remove the
device, after states were routed, and check the next state is judged by what
holds now. Each waits for a barrier state published after the one under test
on the same connection (same hub subscription, so handled after it).
"""

from __future__ import annotations

import json

import nats
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component

from custom_components.nats.diagnostics import messages_for_diagnostics
from custom_components.nats.identity import device_identifier

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import remove_device_in_ui, state_of, wait_for

POWER = {"platform": "sensor", "id": "power", "name": "Power", "unit": "W"}
LEVEL = {
    "platform": "sensor",
    "id": "level",
    "name": "Level",
    "device_class": "enum",
    "options": ["low", "high"],
}
BARRIER = {"platform": "sensor", "id": "barrier", "name": "Barrier"}


def _options(hass: HomeAssistant, entity_id: str) -> object:
    """An enum sensor's options; None while the entity is missing (re-created after a re-announcement)."""
    state = hass.states.get(entity_id)
    return state.attributes.get("options") if state is not None else None


async def test_a_state_is_judged_by_its_entitys_changed_announcement(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """A numeric sensor re-announced as an enum takes text states from then on (and no longer numbers)."""
    device = await device_factory("den", [{**POWER, "id": "reading", "name": "Reading"}, BARRIER])
    await device.set_state("reading", 42)
    await wait_for(hass, lambda: state_of(hass, "sensor.den_reading")() == "42")

    device.states.clear()  # the re-announcement alone carries no state
    await device.set_entities([{**LEVEL, "id": "reading", "name": "Reading"}, BARRIER])
    await wait_for(hass, lambda: _options(hass, "sensor.den_reading") == ["low", "high"])
    await device.set_state("reading", "high")
    await wait_for(hass, lambda: state_of(hass, "sensor.den_reading")() == "high")

    await device.set_state("reading", 7)  # a number no longer fits
    await device.set_state("barrier", "after")
    await wait_for(hass, lambda: state_of(hass, "sensor.den_barrier")() == "after")
    assert state_of(hass, "sensor.den_reading")() == "high"


async def test_a_state_of_an_entity_no_longer_announced_waits_for_its_announcement(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """An entity dropped from the announcement takes no more states; the next one waits, as for any unknown entity."""
    device = await device_factory("den", [POWER, BARRIER])
    await device.set_state("power", 42)
    await wait_for(hass, lambda: state_of(hass, "sensor.den_power")() == "42")
    hub = setup_entry.runtime_data.hub

    await device.set_entities([BARRIER])
    await wait_for(hass, lambda: hass.states.get("sensor.den_power") is None)
    client = await nats.connect(nats_server.url)
    await client.publish("home.devices.den.sensor.power.state", json.dumps({"state": 43}).encode())
    await client.publish("home.devices.den.sensor.barrier.state", json.dumps({"state": "after"}).encode())
    await client.flush()
    await client.close()
    await wait_for(hass, lambda: state_of(hass, "sensor.den_barrier")() == "after")

    assert ("sensor", "power") not in hub.devices["den"].states
    assert messages_for_diagnostics(hub)["states_waiting_for_announcement"] == 1


async def test_a_removed_devices_state_is_not_applied(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """After the user removes a device, its states wait for it to announce again; they apply to nothing."""
    assert await async_setup_component(hass, "config", {})
    await device_factory("den", [POWER])
    other = await device_factory("hall", [BARRIER])
    den = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(setup_entry.entry_id, "den"), setup_entry.entry_id
    )
    assert den is not None
    client = await nats.connect(nats_server.url)
    await client.publish("home.devices.den.sensor.power.state", json.dumps({"state": 42}).encode())
    await client.flush()
    await wait_for(hass, lambda: state_of(hass, "sensor.den_power")() == "42")
    hub = setup_entry.runtime_data.hub
    removed = hub.devices["den"]

    assert await remove_device_in_ui(hass, hass_ws_client, setup_entry.entry_id, den.id)
    await client.publish("home.devices.den.sensor.power.state", json.dumps({"state": 43}).encode())
    await client.publish("home.devices.hall.sensor.barrier.state", json.dumps({"state": "after"}).encode())
    await client.flush()
    await client.close()
    await wait_for(hass, lambda: state_of(hass, "sensor.hall_barrier")() == "after")

    assert "den" not in hub.devices
    assert removed.states[("sensor", "power")] == 42, "the forgotten device's last state was not changed"
    assert messages_for_diagnostics(hub)["states_waiting_for_announcement"] == 1
    assert other.id == "hall"
