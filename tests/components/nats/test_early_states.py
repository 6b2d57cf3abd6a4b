"""States that arrive before their announcement are kept, bounded, and applied."""

from __future__ import annotations

import json

import nats
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant

from custom_components.nats import early_states
from custom_components.nats.diagnostics import messages_for_diagnostics
from custom_components.nats.early_states import EarlyStates

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import state_of, wait_for


async def test_state_before_announcement(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, device_factory: DeviceFactory
) -> None:
    """A device's state handled before its announcement is not lost."""
    await device_factory("den", [{"platform": "sensor", "id": "level", "unit": "%"}])
    await wait_for(hass, lambda: hass.states.get("sensor.den_level") is not None)
    client = await nats.connect(nats_server.url)
    try:
        await client.publish("home.devices.early.switch.relay.state", b'{"state": "ON"}')
        # Invalid (the sensor is numeric): refused once announced.
        await client.publish("home.devices.early.sensor.level.state", b'{"state": "high"}')
        # Barrier: same publisher, same hub subscription, so handled after the early states.
        await client.publish("home.devices.den.sensor.level.state", b'{"state": 1}')
        await client.flush()
        await wait_for(hass, lambda: state_of(hass, "sensor.den_level")() == "1")
        # Both were handled before the announcement, which has not been sent yet.
        hub = setup_entry.runtime_data.hub
        assert messages_for_diagnostics(hub)["states_waiting_for_announcement"] == 2

        await client.publish(
            "home.discovery.announce.early",
            json.dumps(
                {
                    "v": 1,
                    "id": "early",
                    "name": "Early",
                    "entities": [
                        {"platform": "switch", "id": "relay"},
                        {"platform": "sensor", "id": "level", "unit": "%"},
                    ],
                }
            ).encode(),
        )
        await client.flush()
        await wait_for(hass, lambda: state_of(hass, "switch.early_relay")() == "on")
        assert state_of(hass, "sensor.early_level")() == "unknown"
        assert messages_for_diagnostics(hub)["states_waiting_for_announcement"] == 0
    finally:
        await client.close()


def test_bounded_by_count() -> None:
    """When full, the device heard from longest ago is dropped first."""
    states = EarlyStates()
    for device in range(early_states.MAX_STATES + 10):
        states.add(f"d{device}", ("switch", "relay"), b'{"state":"ON"}')
    assert len(states) == early_states.MAX_STATES
    assert states.evicted == 10
    assert states.take("d0") == {}
    assert states.take(f"d{early_states.MAX_STATES + 9}") == {("switch", "relay"): b'{"state":"ON"}'}


def test_bounded_by_bytes() -> None:
    """A flood of large states cannot grow memory past the byte limit."""
    states = EarlyStates()
    big = b"x" * (64 * 1024)
    for device in range(200):
        states.add(f"d{device}", ("sensor", "blob"), big)
    kept = sum(len(states.take(f"d{device}")) for device in range(200))
    assert kept * len(big) <= early_states.MAX_BYTES
    assert kept > 0


def test_latest_state_wins() -> None:
    """Only the newest state of an entity is kept."""
    states = EarlyStates()
    states.add("d", ("switch", "relay"), b"1")
    states.add("d", ("switch", "relay"), b"2")
    assert states.take("d") == {("switch", "relay"): b"2"}
    assert states.take("d") == {}
